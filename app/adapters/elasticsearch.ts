import { Construct } from 'constructs';
import { ElasticsearchCluster } from '../../lib/data/elasticsearch';
import { Peer } from '../../lib/security/peer';
import { componentPeer, scrape, SystemBase } from './system';

/** Elasticsearch from `components.elasticsearch`. */
export function elasticsearchFromConfig(base: SystemBase, scope: Construct, name = 'elasticsearch'): { es: ElasticsearchCluster; peer: Peer } {
  const c = base.components.elasticsearch ?? {};
  const es = new ElasticsearchCluster(scope, name, {
    name,
    namespace: base.namespace,
    partOf: base.partOf,
    replicas: c.replicas,
    image: c.image,
    resources: c.resources,
    storage: c.storage,
    metrics: { serviceMonitor: base.prometheus !== undefined },
  });
  const peer = componentPeer(base, name, { http: 9200, transport: 9300, metrics: 9114 });
  base.graph.add(peer);
  scrape(base, peer);
  // Same objects whatever the node count (parity): nodes join over transport.
  base.graph.connectWithin(peer, ['transport']);
  return { es, peer };
}
