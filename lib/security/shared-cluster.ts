import { bytes, cpuMillis } from '../core/resources';

/** The parts of a rendered object these checks read. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/**
 * Kinds that live outside any namespace. Anything without
 * `metadata.namespace` counts as cluster-scoped too, so a kind missing here
 * is still caught.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'PriorityClass', 'RuntimeClass',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'IngressClass', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration',
  'ClusterIssuer', 'ClusterSecretStore', 'ClusterExternalSecret', 'GatewayClass', 'ClusterAnalysisTemplate', 'ClusterServiceVersion',
]);

/** Whether an object is cluster-scoped (by kind, or because it has no namespace). */
export function isClusterScoped(o: ManifestObject): boolean {
  return CLUSTER_SCOPED_KINDS.has(o.kind) || !o.metadata.namespace;
}

/**
 * Problems of a render meant for a shared cluster: any cluster-scoped object,
 * and any object outside the assigned namespaces. One line per problem.
 */
export function sharedClusterProblems(objects: readonly ManifestObject[], assignedNamespaces: readonly string[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const id = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    if (isClusterScoped(o)) {
      problems.push(`${id}: cluster-scoped objects are not allowed in shared-cluster mode (the cluster's owners provide them)`);
    } else if (!assignedNamespaces.includes(o.metadata.namespace!)) {
      problems.push(`${id}: namespace ${o.metadata.namespace} is not assigned to us (assigned: ${assignedNamespaces.join(', ')})`);
    }
  }
  return problems;
}

/** A namespace's compute budget. */
export interface QuotaBudget {
  readonly requests: { readonly cpu: string | number; readonly memory: string };
  readonly limits: { readonly cpu: string | number; readonly memory: string };
  readonly pods?: number;
}

/** What the workloads of a namespace may use at the worst moment of a rollout. */
export interface NamespaceUsage {
  readonly pods: number;
  readonly requests: { readonly cpuMillis: number; readonly memoryBytes: number };
  readonly limits: { readonly cpuMillis: number; readonly memoryBytes: number };
}

/** One workload's share of a namespace's peak usage. */
export interface WorkloadUsage {
  readonly kind: string;
  readonly name: string;
  /** Pods at the peak: replicas (or the HPA's maximum) plus the rollout's extra pods. */
  readonly pods: number;
  /** Replicas before the rollout's extra pods. */
  readonly replicas: number;
  /** What all of its pods use together. */
  readonly usage: NamespaceUsage;
}

/**
 * Peak usage of each workload rendered into `namespace`: replicas (the HPA's
 * maximum when one targets the workload) plus the rollout's extra pods
 * (Deployment maxSurge; a Rollout may run a full second set for blue-green).
 * Jobs and CronJobs count one pod each.
 */
export function workloadUsages(objects: readonly ManifestObject[], namespace: string): WorkloadUsage[] {
  const inNs = objects.filter((o) => o.metadata.namespace === namespace);
  const hpaMax = new Map<string, number>();
  for (const o of inNs) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const spec = o.spec as { scaleTargetRef: { kind: string; name: string }; maxReplicas: number };
    hpaMax.set(`${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`, spec.maxReplicas);
  }
  const out: WorkloadUsage[] = [];
  for (const o of inNs) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes JSON, walked by shape
    const spec = (o.spec ?? {}) as Record<string, any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes JSON, walked by shape
    let template: Record<string, any> | undefined;
    let pods = 1;
    let replicas = 1;
    if (['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind)) {
      template = spec.template;
      replicas = hpaMax.get(`${o.kind}/${o.metadata.name}`) ?? spec.replicas ?? 1;
      pods = replicas + extraPods(o.kind, spec, replicas);
    } else if (o.kind === 'Job') {
      template = spec.template;
    } else if (o.kind === 'CronJob') {
      template = spec.jobTemplate?.spec?.template;
    } else if (o.kind === 'DaemonSet') {
      template = spec.template;
    }
    if (!template) continue;
    const usage = { pods, requests: { cpuMillis: 0, memoryBytes: 0 }, limits: { cpuMillis: 0, memoryBytes: 0 } };
    for (const c of (template.spec?.containers ?? []) as { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[]) {
      usage.requests.cpuMillis += pods * (cpuMillis(c.resources?.requests?.cpu ?? '0') ?? 0);
      usage.requests.memoryBytes += pods * (bytes(c.resources?.requests?.memory ?? '0') ?? 0);
      usage.limits.cpuMillis += pods * (cpuMillis(c.resources?.limits?.cpu ?? '0') ?? 0);
      usage.limits.memoryBytes += pods * (bytes(c.resources?.limits?.memory ?? '0') ?? 0);
    }
    out.push({ kind: o.kind, name: o.metadata.name ?? '', pods, replicas, usage });
  }
  return out;
}

