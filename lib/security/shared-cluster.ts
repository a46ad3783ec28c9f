import { bytes, cpuMillis } from '../core/resources';
import { injectedPod, podAmounts, SidecarInjection } from './sidecar-injection';

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
  /** What all of its pods use together (with their injected sidecars). */
  readonly usage: NamespaceUsage;
  /** Of `usage`, what the injected Istio sidecars and their init containers add. */
  readonly sidecars: NamespaceUsage;
}

/**
 * Peak usage of each workload rendered into `namespace`: replicas (the HPA's
 * maximum when one targets the workload) plus the rollout's extra pods
 * (Deployment maxSurge; a Rollout may run a full second set for blue-green).
 * Jobs and CronJobs count one pod each. Each pod counts what a quota charges
 * for it: its init containers by the effective-request rule, and, when the
 * namespace has sidecar injection (`injection`), the Istio proxy and its init
 * container as the injector adds them.
 */
export function workloadUsages(objects: readonly ManifestObject[], namespace: string, injection?: SidecarInjection): WorkloadUsage[] {
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
    const injected = injectedPod(template, injection);
    const usage = scaled(pods, podAmounts(injected));
    const plain = scaled(pods, podAmounts(template));
    const sidecars = {
      pods: injected === template ? 0 : pods,
      requests: { cpuMillis: usage.requests.cpuMillis - plain.requests.cpuMillis, memoryBytes: usage.requests.memoryBytes - plain.requests.memoryBytes },
      limits: { cpuMillis: usage.limits.cpuMillis - plain.limits.cpuMillis, memoryBytes: usage.limits.memoryBytes - plain.limits.memoryBytes },
    };
    out.push({ kind: o.kind, name: o.metadata.name ?? '', pods, replicas, usage, sidecars });
  }
  return out;
}

/** Peak usage of the pods rendered into `namespace`: the sum of workloadUsages. */
export function namespaceUsage(objects: readonly ManifestObject[], namespace: string, injection?: SidecarInjection): NamespaceUsage {
  return sumUsage(workloadUsages(objects, namespace, injection).map((w) => w.usage));
}

function sumUsage(usages: readonly NamespaceUsage[]): NamespaceUsage {
  const total = { pods: 0, requests: { cpuMillis: 0, memoryBytes: 0 }, limits: { cpuMillis: 0, memoryBytes: 0 } };
  for (const u of usages) {
    total.pods += u.pods;
    total.requests.cpuMillis += u.requests.cpuMillis;
    total.requests.memoryBytes += u.requests.memoryBytes;
    total.limits.cpuMillis += u.limits.cpuMillis;
    total.limits.memoryBytes += u.limits.memoryBytes;
  }
  return total;
}

function scaled(pods: number, a: { requests: { cpuMillis: number; memoryBytes: number }; limits: { cpuMillis: number; memoryBytes: number } }): NamespaceUsage {
  return {
    pods,
    requests: { cpuMillis: pods * a.requests.cpuMillis, memoryBytes: pods * a.requests.memoryBytes },
    limits: { cpuMillis: pods * a.limits.cpuMillis, memoryBytes: pods * a.limits.memoryBytes },
  };
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
  /** Of the peak, what injected Istio sidecars add (0 without injection), and in how many pods. */
  readonly sidecars: { readonly amount: number; readonly share: string; readonly pods: number };
}

/**
 * Quota fields the namespace's peak usage (HPA maxima, rollout surge, and the
 * Istio sidecars when `injection` says the namespace is injected) does not fit.
 */
export function quotaFindings(objects: readonly ManifestObject[], namespace: string, budget: QuotaBudget, injection?: SidecarInjection): QuotaFinding[] {
  const workloads = workloadUsages(objects, namespace, injection);
  const u = sumUsage(workloads.map((w) => w.usage));
  const side = sumUsage(workloads.map((w) => w.sidecars));
  const findings: QuotaFinding[] = [];
  const check = (field: string, what: string, of: (n: NamespaceUsage) => number, limit: number | undefined, unit: (n: number) => string) => {
    const used = of(u);
    if (limit === undefined || used <= limit) return;
    const top = [...workloads].sort((a, b) => of(b.usage) - of(a.usage))[0];
    const sidecars = field === 'pods' ? 0 : of(side);
    findings.push({
      field,
      peak: unit(used),
      used,
      limit,
      message: `namespace ${namespace}: ${what} at peak is ${unit(used)}${sidecars ? ` (${unit(sidecars)} of it for the Istio sidecars of ${side.pods} pods)` : ''}, over the quota of ${unit(limit)}`,
      largest: top ? { workload: top, share: unit(of(top.usage)), amount: of(top.usage) } : undefined,
      sidecars: { amount: sidecars, share: unit(sidecars), pods: side.pods },
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

/** Problems when the namespace's peak usage (with its sidecars, when injected) does not fit its budget; one line each. */
export function quotaProblems(objects: readonly ManifestObject[], namespace: string, budget: QuotaBudget, injection?: SidecarInjection): string[] {
  return quotaFindings(objects, namespace, budget, injection).map((f) => f.message);
}
