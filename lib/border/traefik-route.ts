import { Construct } from 'constructs';
import * as cm from '../../imports/certmanager-certificate-cert-manager.io';
import * as tr from '../../imports/traefik-ingressroute-traefik.io';
import * as tm from '../../imports/traefik-middleware-traefik.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { checkRoute } from './checks';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../validate/rules';
import { HTTP01_INGRESS_CLASS_LABEL, RouteOptions, tlsSecretName } from './options';

/** Who may pass: HTTP basic auth from a Secret (e.g. produced by an ExternalSecret), or an auth service. */
export type TraefikAuth = { readonly basicAuthSecret: string } | { readonly forwardAuthUrl: string };

export interface TraefikRouteProps extends RouteOptions {
  /** Entry point for HTTPS. @default "websecure" */
  readonly secureEntryPoint?: string;
  /** Entry point for HTTP (redirected when TLS is on). @default "web" */
  readonly plainEntryPoint?: string;
  /** Authentication in front of the service. @default none */
  readonly auth?: TraefikAuth;
  /**
   * The controller's ingress class. A controller started with
   * `providers.kubernetescrd.ingressClass` only serves IngressRoutes and
   * Middlewares annotated with it (`kubernetes.io/ingress.class`).
   * @default no annotation (served by controllers that filter on no class)
   */
  readonly ingressClassName?: string;
  /**
   * How Traefik talks to the backend: `https` for services that only serve
   * TLS (NiFi), optionally with a ServersTransport (in the route's namespace)
   * that says how to verify the backend's certificate.
   * @default plain HTTP
   */
  readonly upstream?: { readonly scheme: 'https'; readonly serversTransport?: string };
}

/**
 * Traefik IngressRoute(s) with Middlewares: HTTPS redirect (a route on the
 * plain entry point that only redirects), rate limit, CORS headers and
 * optional auth; the certificate comes from a cert-manager Certificate,
 * because Traefik CRDs do not trigger cert-manager by annotation.
 */
export class TraefikRoute extends Construct {
  public readonly route: tr.IngressRoute;
  public readonly middlewares: tm.Middleware[] = [];

  constructor(scope: Construct, id: string, props: TraefikRouteProps) {
    super(scope, id);
    checkRoute(this, props);
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, ...props.labels };
    const annotations = props.ingressClassName ? { 'kubernetes.io/ingress.class': props.ingressClassName } : undefined;
    const meta = (name: string) => ({ name, namespace: props.namespace, labels, annotations });
    const match = `Host(\`${props.host}\`) && PathPrefix(\`${props.path ?? '/'}\`)`;
    const middleware = (suffix: string, spec: tm.MiddlewareSpec) => {
      const m = new tm.Middleware(this, `Middleware-${suffix}`, { metadata: meta(`${props.name}-${suffix}`), spec });
      this.middlewares.push(m);
      return { name: `${props.name}-${suffix}` };
    };

    const chain: { name: string }[] = [];
    if (props.auth) {
      if ('basicAuthSecret' in props.auth) chain.push(middleware('auth', { basicAuth: { secret: props.auth.basicAuthSecret, removeHeader: true } }));
      else {
        if (!/^https?:\/\//.test(props.auth.forwardAuthUrl)) throw new PropsError(this, 'auth.forwardAuthUrl', props.auth.forwardAuthUrl, 'a URL such as "http://oauth2-proxy.auth.svc/oauth2/auth"');
        chain.push(middleware('auth', { forwardAuth: { address: props.auth.forwardAuthUrl, trustForwardHeader: false } }));
      }
    }
    if (props.rateLimit) {
      chain.push(middleware('rate-limit', { rateLimit: { average: props.rateLimit.requestsPerSecond, burst: props.rateLimit.burst ?? 2 * props.rateLimit.requestsPerSecond } }));
    }
    if (props.corsOrigins?.length) {
      chain.push(
        middleware('cors', {
          headers: {
            accessControlAllowOriginList: [...props.corsOrigins].sort(),
            accessControlAllowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
            accessControlAllowCredentials: true,
            accessControlMaxAge: 600,
            addVaryHeader: true,
          },
        }),
      );
    }

    const service = {
      name: props.serviceName,
      port: tr.IngressRouteSpecRoutesServicesPort.fromString(props.servicePortName),
      scheme: props.upstream?.scheme,
      serversTransport: props.upstream?.serversTransport,
    };
    this.route = new tr.IngressRoute(this, 'Resource', {
      metadata: meta(props.name),
      spec: {
        entryPoints: [props.tls ? props.secureEntryPoint ?? 'websecure' : props.plainEntryPoint ?? 'web'],
        routes: [{ kind: tr.IngressRouteSpecRoutesKind.RULE, match, middlewares: chain.length ? chain : undefined, services: [service] }],
        tls: props.tls ? { secretName: tlsSecretName(props.name) } : undefined,
      },
    });

    if (props.tls) {
      const redirect = middleware('redirect-https', { redirectScheme: { scheme: 'https', permanent: true } });
      new tr.IngressRoute(this, 'Redirect', {
        metadata: meta(`${props.name}-redirect`),
        spec: {
          entryPoints: [props.plainEntryPoint ?? 'web'],
          routes: [{ kind: tr.IngressRouteSpecRoutesKind.RULE, match, middlewares: [redirect], services: [service] }],
        },
      });
      new cm.Certificate(this, 'Certificate', {
        metadata: {
          name: props.name,
          namespace: props.namespace,
          // The issuer answers the HTTP-01 challenge through the controller that serves the host.
          labels: props.ingressClassName ? { ...labels, [HTTP01_INGRESS_CLASS_LABEL]: props.ingressClassName } : labels,
          annotations: props.tls.providedBy ? { [EXTERNAL_PROVIDER_ANNOTATION]: props.tls.providedBy } : undefined,
        },
        spec: { secretName: tlsSecretName(props.name), dnsNames: [props.host], issuerRef: { name: props.tls.name, kind: props.tls.kind, group: 'cert-manager.io' } },
      });
    }
  }
}
