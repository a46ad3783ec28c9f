// What every reference-system chart (InfoMetis, FediFlow, IDP, Specify) sets
// up the same way from its environment: the namespace, the secret store, the
// service graph with the border and Prometheus as peers, and the catalog
// components read from `systems.<name>.components`. Charts stay readable as
// their documents: they call these and spell out only what the document says.
import { ApiObject, Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { ComponentsConfig, EnvironmentConfig, ExternalEndpointConfig, SystemConfig } from '../lib/config';
import { ComputeResources } from '../lib/core/resources';
import { selectorLabels } from '../lib/core/labels';
import { ElasticsearchCluster } from '../lib/data/elasticsearch';
import { PostgresDatabase } from '../lib/data/postgres';
import { RedisCache } from '../lib/data/redis';
import { ExternalSecret, RemoteValue } from '../lib/security/external-secret';
import { ExternalPeer, Peer } from '../lib/security/peer';
import { SecretBackend, SecretStore } from '../lib/security/secret-store';
import { ServiceGraph } from '../lib/security/service-graph';
import { SystemNamespace } from '../lib/security/system-namespace';

/** What a system chart builds on. */
export interface SystemBase {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
  /** The system's key under `systems:` (used as `app.kubernetes.io/part-of`). */
  readonly partOf: string;
  readonly namespace: string;
  readonly components: ComponentsConfig;
  /** True in shared-cluster mode: nothing cluster-scoped is rendered. */
  readonly shared: boolean;
  readonly graph: ServiceGraph;
  readonly store: SecretStore;
  /** The ingress controller's pods, when the environment names them. */
  readonly ingressController?: Peer;
  /** Prometheus' pods, when the environment names them. */
  readonly prometheus?: Peer;
}

export interface SystemBaseOptions {
  /** Labels the document puts on the namespace (FediFlow: environment, tier). @default none */
  readonly namespaceLabels?: Record<string, string>;
}

/**
 * The namespace (with Pod Security labels, quota and LimitRange from the
 * environment; not the Namespace object itself in shared-cluster mode), the
 * SecretStore of the environment's backend and the chart's ServiceGraph.
 */
export function systemBase(chart: Chart, partOf: string, env: EnvironmentConfig, system: SystemConfig, options: SystemBaseOptions = {}): SystemBase {
  const shared = env.cluster.mode === 'shared';
  const ps = system.podSecurity;
  new SystemNamespace(chart, 'Namespace', {
    name: system.namespace,
    create: !shared,
    labels: options.namespaceLabels,
    podSecurity: ps && ps.level !== 'restricted' ? { level: ps.level, reason: ps.reason ?? '' } : { level: 'restricted' },
    quota: system.quota,
    containerDefaults: system.limitRange,
  });
  const store = new SecretStore(chart, 'SecretStore', {
    namespace: system.namespace,
    backend: backendOf(env),
    keyPrefix: `${env.name}/${partOf}`,
  });
  const graph = new ServiceGraph(chart, 'ServiceGraph');
  const controller = env.border?.controller;
  const prom = env.observability?.prometheus;
  return {
    env,
    system,
    partOf,
    namespace: system.namespace,
    components: system.components ?? {},
    shared,
    graph,
    store,
    ingressController: controller ? ExternalPeer.pods({ name: 'ingress-controller', namespace: controller.namespace, labels: controller.labels }) : undefined,
    prometheus: prom ? ExternalPeer.pods({ name: 'prometheus', namespace: prom.namespace, labels: prom.labels }) : undefined,
  };
}

function backendOf(env: EnvironmentConfig): SecretBackend {
  const s = env.security?.secretStore;
  if (!s || s.kind === 'local') return SecretBackend.local();
  if (s.kind === 'vault') return SecretBackend.vault({ server: s.server, path: s.path, version: s.version, role: s.role, authMountPath: s.authMountPath });
  return SecretBackend.awsSecretsManager({ region: s.region, roleArn: s.roleArn });
}

/** A Secret the External Secrets Operator fills from the system's store (`<env>/<system>/<key>`). */
export function storedSecret(base: SystemBase, scope: Construct, name: string, data: Record<string, RemoteValue>): ExternalSecret {
  return new ExternalSecret(scope, name, { name, store: base.store, data });
}

/** Pods of a catalog component as a service-graph peer (components select their pods by name and instance). */
export function componentPeer(base: SystemBase, name: string, ports: Record<string, number>, component?: string): Peer {
  const labels = { ...selectorLabels({ name }), ...(component ? { 'app.kubernetes.io/component': component } : {}) };
  return { name: component && component !== 'primary' ? `${name}-${component}` : name, namespace: base.namespace, selectorLabels: labels, ports };
}

/** A managed endpoint outside the cluster as a peer: its port, anywhere (the address is the provider's). */
function managedPeer(name: string, portName: string, e: ExternalEndpointConfig, defaultPort: number): Peer {
  return ExternalPeer.addresses({ name: `${name}-managed`, cidrs: ['0.0.0.0/0'], ports: { [portName]: e.port ?? defaultPort } });
}

/** The SecretStore reference external mode hands to ExternalService. */
function storeRef(base: SystemBase) {
  return { name: base.store.name, kind: 'SecretStore' as const };
}

export interface PostgresDefaults {
  /** Database created on first start. */
  readonly database?: string;
  /** Document's storage size when the environment names none. */
  readonly storage?: string;
  /** Document's resources when the environment names none. */
  readonly resources?: ComputeResources;
}

/** PostgreSQL from `components.postgres`: StatefulSet, Deployment or a managed database (external). */
export function postgresFromConfig(base: SystemBase, scope: Construct, defaults: PostgresDefaults = {}): { db: PostgresDatabase; peer: Peer } {
  const c = base.components.postgres ?? {};
  const name = 'postgres';
  const common = { name, namespace: base.namespace, partOf: base.partOf, database: c.database ?? defaults.database, metrics: { serviceMonitor: base.prometheus !== undefined } };
  if (c.mode === 'external') {
    const e = c.external!;
    const db = new PostgresDatabase(scope, name, { ...common, mode: { type: 'external', host: e.host, port: e.port, remoteKey: e.remoteKey, secretStore: storeRef(base) } });
    return { db, peer: managedPeer(name, 'postgres', e, 5432) };
  }
  const readReplicas = c.mode === 'deployment' ? 0 : c.readReplicas ?? 0;
  storedSecret(base, scope, `${name}-credentials`, { username: { key: name, property: 'username' }, password: { key: name, property: 'password' } });
  if (readReplicas > 0) storedSecret(base, scope, `${name}-replication`, { password: { key: `${name}-replication`, property: 'password' } });
  const db = new PostgresDatabase(scope, name, {
    ...common,
    mode: c.mode === 'deployment' ? { type: 'deployment' } : { type: 'statefulset', readReplicas },
    credentials: { secret: `${name}-credentials` },
    replicationPassword: readReplicas > 0 ? { secret: `${name}-replication`, key: 'password' } : undefined,
    image: c.image,
    resources: c.resources ?? defaults.resources,
    storage: c.storage ?? (defaults.storage ? { size: defaults.storage } : undefined),
    backup: c.backup,
  });
  waiveTwoPartVersion(db, c.image?.tag);
  const peer = componentPeer(base, name, { postgres: 5432, metrics: 9187 }, 'primary');
  base.graph.add(peer);
  scrape(base, peer);
  if (readReplicas > 0) {
    // Replicas stream the WAL from the primary; clients may read from either.
    const replicas = componentPeer(base, name, { postgres: 5432, metrics: 9187 }, 'read-replica');
    base.graph.connect(replicas, peer, 'postgres');
    scrape(base, replicas);
  }
  if (c.backup) base.graph.connect(componentPeer(base, name, {}, 'backup'), peer, 'postgres');
  return { db, peer };
}

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
  allowWithin(base, scope, peer, ['transport']);
  return { es, peer };
}

