/**
 * The validation gate matches selectors through label indexes (lib/core/label-index.ts,
 * ObjectSet in lib/validate/model.ts) instead of scanning every object of a
 * namespace. Differential properties: on generated objects and selectors the
 * indexed lookups give exactly the answers of the full scans they replaced,
 * in the same order, including matchExpressions (In, NotIn, Exists,
 * DoesNotExist, unknown operators), empty and missing selectors, non-string
 * values and selectors matching nothing.
 */
import fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import { LabelIndex, SelectorIndex } from '../../lib/core/label-index';
import {
  K8sObject, ObjectSet, labelSelectorMatches, mapSelectorMatches, parsedSelectorMatches, rec, strMap, toK8sObject,
} from '../../lib/validate/model';

const KEYS = ['app', 'tier', 'zone', 'example.com/role', 'constructor'];
const VALUES = ['x', 'y', 'z'];
const NAMESPACES = ['a', 'b', ''];

const labelValue = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.constant(1) });
const labels = fc.dictionary(fc.constantFrom(...KEYS), labelValue, { maxKeys: 4 });

const expression = fc.record({
  key: fc.constantFrom(...KEYS, 'missing'),
  operator: fc.constantFrom('In', 'In', 'NotIn', 'NotIn', 'Exists', 'Exists', 'DoesNotExist', 'DoesNotExist', 'Bogus'),
  values: fc.array(fc.oneof(fc.constantFrom(...VALUES, 'nomatch'), fc.constant(2)), { maxLength: 3 }),
}, { requiredKeys: ['key', 'operator'] });

/** matchLabels/matchExpressions selectors, plus the degenerate ones a malformed manifest may carry. */
const selector: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}, 'junk', [], { matchLabels: {} }, { matchExpressions: [] }) },
  {
    weight: 8,
    arbitrary: fc.record({
      matchLabels: fc.oneof(
        { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...VALUES) }, { weight: 1, arbitrary: fc.constantFrom('nomatch', 1) }), { maxKeys: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(null, 'junk', ['x']) },
      ),
      matchExpressions: fc.array(expression, { maxLength: 3 }),
    }, { requiredKeys: [] }),
  },
);

interface Spec {
  readonly kind: 'Deployment' | 'Pod' | 'Service' | 'PodDisruptionBudget' | 'ConfigMap';
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, unknown>;
  readonly templateLabels: Record<string, unknown>;
  readonly selector: unknown;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom('Deployment', 'Deployment', 'Pod', 'Service', 'Service', 'PodDisruptionBudget', 'ConfigMap'),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('n1', 'n2', 'n3', 'n4'),
  labels,
  templateLabels: labels,
  selector,
});

function objectOf(s: Spec, i: number): K8sObject {
  const metadata = { name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}), labels: s.labels };
  const raw: Record<string, unknown> = (() => {
    switch (s.kind) {
      case 'Deployment': return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { selector: s.selector, template: { metadata: { labels: s.templateLabels }, spec: {} } } };
      case 'Pod': return { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, labels: s.templateLabels }, spec: {} };
      case 'Service': return { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: strMap(rec(s.selector).matchLabels) } };
      case 'PodDisruptionBudget': return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { selector: s.selector, maxUnavailable: 1 } };
      default: return { apiVersion: 'v1', kind: 'ConfigMap', metadata };
    }
  })();
  return toK8sObject({ file: `${i}.yaml`, object: raw })!;
}

const objectSets = fc.array(spec, { maxLength: 30 }).map((specs) => new ObjectSet(specs.map(objectOf)));
const namespaceLists = fc.option(fc.array(fc.constantFrom(...NAMESPACES, 'elsewhere'), { maxLength: 4 }), { nil: undefined });

const RUNS = fuzz({ numRuns: 300 });

describe('ObjectSet lookups equal full scans', () => {
  test('templatesSelectedBy / selectsSomeTemplate: the pod templates of a namespace a label selector matches', () => {
    fc.assert(fc.property(objectSets, fc.constantFrom(...NAMESPACES, 'elsewhere'), selector, (set, ns, sel) => {
      const naive = set.templatesIn(ns).filter((t) => labelSelectorMatches(sel, t.labels));
      expect(set.templatesSelectedBy(ns, sel)).toEqual(naive);
      expect(set.selectsSomeTemplate(ns, sel)).toBe(naive.length > 0);
    }), RUNS);
  });

  test('templatesSelectedByMap: the pod templates of a namespace a Service selector matches', () => {
    fc.assert(fc.property(objectSets, fc.constantFrom(...NAMESPACES), selector, (set, ns, sel) => {
      const map = strMap(rec(sel).matchLabels);
      expect(set.templatesSelectedByMap(ns, map)).toEqual(set.templatesIn(ns).filter((t) => mapSelectorMatches(map, t.labels)));
    }), RUNS);
  });

  test('templatesSelectedAcross: the pod templates of some namespaces (or all) a selector matches, in set order', () => {
    fc.assert(fc.property(objectSets, namespaceLists, selector, (set, nss, sel) => {
      const naive = set.podTemplates.filter((t) => (nss === undefined || nss.includes(t.owner.namespace)) && labelSelectorMatches(sel, t.labels));
      expect(set.templatesSelectedAcross(nss, sel)).toEqual(naive);
    }), RUNS);
  });

  test('servicesSelectedAcross: the Services of some namespaces (or all) whose labels a selector matches, in set order', () => {
    fc.assert(fc.property(objectSets, namespaceLists, selector, (set, nss, sel) => {
      const naive = set.objects.filter((o) => o.group === '' && o.kind === 'Service'
        && (nss === undefined || nss.includes(o.namespace)) && labelSelectorMatches(sel, o.labels));
      expect(set.servicesSelectedAcross(nss, sel)).toEqual(naive);
    }), RUNS);
  });

  test('find: the first object of a kind, namespace and name', () => {
    fc.assert(fc.property(objectSets, fc.constantFrom('Deployment', 'Service', 'Pod'), fc.constantFrom(...NAMESPACES), fc.constantFrom('n1', 'n2', 'n5'), (set, kind, ns, name) => {
      const group = kind === 'Deployment' ? 'apps' : '';
      expect(set.find(group, kind, ns, name)).toBe(set.ofKind(group, kind, ns).find((o) => o.name === name));
    }), RUNS);
  });

  test('SelectorIndex of PDBs (as checkDisruptionBudgets builds it): the PDBs selecting a label set, in set order', () => {
    fc.assert(fc.property(objectSets, fc.constantFrom(...NAMESPACES), labels, (set, ns, extra) => {
      const pdbs = set.ofKind('policy', 'PodDisruptionBudget', ns);
      const index = new SelectorIndex(pdbs, (p) => set.selector(rec(p.raw.spec).selector).matchLabels, set.templateIndex(ns));
      // the label sets the gate asks about (pod templates), an empty one and an arbitrary one
      for (const query of [...set.templatesIn(ns).map((t) => t.labels), {}, strMap(extra)]) {
        const selects = (p: K8sObject) => labelSelectorMatches(rec(p.raw.spec).selector, query);
        expect(index.candidates(query).filter(selects)).toEqual(pdbs.filter(selects));
      }
    }), RUNS);
  });
});