/** Peak usage of the pods rendered into `namespace`: the sum of workloadUsages. */
export function namespaceUsage(objects: readonly ManifestObject[], namespace: string): NamespaceUsage {
  const total = { pods: 0, requests: { cpuMillis: 0, memoryBytes: 0 }, limits: { cpuMillis: 0, memoryBytes: 0 } };
  for (const { usage: u } of workloadUsages(objects, namespace)) {
    total.pods += u.pods;
    total.requests.cpuMillis += u.requests.cpuMillis;
    total.requests.memoryBytes += u.requests.memoryBytes;
    total.limits.cpuMillis += u.limits.cpuMillis;
    total.limits.memoryBytes += u.limits.memoryBytes;
  }
  return total;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes JSON, walked by shape
function extraPods(kind: string, spec: Record<string, any>, replicas: number): number {
  if (kind === 'Rollout') return replicas;
  if (kind !== 'Deployment') return 0;
  if (spec.strategy?.type === 'Recreate') return 0;
  const surge = spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof surge === 'number' ? surge : Math.ceil((replicas * Number(String(surge).replace('%', ''))) / 100);
}

/** A quota field the namespace's peak usage exceeds. */
export interface QuotaFinding {
  /** Field of the quota, e.g. `limits.cpu` or `pods`. */
  readonly field: string;
  /** The peak usage, in the quota's units (e.g. `16300m`, `2048Mi`, `42`). */
  readonly peak: string;
  /** The peak and the quota in base units (millicores, bytes, pods). */
  readonly used: number;
  readonly limit: number;
  readonly message: string;
  /** The workload with the largest share of the field: where a mistyped replica count or size usually is. */
  readonly largest?: { readonly workload: WorkloadUsage; readonly share: string; readonly amount: number };
}

/** Quota fields the namespace's peak usage (HPA maxima, rollout surge) does not fit. */
export function quotaFindings(objects: readonly ManifestObject[], namespace: string, budget: QuotaBudget): QuotaFinding[] {
  const workloads = workloadUsages(objects, namespace);
  const u = namespaceUsage(objects, namespace);
  const findings: QuotaFinding[] = [];
  const check = (field: string, what: string, of: (n: NamespaceUsage) => number, limit: number | undefined, unit: (n: number) => string) => {
    const used = of(u);
    if (limit === undefined || used <= limit) return;
    const top = [...workloads].sort((a, b) => of(b.usage) - of(a.usage))[0];
    findings.push({
      field,
      peak: unit(used),
      used,
      limit,
      message: `namespace ${namespace}: ${what} at peak is ${unit(used)}, over the quota of ${unit(limit)}`,
      largest: top ? { workload: top, share: unit(of(top.usage)), amount: of(top.usage) } : undefined,
    });
  };
  const cpu = (n: number) => `${n}m`;
  const mem = (n: number) => `${Math.ceil(n / 2 ** 20)}Mi`;
  check('requests.cpu', 'requested CPU', (x) => x.requests.cpuMillis, cpuMillis(budget.requests.cpu), cpu);
  check('requests.memory', 'requested memory', (x) => x.requests.memoryBytes, bytes(budget.requests.memory), mem);
  check('limits.cpu', 'CPU limit', (x) => x.limits.cpuMillis, cpuMillis(budget.limits.cpu), cpu);
  check('limits.memory', 'memory limit', (x) => x.limits.memoryBytes, bytes(budget.limits.memory), mem);
  check('pods', 'pod count', (x) => x.pods, budget.pods, String);
  return findings;
}

/** Problems when the namespace's peak usage does not fit its budget; one line each. */
export function quotaProblems(objects: readonly ManifestObject[], namespace: string, budget: QuotaBudget): string[] {
  return quotaFindings(objects, namespace, budget).map((f) => f.message);
}
