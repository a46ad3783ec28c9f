import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { MANAGED_BY } from '../core/labels';
import { checkRoute } from './checks';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../validate/rules';
import { RouteOptions, tlsSecretName } from './options';

export interface NginxIngressProps extends RouteOptions {
  /** IngressClass of the NGINX controller (a reference: we never render the IngressClass). @default "nginx" */
  readonly className?: string;
  /**
   * The controller runs an Istio sidecar: NGINX sends to the Service's
   * address with the Service's cluster host name (instead of the public
   * host), so the sidecar routes by the backend's VirtualService.
   * @default false
   */
  readonly throughMesh?: boolean;
}

const A = 'nginx.ingress.kubernetes.io';

/**
 * An Ingress for the NGINX Ingress Controller: cert-manager issues the
 * certificate (issuer annotation), HTTP is redirected to HTTPS, clients are
 * rate limited, and CORS answers only the listed origins.
 */
export class NginxIngress extends Construct {
  public readonly resource: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: NginxIngressProps) {
    super(scope, id);
    checkRoute(this, props);
    const annotations: Record<string, string> = {};
    if (props.tls) {
      annotations[props.tls.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer'] = props.tls.name;
      if (props.tls.providedBy) annotations[EXTERNAL_PROVIDER_ANNOTATION] = props.tls.providedBy;
      annotations[`${A}/ssl-redirect`] = 'true';
      annotations[`${A}/force-ssl-redirect`] = 'true';
    }
    if (props.rateLimit) {
      const rps = props.rateLimit.requestsPerSecond;
      annotations[`${A}/limit-rps`] = String(rps);
      // NGINX takes the burst as a multiple of the rate.
      annotations[`${A}/limit-burst-multiplier`] = String(Math.max(1, Math.ceil((props.rateLimit.burst ?? 2 * rps) / rps)));
    }
    if (props.throughMesh) {
      annotations[`${A}/service-upstream`] = 'true';
      annotations[`${A}/upstream-vhost`] = `${props.serviceName}.${props.namespace}.svc.cluster.local`;
    }
    if (props.corsOrigins?.length) {
      annotations[`${A}/enable-cors`] = 'true';
      annotations[`${A}/cors-allow-origin`] = [...props.corsOrigins].sort().join(', ');
      annotations[`${A}/cors-allow-methods`] = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
      annotations[`${A}/cors-allow-credentials`] = 'true';
    }
    this.resource = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, ...props.labels }, annotations },
      spec: {
        ingressClassName: props.className ?? 'nginx',
        tls: props.tls ? [{ hosts: [props.host], secretName: tlsSecretName(props.name) }] : undefined,
        rules: [
          {
            host: props.host,
            http: {
              paths: [{ path: props.path ?? '/', pathType: 'Prefix', backend: { service: { name: props.serviceName, port: { name: props.servicePortName } } } }],
            },
          },
        ],
      },
    });
  }
}
