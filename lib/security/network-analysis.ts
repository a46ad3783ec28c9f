// Reads rendered objects back and answers "who may talk to whom" the way a
// NetworkPolicy implementation would. Used by the Mermaid README (so the
// picture shows what the policies encode, not what we meant) and by tests
// that compare it with the declared service graph.
import { LabelIndex } from '../core/label-index';
import { ManifestObject } from './shared-cluster';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes JSON, walked by shape
type Json = Record<string, any>;

/** The pods of one rendered workload. */
export interface PodGroup {
  /** `<namespace>/<workload name>`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol: string }[];
}

/** One allowed connection. Pod groups are `<ns>/<workload>`; others `ext:<ns>/<labels>` or `cidr:<block>`. */
export interface AllowedEdge {
  readonly from: string;
  readonly to: string;
  /** Named port of a pod group, or `<number>/<protocol>` towards pods we do not render, `*` for any. */
  readonly port: string;
}

export interface NetworkAnalysis {
  readonly groups: readonly PodGroup[];
  /** Allowed edges, sorted, without duplicates. */
  readonly edges: readonly AllowedEdge[];
  /** Per namespace with pods: whether a policy selects every pod and denies both directions without rules. */
  readonly defaultDeny: Readonly<Record<string, boolean>>;
  /** Per pod group id: names of the policies that select it with at least one allow rule. */
  readonly allowPolicies: Readonly<Record<string, readonly string[]>>;
}

interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: Json;
  readonly types: readonly string[];
  readonly ingress: readonly Json[];
  readonly egress: readonly Json[];
}

/** Pod template of a workload kind, if it has one. */
export function podTemplateOf(o: ManifestObject): Json | undefined {
  const spec = (o.spec ?? {}) as Json;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout'].includes(o.kind)) return spec.template;
  if (o.kind === 'CronJob') return spec.jobTemplate?.spec?.template;
  return undefined;
}

