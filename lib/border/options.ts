/** The cert-manager issuer that signs a host's certificate. */
export interface TlsIssuer {
  /** Issuer or ClusterIssuer name, e.g. `letsencrypt-prod`. */
  readonly name: string;
  /** `Issuer` lives in the namespace (works on shared clusters); `ClusterIssuer` is cluster-wide. */
  readonly kind: 'Issuer' | 'ClusterIssuer';
  /**
   * Who provides a ClusterIssuer that is not rendered with these objects (the
   * cluster's owners, "platform team"): the objects naming it get the
   * annotation `validate.platform.dev/external-provider`, which the gate rule
   * `ref/certificate-issuer` accepts in place of a rendered ClusterIssuer.
   * @default rendered with the environment
   */
  readonly providedBy?: string;
}

/**
 * Label a Certificate carries to name the ingress class that serves its
 * hosts (a system's own Traefik beside the cluster's NGINX): a ClusterIssuer
 * with a solver selected by this label answers that Certificate's HTTP-01
 * challenge through that controller instead of its default one.
 */
export const HTTP01_INGRESS_CLASS_LABEL = 'platform.dev/http01-ingress-class';

/** Requests per second per client address, with a burst allowance. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Requests a client may send at once above the steady rate. @default 2 x requestsPerSecond */
  readonly burst?: number;
}

/** What every border route of a service shares. */
export interface RouteOptions {
  /** Object names (Ingress, IngressRoute, HTTPRoute, Middlewares are prefixed with it). */
  readonly name: string;
  readonly namespace: string;
  /** Public host name, e.g. `api.example.com`. */
  readonly host: string;
  /** Path prefix. @default "/" */
  readonly path?: string;
  /** Backend Service name. */
  readonly serviceName: string;
  /** Backend Service port name, e.g. `http`. */
  readonly servicePortName: string;
  /** Backend Service port number (Gateway API needs a number). */
  readonly servicePort: number;
  /** TLS via cert-manager; undefined serves plain HTTP (development only). @default none */
  readonly tls?: TlsIssuer;
  /** Browser origins allowed by CORS: an explicit list, never "*". @default CORS off */
  readonly corsOrigins?: readonly string[];
  /** @default none */
  readonly rateLimit?: RateLimit;
  /** @default none */
  readonly labels?: Record<string, string>;
}

/** Secret that holds the certificate of a route. */
export function tlsSecretName(routeName: string): string {
  return `${routeName}-tls`;
}
