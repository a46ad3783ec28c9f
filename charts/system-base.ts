// What every reference-system chart (InfoMetis, FediFlow, IDP, Specify, and
// the 060 ecosystem through describeSystem) sets up the same way from its
// environment: the namespace, the secret store, the service graph with the
// border and Prometheus as peers, the catalog components read from
// `systems.<name>.components`, and the environment's border, mesh, backups,
// observability stack, log shipping and render-time checks. Charts stay
// readable as their documents: they call these and spell out only what the
// document says.
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { ComponentsConfig, configErrorAt, describeValue, EnvironmentConfig, ExternalEndpointConfig, SystemConfig, tierRules } from '../app/config';
import { Border, BorderOptions } from '../lib/border/border';
import { VeleroSchedule } from '../lib/backup/velero-schedule';
import { MeshPolicies } from '../lib/mesh/mesh-policies';
import { TracingSampling } from '../lib/observability/tracing-sampling';
import { ManifestObject, QuotaFinding, quotaFindings, sharedClusterProblems, WorkloadUsage, workloadUsages } from '../lib/security/shared-cluster';
import { ComputeResources } from '../lib/core/resources';
import { selectorLabels } from '../lib/core/labels';
import { ElasticsearchCluster } from '../lib/data/elasticsearch';
import { Kibana } from '../lib/data/kibana';
import { PostgresDatabase } from '../lib/data/postgres';
import { FluentBit } from '../lib/platform/fluent-bit';
import { Logstash } from '../lib/platform/logstash';
import { Grafana, GrafanaDatasource } from '../lib/platform/grafana';
import { Jaeger } from '../lib/platform/jaeger';
import { Prometheus } from '../lib/platform/prometheus';
import { Alertmanager } from '../lib/platform/alertmanager';
import { SloRules } from '../lib/observability/slo-rules';
import { RedisCache } from '../lib/data/redis';
import { ExternalSecret, RemoteValue } from '../lib/security/external-secret';
import { ExternalPeer, Peer } from '../lib/security/peer';
import { SecretBackend, SecretStore } from '../lib/security/secret-store';
import { ServiceGraph } from '../lib/security/service-graph';
import { MeshMode, SystemNamespace } from '../lib/security/system-namespace';

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
  /** The chart joins the environment's mesh (meshFromConfig): its namespace gets sidecar injection where the mesh runs. @default false */
  readonly meshed?: boolean;
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
    // Sidecars are what the mesh policies (STRICT mTLS, authorization) act on.
    labels: { ...options.namespaceLabels, ...(options.meshed && env.mesh?.enabled ? { 'istio-injection': 'enabled' } : {}) },
    meshMode: options.meshed ? meshModeOf(env) : undefined,
    podSecurity: ps && ps.level !== 'restricted' ? { level: ps.level, reason: ps.reason ?? '' } : { level: 'restricted' },
    // On a shared cluster the owners create the namespace's quota and
    // defaults; clusterChecks() proves that our peak usage fits it.
    quota: shared ? undefined : system.quota,
    containerDefaults: shared ? undefined : system.limitRange,
  });
  const store = new SecretStore(chart, 'SecretStore', {
    namespace: system.namespace,
    backend: secretBackendOf(env, system),
    keyPrefix: `${env.name}/${partOf}`,
  });
  return describeSystem(partOf, env, system, new ServiceGraph(chart, 'ServiceGraph'), store);
}

/** The cluster's mesh mode where the environment runs the mesh, declared on injected namespaces. */
export function meshModeOf(env: EnvironmentConfig): MeshMode | undefined {
  return env.mesh?.enabled ? { cni: env.mesh.cni ?? false, nativeSidecars: env.mesh.nativeSidecars ?? false } : undefined;
}

/**
 * The SystemBase of a chart that made its namespace, graph and store itself
 * (the 060 ecosystem chart), so it can use the catalog helpers below.
 */
