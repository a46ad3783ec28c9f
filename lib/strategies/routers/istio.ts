import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { CanarySpecProvider } from '../../../imports/flagger-flagger.app';
import { DestinationRule, VirtualService } from '../../../imports/istio-networking.istio.io';
import { PropsError } from '../../core/errors';
import { ignoreOn } from '../gitops';
import { IgnoreDifference } from '../strategy';
import { FlaggerRouting, PlainServiceLayout, RouterSettings, RoutingResult, RoutingSpec, routingMetadata, TrafficRouter, TrafficRouterType } from './router';

/** Istio splits by DestinationRule subsets (one host) or by two Services (host-level). */
export type IstioMode = 'subset' | 'host';

export interface IstioRouterOptions {
  /** `subset`: VirtualService + DestinationRule subsets on the service's host; `host`: weights between the stable and canary Services. @default "subset" */
  readonly mode?: IstioMode;
}

/** Istio VirtualService (+ DestinationRule subsets in subset mode). */
export class IstioRouter implements TrafficRouter {
  public readonly kind = 'istio';
  public readonly splitsByReplicas = false;
  public readonly mode: IstioMode;

  constructor(options: IstioRouterOptions = {}) {
    this.mode = options.mode ?? 'subset';
  }

  public check(scope: Construct, field: string): void {
    if (!['subset', 'host'].includes(this.mode)) throw new PropsError(scope, `${field}.mode`, this.mode, 'one of "subset", "host"');
  }

  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    const subset = this.mode === 'subset';
    const dest = (service: string, s: string) => (subset ? { host: spec.name, subset: s, port: { number: spec.port } } : { host: service, port: { number: spec.port } });
    const vs = new VirtualService(scope, 'VirtualService', {
      metadata: routingMetadata(spec, spec.name),
      spec: {
        hosts: [spec.name],
        http: [{ name: 'primary', route: [{ destination: dest(spec.stableService, 'stable'), weight: 100 - spec.canaryWeight }, { destination: dest(spec.canaryService, 'canary'), weight: spec.canaryWeight }] }],
      },
    });
    const objects: ApiObject[] = [vs];
    const ignores: IgnoreDifference[] = [];
    if (spec.controllerOwnsWeights) ignores.push(ignoreOn(vs, { jqPathExpressions: ['.spec.http[].route[].weight'] }));
    if (subset) {
      const dr = new DestinationRule(scope, 'DestinationRule', {
        metadata: routingMetadata(spec, spec.name),
        spec: { host: spec.name, subsets: [{ name: 'stable', labels: spec.stableSubsetLabels }, { name: 'canary', labels: spec.canarySubsetLabels }] },
      });
      objects.push(dr);
      // Argo Rollouts pins each subset to a ReplicaSet by injecting its pod-template-hash label.
      if (spec.controllerOwnsWeights) ignores.push(ignoreOn(dr, { jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'] }));
    }
    return { objects, ignoreDifferences: ignores };
  }

  public addChecks(): void {}

  public plainServices(): PlainServiceLayout {
    // The mesh splits behind the main Service; host mode routes to a Service per track.
    return { mainSelectsBoth: true, canaryService: true, stableService: this.mode === 'host' };
  }

  public argoTrafficRouting(name: string): ReturnType<TrafficRouter['argoTrafficRouting']> {
    return {
      istio: {
        virtualService: { name, routes: ['primary'] },
        destinationRule: this.mode === 'subset' ? { name, canarySubsetName: 'canary', stableSubsetName: 'stable' } : undefined,
      },
    };
  }

  public flaggerRouting(): FlaggerRouting {
    return { provider: CanarySpecProvider.ISTIO };
  }
}

export const ISTIO: TrafficRouterType<'istio'> = {
  kind: 'istio',
  splitsByReplicas: false,
  backends: ['argo-rollouts', 'flagger', 'plain'],
  settings: [{ key: 'istioMode' }],
  settingsProblems: () => [],
  fromSettings: (s: RouterSettings) => new IstioRouter({ mode: s.istioMode as IstioMode | undefined }),
};
