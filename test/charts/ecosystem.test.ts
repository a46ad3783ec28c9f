// "060" ecosystem (../shared/seeds/001_c28e73b2af604930.txt): the data tier and the observability stack.
import { renderSystem } from './systems';

describe('060 ecosystem', () => {
  const dev = renderSystem('dev', 'ecosystem');
  const prod = renderSystem('prod', 'ecosystem');

  test('GIVEN the environment table WHEN rendered THEN the database is dev-postgres in dev and prod-postgres-cluster with a read replica in prod', () => {
    expect(dev.find('Deployment', 'dev-postgres').spec.strategy.type).toBe('Recreate');
    expect(prod.find('StatefulSet', 'prod-postgres-cluster').spec.replicas).toBe(1);
    expect(prod.find('StatefulSet', 'prod-postgres-cluster-replica').spec.replicas).toBe(1);
    expect(prod.find('ConfigMap', 'user-service-config').data).toMatchObject({ DATABASE_HOST: 'prod-postgres-cluster', DATABASE_NAME: 'users', REDIS_HOST: 'redis' });
  });

  test('GIVEN Redis WHEN rendered THEN it persists (AOF on a volume)', () => {
    expect(prod.find('ConfigMap', 'redis-config').data['redis.conf']).toMatch(/^appendonly yes$/m);
    expect(prod.find('StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(dev.find('PersistentVolumeClaim', 'redis-data').kind).toBe('PersistentVolumeClaim');
  });

  test('GIVEN the service graph WHEN rendered THEN user-service reaches the primary, the read replica, Redis and Jaeger', () => {
    const egress = prod.find('NetworkPolicy', 'user-service').spec.egress;
    const targets = egress.map((e: any) => `${e.to[0].podSelector.matchLabels['app.kubernetes.io/name']}/${e.to[0].podSelector.matchLabels['app.kubernetes.io/component'] ?? ''}:${e.ports.map((p: any) => p.port).join(',')}`);
    expect(targets).toEqual(expect.arrayContaining(['prod-postgres-cluster/primary:postgres', 'prod-postgres-cluster/read-replica:postgres', 'redis/:redis', 'jaeger/:otlp-grpc']));
  });

  test('GIVEN the observability stack WHEN rendered THEN Prometheus keeps 30d on 100Gi in prod, Grafana has Prometheus, Jaeger and Elasticsearch, logs go through Fluent Bit to Elasticsearch and Kibana', () => {
    const prom = prod.find('StatefulSet', 'prometheus').spec;
    expect(prom.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=30d');
    expect(prom.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    const ds = prod.find('ConfigMap', 'grafana-provisioning').data['datasources.yaml'];
    for (const t of ['prometheus', 'jaeger', 'elasticsearch']) expect(ds).toContain(`type: ${t}`);
    expect(prod.find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf']).toMatch(/Host\s+elasticsearch\.ecosystem-prod\.svc/);
    expect(prod.find('Deployment', 'kibana').kind).toBe('Deployment');
    expect(dev.find('StatefulSet', 'elasticsearch').spec.replicas).toBe(1);
  });
});
