import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CanarySpecIngressRefKind, CanarySpecProvider } from '../../../imports/flagger-flagger.app';
import * as k8s from '../../../imports/k8s';
import { PropsError } from '../../core/errors';
import { DNS_LABEL, FlaggerRouting, PlainServiceLayout, RoutingResult, RoutingSpec, routingMetadata, TrafficRouter, TrafficRouterType } from './router';

export interface NginxRouterOptions {
  /** Name of the Ingress (in the same chart and namespace) that routes to the stable Service. */
  readonly ingress: string;
}

/** NGINX Ingress controller canary annotations on a copy of the stable Ingress. */
export class NginxRouter implements TrafficRouter {
  public readonly kind = 'nginx';
  public readonly splitsByReplicas = false;
  /** The stable Ingress. */
  public readonly ingress: string;

  constructor(options: NginxRouterOptions) {
    this.ingress = options.ingress;
  }

  public check(scope: Construct, field: string): void {
    if (!DNS_LABEL.test(this.ingress ?? '')) {
      throw new PropsError(scope, `${field}.ingress`, this.ingress, 'the name of the Ingress that routes to the stable Service (a DNS-1123 label)');
    }
  }

  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    // Under Argo Rollouts the controller creates and weights the canary Ingress itself.
    if (spec.controllerOwnsWeights) return { objects: [], ignoreDifferences: [] };
    const source = this.ingress;
    const ingress = new k8s.KubeIngress(scope, 'CanaryIngress', {
      metadata: routingMetadata(spec, `${spec.name}-canary`, {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': String(spec.canaryWeight),
      }),
      // The hosts and paths are the stable Ingress's, with the canary Service as backend.
      spec: Lazy.any({ produce: () => canarySpecFrom(findIngress(scope, spec.namespace, source)?.toJson(), spec.stableService, spec.canaryService) }),
    });
    return { objects: [ingress], ignoreDifferences: [] };
  }

  public plainServices(): PlainServiceLayout {
    return { mainSelectsBoth: false, canaryService: true, stableService: false };
  }

  public argoTrafficRouting(): ReturnType<TrafficRouter['argoTrafficRouting']> {
    return { nginx: { stableIngress: this.ingress } };
  }

  public flaggerRouting(): FlaggerRouting {
    return { provider: CanarySpecProvider.NGINX, ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: CanarySpecIngressRefKind.INGRESS, name: this.ingress } };
  }

  /**
   * The stable Ingress must exist and route to the stable Service; it may be
   * added to the chart after the strategy, so the check runs at synth.
   */
  public addChecks(scope: Construct, namespace: string, stableService: string): void {
    scope.node.addValidation({
      validate: () => {
        const ingress = findIngress(scope, namespace, this.ingress);
        if (!ingress) {
          const known = Chart.of(scope).node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Ingress').map((i) => i.name);
          return [`strategy.router.ingress: expected the name of an Ingress in namespace ${namespace} of this chart, got ${JSON.stringify(this.ingress)} (Ingresses here: ${known.join(', ') || 'none'})`];
        }
        if (!backendServices(ingress.toJson()).includes(stableService)) {
          return [`strategy.router.ingress: expected Ingress ${JSON.stringify(this.ingress)} to route to the stable Service ${JSON.stringify(stableService)}, but it routes to ${backendServices(ingress.toJson()).join(', ') || 'no Service'}`];
        }
        return [];
      },
    });
  }
}

export const NGINX: TrafficRouterType<'nginx'> = {
  kind: 'nginx',
  splitsByReplicas: false,
  backends: ['argo-rollouts', 'flagger', 'plain'],
  settings: [{ key: 'ingress', does: 'routes through an Ingress' }],
  settingsProblems: (s, backend) => {
    if (s.ingress !== undefined) return [];
    const what = backend === 'flagger' ? 'the name of the Ingress Flagger takes over' : 'the name of the Ingress that routes to the stable Service';
    return [['ingress', `${what} (required by router "nginx")`]];
  },
  fromSettings: (s) => new NginxRouter({ ingress: s.ingress! }),
};

function findIngress(scope: Construct, namespace: string, name: string): ApiObject | undefined {
  return Chart.of(scope)
    .node.findAll()
    .find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Ingress' && c.name === name && (c.metadata.namespace ?? namespace) === namespace);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes JSON, walked by shape
type Json = Record<string, any>;

function backendServices(ingress: Json): string[] {
  const rules: Json[] = ingress.spec?.rules ?? [];
  return [...new Set(rules.flatMap((r) => (r.http?.paths ?? []).map((p: Json) => p.backend?.service?.name as string)).filter(Boolean))];
}

function canarySpecFrom(stable: Json | undefined, stableService: string, canaryService: string): Json {
  const spec: Json = stable?.spec ?? {};
  return {
    ingressClassName: spec.ingressClassName,
    rules: (spec.rules ?? []).map((r: Json) => ({
      host: r.host,
      http: {
        paths: (r.http?.paths ?? [])
          .filter((p: Json) => p.backend?.service?.name === stableService)
          .map((p: Json) => ({ ...p, backend: { service: { ...p.backend.service, name: canaryService } } })),
      },
    })),
  };
}
