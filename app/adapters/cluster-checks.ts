import { ApiObject, Chart } from 'cdk8s';
import { configErrorAt, describeValue, EnvironmentConfig, SystemConfig } from '../config';
import { ManifestObject, QuotaFinding, quotaFindings, sharedClusterProblems, WorkloadUsage, workloadUsages } from '../../lib/security/shared-cluster';
import { SidecarInjection } from '../../lib/security/sidecar-injection';
import { sidecarInjectionOf } from './mesh';
import { SystemBase } from './system';

/**
 * Render-time checks of the whole chart: on a shared cluster nothing
 * cluster-scoped and nothing outside the assigned namespace; wherever a quota
 * is configured, the peak usage of the workloads (HPA maxima, rollout surge,
 * and in a namespace of the mesh (`meshed`) each pod's Istio sidecar and its
 * init container) fits it. Problems fail the synth with one line each.
 */
export function clusterChecks(base: SystemBase, chart: Chart, meshed = false): void {
  renderChecks(chart, { env: base.env, system: base.partOf, namespace: base.namespace, shared: base.shared, quota: base.system.quota, injection: sidecarInjectionOf(base.env, meshed) });
}

/**
 * The same checks, from the parts they read. A quota too small
 * for the peak is a mistake in the environment file, so it is reported as a
 * located config error at the quota field; a cluster-scoped object in shared
 * mode is a chart bug and stays a render error.
 */
function renderChecks(
  chart: Chart,
  p: { env: EnvironmentConfig; system: string; namespace: string; shared: boolean; quota?: SystemConfig['quota']; injection?: SidecarInjection },
): void {
  chart.node.addValidation({
    validate: () => {
      // ApiObject.toJson, not Chart.toJson: the latter validates again and recurses.
      const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
      const unclassed = claimsWithoutClass(objects);
      if (unclassed.length && !p.env.cluster.storage) {
        throw configErrorAt(p.env, ['cluster'], `expected cluster.storage: { storageClass: <name>, provisionedBy: "<what provides it>" } (or clusterDefault: true where the cluster has a default StorageClass): system ${p.system} renders ${unclassed.length} persistent volume claim(s) naming no class (${unclassed.slice(0, 3).join(', ')}${unclassed.length > 3 ? ', ...' : ''}), which stay Pending on a cluster without a default class (EKS created on 1.30 or later, k0s), and every later sync wave with them`, true);
      }
      const [finding] = p.quota ? quotaFindings(objects, p.namespace, p.quota, p.injection) : [];
      if (finding) {
        const quotaPath = ['systems', p.system, 'quota', ...finding.field.split('.')];
        const quotaValue = JSON.stringify(String(valueOf(p.quota!, finding.field)));
        const cause = quotaCause(p.env, p.system, finding, objects, p.namespace, p.injection);
        if (cause) {
          const q = configErrorAt(p.env, quotaPath, '').problems[0];
          const w = finding.largest!.workload;
          throw configErrorAt(p.env, cause.path, `got ${describeValue(cause.value)}: at its peak ${w.kind} ${w.name} runs ${w.pods} pod(s) taking ${finding.largest!.share} of the namespace's ${finding.field}, whose peak ${finding.peak} is over the quota ${quotaPath.join('.')} = ${quotaValue} (${q.file}:${q.line}:${q.column}); lower this value, or raise the quota`);
        }
        const [side, res] = finding.field.split('.');
        const sidecars = finding.sidecars.amount > 0
          ? `, ${finding.sidecars.share} of it for the Istio sidecars of ${finding.sidecars.pods} pods at mesh.proxy.${side}.${res} ${JSON.stringify(String(valueOf(p.injection!.proxy, finding.field)))}${p.env.mesh?.proxy ? '' : ' (the default)'} each`
          : '';
        throw configErrorAt(p.env, quotaPath, `expected at least the peak of namespace ${p.namespace}'s workloads (${finding.peak} of ${finding.field}: HPA maxima plus rollout surge${sidecars}), got ${quotaValue}; raise ${quotaPath.join('.')}`);
      }
      return p.shared ? sharedClusterProblems(objects, [p.namespace]) : [];
    },
  });
}

