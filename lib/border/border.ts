import { Construct } from 'constructs';
import { PropsError } from '../core/errors';
import { ExternalPeer, Peer } from '../security/peer';
import { ServiceGraph } from '../security/service-graph';
import { AcmeSolverAccess } from './acme-solver-access';
import { GatewayReference, GatewayRoute } from './gateway-route';
import { NginxIngress } from './nginx-ingress';
import { RateLimit, TlsIssuer } from './options';
import { TraefikAuth, TraefikRoute } from './traefik-route';

/** What every border shares. */
export interface BorderOptions {
  /** The controller's pods, allowed in by NetworkPolicy. @default the kind's usual namespace and labels */
  readonly controller?: Peer;
  /** TLS issuer; required unless `allowPlainHttp`. @default none */
  readonly tls?: TlsIssuer;
  /** Serve plain HTTP when no issuer is given (development). @default false */
  readonly allowPlainHttp?: boolean;
  /** @default CORS off */
  readonly corsOrigins?: readonly string[];
  /** @default none */
  readonly rateLimit?: RateLimit;
}

export interface NginxBorderOptions extends BorderOptions {
  /** @default "nginx" */
  readonly className?: string;
  /**
   * The controller runs an Istio sidecar: send to the Service (not pod
   * endpoints) with its cluster host name, so the sidecar applies the
   * VirtualService (canary weights, retries) of the backend.
   * @default false
   */
  readonly throughMesh?: boolean;
}

export interface TraefikBorderOptions extends BorderOptions {
  /** @default none */
  readonly auth?: TraefikAuth;
}

export interface GatewayBorderOptions extends BorderOptions {
  readonly gateway: GatewayReference;
}

/** A service's public entry. */
export interface Exposable extends Peer {
  readonly serviceName?: string;
}

export interface ExposeOptions {
  readonly host: string;
  /** @default "/" */
  readonly path?: string;
  /** Port name on the service. @default "http" */
  readonly port?: string;
  /** Service port number when it differs from the pod port (Gateway API backends need it). @default the pod port */
  readonly servicePort?: number;
}

type Shape =
  | { readonly kind: 'nginx'; readonly o: NginxBorderOptions }
  | { readonly kind: 'traefik'; readonly o: TraefikBorderOptions }
  | { readonly kind: 'gateway'; readonly o: GatewayBorderOptions };

/**
 * How traffic from outside reaches services: NGINX Ingress, Traefik
 * IngressRoute, or Gateway API. `expose` renders the route and declares the
 * controller -> service edge in the chart's service graph, so the
 * NetworkPolicies let exactly the controller in on exactly that port.
 */
export class Border {
  public static nginx(o: NginxBorderOptions = {}): Border {
    return new Border({ kind: 'nginx', o });
  }

  public static traefik(o: TraefikBorderOptions = {}): Border {
    return new Border({ kind: 'traefik', o });
  }

  public static gatewayApi(o: GatewayBorderOptions): Border {
    return new Border({ kind: 'gateway', o });
  }

  /** The controller's pods. */
  public readonly controller: Peer;

  private constructor(private readonly shape: Shape) {
    this.controller = shape.o.controller ?? defaultController(shape);
  }

  public get kind(): Shape['kind'] {
    return this.shape.kind;
  }

  /** Renders the route for `service` under `scope` and declares the edge. */
  public expose(scope: Construct, service: Exposable, o: ExposeOptions): Construct {
    const portName = o.port ?? 'http';
    if (!(portName in service.ports)) throw new PropsError(scope, 'port', portName, `a port name of ${service.name} (${Object.keys(service.ports).join(', ')})`);
    if (!service.namespace || !service.serviceName) throw new PropsError(scope, 'service', service.name, 'a peer with a namespace and a Service');
    const common = this.shape.o;
    if (!common.tls && !common.allowPlainHttp) {
      throw new PropsError(scope, 'tls', undefined, 'a cert-manager issuer (TLS everywhere outside development), or allowPlainHttp: true for development');
    }
    const route = {
      name: service.name,
      namespace: service.namespace,
      host: o.host,
      path: o.path,
      serviceName: service.serviceName,
      servicePortName: portName,
      servicePort: o.servicePort ?? service.ports[portName],
      tls: common.tls,
      corsOrigins: common.corsOrigins,
      rateLimit: common.rateLimit,
    };
    const id = `Border-${service.name}`;
    let construct: Construct;
    switch (this.shape.kind) {
      case 'nginx':
        construct = new NginxIngress(scope, id, { ...route, className: this.shape.o.className, throughMesh: this.shape.o.throughMesh });
        break;
      case 'traefik':
        construct = new TraefikRoute(scope, id, { ...route, auth: this.shape.o.auth });
        break;
      case 'gateway':
        construct = new GatewayRoute(scope, id, { ...route, gateway: this.shape.o.gateway });
        break;
    }
    ServiceGraph.tryOf(scope)?.expose(service, portName, this.controller);
    // cert-manager proves the host over HTTP-01 through the same controller.
    if (common.tls) AcmeSolverAccess.ensure(scope, { namespace: service.namespace, controller: this.controller });
    return construct;
  }
}

function defaultController(shape: Shape): Peer {
  switch (shape.kind) {
    case 'nginx':
      return ExternalPeer.pods({ name: 'ingress-nginx', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } });
    case 'traefik':
      return ExternalPeer.pods({ name: 'traefik', namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' } });
    case 'gateway':
      return ExternalPeer.pods({ name: 'gateway', namespace: shape.o.gateway.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': shape.o.gateway.name } });
  }
}
