// InfoMetis (../shared/seeds/000_b6a2db994fa10b80.txt): core services, independent and shared-cluster modes.
import { isClusterScoped } from '../../lib/security/shared-cluster';
import { renderSystem } from './systems';

describe('InfoMetis', () => {
  const dev = renderSystem('dev', 'infometis');
  const prod = renderSystem('prod', 'infometis');
  const shared = renderSystem('prod-shared', 'infometis');

  test('GIVEN dev and prod WHEN rendered THEN dev targets kind and both run Kafka in KRaft mode and Elasticsearch', () => {
    expect(dev.cfg.cluster.distribution).toBe('kind');
    for (const r of [dev, prod]) {
      expect(r.find('StatefulSet', 'kafka').spec.replicas).toBe(3);
      expect(r.find('StatefulSet', 'elasticsearch').spec.replicas).toBe(3);
    }
    expect(JSON.stringify(prod.find('StatefulSet', 'kafka'))).not.toMatch(/zookeeper/i);
  });

  test('GIVEN independent-cluster prod WHEN rendered THEN it owns its Namespace', () => {
    expect(prod.find('Namespace', 'infometis-prod').kind).toBe('Namespace');
  });

  test('GIVEN shared-cluster prod WHEN rendered THEN nothing is cluster-scoped and everything is in the assigned namespace', () => {
    expect(shared.cfg.cluster.mode).toBe('shared');
    expect(shared.objects.filter((o) => isClusterScoped(o as any)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect([...new Set(shared.objects.map((o) => o.metadata.namespace))]).toEqual(['team-infometis']);
  });
});