export function analyzeNetwork(objects: readonly ManifestObject[]): NetworkAnalysis {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Namespace') nsLabels.set(o.metadata.name!, { ...((o.metadata.labels as Record<string, string>) ?? {}) });
  // Memoized (here and in `selecting`): the pair loop below asks for each
  // group once per other group, which made the analysis cubic in the number
  // of workloads (minutes at 1000 services).
  const nsLabelCache = new Map<string, Record<string, string>>();
  const labelsOfNs = (ns: string) => {
    let labels = nsLabelCache.get(ns);
    if (!labels) nsLabelCache.set(ns, (labels = { ...(nsLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns }));
    return labels;
  };

  const groups: PodGroup[] = [];
  for (const o of objects) {
    const t = podTemplateOf(o);
    if (!t || !o.metadata.namespace) continue;
    const ports = ((t.spec?.containers ?? []) as Json[]).flatMap((c) =>
      ((c.ports ?? []) as Json[]).map((p) => ({ name: p.name as string | undefined, port: p.containerPort as number, protocol: (p.protocol as string) ?? 'TCP' })),
    );
    groups.push({ id: `${o.metadata.namespace}/${o.metadata.name}`, namespace: o.metadata.namespace, name: o.metadata.name!, kind: o.kind, labels: t.metadata?.labels ?? {}, ports });
  }

  const policies: Policy[] = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => {
      const spec = (o.spec ?? {}) as Json;
      const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      return { name: o.metadata.name!, namespace: o.metadata.namespace!, podSelector: spec.podSelector ?? {}, types, ingress: spec.ingress ?? [], egress: spec.egress ?? [] };
    });

  // Every lookup below goes through per-namespace label indexes of the
  // groups: a selector is checked only against the groups of its namespace(s)
  // that carry its rarest matchLabels pair (all of them when it has none), so
  // the analysis grows with the number of workloads, not its square.
  const groupsByNs = new Map<string, LabelIndex<PodGroup>>();
  for (const g of groups) {
    let idx = groupsByNs.get(g.namespace);
    if (!idx) groupsByNs.set(g.namespace, (idx = new LabelIndex<PodGroup>((x) => x.labels)));
    idx.add(g);
  }
  /** Groups of `ns` a pod selector matches, in group order. */
  const selectedIn = (ns: string, sel: Json): PodGroup[] => {
    const idx = groupsByNs.get(ns);
    return idx ? idx.candidates(sel?.matchLabels ?? {}).filter((g) => selectorMatches(sel, g.labels)) : [];
  };

  // The policies selecting each group, in policy order.
  const selectingOf = new Map<PodGroup, Policy[]>(groups.map((g) => [g, []]));
  for (const p of policies) for (const g of selectedIn(p.namespace, p.podSelector)) selectingOf.get(g)!.push(p);
  const selecting = (g: PodGroup) => selectingOf.get(g)!;
  const entryMatchesGroup = (entry: Json, policyNs: string, g: PodGroup): boolean => {
    if (entry.ipBlock) return false;
    if (entry.namespaceSelector) {
      if (!selectorMatches(entry.namespaceSelector, labelsOfNs(g.namespace))) return false;
    } else if (g.namespace !== policyNs) return false;
    return entry.podSelector ? selectorMatches(entry.podSelector, g.labels) : true;
  };
  // The groups a peer entry of a policy in `policyNs` admits: those for which
  // entryMatchesGroup holds (as a set), memoized per entry.
  const matchingCache = new Map<Json, Map<string, PodGroup[]>>();
  const groupsMatching = (entry: Json, policyNs: string): PodGroup[] => {
    let byNs = matchingCache.get(entry);
    if (!byNs) matchingCache.set(entry, (byNs = new Map()));
    let found = byNs.get(policyNs);
    if (found) return found;
    found = [];
    if (!entry.ipBlock) {
      const nss = entry.namespaceSelector
        ? [...groupsByNs.keys()].filter((ns) => selectorMatches(entry.namespaceSelector, labelsOfNs(ns)))
        : [policyNs];
      for (const ns of nss) {
        const idx = groupsByNs.get(ns);
        if (!idx) continue;
        if (!entry.podSelector) for (const g of idx.items) found.push(g);
        else for (const g of idx.candidates(entry.podSelector.matchLabels ?? {})) if (selectorMatches(entry.podSelector, g.labels)) found.push(g);
      }
    }
    byNs.set(policyNs, found);
    return found;
  };
  const portMatches = (rulePorts: Json[] | undefined, p: PodGroup['ports'][number]) =>
    !rulePorts || rulePorts.length === 0 || rulePorts.some((rp) => (rp.protocol ?? 'TCP') === p.protocol && (rp.port === undefined || rp.port === p.name || rp.port === p.port));

  const edges = new Map<string, AllowedEdge>();
  const addEdge = (e: AllowedEdge) => edges.set(`${e.from}|${e.to}|${e.port}`, e);

  // Between rendered pods: both the client's egress and the server's ingress must allow it.
  // Only sources some ingress rule of the destination admits can pass both
  // checks, so each destination looks at those instead of at every workload,
  // unless a rule admits any source.
  const egressOf = new Map(groups.map((g) => [g, selecting(g).filter((p) => p.types.includes('Egress'))]));
  const sourcesOf = (inn: readonly Policy[]): Iterable<PodGroup> => {
    if (inn.length === 0 || inn.some((p) => p.ingress.some((r) => !r.from))) return groups;
    const admitted = new Set<PodGroup>();
    for (const p of inn) for (const r of p.ingress) for (const e of r.from as Json[]) for (const g of groupsMatching(e, p.namespace)) admitted.add(g);
    return admitted;
  };
  for (const dst of groups) {
    const inn = selecting(dst).filter((p) => p.types.includes('Ingress'));
    for (const src of sourcesOf(inn)) {
      if (dst === src) continue;
      const out = egressOf.get(src)!;
      for (const port of dst.ports) {
        const egressOk = out.length === 0 || out.some((p) => p.egress.some((r) => (!r.to || r.to.some((e: Json) => entryMatchesGroup(e, p.namespace, dst))) && portMatches(r.ports, port)));
        const ingressOk = inn.length === 0 || inn.some((p) => p.ingress.some((r) => (!r.from || r.from.some((e: Json) => entryMatchesGroup(e, p.namespace, src))) && portMatches(r.ports, port)));
        if (egressOk && ingressOk) addEdge({ from: src.id, to: dst.id, port: port.name ?? `${port.port}/${port.protocol}` });
      }
    }
  }

  // Towards and from pods we do not render: only our side is known.
  for (const g of groups) {
    for (const p of selecting(g)) {
      for (const r of p.ingress) {
        for (const entry of (r.from ?? ANY_PEER) as Json[]) {
          if (groupsMatching(entry, p.namespace).length > 0) continue;
          for (const port of portLabels(r.ports, g)) addEdge({ from: externalKey(entry, p.namespace), to: g.id, port });
        }
      }
      for (const r of p.egress) {
        for (const entry of (r.to ?? ANY_PEER) as Json[]) {
          if (groupsMatching(entry, p.namespace).length > 0) continue;
          for (const port of portLabels(r.ports, undefined)) addEdge({ from: g.id, to: externalKey(entry, p.namespace), port });
        }
      }
    }
  }

  const denyAll = new Set(policies
    .filter((p) => isEmptySelector(p.podSelector) && p.types.includes('Ingress') && p.types.includes('Egress') && p.ingress.length === 0 && p.egress.length === 0)
    .map((p) => p.namespace));
  const defaultDeny: Record<string, boolean> = {};
  for (const ns of new Set(groups.map((g) => g.namespace))) defaultDeny[ns] = denyAll.has(ns);
  const allowPolicies: Record<string, string[]> = {};
  for (const g of groups) allowPolicies[g.id] = selecting(g).filter((p) => p.ingress.length + p.egress.length > 0).map((p) => p.name).sort();

  // The map's keys are the sort keys: built once, not per comparison.
  const sorted = [...edges.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e);
  return { groups, edges: sorted, defaultDeny, allowPolicies };
}