/** Prometheus scrapes the peer's `metrics` port, when the environment names Prometheus. */
export function scrape(base: SystemBase, peer: Peer, port = 'metrics'): void {
  if (base.prometheus) base.graph.scrape(peer, port, base.prometheus);
}

/**
 * Lets the pods of one clustered component talk to each other on `ports`
 * (Elasticsearch transport, Kafka quorum): the service graph only relates
 * different peers, and default-deny would otherwise cut the cluster apart.
 */
export function allowWithin(base: SystemBase, scope: Construct, peer: Peer, ports: readonly string[]): void {
  const selector = { matchLabels: { ...peer.selectorLabels } };
  const policyPorts = ports.map((p) => ({ port: k8s.IntOrString.fromString(p), protocol: 'TCP' }));
  new k8s.KubeNetworkPolicy(scope, `${peer.name}-cluster`, {
    metadata: { name: `${peer.name}-cluster`, namespace: base.namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/component': 'network-policy' } },
    spec: {
      podSelector: selector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: selector }], ports: policyPorts }],
      egress: [{ to: [{ podSelector: selector }], ports: policyPorts }],
    },
  });
}

/**
 * PostgreSQL numbers its releases major.minor (16.4 is a complete patch
 * release): the official image has no x.y.z tag the production image-tag rule
 * could accept, so its objects carry a waiver saying so.
 */
function waiveTwoPartVersion(db: PostgresDatabase, tag: string | undefined): void {
  if (tag !== undefined && /^v?\d+\.\d+\.\d+/.test(tag)) return;
  for (const o of [db.workload, db.replicaSet, db.backupJob]) {
    if (o) ApiObject.of(o).metadata.addAnnotation('validate.platform.dev/waive.policy.image-tag', 'PostgreSQL releases are numbered major.minor (16.4 is a full patch release); the official image has no x.y.z tag');
  }
}
