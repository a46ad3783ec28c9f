import { Construct } from 'constructs';
import { CanarySpecProvider } from '../../../imports/flagger-flagger.app';
import { TraefikService, TraefikServiceSpecWeightedServicesPort } from '../../../imports/traefik-traefikservice-traefik.io';
import { ignoreOn } from '../gitops';
import { FlaggerRouting, PlainServiceLayout, RoutingResult, RoutingSpec, routingMetadata, TrafficRouter, TrafficRouterType } from './router';

/** Traefik weighted TraefikService named after the service (reference it from an IngressRoute). */
export class TraefikRouter implements TrafficRouter {
  public readonly kind = 'traefik';
  public readonly splitsByReplicas = false;

  public check(_scope: Construct, _field: string): void {}

  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    const port = TraefikServiceSpecWeightedServicesPort.fromNumber(spec.port);
    const ts = new TraefikService(scope, 'TraefikService', {
      metadata: routingMetadata(spec, spec.name),
      spec: { weighted: { services: [{ name: spec.stableService, port, weight: 100 - spec.canaryWeight }, { name: spec.canaryService, port, weight: spec.canaryWeight }] } },
    });
    return { objects: [ts], ignoreDifferences: spec.controllerOwnsWeights ? [ignoreOn(ts, { jqPathExpressions: ['.spec.weighted.services[].weight'] })] : [] };
  }

  public addChecks(): void {}

  public plainServices(): PlainServiceLayout {
    return { mainSelectsBoth: false, canaryService: true, stableService: false };
  }

  public argoTrafficRouting(name: string): ReturnType<TrafficRouter['argoTrafficRouting']> {
    return { traefik: { weightedTraefikServiceName: name } };
  }

  public flaggerRouting(): FlaggerRouting {
    return { provider: CanarySpecProvider.TRAEFIK };
  }
}

export const TRAEFIK: TrafficRouterType<'traefik'> = {
  kind: 'traefik',
  splitsByReplicas: false,
  backends: ['argo-rollouts', 'flagger', 'plain'],
  settings: [],
  settingsProblems: () => [],
  fromSettings: () => new TraefikRouter(),
};
