import { Construct } from 'constructs';
import { CanarySpecProvider } from '../../../imports/flagger-flagger.app';
import { HttpRoute } from '../../../imports/gateway-httproute-gateway.networking.k8s.io';
import { PropsError } from '../../core/errors';
import { ignoreOn } from '../gitops';
import { DNS_LABEL, FlaggerRouting, PlainServiceLayout, RoutingResult, RoutingSpec, routingMetadata, TrafficRouter, TrafficRouterType } from './router';

/** Argo Rollouts traffic router plugin for the Gateway API (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi). */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

export interface GatewayApiRouterOptions {
  /** The Gateway the HTTPRoute attaches to. */
  readonly gateway: { readonly name: string; readonly namespace?: string };
  /** Host names the route answers. @default those of the Gateway listener */
  readonly hostnames?: string[];
}

/** Gateway API HTTPRoute with weighted backendRefs. */
export class GatewayApiRouter implements TrafficRouter {
  public readonly kind = 'gateway-api';
  public readonly splitsByReplicas = false;

  constructor(private readonly options: GatewayApiRouterOptions) {}

  public get gateway(): GatewayApiRouterOptions['gateway'] {
    return this.options.gateway;
  }

  public check(scope: Construct, field: string): void {
    if (!DNS_LABEL.test(this.gateway?.name ?? '')) throw new PropsError(scope, `${field}.gateway.name`, this.gateway?.name, 'the name of the Gateway the HTTPRoute attaches to');
  }

  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    const route = new HttpRoute(scope, 'HttpRoute', {
      metadata: routingMetadata(spec, spec.name),
      spec: {
        parentRefs: [{ name: this.gateway.name, namespace: this.gateway.namespace }],
        hostnames: this.options.hostnames,
        rules: [{ backendRefs: [{ name: spec.stableService, port: spec.port, weight: 100 - spec.canaryWeight }, { name: spec.canaryService, port: spec.port, weight: spec.canaryWeight }] }],
      },
    });
    return { objects: [route], ignoreDifferences: spec.controllerOwnsWeights ? [ignoreOn(route, { jqPathExpressions: ['.spec.rules[].backendRefs[].weight'] })] : [] };
  }

  public addChecks(): void {}

  public plainServices(): PlainServiceLayout {
    return { mainSelectsBoth: false, canaryService: true, stableService: false };
  }

  public argoTrafficRouting(name: string, namespace: string): ReturnType<TrafficRouter['argoTrafficRouting']> {
    return { plugins: { [GATEWAY_API_PLUGIN]: { httpRoute: name, namespace } } };
  }

  public flaggerRouting(): FlaggerRouting {
    return { provider: CanarySpecProvider.GATEWAYAPI_V1, gatewayRefs: [{ name: this.gateway.name, namespace: this.gateway.namespace }] };
  }
}

export const GATEWAY_API: TrafficRouterType<'gateway-api'> = {
  kind: 'gateway-api',
  splitsByReplicas: false,
  backends: ['argo-rollouts', 'flagger', 'plain'],
  settings: [{ key: 'gateway', does: 'attaches to a Gateway' }],
  settingsProblems: (s) => (s.gateway === undefined ? [['gateway', 'the Gateway the HTTPRoute attaches to, e.g. { name: public, namespace: gateway } (required by router "gateway-api")']] : []),
  fromSettings: (s) => new GatewayApiRouter({ gateway: s.gateway! }),
};
