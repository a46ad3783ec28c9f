import { Construct } from 'constructs';
import * as gw from '../../imports/gateway-httproute-gateway.networking.k8s.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { checkRoute } from './checks';
import { RouteOptions } from './options';

/** The Gateway a route attaches to (owned by the platform; TLS terminates on its listener). */
export interface GatewayReference {
  readonly name: string;
  readonly namespace: string;
  /** Listener to attach to, e.g. `https`. @default every listener that allows the route */
  readonly sectionName?: string;
}

export interface GatewayRouteProps extends RouteOptions {
  readonly gateway: GatewayReference;
}

/**
 * A Gateway API HTTPRoute. TLS, rate limits and CORS belong to the Gateway
 * and its implementation, not to the core route API; this construct refuses
 * them rather than silently dropping them.
 */
export class GatewayRoute extends Construct {
  public readonly resource: gw.HttpRoute;

  constructor(scope: Construct, id: string, props: GatewayRouteProps) {
    super(scope, id);
    checkRoute(this, props);
    if (props.corsOrigins?.length) throw new PropsError(this, 'corsOrigins', props.corsOrigins, 'none: CORS is configured on the Gateway implementation, not the core HTTPRoute');
    if (props.rateLimit) throw new PropsError(this, 'rateLimit', props.rateLimit, 'none: rate limits are configured on the Gateway implementation, not the core HTTPRoute');
    this.resource = new gw.HttpRoute(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, ...props.labels } },
      spec: {
        parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace, sectionName: props.gateway.sectionName ?? (props.tls ? 'https' : undefined) }],
        hostnames: [props.host],
        rules: [
          {
            matches: [{ path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: props.path ?? '/' } }],
            backendRefs: [{ name: props.serviceName, port: props.servicePort }],
          },
        ],
      },
    });
  }
}
