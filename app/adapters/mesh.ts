import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { EnvironmentConfig } from '../config';
import { MeshPolicies } from '../../lib/mesh/mesh-policies';
import { TracingSampling } from '../../lib/observability/tracing-sampling';
import { ComputeResources } from '../../lib/core/resources';
import { DEFAULT_SIDECAR_RESOURCES, SidecarInjection } from '../../lib/security/sidecar-injection';
import { MeshMode } from '../../lib/security/system-namespace';
import { SystemBase } from './system';

/** The cluster's mesh mode where the environment runs the mesh, declared on injected namespaces. */
export function meshModeOf(env: EnvironmentConfig): MeshMode | undefined {
  return env.mesh?.enabled ? { cni: env.mesh.cni ?? false, nativeSidecars: env.mesh.nativeSidecars ?? false } : undefined;
}

/**
 * Requests and limits of the environment's Istio sidecars: `mesh.proxy`, or
 * DEFAULT_SIDECAR_RESOURCES. The one source both istiod's values
 * (`global.proxy.resources`, charts/platform.ts) and the quota check read.
 */
export function sidecarResourcesOf(env: EnvironmentConfig): ComputeResources {
  return env.mesh?.proxy ?? DEFAULT_SIDECAR_RESOURCES;
}

/** What injection adds to the pods of a namespace that joins the environment's mesh; undefined where nothing is injected. */
export function sidecarInjectionOf(env: EnvironmentConfig, meshed: boolean): SidecarInjection | undefined {
  return meshed && env.mesh?.enabled ? { proxy: sidecarResourcesOf(env), nativeSidecars: env.mesh.nativeSidecars ?? false } : undefined;
}

/**
 * Istio for the chart's namespace where the environment runs the mesh:
 * STRICT mTLS, authorization policies mirroring the service graph, and
 * DestinationRules with the environment's circuit breaker; plus the
 * environment's trace sampling for the sidecars.
 */
export function meshFromConfig(base: SystemBase, chart: Chart): MeshPolicies | undefined {
  const m = base.env.mesh;
  if (!m?.enabled) return undefined;
  const mesh = new MeshPolicies(chart, 'Mesh', {
    graph: base.graph,
    // Only the system's namespace has sidecar injection (not its -logging one).
    namespaces: [base.namespace],
    circuitBreaker: { maxConnections: m.maxConnections, maxPendingRequests: m.maxPendingRequests, consecutive5xxErrors: m.consecutive5xxErrors, baseEjectionTime: m.baseEjectionTime },
  });
  const sampling = base.env.observability?.tracingSamplingPercent;
  if (sampling !== undefined) new TracingSampling(chart, 'Tracing', { namespace: base.namespace, samplingPercent: sampling });
  if (m.nativeSidecars) nativeSidecarJobs(chart, base.namespace);
  return mesh;
}

/**
 * Jobs in an injected namespace ask for the proxy as a native sidecar on
 * their own pods (`sidecar.istio.io/nativeSidecar`, which takes precedence
 * over istiod's ENABLE_NATIVE_SIDECARS): it starts before the job's container
 * and stops when that exits, so the Job completes instead of running until
 * its deadline.
 */
function nativeSidecarJobs(chart: Chart, namespace: string): void {
  for (const o of chart.node.findAll()) {
    if (!(o instanceof ApiObject) || o.metadata.namespace !== namespace || (o.kind !== 'CronJob' && o.kind !== 'Job')) continue;
    const base = o.kind === 'CronJob' ? '/spec/jobTemplate/spec/template/metadata' : '/spec/template/metadata';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rendered object, walked by shape
    const json = o.toJson() as { spec?: Record<string, any> };
    const tpl = o.kind === 'CronJob' ? json.spec?.jobTemplate?.spec?.template : json.spec?.template;
    o.addJsonPatch(JsonPatch.add(`${base}/annotations`, { ...(tpl?.metadata?.annotations ?? {}), 'sidecar.istio.io/nativeSidecar': 'true' }));
  }
}
