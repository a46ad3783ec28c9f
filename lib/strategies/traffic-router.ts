import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpRoute } from '../../imports/gateway-httproute-gateway.networking.k8s.io';
import { DestinationRule, VirtualService } from '../../imports/istio-networking.istio.io';
import * as k8s from '../../imports/k8s';
import { TraefikService, TraefikServiceSpecWeightedServicesPort } from '../../imports/traefik-traefikservice-traefik.io';
import { CanaryRouter } from '../config/strategy-schema';
import { PropsError } from '../core/errors';
import { ignoreOn, waveOf } from './gitops';
import { IgnoreDifference } from './strategy';

/** Istio splits by DestinationRule subsets (one host) or by two Services (host-level). */
export type IstioMode = 'subset' | 'host';

export interface IstioRouterOptions {
  /** `subset`: VirtualService + DestinationRule subsets on the service's host; `host`: weights between the stable and canary Services. @default "subset" */
  readonly mode?: IstioMode;
}

export interface NginxRouterOptions {
  /** Name of the Ingress (in the same chart and namespace) that routes to the stable Service. */
  readonly ingress: string;
}

export interface GatewayApiRouterOptions {
  /** The Gateway the HTTPRoute attaches to. */
  readonly gateway: { readonly name: string; readonly namespace?: string };
  /** Host names the route answers. @default those of the Gateway listener */
  readonly hostnames?: string[];
}

/** What a router needs to render the objects that split traffic. */
export interface RoutingSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Service port the routes send to. */
  readonly port: number;
  readonly stableService: string;
  readonly canaryService: string;
  /** Pod labels of each subset (Istio subset mode). */
  readonly stableSubsetLabels: Record<string, string>;
  readonly canarySubsetLabels: Record<string, string>;
  /** Percentage for the canary now; under a controller the initial 0, which it then owns. */
  readonly canaryWeight: number;
  /** True when a controller (Argo Rollouts) rewrites the weights: they are reported as ignored differences. */
  readonly controllerOwnsWeights: boolean;
}

/** The routing objects rendered and the fields a controller owns in them. */
export interface RoutingResult {
  readonly objects: ApiObject[];
  readonly ignoreDifferences: IgnoreDifference[];
}

/**
 * How traffic is split between a stable and a canary version. One of five:
 * an Istio VirtualService, an NGINX canary Ingress, a weighted
 * TraefikService, a Gateway API HTTPRoute, or the ratio of replicas.
 */
export class TrafficRouter {
  /** Istio VirtualService (+ DestinationRule subsets in subset mode). */
  public static istio(options: IstioRouterOptions = {}): TrafficRouter {
    return new TrafficRouter('istio', options);
  }
  /** NGINX Ingress controller canary annotations on a copy of the stable Ingress. */
  public static nginx(options: NginxRouterOptions): TrafficRouter {
    return new TrafficRouter('nginx', options);
  }
  /** Traefik weighted TraefikService named after the service (reference it from an IngressRoute). */
  public static traefik(): TrafficRouter {
    return new TrafficRouter('traefik', {});
  }
  /** Gateway API HTTPRoute with weighted backendRefs. */
  public static gatewayApi(options: GatewayApiRouterOptions): TrafficRouter {
    return new TrafficRouter('gateway-api', options);
  }
  /** No router: the weight is the share of canary pods behind one Service. */
  public static replicas(): TrafficRouter {
    return new TrafficRouter('replicas', {});
  }

  private constructor(
    public readonly kind: CanaryRouter,
    private readonly options: IstioRouterOptions | NginxRouterOptions | GatewayApiRouterOptions | Record<string, never>,
  ) {}

  /** Istio mode, for Istio routers. */
  public get istioMode(): IstioMode {
    return (this.options as IstioRouterOptions).mode ?? 'subset';
  }

  /** The stable Ingress, for NGINX routers. */
  public get ingress(): string {
    return (this.options as NginxRouterOptions).ingress;
  }

  public get gateway(): GatewayApiRouterOptions['gateway'] {
    return (this.options as GatewayApiRouterOptions).gateway;
  }

  /** Throws PropsError on options that cannot work. */
  public check(scope: Construct, field: string): void {
    const dns = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
    if (this.kind === 'istio' && !['subset', 'host'].includes(this.istioMode)) {
      throw new PropsError(scope, `${field}.mode`, this.istioMode, 'one of "subset", "host"');
    }
    if (this.kind === 'nginx' && !dns.test(this.ingress ?? '')) {
      throw new PropsError(scope, `${field}.ingress`, this.ingress, 'the name of the Ingress that routes to the stable Service (a DNS-1123 label)');
    }
    if (this.kind === 'gateway-api' && !dns.test(this.gateway?.name ?? '')) {
      throw new PropsError(scope, `${field}.gateway.name`, this.gateway?.name, 'the name of the Gateway the HTTPRoute attaches to');
    }
  }