export function describeSystem(partOf: string, env: EnvironmentConfig, system: SystemConfig, graph: ServiceGraph, store: SecretStore): SystemBase {
  const controller = env.border?.controller;
  const prom = env.observability?.prometheus;
  return {
    env,
    system,
    partOf,
    namespace: system.namespace,
    components: system.components ?? {},
    shared: env.cluster.mode === 'shared',
    graph,
    store,
    ingressController: controller ? ExternalPeer.pods({ name: 'ingress-controller', namespace: controller.namespace, labels: controller.labels, serviceAccountName: controller.serviceAccountName }) : undefined,
    prometheus: prom ? ExternalPeer.pods({ name: 'prometheus', namespace: prom.namespace, labels: prom.labels }) : undefined,
  };
}

/** The environment's secret backend with this system's identity: its override, or the environment's (with "{namespace}" per system). */
export function secretBackendOf(env: EnvironmentConfig, system: SystemConfig): SecretBackend {
  const s = env.security?.secretStore;
  const own = system.secretStoreIdentity;
  if (!s || s.kind === 'local') return SecretBackend.local();
  if (s.kind === 'vault') return SecretBackend.vault({ server: s.server, path: s.path, version: s.version, role: own ?? s.role, authMountPath: s.authMountPath });
  return SecretBackend.awsSecretsManager({ region: s.region, roleArn: own ?? s.roleArn });
}

