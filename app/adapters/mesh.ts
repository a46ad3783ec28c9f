import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { EnvironmentConfig } from '../config';
import { MeshPolicies } from '../../lib/mesh/mesh-policies';
import { TracingSampling } from '../../lib/observability/tracing-sampling';
import { ComputeResources } from '../../lib/core/resources';
import { DEFAULT_SIDECAR_RESOURCES, SidecarInjection } from '../../lib/security/sidecar-injection';
import { Jaeger } from '../../lib/platform/jaeger';
import { Peer } from '../../lib/security/peer';
import { MeshMode } from '../../lib/security/system-namespace';
import { SystemBase } from './system';

/** A system's own tracing backend, where the sidecars send spans when the mesh runs. */
export interface MeshTracingBackend {
  readonly jaeger: Jaeger;
  /** Jaeger's pods in the service graph (port `otlp-grpc`). */
  readonly peer: Peer;
}

const tracingBackends = new WeakMap<SystemBase, MeshTracingBackend>();

/** Declares the system's Jaeger as the backend of its sidecars' spans (read by meshFromConfig). */
export function meshTracingBackend(base: SystemBase, backend: MeshTracingBackend): void {
  tracingBackends.set(base, backend);
}

/** The mesh extension provider of a system's Jaeger: one per namespace, `jaeger-<namespace>`. */
export function tracingProviderName(namespace: string): string {
  return `jaeger-${namespace}`;
}

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
  meshTracing(base, chart);
  if (m.nativeSidecars) nativeSidecarJobs(chart, base.namespace);
  return mesh;
}

/**
 * The environment's trace sampling for the sidecars, where the system runs a
 * tracing backend (its Jaeger): a Telemetry naming the OpenTelemetry
 * extension provider `jaeger-<namespace>` (istiod's meshConfig gets it from
 * the platform chart), and a service-graph edge from every pod of the
 * namespace to Jaeger's OTLP gRPC port, since each sidecar sends its spans
 * there. Without a backend no Telemetry is rendered: sampled spans would go
 * nowhere.
 */
function meshTracing(base: SystemBase, chart: Chart): void {
  const sampling = base.env.observability?.tracingSamplingPercent;
  const backend = tracingBackends.get(base);
  if (sampling === undefined || !backend) return;
  const { jaeger, peer } = backend;
  new TracingSampling(chart, 'Tracing', {
    namespace: base.namespace,
    samplingPercent: sampling,
    otlp: { name: tracingProviderName(jaeger.namespace), opentelemetry: { service: `${jaeger.name}.${jaeger.namespace}.svc.cluster.local`, port: peer.ports['otlp-grpc'] } },
  });
  base.graph.onPeer((p) => {
    if (p !== peer && p.namespace === base.namespace) base.graph.connect(p, peer, 'otlp-grpc');
  });
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