/** labelSelectorMatches as it was before selectors were parsed once (the reference for parseSelector). */
function referenceSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const sel = rec(selector);
  for (const [k, v] of Object.entries(strMap(sel.matchLabels))) if (labels[k] !== v) return false;
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const key = typeof rec(e).key === 'string' ? rec(e).key as string : '';
    const raw = rec(e).values;
    const values = (Array.isArray(raw) ? raw : []).filter((x): x is string => typeof x === 'string');
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (rec(e).operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

describe('selector semantics', () => {
  test('parsed once, a selector decides like the direct reading of matchLabels and matchExpressions', () => {
    fc.assert(fc.property(selector, fc.array(labels, { maxLength: 10 }), (sel, sets) => {
      const set = new ObjectSet([]);
      for (const l of sets.map(strMap)) {
        expect(labelSelectorMatches(sel, l)).toBe(referenceSelectorMatches(sel, l));
        expect(parsedSelectorMatches(set.selector(sel), l)).toBe(referenceSelectorMatches(sel, l));
      }
    }), fuzz({ numRuns: 1000 }));
  });
});

describe('SelectorIndex', () => {
  test('the selectors matching a label set, in the order given, whatever pair each is filed under', () => {
    const population = fc.array(labels, { maxLength: 20 });
    fc.assert(fc.property(fc.array(selector, { maxLength: 25 }), population, fc.array(labels, { maxLength: 5 }), (selectors, pop, queries) => {
      const counts = new LabelIndex<Record<string, unknown>>((l) => l);
      for (const l of pop) counts.add(l);
      const items = selectors.map((sel, i) => ({ sel, i }));
      const withPopulation = new SelectorIndex(items, (x) => strMap(rec(x.sel).matchLabels), counts);
      const without = new SelectorIndex(items, (x) => strMap(rec(x.sel).matchLabels));
      for (const query of [...pop, ...queries, {}].map(strMap)) {
        const selects = (x: { sel: unknown }) => referenceSelectorMatches(x.sel, query);
        expect(withPopulation.candidates(query).filter(selects)).toEqual(items.filter(selects));
        expect(without.candidates(query).filter(selects)).toEqual(items.filter(selects));
      }
    }), RUNS);
  });
});

describe('LabelIndex', () => {
  const items = fc.array(labels, { maxLength: 25 });

  test('candidates keep every item carrying all string pairs, in the order added', () => {
    fc.assert(fc.property(items, selector, (all, sel) => {
      const index = new LabelIndex<Record<string, unknown>>((l) => l);
      for (const l of all) index.add(l);
      // as given: a map, or anything else Object.entries reads (the network analysis passes raw matchLabels)
      const pairs = rec(sel).matchLabels;
      const candidates = index.candidates(pairs);
      const carriesAll = (l: Record<string, unknown>) => Object.entries(pairs ?? {}).every(([k, v]) => typeof v !== 'string' || l[k] === v);
      expect(candidates.filter(carriesAll)).toEqual(all.filter(carriesAll));
      // a subsequence of the items: same order, nothing invented
      let at = 0;
      for (const c of candidates) {
        while (at < all.length && all[at] !== c) at++;
        expect(at).toBeLessThan(all.length);
        at++;
      }
    }), RUNS);
  });

  test('a selector with a unique pair is checked against one object, not the namespace', () => {
    // GIVEN 1000 pod templates sharing two labels and each with its own name
    const objects = Array.from({ length: 1000 }, (_, i) => toK8sObject({
      file: `${i}.yaml`,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `svc-${i}`, namespace: 'bench' }, spec: { template: { metadata: { labels: { 'part-of': 'bench', tier: 'web', name: `svc-${i}` } } } } },
    })!);
    const set = new ObjectSet(objects);
    // WHEN looking up the candidates of a selector naming one of them
    const candidates = set.templateIndex('bench').candidates({ 'part-of': 'bench', name: 'svc-7', tier: 'web' });
    // THEN only that template is a candidate; a selector without matchLabels falls back to all
    expect(candidates.map((t) => t.owner.name)).toEqual(['svc-7']);
    expect(set.templateIndex('bench').candidates({})).toHaveLength(1000);
    expect(set.templateIndex('bench').candidates({ name: 'svc-1000' })).toEqual([]);
  });
});
