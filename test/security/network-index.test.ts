/**
 * analyzeNetwork (the dist/<env>/README.md diagram) finds policies and peers
 * through per-namespace label indexes. Differential property: on generated
 * namespaces, workloads and NetworkPolicies it returns exactly what the
 * definition below returns by scanning every pair of workloads and every
 * policy: same groups, edges, default-deny flags and allow policies.
 */
import fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import { analyzeNetwork, AllowedEdge, externalKey, NetworkAnalysis, PodGroup, podTemplateOf, selectorMatches } from '../../lib/security/network-analysis';
import { ManifestObject } from '../../lib/security/shared-cluster';

type Json = Record<string, any>;

/** The analysis by definition: every policy against every group, every group against every group. */
function naiveAnalyzeNetwork(objects: readonly ManifestObject[]): NetworkAnalysis {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Namespace') nsLabels.set(o.metadata.name!, { ...((o.metadata.labels as Record<string, string>) ?? {}) });
  const labelsOfNs = (ns: string) => ({ ...(nsLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns });
  const groups: PodGroup[] = [];
  for (const o of objects) {
    const t = podTemplateOf(o);
    if (!t || !o.metadata.namespace) continue;
    const ports = ((t.spec?.containers ?? []) as Json[]).flatMap((c) =>
      ((c.ports ?? []) as Json[]).map((p) => ({ name: p.name as string | undefined, port: p.containerPort as number, protocol: (p.protocol as string) ?? 'TCP' })));
    groups.push({ id: `${o.metadata.namespace}/${o.metadata.name}`, namespace: o.metadata.namespace, name: o.metadata.name!, kind: o.kind, labels: t.metadata?.labels ?? {}, ports });
  }
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => {
    const spec = (o.spec ?? {}) as Json;
    const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return { name: o.metadata.name!, namespace: o.metadata.namespace!, podSelector: spec.podSelector ?? {}, types, ingress: (spec.ingress ?? []) as Json[], egress: (spec.egress ?? []) as Json[] };
  });
  const selectingMemo = new Map<PodGroup, typeof policies>();
  const selecting = (g: PodGroup) => {
    if (!selectingMemo.has(g)) selectingMemo.set(g, policies.filter((p) => p.namespace === g.namespace && selectorMatches(p.podSelector, g.labels)));
    return selectingMemo.get(g)!;
  };
  const entryMatchesGroup = (entry: Json, policyNs: string, g: PodGroup): boolean => {
    if (entry.ipBlock) return false;
    if (entry.namespaceSelector) {
      if (!selectorMatches(entry.namespaceSelector, labelsOfNs(g.namespace))) return false;
    } else if (g.namespace !== policyNs) return false;
    return entry.podSelector ? selectorMatches(entry.podSelector, g.labels) : true;
  };
  const portMatches = (rulePorts: Json[] | undefined, p: PodGroup['ports'][number]) =>
    !rulePorts || rulePorts.length === 0 || rulePorts.some((rp) => (rp.protocol ?? 'TCP') === p.protocol && (rp.port === undefined || rp.port === p.name || rp.port === p.port));
  const edges = new Map<string, AllowedEdge>();
  const addEdge = (e: AllowedEdge) => edges.set(`${e.from}|${e.to}|${e.port}`, e);
  for (const dst of groups) {
    const inn = selecting(dst).filter((p) => p.types.includes('Ingress'));
    for (const src of groups) {
      if (dst === src) continue;
      const out = selecting(src).filter((p) => p.types.includes('Egress'));
      for (const port of dst.ports) {
        const egressOk = out.length === 0 || out.some((p) => p.egress.some((r) => (!r.to || r.to.some((e: Json) => entryMatchesGroup(e, p.namespace, dst))) && portMatches(r.ports, port)));
        const ingressOk = inn.length === 0 || inn.some((p) => p.ingress.some((r) => (!r.from || r.from.some((e: Json) => entryMatchesGroup(e, p.namespace, src))) && portMatches(r.ports, port)));
        if (egressOk && ingressOk) addEdge({ from: src.id, to: dst.id, port: port.name ?? `${port.port}/${port.protocol}` });
      }
    }
  }
  const portLabels = (rulePorts: Json[] | undefined, own: PodGroup | undefined): string[] =>
    !rulePorts || rulePorts.length === 0 ? ['*'] : rulePorts.map((rp) => {
      if (typeof rp.port === 'string') return rp.port;
      return own?.ports.find((p) => p.port === rp.port && p.protocol === (rp.protocol ?? 'TCP'))?.name ?? `${rp.port}/${rp.protocol ?? 'TCP'}`;
    });
  for (const g of groups) {
    for (const p of selecting(g)) {
      for (const r of p.ingress) {
        for (const entry of (r.from ?? [{ podSelector: {}, namespaceSelector: {} }]) as Json[]) {
          if (groups.some((o) => entryMatchesGroup(entry, p.namespace, o))) continue;
          for (const port of portLabels(r.ports, g)) addEdge({ from: externalKey(entry, p.namespace), to: g.id, port });
        }
      }
      for (const r of p.egress) {
        for (const entry of (r.to ?? [{ podSelector: {}, namespaceSelector: {} }]) as Json[]) {
          if (groups.some((o) => entryMatchesGroup(entry, p.namespace, o))) continue;
          for (const port of portLabels(r.ports, undefined)) addEdge({ from: g.id, to: externalKey(entry, p.namespace), port });
        }
      }
    }
  }
  const isEmpty = (sel: Json) => Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
  const defaultDeny: Record<string, boolean> = {};
  for (const ns of new Set(groups.map((g) => g.namespace))) {
    defaultDeny[ns] = policies.some((p) => p.namespace === ns && isEmpty(p.podSelector) && p.types.includes('Ingress') && p.types.includes('Egress') && p.ingress.length === 0 && p.egress.length === 0);
  }
  const allowPolicies: Record<string, string[]> = {};
  for (const g of groups) allowPolicies[g.id] = selecting(g).filter((p) => p.ingress.length + p.egress.length > 0).map((p) => p.name).sort();
  const sorted = [...edges.values()].sort((a, b) => `${a.from}|${a.to}|${a.port}`.localeCompare(`${b.from}|${b.to}|${b.port}`));
  return { groups, edges: sorted, defaultDeny, allowPolicies };
}

