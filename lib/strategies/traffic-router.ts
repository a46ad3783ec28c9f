// The traffic routers a canary can split with, and the factories that make
// them. Each router is one class in routers/; adding one is a new file there
// and a line in ROUTER_TYPES (plus a factory below for code users).
import { GATEWAY_API, GatewayApiRouter, GatewayApiRouterOptions } from './routers/gateway-api';
import { ISTIO, IstioRouter, IstioRouterOptions } from './routers/istio';
import { NGINX, NginxRouter, NginxRouterOptions } from './routers/nginx';
import { REPLICAS, ReplicaRatioRouter } from './routers/replicas';
import { TrafficRouter as Router, TrafficRouterType } from './routers/router';
import { TRAEFIK, TraefikRouter } from './routers/traefik';

export { GATEWAY_API_PLUGIN, GatewayApiRouter } from './routers/gateway-api';
export type { GatewayApiRouterOptions } from './routers/gateway-api';
export { IstioRouter } from './routers/istio';
export type { IstioMode, IstioRouterOptions } from './routers/istio';
export { NginxRouter } from './routers/nginx';
export type { NginxRouterOptions } from './routers/nginx';
export { ReplicaRatioRouter } from './routers/replicas';
export { TraefikRouter } from './routers/traefik';
export type { CanaryBackend, FlaggerRouting, PlainServiceLayout, RouterSetting, RouterSettings, RoutingResult, RoutingSpec, TrafficRouterType } from './routers/router';

/** Every traffic router, in the order messages and the environment schema list them. */
export const ROUTER_TYPES = [ISTIO, NGINX, TRAEFIK, GATEWAY_API, REPLICAS] as const;

/** A router's name in environment files, e.g. "istio". */
export type CanaryRouter = (typeof ROUTER_TYPES)[number]['kind'];

/** The routers' names, in registration order. */
export const CANARY_ROUTERS: readonly CanaryRouter[] = ROUTER_TYPES.map((t) => t.kind);

/** The registered router named `kind`. */
export function routerType(kind: string): TrafficRouterType | undefined {
  return ROUTER_TYPES.find((t) => t.kind === kind);
}

/** How traffic is split between a stable and a canary version (see lib/strategies/routers/router.ts). */
export type TrafficRouter = Router;

/**
 * The five traffic routers: an Istio VirtualService, an NGINX canary
 * Ingress, a weighted TraefikService, a Gateway API HTTPRoute, or the ratio
 * of replicas.
 */
export const TrafficRouter = {
  /** Istio VirtualService (+ DestinationRule subsets in subset mode). */
  istio: (options: IstioRouterOptions = {}): IstioRouter => new IstioRouter(options),
  /** NGINX Ingress controller canary annotations on a copy of the stable Ingress. */
  nginx: (options: NginxRouterOptions): NginxRouter => new NginxRouter(options),
  /** Traefik weighted TraefikService named after the service (reference it from an IngressRoute). */
  traefik: (): TraefikRouter => new TraefikRouter(),
  /** Gateway API HTTPRoute with weighted backendRefs. */
  gatewayApi: (options: GatewayApiRouterOptions): GatewayApiRouter => new GatewayApiRouter(options),
  /** No router: the weight is the share of canary pods behind one Service. */
  replicas: (): ReplicaRatioRouter => new ReplicaRatioRouter(),
} as const;
