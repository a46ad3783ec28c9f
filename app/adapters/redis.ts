import { Construct } from 'constructs';
import { RedisCache } from '../../lib/data/redis';
import { Peer } from '../../lib/security/peer';
import { componentPeer, managedPeer, scrape, storedSecret, storeRef, SystemBase } from './system';

/** Redis from `components.redis`: in-cluster with AOF and LRU, or a managed cache (external). */
export function redisFromConfig(base: SystemBase, scope: Construct, defaults: { readonly storage?: string } = {}): { cache: RedisCache; peer: Peer } {
  const c = base.components.redis ?? {};
  const name = 'redis';
  const common = { name, namespace: base.namespace, partOf: base.partOf, metrics: { serviceMonitor: base.prometheus !== undefined } };
  if (c.mode === 'external') {
    const e = c.external!;
    const cache = new RedisCache(scope, name, { ...common, mode: { type: 'external', host: e.host, port: e.port, remoteKey: e.remoteKey, secretStore: storeRef(base) } });
    return { cache, peer: managedPeer(name, 'redis', e, 6379) };
  }
  storedSecret(base, scope, `${name}-credentials`, { password: { key: name, property: 'password' } });
  const cache = new RedisCache(scope, name, {
    ...common,
    mode: { type: c.mode ?? 'deployment' },
    password: { secret: `${name}-credentials`, key: 'password' },
    image: c.image,
    resources: c.resources,
    storage: c.storage ?? (defaults.storage ? { size: defaults.storage } : undefined),
    maxMemory: c.maxMemory,
    maxMemoryPolicy: c.maxMemoryPolicy,
    appendOnly: c.appendOnly,
  });
  const peer = componentPeer(base, name, { redis: 6379, metrics: 9121 });
  base.graph.add(peer);
  scrape(base, peer);
  return { cache, peer };
}