const NAMESPACES = ['a', 'b', 'c'];
const KEYS = ['app', 'tier', 'team'];
const VALUES = ['x', 'y', 'z'];

const labels = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });
const expression = fc.record({
  key: fc.constantFrom(...KEYS, 'kubernetes.io/metadata.name'),
  operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
  values: fc.array(fc.constantFrom(...VALUES, ...NAMESPACES, 'nomatch'), { maxLength: 3 }),
}, { requiredKeys: ['key', 'operator'] });
/** Selectors with matchLabels (sometimes matching nothing), matchExpressions, both, or neither. */
const selector = fc.record({
  matchLabels: fc.dictionary(fc.constantFrom(...KEYS, 'kubernetes.io/metadata.name'), fc.constantFrom(...VALUES, ...NAMESPACES, 'nomatch'), { maxKeys: 2 }),
  matchExpressions: fc.array(expression, { maxLength: 2 }),
}, { requiredKeys: [] });
const peer = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector: selector }),
  fc.record({ podSelector: selector, namespaceSelector: selector }),
  fc.constant({ ipBlock: { cidr: '10.0.0.0/8' } }),
);
const rulePorts = fc.option(fc.array(fc.record({ port: fc.constantFrom('http', 'metrics', 80, 8080), protocol: fc.constantFrom('TCP', 'UDP') }, { requiredKeys: [] }), { maxLength: 2 }), { nil: undefined });
const ingressRule = fc.record({ from: fc.array(peer, { minLength: 1, maxLength: 3 }), ports: rulePorts }, { requiredKeys: [] });
const egressRule = fc.record({ to: fc.array(peer, { minLength: 1, maxLength: 3 }), ports: rulePorts }, { requiredKeys: [] });