/** The peer a rule without `from`/`to` admits: any pod of any namespace (one object, so lookups for it are memoized). */
const ANY_PEER: readonly Json[] = [{ podSelector: {}, namespaceSelector: {} }];

/** Stable key of a peer entry that selects no rendered pod. */
export function externalKey(entry: Json, policyNamespace: string): string {
  if (entry.ipBlock) return `cidr:${entry.ipBlock.cidr}`;
  const ns = entry.namespaceSelector
    ? entry.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? `{${labelText(entry.namespaceSelector.matchLabels ?? {}) || '*'}}`
    : policyNamespace;
  return `ext:${ns}/${labelText(entry.podSelector?.matchLabels ?? {}) || '*'}`;
}

/** The same key for a peer given by namespace and labels (or CIDRs). */
export function peerKey(peer: { namespace?: string; selectorLabels?: Readonly<Record<string, string>>; cidrs?: readonly string[] }): string {
  if (peer.cidrs) return `cidr:${peer.cidrs[0]}`;
  return `ext:${peer.namespace}/${labelText(peer.selectorLabels ?? {}) || '*'}`;
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function portLabels(rulePorts: Json[] | undefined, own: PodGroup | undefined): string[] {
  if (!rulePorts || rulePorts.length === 0) return ['*'];
  return rulePorts.map((rp) => {
    if (typeof rp.port === 'string') return rp.port;
    const named = own?.ports.find((p) => p.port === rp.port && p.protocol === (rp.protocol ?? 'TCP'))?.name;
    return named ?? `${rp.port}/${rp.protocol ?? 'TCP'}`;
  });
}

function isEmptySelector(sel: Json): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** Label selector semantics (matchLabels and matchExpressions). */
export function selectorMatches(sel: Json, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  for (const e of (sel.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const has = e.key in labels;
    const val = labels[e.key];
    if (e.operator === 'In' && !(has && e.values?.includes(val))) return false;
    if (e.operator === 'NotIn' && has && e.values?.includes(val)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