  /**
   * NGINX needs the stable Ingress to exist and route to the stable Service;
   * it may be added to the chart after the strategy, so the check runs at synth.
   */
  public addIngressValidation(scope: Construct, namespace: string, stableService: string): void {
    if (this.kind !== 'nginx') return;
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

  /** Renders the objects that split traffic between the stable and canary Services. */
  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    const metadata = (name: string, annotations: Record<string, string> = {}) => ({
      name,
      namespace: spec.namespace,
      labels: spec.labels,
      annotations: { ...(spec.controllerOwnsWeights ? waveOf('Service') : {}), ...annotations },
    });
    const stableWeight = 100 - spec.canaryWeight;
    switch (this.kind) {
      case 'istio': {
        const subset = this.istioMode === 'subset';
        const dest = (service: string, s: string) =>
          subset ? { host: spec.name, subset: s, port: { number: spec.port } } : { host: service, port: { number: spec.port } };
        const vs = new VirtualService(scope, 'VirtualService', {
          metadata: metadata(spec.name),
          spec: {
            hosts: [spec.name],
            http: [{ name: 'primary', route: [{ destination: dest(spec.stableService, 'stable'), weight: stableWeight }, { destination: dest(spec.canaryService, 'canary'), weight: spec.canaryWeight }] }],
          },
        });
        const objects: ApiObject[] = [vs];
        const ignores: IgnoreDifference[] = [];
        if (spec.controllerOwnsWeights) ignores.push(ignoreOn(vs, { jqPathExpressions: ['.spec.http[].route[].weight'] }));
        if (subset) {
          const dr = new DestinationRule(scope, 'DestinationRule', {
            metadata: metadata(spec.name),
            spec: { host: spec.name, subsets: [{ name: 'stable', labels: spec.stableSubsetLabels }, { name: 'canary', labels: spec.canarySubsetLabels }] },
          });
          objects.push(dr);
          // Argo Rollouts pins each subset to a ReplicaSet by injecting its pod-template-hash label.
          if (spec.controllerOwnsWeights) ignores.push(ignoreOn(dr, { jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'] }));
        }
        return { objects, ignoreDifferences: ignores };
      }
      case 'traefik': {
        const port = TraefikServiceSpecWeightedServicesPort.fromNumber(spec.port);
        const ts = new TraefikService(scope, 'TraefikService', {
          metadata: metadata(spec.name),
          spec: { weighted: { services: [{ name: spec.stableService, port, weight: stableWeight }, { name: spec.canaryService, port, weight: spec.canaryWeight }] } },
        });
        return { objects: [ts], ignoreDifferences: spec.controllerOwnsWeights ? [ignoreOn(ts, { jqPathExpressions: ['.spec.weighted.services[].weight'] })] : [] };
      }
      case 'gateway-api': {
        const opts = this.options as GatewayApiRouterOptions;
        const route = new HttpRoute(scope, 'HttpRoute', {
          metadata: metadata(spec.name),
          spec: {
            parentRefs: [{ name: opts.gateway.name, namespace: opts.gateway.namespace }],
            hostnames: opts.hostnames,
            rules: [{ backendRefs: [{ name: spec.stableService, port: spec.port, weight: stableWeight }, { name: spec.canaryService, port: spec.port, weight: spec.canaryWeight }] }],
          },
        });
        return { objects: [route], ignoreDifferences: spec.controllerOwnsWeights ? [ignoreOn(route, { jqPathExpressions: ['.spec.rules[].backendRefs[].weight'] })] : [] };
      }
      case 'nginx': {
        // Under Argo Rollouts the controller creates and weights the canary Ingress itself.
        if (spec.controllerOwnsWeights) return { objects: [], ignoreDifferences: [] };
        const source = this.ingress;
        const ingress = new k8s.KubeIngress(scope, 'CanaryIngress', {
          metadata: metadata(`${spec.name}-canary`, {
            'nginx.ingress.kubernetes.io/canary': 'true',
            'nginx.ingress.kubernetes.io/canary-weight': String(spec.canaryWeight),
          }),
          // The hosts and paths are the stable Ingress's, with the canary Service as backend.
          spec: Lazy.any({ produce: () => canarySpecFrom(findIngress(scope, spec.namespace, source)?.toJson(), spec.stableService, spec.canaryService) }),
        });
        return { objects: [ingress], ignoreDifferences: [] };
      }
      case 'replicas':
        return { objects: [], ignoreDifferences: [] };
    }
  }
}

function findIngress(scope: Construct, namespace: string, name: string): ApiObject | undefined {
  return Chart.of(scope)
    .node.findAll()
    .find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Ingress' && c.name === name && (c.metadata.namespace ?? namespace) === namespace);
}

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