const namespaceObject = fc.record({ name: fc.constantFrom(...NAMESPACES), labels }).map(({ name, labels: l }): ManifestObject => ({
  apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: l },
}));
const workload = fc.record({
  kind: fc.constantFrom('Deployment', 'StatefulSet', 'CronJob'),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('w1', 'w2', 'w3', 'w4', 'w5', 'w6'),
  labels,
  ports: fc.array(fc.record({ name: fc.constantFrom('http', 'metrics'), containerPort: fc.constantFrom(80, 8080, 9090), protocol: fc.constantFrom('TCP', 'UDP') }, { requiredKeys: ['containerPort'] }), { maxLength: 2 }),
}).map(({ kind, namespace, name, labels: l, ports }): ManifestObject => {
  const template = { metadata: { labels: l }, spec: { containers: [{ name: 'main', ports }] } };
  return {
    apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1', kind, metadata: { name, namespace },
    spec: kind === 'CronJob' ? { jobTemplate: { spec: { template } } } : { template },
  };
});
const policy = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
  podSelector: fc.oneof(selector, fc.constant({})),
  policyTypes: fc.option(fc.subarray(['Ingress', 'Egress']), { nil: undefined }),
  ingress: fc.option(fc.array(fc.oneof({ weight: 4, arbitrary: ingressRule }, { weight: 1, arbitrary: fc.constant({}) }), { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(fc.oneof({ weight: 4, arbitrary: egressRule }, { weight: 1, arbitrary: fc.constant({}) }), { maxLength: 2 }), { nil: undefined }),
}).map(({ namespace, name, podSelector, policyTypes, ingress, egress }): ManifestObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace },
  spec: { podSelector, ...(policyTypes ? { policyTypes } : {}), ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) },
}));

const denyAll = fc.constantFrom(...NAMESPACES).map((namespace): ManifestObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
}));

const objectsArb = fc.tuple(
  fc.array(namespaceObject, { maxLength: 3 }),
  fc.array(workload, { maxLength: 10 }),
  fc.array(policy, { maxLength: 8 }),
  fc.array(denyAll, { maxLength: 2 }),
).chain(([a, b, c, d]) => fc.shuffledSubarray([...a, ...b, ...c, ...d], { minLength: a.length + b.length + c.length + d.length }));

describe('analyzeNetwork through label indexes', () => {
  test('GIVEN generated namespaces, workloads and policies WHEN analysed THEN the result equals the all-pairs definition', () => {
    fc.assert(fc.property(objectsArb, (objects) => {
      expect(analyzeNetwork(objects)).toEqual(naiveAnalyzeNetwork(objects));
    }), fuzz({ numRuns: 400 }));
  });

  test('GIVEN a chain of 100 services WHEN analysed THEN each service reaches exactly its successor, as the all-pairs definition says', () => {
    const objects: ManifestObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'bench' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    ];
    const name = (i: number) => `svc-${i}`;
    for (let i = 0; i < 100; i++) {
      const l = { 'app.kubernetes.io/name': name(i), 'app.kubernetes.io/part-of': 'bench' };
      objects.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: name(i), namespace: 'bench' }, spec: { template: { metadata: { labels: l }, spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] } } } });
      objects.push({
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: name(i), namespace: 'bench' },
        spec: {
          podSelector: { matchLabels: l }, policyTypes: ['Ingress', 'Egress'],
          ingress: [...(i > 0 ? [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name(i - 1) } } }], ports: [{ port: 'http' }] }] : []),
            { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }],
          egress: [...(i < 99 ? [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name(i + 1) } } }], ports: [{ port: 8080 }] }] : []),
            { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
        },
      });
    }
    const net = analyzeNetwork(objects);
    expect(net).toEqual(naiveAnalyzeNetwork(objects));
    expect(net.edges.filter((e) => !e.from.includes(':') && !e.to.includes(':'))).toHaveLength(99);
  });
});
