/**
 * The README diagram draws a border host's arrow to the first workload the
 * host's Service selects. serviceTargets finds it through indexes (Services
 * by namespace and name, workloads by label); this compares it with the scan
 * it replaced on generated Services, selectors and workloads.
 */
import fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import { serviceTargets } from '../../app/diagram/environment-readme';
import { analyzeNetwork, PodGroup } from '../../lib/security/network-analysis';
import { ManifestObject } from '../../lib/security/shared-cluster';

const NAMESPACES = ['a', 'b'];
const KEYS = ['app', 'tier', 'constructor'];
const VALUES = ['x', 'y'];
const labels = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });

/** The first group of the namespace the first Service of that name selects (the scan the index replaced). */
function naiveTarget(objects: readonly ManifestObject[], groups: readonly PodGroup[], ns: string, service: string): PodGroup | undefined {
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === ns && o.metadata.name === service);
  const selector = ((svc?.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {});
  return groups.find((g) => g.namespace === ns && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => g.labels[k] === v));
}

const service = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('s1', 's2', 's3'),
  selector: fc.oneof({ weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES, 'nomatch'), { maxKeys: 2 }) }, { weight: 1, arbitrary: fc.constant(undefined) }),
}).map(({ namespace, name, selector }): ManifestObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: selector ? { selector } : {} }));
const workload = fc.record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom('w1', 'w2', 'w3', 'w4'), labels })
  .map(({ namespace, name, labels: l }): ManifestObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { metadata: { labels: l }, spec: {} } } }));

test('GIVEN generated Services and workloads WHEN a host names a Service THEN the indexed target is the scanned one', () => {
  fc.assert(fc.property(fc.array(fc.oneof(service, workload), { maxLength: 20 }), (objects) => {
    const groups = analyzeNetwork(objects).groups;
    const targetOf = serviceTargets(objects, groups);
    for (const ns of [...NAMESPACES, 'elsewhere']) {
      for (const name of ['s1', 's2', 's3', 's4']) expect(targetOf(ns, name)).toBe(naiveTarget(objects, groups, ns, name));
    }
  }), fuzz({ numRuns: 500 }));
});
