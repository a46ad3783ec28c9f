import { RedisCache } from '../../lib/data/redis';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

const password = { secret: 'redis-auth', key: 'password' };

describe('RedisCache', () => {
  describe('defaults (Deployment)', () => {
    const c = chart();
    new RedisCache(c, 'cache', { namespace: 'shop', password });
    const r = render(c);
    const d = r.get('Deployment/cache');

    test('Recreate Deployment with a protected 5Gi PVC', () => {
      expect(d.spec.strategy).toEqual({ type: 'Recreate' });
      expect(r.get('PersistentVolumeClaim/cache-data').metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(r.get('PersistentVolumeClaim/cache-data').spec.resources.requests.storage).toBe('5Gi');
    });

    test('AOF on, LRU eviction, maxmemory 75% of the 512Mi limit', () => {
      const conf = r.get('ConfigMap/cache-config').data['redis.conf'];
      expect(conf).toContain('appendonly yes');
      expect(conf).toContain('maxmemory 384mb');
      expect(conf).toContain('maxmemory-policy allkeys-lru');
    });

    test('password only through Secret references; ping readiness; exporter on 9121 with a ServiceMonitor', () => {
      const redis = container(d, 'redis');
      expect(redis.args).toEqual(['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
      expect(envOf(redis).REDISCLI_AUTH).toEqual({ secretKeyRef: { name: 'redis-auth', key: 'password' } });
      expect(redis.readinessProbe.exec.command[2]).toContain('redis-cli -h 127.0.0.1 -p 6379 ping');
      expect(container(d, 'exporter').ports[0]).toEqual({ name: 'metrics', containerPort: 9121, protocol: 'TCP' });
      expect(r.get('Service/cache').spec.ports.map((p: any) => [p.name, p.port])).toEqual([['redis', 6379], ['metrics', 9121]]);
      expect(r.get('ServiceMonitor/cache').spec.endpoints[0].port).toBe('metrics');
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999 });
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('statefulset mode with size, class, policy and explicit maxmemory', () => {
    const c = chart();
    new RedisCache(c, 'cache', {
      namespace: 'prod', password, mode: { type: 'statefulset' }, storage: { size: '20Gi', storageClass: 'gp3' },
      maxMemory: '1gb', maxMemoryPolicy: 'allkeys-lfu', resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      metrics: { serviceMonitor: false },
    });
    const r = render(c);
    const sts = r.get('StatefulSet/cache');
    expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'gp3', resources: { requests: { storage: '20Gi' } } });
    expect(r.get('ConfigMap/cache-config').data['redis.conf']).toContain('maxmemory 1gb\nmaxmemory-policy allkeys-lfu');
    expect(r.has('ServiceMonitor/cache')).toBe(false);
    expect(r.has('Service/cache-headless')).toBe(true);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('external mode: ExternalName Service and ExternalSecret only', () => {
    const c = chart();
    const cache = new RedisCache(c, 'cache', { namespace: 'idp', mode: { type: 'external', host: 'idp.cache.amazonaws.com', port: 6380, secretStore: { name: 'vault' }, remoteKey: 'idp/redis' } });
    const r = render(c);
    expect(r.all.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'Service']);
    expect(r.get('Service/cache').spec.ports[0]).toMatchObject({ name: 'redis', port: 6380 });
    expect(r.get('ExternalSecret/cache-credentials').spec.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
    expect(cache.passwordSecret).toBe('cache-credentials');
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['missing password', {}, 'test/cache: password: expected a Secret key holding the Redis password ({ secret, key }), got nothing'],
    ['maxmemory above the limit', { password, maxMemory: '1gb' }, 'maxMemory: expected less than the memory limit (512Mi), or the kernel kills Redis before it evicts, got "1gb"'],
    ['unparsable maxmemory', { password, maxMemory: 'lots' }, 'maxMemory: expected a Redis memory size such as "384mb" or "1gb", got "lots"'],
    ['unknown policy', { password, maxMemoryPolicy: 'lru' }, 'maxMemoryPolicy: expected one of allkeys-lru'],
    ['password in external mode', { password, mode: { type: 'external', host: 'r.example.com', secretStore: { name: 's' }, remoteKey: 'k' } }, 'password: expected nothing in external mode'],
    ['external without remote key', { mode: { type: 'external', host: 'r.example.com', secretStore: { name: 's' }, remoteKey: '' } }, 'mode.remoteKey: expected the key of the secret in the external store'],
  ])('invalid: %s', (_, props, message) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the type check (tsgo, TypeScript 7) types the row as a union of the props above
    expect(() => new RedisCache(chart(), 'cache', { namespace: 'ns', ...(props as object) })).toThrow(message);
  });
});