/**
 * The environment setting behind a quota overrun, so it is reported where a
 * mistyped replica count or size is written rather than at the quota: the
 * largest workload's service or component (a `-blue`/`-green`/`-canary`
 * workload belongs to its service), and of its settings the one further from
 * the namespace's other workloads (replicas against their pod counts, the
 * size against their sizes per pod). Undefined when the workload has no
 * setting of its own in the file, or when the namespace would not fit the
 * quota even with that setting as typical as the others', or would fit it
 * but for the Istio sidecars (then the quota is what is wrong).
 */
function quotaCause(
  env: EnvironmentConfig, system: string, finding: QuotaFinding, objects: readonly ManifestObject[], namespace: string, injection: SidecarInjection | undefined,
): { path: string[]; value: unknown } | undefined {
  const top = finding.largest?.workload;
  // Fitting but for the sidecars: the quota was sized without them.
  if (finding.used - finding.sidecars.amount <= finding.limit) return undefined;
  const cfg = env.systems[system as keyof EnvironmentConfig['systems']];
  if (!top || !cfg) return undefined;
  const owner = (keys: string[]) => keys.filter((k) => top.name === k || top.name.startsWith(`${k}-`)).sort((a, b) => b.length - a.length)[0];
  const service = owner(Object.keys(cfg.services));
  const component = service ? undefined : owner(Object.keys(cfg.components ?? {}));
  if (!service && !component) return undefined;
  const base = service ? ['systems', system, 'services', service] : ['systems', system, 'components', component!];
  const settings = (service ? cfg.services[service] : (cfg.components as Record<string, object>)[component!]) as Record<string, unknown>;
  const countKey = isPlainRecord(settings.autoscaling) ? ['autoscaling', 'maxReplicas'] : ['replicas'];
  const count = { path: [...base, ...countKey], value: valueOf(settings, countKey.join('.')) };
  const size = { path: [...base, 'resources', ...finding.field.split('.')], value: valueOf(settings, `resources.${finding.field}`) };
  // How far this workload stands out from the others, by pod count and by size per pod.
  const others = workloadUsages(objects, namespace, injection).filter((w) => !(w.kind === top.kind && w.name === top.name));
  const amount = (w: WorkloadUsage) => {
    if (finding.field === 'pods') return w.pods;
    const [side, res] = finding.field.split('.') as ['requests' | 'limits', 'cpu' | 'memory'];
    return res === 'cpu' ? w.usage[side].cpuMillis : w.usage[side].memoryBytes;
  };
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0) || 1;
  const byCount = count.value === undefined ? 0 : top.replicas / median(others.map((w) => w.replicas));
  const bySize = size.value === undefined || finding.field === 'pods' ? 0 : amount(top) / top.pods / median(others.map((w) => amount(w) / w.pods));
  const ratio = Math.max(byCount, bySize);
  // The namespace with this workload as typical as the others: if it still does not fit, the quota is the mistake.
  if (ratio <= 1 || finding.used - finding.largest.amount + finding.largest.amount / ratio > finding.limit) return undefined;
  return byCount >= bySize ? count : size;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function valueOf(o: object, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** Claims (PVCs, StatefulSet volumeClaimTemplates) that name no storage class, as "Kind name/claim". */
function claimsWithoutClass(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects as ReadonlyArray<{ kind?: string; metadata?: { name?: string }; spec?: { storageClassName?: string; volumeClaimTemplates?: Array<{ metadata?: { name?: string }; spec?: { storageClassName?: string } }> } }>) {
    if (o.kind === 'PersistentVolumeClaim' && !o.spec?.storageClassName) out.push(`PersistentVolumeClaim ${o.metadata?.name}`);
    if (o.kind === 'StatefulSet') {
      for (const t of o.spec?.volumeClaimTemplates ?? []) if (!t.spec?.storageClassName) out.push(`StatefulSet ${o.metadata?.name}/${t.metadata?.name}`);
    }
  }
  return out;
}
