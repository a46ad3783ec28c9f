import { ControllerExposure, EnvironmentConfig, tierRules } from '../config';
import { Border, BorderOptions } from '../../lib/border/border';
import { TlsIssuer } from '../../lib/border/options';
import { SystemBase } from './system';

/** The environment runs the mesh and its ingress controller has a sidecar (`border.controller.serviceAccountName`). */
export function controllerInMesh(env: EnvironmentConfig): boolean {
  return env.mesh?.enabled === true && env.border?.controller?.serviceAccountName !== undefined;
}

/**
 * The cert-manager issuer of the environment's routes (`border.tls`): a
 * ClusterIssuer the cluster provides (`platform.clusterIssuers.<name>.providedBy`)
 * says so on the objects naming it, for the gate rule ref/certificate-issuer.
 */
export function environmentTlsIssuer(env: EnvironmentConfig): TlsIssuer | undefined {
  const t = env.border?.tls;
  if (!t) return undefined;
  const providedBy = t.issuerKind === 'ClusterIssuer' ? env.platform?.clusterIssuers?.[t.issuer]?.providedBy : undefined;
  return { name: t.issuer, kind: t.issuerKind, ...(providedBy !== undefined ? { providedBy } : {}) };
}

/**
 * The environment's border for the services a chart exposes (`border:`):
 * NGINX Ingress, Traefik IngressRoute or Gateway API, with the cert-manager
 * issuer, CORS origins and rate limit of the environment. Plain HTTP only
 * where the tier allows it (lib/core/tier.ts); elsewhere Border refuses to
 * expose without TLS.
 */
export function environmentBorder(base: SystemBase): Border {
  const b = base.env.border;
  const common: BorderOptions = {
    controller: base.ingressController,
    tls: environmentTlsIssuer(base.env),
    allowPlainHttp: !tierRules(base.env.environment.tier).tlsRequired,
    corsOrigins: b?.corsOrigins,
    rateLimit: b?.rateLimit,
  };
  const kind = b?.kind ?? 'nginx';
  if (kind === 'traefik') return Border.traefik(common);
  if (kind === 'gateway') return Border.gatewayApi({ ...common, gateway: b!.gateway! });
  return Border.nginx({ ...common, className: b?.className, throughMesh: controllerInMesh(base.env) });
}

/** Distributions that bring no LoadBalancer provider: a LoadBalancer Service there stays `<pending>`. */
const NO_LOAD_BALANCER = new Set(['kind', 'k0s']);

/**
 * Why the environment's cluster cannot give a LoadBalancer Service an
 * address, or undefined when it can: kind and k0s bring no provider unless
 * `cluster.loadBalancerProvider` names one (MetalLB, say).
 */
export function missingLoadBalancer(env: EnvironmentConfig): string | undefined {
  const d = env.cluster.distribution;
  if (d === undefined || !NO_LOAD_BALANCER.has(d) || env.cluster.loadBalancerProvider !== undefined) return undefined;
  return `cluster.distribution ${d} has no LoadBalancer provider and cluster.loadBalancerProvider names none`;
}

/**
 * How traffic reaches the border's controller: `border.controller.exposure`,
 * else by distribution: a DaemonSet on host ports 80/443 where LoadBalancer
 * Services get no address (kind, k0s without a provider), a LoadBalancer
 * elsewhere.
 */
export function controllerExposure(env: EnvironmentConfig): ControllerExposure {
  return env.border?.controller?.exposure ?? (missingLoadBalancer(env) ? { type: 'hostPort' } : { type: 'LoadBalancer' });
}
