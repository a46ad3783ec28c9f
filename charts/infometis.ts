// InfoMetis: ../shared/seeds/000_b6a2db994fa10b80.txt ("InfoMetis Deployment Strategy").
//
// "Core Service Layer": NiFi, Kafka, Elasticsearch and Grafana are
// environment-agnostic: this chart renders them from the same code with the
// same settings everywhere, and `npm run parity` proves the objects identical
// across environments except at the border ("Border Adaptation Layer":
// ingress, TLS, authentication, resource limits and scaling), which is all an
// environment file may change.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig } from '../lib/config';
import { KafkaCluster } from '../lib/data/kafka';
import { allowWithin, componentPeer, elasticsearchFromConfig, scrape, storedSecret, systemBase } from './system-base';

export interface InfoMetisChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

export class InfoMetisChart extends Chart {
  constructor(scope: Construct, id: string, props: InfoMetisChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    // "Production Environments": independent-cluster mode owns its namespace;
    // shared-cluster mode renders only inside the assigned one (systemBase).
    const base = systemBase(this, id, env, system);
    const c = base.components;

    // "Internal Networking": clear text inside, standard service discovery.
    const { peer: esPeer } = elasticsearchFromConfig(base, this);

    // Kafka in KRaft mode (no ZooKeeper); the cluster id comes from the secret store.
    storedSecret(base, this, 'kafka-cluster-id', { 'cluster-id': { key: 'kafka', property: 'cluster-id' } });
    const kafka = c.kafka ?? {};
    new KafkaCluster(this, 'kafka', {
      name: 'kafka',
      namespace: base.namespace,
      partOf: id,
      roles: { type: 'combined', replicas: kafka.replicas ?? 1 },
      clusterId: { secret: 'kafka-cluster-id', key: 'cluster-id' },
      image: kafka.image,
      resources: kafka.resources,
      storage: kafka.storage,
      settings: kafka.retention ? { 'log.retention.ms': retentionMillis(kafka.retention) } : undefined,
      metrics: { serviceMonitor: base.prometheus !== undefined },
    });
    const kafkaPeer = componentPeer(base, 'kafka', { client: 9092, controller: 9093, metrics: 5556 }, 'broker');
    base.graph.add(kafkaPeer);
    allowWithin(base, this, kafkaPeer, ['client', 'controller']);
    scrape(base, kafkaPeer);
    void esPeer;
  }
}

/** Milliseconds of a duration such as "7d" or "12h" (Kafka's log.retention.ms). */
function retentionMillis(d: string): number {
  const unit: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)([smhdwy])/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