/** A Secret the External Secrets Operator fills from the system's store (`<env>/<system>/<key>`). */
export function storedSecret(base: SystemBase, scope: Construct, name: string, data: Record<string, RemoteValue>, id: string = name): ExternalSecret {
  return new ExternalSecret(scope, id, { name, store: base.store, data });
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
export function postgresFromConfig(base: SystemBase, scope: Construct, defaults: PostgresDefaults = {}): { db: PostgresDatabase; peer: Peer; readPeer?: Peer } {
  const c = base.components.postgres ?? {};
  // Construct ids stay "postgres" whatever the objects are called, so parity
  // compares the same database across environments that name it differently.
  const id = 'postgres';
  const name = c.name ?? id;
  const common = { name, namespace: base.namespace, partOf: base.partOf, database: c.database ?? defaults.database, metrics: { serviceMonitor: base.prometheus !== undefined } };
  if (c.mode === 'external') {
    const e = c.external!;
    const db = new PostgresDatabase(scope, id, { ...common, mode: { type: 'external', host: e.host, port: e.port, remoteKey: e.remoteKey, secretStore: storeRef(base) } });
    return { db, peer: managedPeer(name, 'postgres', e, 5432) };
  }
  const readReplicas = c.mode === 'deployment' ? 0 : c.readReplicas ?? 0;
  storedSecret(base, scope, `${name}-credentials`, { username: { key: id, property: 'username' }, password: { key: id, property: 'password' } }, `${id}-credentials`);
  if (readReplicas > 0) storedSecret(base, scope, `${name}-replication`, { password: { key: `${id}-replication`, property: 'password' } }, `${id}-replication`);
  const db = new PostgresDatabase(scope, id, {
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
  let readPeer: Peer | undefined;
  if (readReplicas > 0) {
    // Replicas stream the WAL from the primary; clients may read from either.
    readPeer = componentPeer(base, name, { postgres: 5432, metrics: 9187 }, 'read-replica');
    base.graph.connect(readPeer, peer, 'postgres');
    scrape(base, readPeer);
  }
  if (c.backup) base.graph.connect(componentPeer(base, name, {}, 'backup'), peer, 'postgres');
  return { db, peer, readPeer };
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

/** The environment runs the mesh and its ingress controller has a sidecar (`border.controller.serviceAccountName`). */
export function controllerInMesh(env: EnvironmentConfig): boolean {
  return env.mesh?.enabled === true && env.border?.controller?.serviceAccountName !== undefined;
}

/**
 * The environment's border for the services a chart exposes (`border:`):
 * NGINX Ingress, Traefik IngressRoute or Gateway API, with the cert-manager
 * issuer, CORS origins and rate limit of the environment. Plain HTTP only
 * where the tier allows it (lib/core/tier.ts); elsewhere Border refuses to
 * expose without TLS.
 */
export function environmentBorder(base: SystemBase): Border {
  const b = base.env.border;
  const common: BorderOptions = {
    controller: base.ingressController,
    tls: b?.tls ? { name: b.tls.issuer, kind: b.tls.issuerKind } : undefined,
    allowPlainHttp: !tierRules(base.env.environment.tier).tlsRequired,
    corsOrigins: b?.corsOrigins,
    rateLimit: b?.rateLimit,
  };
  const kind = b?.kind ?? 'nginx';
  if (kind === 'traefik') return Border.traefik(common);
  if (kind === 'gateway') return Border.gatewayApi({ ...common, gateway: b!.gateway! });
  return Border.nginx({ ...common, className: b?.className, throughMesh: controllerInMesh(base.env) });
}

/**
 * Istio for the chart's namespace where the environment runs the mesh:
 * STRICT mTLS, authorization policies mirroring the service graph, and
 * DestinationRules with the environment's circuit breaker; plus the
 * environment's trace sampling for the sidecars.
 */
export function meshFromConfig(base: SystemBase, chart: Chart): MeshPolicies | undefined {
  const m = base.env.mesh;
  if (!m?.enabled) return undefined;
  const mesh = new MeshPolicies(chart, 'Mesh', {
    graph: base.graph,
    // Only the system's namespace has sidecar injection (not its -logging one).
    namespaces: [base.namespace],
    circuitBreaker: { maxConnections: m.maxConnections, maxPendingRequests: m.maxPendingRequests, consecutive5xxErrors: m.consecutive5xxErrors, baseEjectionTime: m.baseEjectionTime },
  });
  const sampling = base.env.observability?.tracingSamplingPercent;
  if (sampling !== undefined) new TracingSampling(chart, 'Tracing', { namespace: base.namespace, samplingPercent: sampling });
  if (m.nativeSidecars) nativeSidecarJobs(chart, base.namespace);
  return mesh;
}

/**
 * Jobs in an injected namespace ask for the proxy as a native sidecar on
 * their own pods (`sidecar.istio.io/nativeSidecar`, which takes precedence
 * over istiod's ENABLE_NATIVE_SIDECARS): it starts before the job's container
 * and stops when that exits, so the Job completes instead of running until
 * its deadline.
 */
function nativeSidecarJobs(chart: Chart, namespace: string): void {
  for (const o of chart.node.findAll()) {
    if (!(o instanceof ApiObject) || o.metadata.namespace !== namespace || (o.kind !== 'CronJob' && o.kind !== 'Job')) continue;
    const base = o.kind === 'CronJob' ? '/spec/jobTemplate/spec/template/metadata' : '/spec/template/metadata';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rendered object, walked by shape
    const json = o.toJson() as { spec?: Record<string, any> };
    const tpl = o.kind === 'CronJob' ? json.spec?.jobTemplate?.spec?.template : json.spec?.template;
    o.addJsonPatch(JsonPatch.add(`${base}/annotations`, { ...(tpl?.metadata?.annotations ?? {}), 'sidecar.istio.io/nativeSidecar': 'true' }));
  }
}

/** A Velero Schedule of the system's namespace where the environment backs up (`backup:`); none on shared clusters (Velero's namespace is not ours). */
export function backupFromConfig(base: SystemBase, chart: Chart): VeleroSchedule | undefined {
  const b = base.env.backup;
  if (!b || base.shared) return undefined;
  return new VeleroSchedule(chart, 'Backup', {
    name: `${base.partOf}-${base.env.name}`,
    includedNamespaces: [base.namespace],
    schedule: b.schedule,
    ttl: b.ttl,
    snapshotVolumes: b.snapshotVolumes,
    veleroNamespace: b.namespace,
  });
}

/**
 * Render-time checks of the whole chart: on a shared cluster nothing
 * cluster-scoped and nothing outside the assigned namespace; wherever a quota
 * is configured, the peak usage of the workloads (HPA maxima, rollout surge)
 * fits it. Problems fail the synth with one line each.
 */
export function clusterChecks(base: SystemBase, chart: Chart): void {
  renderChecks(chart, { env: base.env, system: base.partOf, namespace: base.namespace, shared: base.shared, quota: base.system.quota });
}

/**
 * The same checks for charts that do not use systemBase. A quota too small
 * for the peak is a mistake in the environment file, so it is reported as a
 * located config error at the quota field; a cluster-scoped object in shared
 * mode is a chart bug and stays a render error.
 */
export function renderChecks(
  chart: Chart,
  p: { env: EnvironmentConfig; system: string; namespace: string; shared: boolean; quota?: SystemConfig['quota'] },
): void {
  chart.node.addValidation({
    validate: () => {
      // ApiObject.toJson, not Chart.toJson: the latter validates again and recurses.
      const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
      const [finding] = p.quota ? quotaFindings(objects, p.namespace, p.quota) : [];
      if (finding) {
        const quotaPath = ['systems', p.system, 'quota', ...finding.field.split('.')];
        const quotaValue = JSON.stringify(String(valueOf(p.quota!, finding.field)));
        const cause = quotaCause(p.env, p.system, finding, objects, p.namespace);
        if (cause) {
          const q = configErrorAt(p.env, quotaPath, '').problems[0];
          const w = finding.largest!.workload;
          throw configErrorAt(p.env, cause.path, `got ${describeValue(cause.value)}: at its peak ${w.kind} ${w.name} runs ${w.pods} pod(s) taking ${finding.largest!.share} of the namespace's ${finding.field}, whose peak ${finding.peak} is over the quota ${quotaPath.join('.')} = ${quotaValue} (${q.file}:${q.line}:${q.column}); lower this value, or raise the quota`);
        }
        throw configErrorAt(p.env, quotaPath, `expected at least the peak of the namespace's workloads (${finding.peak}: HPA maxima plus rollout surge), got ${quotaValue}`);
      }
      return p.shared ? sharedClusterProblems(objects, [p.namespace]) : [];
    },
  });
}

/**
 * The environment setting behind a quota overrun, so it is reported where a
 * mistyped replica count or size is written rather than at the quota: the
 * largest workload's service or component (a `-blue`/`-green`/`-canary`
 * workload belongs to its service), and of its settings the one further from
 * the namespace's other workloads (replicas against their pod counts, the
 * size against their sizes per pod). Undefined when the workload has no
 * setting of its own in the file, or when the namespace would not fit the
 * quota even with that setting as typical as the others' (then the quota is
 * what is wrong).
 */
function quotaCause(env: EnvironmentConfig, system: string, finding: QuotaFinding, objects: readonly ManifestObject[], namespace: string): { path: string[]; value: unknown } | undefined {
  const top = finding.largest?.workload;
  const cfg = env.systems[system as keyof EnvironmentConfig['systems']];
  if (!top || !cfg) return undefined;
  const owner = (keys: string[]) => keys.filter((k) => top.name === k || top.name.startsWith(`${k}-`)).sort((a, b) => b.length - a.length)[0];
  const service = owner(Object.keys(cfg.services));
  const component = service ? undefined : owner(Object.keys(cfg.components ?? {}));
  if (!service && !component) return undefined;
  const base = service ? ['systems', system, 'services', service] : ['systems', system, 'components', component!];
  const settings = (service ? cfg.services[service] : (cfg.components as Record<string, object>)[component!]) as Record<string, unknown>;
  const countKey = isPlainRecord(settings.autoscaling) ? ['autoscaling', 'maxReplicas'] : ['replicas'];
  const count = { path: [...base, ...countKey], value: valueOf(settings, countKey.join('.')) };
  const size = { path: [...base, 'resources', ...finding.field.split('.')], value: valueOf(settings, `resources.${finding.field}`) };
  // How far this workload stands out from the others, by pod count and by size per pod.
  const others = workloadUsages(objects, namespace).filter((w) => !(w.kind === top.kind && w.name === top.name));
  const amount = (w: WorkloadUsage) => {
    if (finding.field === 'pods') return w.pods;
    const [side, res] = finding.field.split('.') as ['requests' | 'limits', 'cpu' | 'memory'];
    return res === 'cpu' ? w.usage[side].cpuMillis : w.usage[side].memoryBytes;
  };
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0) || 1;
  const byCount = count.value === undefined ? 0 : top.replicas / median(others.map((w) => w.replicas));
  const bySize = size.value === undefined || finding.field === 'pods' ? 0 : amount(top) / top.pods / median(others.map((w) => amount(w) / w.pods));
  const ratio = Math.max(byCount, bySize);
  // The namespace with this workload as typical as the others: if it still does not fit, the quota is the mistake.
  if (ratio <= 1 || finding.used - finding.largest.amount + finding.largest.amount / ratio > finding.limit) return undefined;
  return byCount >= bySize ? count : size;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function valueOf(o: object, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** A system's own observability stack (Specify's "Observability Layer", the 060 "Observability Stack"). */
export interface ObservabilityStack {
  readonly prometheus: Prometheus;
  readonly grafana: Grafana;
  readonly jaeger: Jaeger;
  /** Log visualisation on the system's Elasticsearch, when it has one. */
  readonly kibana?: Kibana;
  /** Routes the alerts of the system's Prometheus, when the system alerts. */
  readonly alertmanager?: Alertmanager;
  readonly peers: { readonly prometheus: Peer; readonly grafana: Peer; readonly jaeger: Peer; readonly kibana?: Peer; readonly alertmanager?: Peer };
  /** Lets the system's Prometheus scrape every `metrics` port of the pods added so far; call it last. */
  scrapeAll(): void;
}

export interface ObservabilityOptions {
  /** The document's Prometheus retention and volume when the environment names none. */
  readonly prometheus?: { readonly retention?: string; readonly storage?: string };
  /** Elasticsearch for Kibana and a Grafana logs datasource. @default no Kibana */
  readonly elasticsearch?: { readonly url: string; readonly peer: Peer; readonly index: string };
  /** Loki (run by the platform) as a Grafana datasource. @default none */
  readonly loki?: { readonly url: string; readonly peer: Peer; readonly port: string };
  /**
   * Alerting by the system's own Prometheus: it evaluates the rules, scrapes
   * the services they read (their Service name and metrics port), and sends
   * alerts to the system's Alertmanager, which routes them by severity.
   * @default no alerting
   */
  readonly alerting?: { readonly rules: readonly SloRules[]; readonly services: ReadonlyArray<{ readonly name: string; readonly port: string }> };
}

/**
 * Prometheus (namespaced discovery: no cluster-scoped object), Grafana with
 * Prometheus, Jaeger and the logs datasources, Jaeger with the environment's
 * sampling (`components.jaeger.samplingPercent`, else
 * `observability.tracingSamplingPercent`), and Kibana on the system's
 * Elasticsearch; sizes from `components.*`, the same objects everywhere.
 */
export function observabilityFromConfig(base: SystemBase, scope: Construct, o: ObservabilityOptions = {}): ObservabilityStack {
  const c = base.components;
  const ns = base.namespace;
  const common = { namespace: ns, partOf: base.partOf, metrics: { serviceMonitor: base.prometheus !== undefined } };
  const pc = c.prometheus ?? {};
  const alertmanager = o.alerting ? alertmanagerFromConfig(base, scope, o.alerting.rules) : undefined;
  const prometheus = new Prometheus(scope, 'prometheus', {
    ...common,
    name: 'prometheus',
    retention: pc.retention ?? o.prometheus?.retention,
    storage: pc.storage ?? (o.prometheus?.storage ? { size: o.prometheus.storage } : undefined),
    image: pc.image,
    resources: pc.resources,
    ruleGroups: o.alerting?.rules.flatMap((r) => r.ruleGroups),
    alertmanagers: alertmanager ? [alertmanager.target] : undefined,
    extraScrapeConfigs: o.alerting?.services.length ? [serviceScrapeJob(ns, o.alerting.services)] : undefined,
  });
  const jc = c.jaeger ?? {};
  const percent = jc.samplingPercent ?? base.env.observability?.tracingSamplingPercent ?? 100;
  const jaeger = new Jaeger(scope, 'jaeger', {
    ...common,
    name: 'jaeger',
    samplingRate: percent / 100,
    storage: { type: 'badger', volume: jc.storage ?? { size: '10Gi' } },
    image: jc.image,
    resources: jc.resources,
  });
  storedSecret(base, scope, 'grafana-admin', { username: { key: 'grafana', property: 'username' }, password: { key: 'grafana', property: 'password' } });
  const datasources: GrafanaDatasource[] = [
    { type: 'prometheus', name: 'Prometheus', url: prometheus.url, isDefault: true },
    { type: 'jaeger', name: 'Jaeger', url: jaeger.queryUrl },
  ];
  if (o.loki) datasources.push({ type: 'loki', name: 'Loki', url: o.loki.url });
  if (o.elasticsearch) datasources.push({ type: 'elasticsearch', name: 'Elasticsearch', url: o.elasticsearch.url, index: o.elasticsearch.index });
  const gc = c.grafana ?? {};
  const grafana = new Grafana(scope, 'grafana', {
    ...common,
    name: 'grafana',
    adminCredentials: { secret: 'grafana-admin' },
    datasources,
    image: gc.image,
    resources: gc.resources,
    storage: gc.storage,
  });
  const g = base.graph;
  const peers = {
    prometheus: componentPeer(base, 'prometheus', { http: 9090 }),
    grafana: componentPeer(base, 'grafana', { http: 3000 }),
    jaeger: componentPeer(base, 'jaeger', { 'otlp-grpc': 4317, 'otlp-http': 4318, query: 16686, sampling: 5778, metrics: 8888 }),
    kibana: o.elasticsearch ? componentPeer(base, 'kibana', { http: 5601 }) : undefined,
    alertmanager: alertmanager ? componentPeer(base, 'alertmanager', { http: 9093 }) : undefined,
  };
  if (peers.alertmanager) {
    g.connect(peers.prometheus, peers.alertmanager, 'http').connect(peers.grafana, peers.alertmanager, 'http');
    // PagerDuty's and Slack's APIs are on the internet, at addresses they do not publish per customer.
    g.connect(peers.alertmanager, ExternalPeer.addresses({ name: 'notification-apis', cidrs: ['0.0.0.0/0'], ports: { https: 443 } }), 'https');
    scrape(base, peers.alertmanager, 'http');
  }
  g.connect(peers.grafana, peers.prometheus, 'http').connect(peers.grafana, peers.jaeger, 'query');
  // Service discovery reads endpoints and pods from the API.
  callsKubeApi(base, peers.prometheus);
  if (o.loki) g.connect(peers.grafana, o.loki.peer, o.loki.port);
  if (o.elasticsearch) g.connect(peers.grafana, o.elasticsearch.peer, 'http');
  scrape(base, peers.jaeger);
  scrape(base, peers.grafana, 'http');
  // Its ServiceMonitor has the platform's Prometheus read its own metrics.
  scrape(base, peers.prometheus, 'http');
  let kibana: Kibana | undefined;
  if (o.elasticsearch && peers.kibana) {
    const kc = c.kibana ?? {};
    kibana = new Kibana(scope, 'kibana', { namespace: ns, partOf: base.partOf, name: 'kibana', elasticsearchUrl: o.elasticsearch.url, replicas: kc.replicas, image: kc.image, resources: kc.resources });
    g.connect(peers.kibana, o.elasticsearch.peer, 'http');
  }
  return {
    prometheus,
    grafana,
    jaeger,
    kibana,
    alertmanager,
    peers,
    scrapeAll: () => {
      for (const p of g.peers()) if (p !== peers.prometheus && p.namespace === ns && 'metrics' in p.ports) g.scrape(p, 'metrics', peers.prometheus);
    },
  };
}

/** A scrape job for named Services' metrics ports in the namespace, labelled like the built-in job (namespace, service, pod). */
function serviceScrapeJob(namespace: string, services: ReadonlyArray<{ readonly name: string; readonly port: string }>): Record<string, unknown> {
  return {
    job_name: 'services',
    kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'], regex: `(${services.map((s) => `${s.name};${s.port}`).join('|')})`, action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ],
  };
}

/**
 * The system's Alertmanager ("060" "Alert Routing"): critical alerts page
 * through PagerDuty at once, warnings go to Slack during business hours
 * (`components.alertmanager.businessHours`, default Monday-Friday 09:00-17:00
 * UTC), info alerts notify nobody (dashboards). The PagerDuty routing key and
 * the Slack webhook come from the secret store (key "alertmanager",
 * properties "pagerduty-routing-key" and "slack-webhook-url"), never from Git.
 */
export function alertmanagerFromConfig(base: SystemBase, scope: Construct, rules: readonly SloRules[]): Alertmanager {
  const c = base.components.alertmanager ?? {};
  const secret = 'alertmanager-receivers';
  storedSecret(base, scope, secret, {
    'pagerduty-routing-key': { key: 'alertmanager', property: 'pagerduty-routing-key' },
    'slack-webhook-url': { key: 'alertmanager', property: 'slack-webhook-url' },
  });
  const hours = c.businessHours ?? {};
  return new Alertmanager(scope, 'alertmanager', {
    name: 'alertmanager',
    namespace: base.namespace,
    partOf: base.partOf,
    metrics: { serviceMonitor: base.prometheus !== undefined },
    receivers: [
      { kind: 'pagerduty', name: 'pagerduty', routingKey: { secret, key: 'pagerduty-routing-key' } },
      { kind: 'slack', name: 'slack', webhookUrl: { secret, key: 'slack-webhook-url' }, channel: c.slackChannel ?? '#alerts' },
    ],
    timeIntervals: [{ name: 'business-hours', weekdays: hours.weekdays ?? ['monday:friday'], start: hours.start ?? '09:00', end: hours.end ?? '17:00', location: hours.timezone ?? 'UTC' }],
    routes: [
      { severity: 'critical', receiver: 'pagerduty', repeatInterval: '1h' },
      { severity: 'warning', receiver: 'slack', activeTimeInterval: 'business-hours' },
      { severity: 'info', receiver: 'nobody' },
    ],
    requiredSeverities: [...new Set(rules.flatMap((r) => r.severities))].sort(),
    storage: c.storage,
    image: c.image,
    resources: c.resources,
  });
}

/** Where a system's collector sends its logs: Elasticsearch directly, or a Logstash pipeline of the system's in front of it. */
export type LogDestination =
  | { readonly kind: 'elasticsearch'; readonly host: string; readonly peer: Peer; readonly port?: string }
  | { readonly kind: 'logstash'; readonly logstash: Logstash; readonly peer: Peer };

export interface LogShippingOptions {
  /** Where the logs go, e.g. FediFlow's `elasticsearch.logging.svc.cluster.local`. */
  readonly destination: LogDestination;
  /** The document's index when the environment names none (`components.fluentBit.index`). */
  readonly index: string;
  /** Log files of the system's pods only. @default the pods of the system's namespace */
  readonly paths?: string[];
}

/**
 * Fluent Bit shipping the system's container logs to Elasticsearch or to a
 * Logstash pipeline. It reads the node's /var/log through hostPath, which no
 * restricted namespace admits: it gets a namespace of its own,
 * `<namespace>-logging`, labelled with the level the construct states
 * (`podSecurity`) and its reason, so the system's namespace stays restricted.
 * Independent clusters only (a namespace of its own and a ClusterRole to read
 * pod metadata): on a shared cluster the owners' collector ships the logs,
 * and nothing is rendered. Every record carries `environment`, `system` and
 * `namespace` (centralized logging with environment context).
 */
export function logShippingFromConfig(base: SystemBase, chart: Chart, o: LogShippingOptions): FluentBit | undefined {
  if (base.shared) return undefined;
  const c = base.components.fluentBit ?? {};
  const namespace = `${base.namespace}-logging`;
  const d = o.destination;
  const fb = new FluentBit(chart, 'fluent-bit', {
    name: 'fluent-bit',
    namespace,
    partOf: base.partOf,
    output: d.kind === 'elasticsearch' ? { kind: 'elasticsearch', host: d.host, indexPrefix: c.index ?? o.index } : { kind: 'logstash', host: d.logstash.host, port: d.logstash.inputPort },
    recordFields: logContext(base),
    // CRI log files are named <pod>_<namespace>_<container>-<id>.log.
    paths: o.paths ?? [`/var/log/containers/*_${base.namespace}_*.log`],
    image: c.image,
    resources: c.resources,
    metrics: { serviceMonitor: base.prometheus !== undefined },
  });
  new SystemNamespace(chart, 'LoggingNamespace', { name: namespace, podSecurity: fb.podSecurity.level === 'restricted' ? { level: 'restricted' } : { level: fb.podSecurity.level, reason: fb.podSecurity.reason } });
  const peer: Peer = { name: 'fluent-bit', namespace, selectorLabels: selectorLabels({ name: 'fluent-bit' }), ports: { metrics: 2020 } };
  base.graph.connect(peer, d.peer, d.kind === 'elasticsearch' ? d.port ?? 'http' : 'http', 'log');
  // The kubernetes filter reads pod metadata from the API.
  callsKubeApi(base, peer);
  scrape(base, peer);
  return fb;
}

/** The fields every log record of the system carries besides its namespace. */
function logContext(base: SystemBase): Record<string, string> {
  return { environment: base.env.name, system: base.partOf };
}

/**
 * The system's Logstash pipeline (`components.logstash`) in front of its
 * Elasticsearch: Fluent Bit -> Logstash -> Elasticsearch, daily indices
 * `<index>-YYYY.MM.DD`. Events from other collectors get the system's
 * environment context too.
 */
export function logstashFromConfig(base: SystemBase, scope: Construct, o: { readonly elasticsearch: { readonly url: string; readonly peer: Peer }; readonly index: string }): { logstash: Logstash; peer: Peer } {
  const c = base.components.logstash ?? {};
  const logstash = new Logstash(scope, 'logstash', {
    name: 'logstash',
    namespace: base.namespace,
    partOf: base.partOf,
    elasticsearch: { url: o.elasticsearch.url, indexPrefix: base.components.fluentBit?.index ?? o.index },
    defaultFields: logContext(base),
    replicas: c.replicas,
    queueStorage: c.storage,
    image: c.image,
    resources: c.resources,
  });
  const peer = componentPeer(base, 'logstash', { http: 8080, monitoring: 9600 });
  base.graph.add(peer);
  base.graph.connect(peer, o.elasticsearch.peer, 'http', 'log');
  return { logstash, peer };
}

/**
 * The Kubernetes API server as a peer: `cluster.apiServer` where the
 * environment names its addresses, otherwise any address on the usual API
 * ports (443 managed control planes, 6443 kubeadm, kind, k0s), since a policy
 * cannot name the API server otherwise.
 */
export function kubeApiPeer(env: EnvironmentConfig): Peer {
  const a = env.cluster.apiServer;
  const ports = a?.ports ?? [443, 6443];
  return ExternalPeer.addresses({ name: 'kube-apiserver', cidrs: a?.cidrs ?? ['0.0.0.0/0'], ports: Object.fromEntries(ports.map((p) => [`api-${p}`, p])) });
}

/** Lets `peer` (which reads the API with its ServiceAccount) reach the API server. */
export function callsKubeApi(base: SystemBase, peer: Peer): void {
  const api = kubeApiPeer(base.env);
  for (const port of Object.keys(api.ports)) base.graph.connect(peer, api, port, 'platform');
}
