import { PinnedImage } from './checks';
import {
  ALERTMANAGER_KEYS_0_27, ANY, ConfigFacts, FLUENT_BIT_KEYS_3_1, GRAFANA_DASHBOARDS_KEYS_11, GRAFANA_DATASOURCES_KEYS_11, KeyTree, PROMETHEUS_KEYS_2_54,
} from './config-keys';

export { ANY, configKeyFindings, unknownConfigKeys } from './config-keys';
export type { ConfigFacts, ConfigLocation, KeyTree, UnknownConfigKey } from './config-keys';

/**
 * Facts about every image the catalog runs, in one table: the pinned version,
 * where it is pulled from, the UID its files belong to, what its process
 * writes, its ports, what an HTTP probe must send, and which configuration
 * keys that version accepts. Constructs take their defaults from here and the
 * validation gate (rule family `image/*`) checks every rendered container
 * against the same rows, so a version bump is one edit that is checked
 * everywhere.
 *
 * Application images (the services of a system) come from environment files
 * and are not in this table; the gate holds them only to the moved-registry
 * list below.
 */

/** An HTTP(S) probe requirement of an image. */
export interface ProbeNeeds {
  /** Scheme the server speaks on its probe port. */
  readonly scheme: 'HTTP' | 'HTTPS';
  /** Host header an httpGet probe must send (the kubelet sends the pod IP otherwise). @default none needed */
  readonly hostHeader?: string;
  /** Why, for the violation message. */
  readonly why?: string;
}

export interface ImageFacts {
  /** Registry and path, e.g. `docker.io/apache/nifi`. */
  readonly repository: string;
  /** The pinned tag; the facts below hold for this version. */
  readonly version: string;
  /** UID the image's files belong to (the pod runs as it), or 'any' for static binaries that run as any non-root UID. */
  readonly uid: number | 'any';
  /** Paths the process writes as the catalog runs it; with a read-only root filesystem each must be a volume mount. */
  readonly writablePaths: readonly string[];
  /** Ports the process listens on as the catalog configures it, by name. */
  readonly ports: Readonly<Record<string, number>>;
  /** What an httpGet probe against the image must send. @default plain HTTP, no Host header */
  readonly probe?: ProbeNeeds;
  /** The configuration files the image reads and the keys this version accepts in each. @default not checked */
  readonly configs?: readonly ConfigFacts[];
}

const NIFI_HOME = '/opt/nifi/nifi-current';
/** Port of the Prometheus endpoint the OpenTelemetry Java agent opens inside Kafka's and NiFi's JVMs. */
export const JVM_METRICS_PORT = 5556;

// OpenTelemetry-Collector-based Jaeger v2 (https://github.com/jaegertracing/jaeger, cmd/jaeger/internal/extension).
// Only the parts the catalog renders are spelled out; the rest of the collector config is accepted as is.
const jaegerKeys = (remoteSamplingFile: KeyTree): KeyTree => ({
  service: { extensions: ANY, pipelines: ANY, telemetry: ANY },
  extensions: {
    healthcheckv2: ANY,
    jaeger_query: ANY,
    jaeger_storage: ANY,
    remote_sampling: { file: remoteSamplingFile, adaptive: ANY, http: ANY, grpc: ANY },
  },
  receivers: ANY,
  processors: ANY,
  exporters: ANY,
  connectors: ANY,
});

const STRICT_YAML = 'refuses the unknown field and exits at start';
const JAEGER_CONFIG: ConfigFacts = {
  name: 'config.yaml', location: { flags: ['--config'] }, format: 'yaml', onUnknown: STRICT_YAML,
  reference: 'jaeger cmd/jaeger/internal/extension (v2.1.0, v2.2.0)',
  keys: { '2.1.0': jaegerKeys({ path: ANY }), '2.2.0': jaegerKeys({ path: ANY, reload_interval: ANY }) },
};

const GRAFANA_PROVISIONING = { defaults: { GF_PATHS_PROVISIONING: '/etc/grafana/provisioning' } };
const GRAFANA_LENIENT = 'ignores the unknown key: the setting is silently lost';
const GRAFANA_DOCS = 'https://grafana.com/docs/grafana/v11.2/administration/provisioning/';

const ALERTMANAGER_CONFIG: ConfigFacts = {
  name: 'alertmanager.yml', location: { flags: ['--config.file'] }, format: 'yaml', onUnknown: STRICT_YAML,
  reference: 'https://prometheus.io/docs/alerting/0.27/configuration/', keys: { 'v0.27.0': ALERTMANAGER_KEYS_0_27 },
};
const PROMETHEUS_CONFIG: ConfigFacts = {
  name: 'prometheus.yml', location: { flags: ['--config.file'] }, format: 'yaml', onUnknown: STRICT_YAML,
  reference: 'https://prometheus.io/docs/prometheus/2.54/configuration/configuration/', keys: { 'v2.54.1': PROMETHEUS_KEYS_2_54 },
};
const FLUENT_BIT_CONFIG: ConfigFacts = {
  name: 'fluent-bit.conf', location: { flags: ['-c', '--config'] }, format: 'fluent-bit',
  onUnknown: 'refuses the unknown plugin property: the plugin does not initialise and the process exits at start',
  reference: 'https://docs.fluentbit.io/manual/3.1 (classic mode; tail, kubernetes, modify, lua, es, http)', keys: { '3.1.9': FLUENT_BIT_KEYS_3_1 },
};
const GRAFANA_DATASOURCES_CONFIG: ConfigFacts = {
  name: 'datasource provisioning (apiVersion 1)', location: { directory: '$GF_PATHS_PROVISIONING/datasources', ...GRAFANA_PROVISIONING },
  format: 'yaml', onUnknown: GRAFANA_LENIENT, reference: GRAFANA_DOCS, keys: { '11.2.0': GRAFANA_DATASOURCES_KEYS_11 },
};
const GRAFANA_DASHBOARDS_CONFIG: ConfigFacts = {
  name: 'dashboard provider provisioning (apiVersion 1)', location: { directory: '$GF_PATHS_PROVISIONING/dashboards', ...GRAFANA_PROVISIONING },
  format: 'yaml', onUnknown: GRAFANA_LENIENT, reference: GRAFANA_DOCS, keys: { '11.2.0': GRAFANA_DASHBOARDS_KEYS_11 },
};

/** The catalog's images. */
export const IMAGES = {
  traefik: { repository: 'docker.io/library/traefik', version: 'v3.1.4', uid: 65532, writablePaths: ['/tmp'], ports: { web: 8000, websecure: 8443, traefik: 9000, metrics: 9100 } },
  alertmanager: {
    repository: 'quay.io/prometheus/alertmanager', version: 'v0.27.0', uid: 65534, writablePaths: ['/alertmanager', '/tmp'], ports: { http: 9093 },
    configs: [ALERTMANAGER_CONFIG],
  },
  prometheus: {
    repository: 'quay.io/prometheus/prometheus', version: 'v2.54.1', uid: 65534, writablePaths: ['/prometheus', '/tmp'], ports: { http: 9090 },
    configs: [PROMETHEUS_CONFIG],
  },
  grafana: {
    repository: 'docker.io/grafana/grafana', version: '11.2.0', uid: 472, writablePaths: ['/var/lib/grafana', '/var/log/grafana', '/tmp'], ports: { http: 3000 },
    configs: [GRAFANA_DATASOURCES_CONFIG, GRAFANA_DASHBOARDS_CONFIG],
  },
  jaeger: {
    repository: 'docker.io/jaegertracing/jaeger',
    // 2.2.0 is the first release whose remote_sampling.file accepts reload_interval (jaeger PR 6440);
    // 2.1.0 refuses the key and the collector exits at start.
    version: '2.2.0',
    uid: 10001,
    writablePaths: ['/tmp'],
    ports: { 'otlp-grpc': 4317, 'otlp-http': 4318, query: 16686, sampling: 5778, 'sampling-grpc': 5779, health: 13133, metrics: 8888 },
    configs: [JAEGER_CONFIG],
  },
  fluentBit: {
    repository: 'cr.fluentbit.io/fluent/fluent-bit', version: '3.1.9', uid: 0, writablePaths: [], ports: { http: 2020 },
    configs: [FLUENT_BIT_CONFIG],
  },
  logstash: {
    repository: 'docker.elastic.co/logstash/logstash', version: '8.15.1', uid: 1000,
    writablePaths: ['/usr/share/logstash/data', '/usr/share/logstash/config', '/usr/share/logstash/logs', '/tmp'],
    ports: { http: 8080, monitoring: 9600 },
  },
  kibana: { repository: 'docker.elastic.co/kibana/kibana', version: '8.15.1', uid: 1000, writablePaths: ['/usr/share/kibana/data', '/tmp'], ports: { http: 5601 } },
  elasticsearch: {
    repository: 'docker.elastic.co/elasticsearch/elasticsearch', version: '8.15.1', uid: 1000,
    writablePaths: ['/usr/share/elasticsearch/data', '/usr/share/elasticsearch/config', '/usr/share/elasticsearch/logs', '/tmp'],
    ports: { http: 9200, transport: 9300 },
  },
  elasticsearchExporter: { repository: 'quay.io/prometheuscommunity/elasticsearch-exporter', version: 'v1.7.0', uid: 'any', writablePaths: [], ports: { metrics: 9114 } },
  postgres: { repository: 'docker.io/library/postgres', version: '16.4', uid: 999, writablePaths: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'], ports: { postgres: 5432 } },
  postgresExporter: { repository: 'quay.io/prometheuscommunity/postgres-exporter', version: 'v0.15.0', uid: 'any', writablePaths: [], ports: { metrics: 9187 } },
  redis: { repository: 'docker.io/library/redis', version: '7.2.5', uid: 999, writablePaths: ['/data', '/tmp'], ports: { redis: 6379 } },
  redisExporter: { repository: 'docker.io/oliver006/redis_exporter', version: 'v1.62.0', uid: 'any', writablePaths: [], ports: { metrics: 9121 } },
  kafka: { repository: 'docker.io/apache/kafka', version: '3.8.0', uid: 1000, writablePaths: ['/var/lib/kafka/data', '/var/run/kafka', '/var/log/kafka', '/tmp'], ports: { client: 9092, controller: 9093, metrics: JVM_METRICS_PORT } },
  nifi: {
    repository: 'docker.io/apache/nifi', version: '2.0.0', uid: 1000,
    writablePaths: [`${NIFI_HOME}/conf`, `${NIFI_HOME}/logs`, `${NIFI_HOME}/work`, `${NIFI_HOME}/run`, `${NIFI_HOME}/state`, '/tmp'],
    ports: { https: 8443, cluster: 11443, 'load-balance': 6342, metrics: JVM_METRICS_PORT },
    // Jetty 12 (NiFi 2) answers "400 Invalid SNI" unless the Host header is a DNS name of the
    // server certificate; NiFi 2.0 has no property to turn the check off. Its generated
    // certificate always names localhost, and NiFi's own host check accepts localhost.
    probe: { scheme: 'HTTPS', hostHeader: 'localhost', why: 'Jetty 12 rejects a Host that is not a name of the certificate (the kubelet sends the pod IP)' },
  },
  /**
   * The OpenTelemetry Java agent (its operator's auto-instrumentation image, which holds
   * `/javaagent.jar`): copied into a shared volume by an init container and loaded by
   * the JVM, it serves JMX and JVM metrics in Prometheus format. Replaces the Bitnami
   * jmx-exporter, whose versioned tags left docker.io/bitnami in 2025.
   */
  otelJavaAgent: { repository: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java', version: '2.10.0', uid: 'any', writablePaths: [], ports: {} },
} as const satisfies Record<string, ImageFacts>;

export type CatalogImage = keyof typeof IMAGES;

/** The pinned image of a catalog entry, as construct props take it. */
export function pinnedImage(id: CatalogImage): PinnedImage {
  return { repository: IMAGES[id].repository, tag: IMAGES[id].version };
}

/** The UID a catalog image's files belong to (for `runAsUser` defaults). */
export function imageUid(id: CatalogImage): number {
  const uid: number | 'any' = IMAGES[id].uid;
  if (uid === 'any') throw new Error(`image ${id} runs as any UID; the pod's UID comes from its main container`);
  return uid;
}

/**
 * Repositories that moved or stopped being published: an image under one of
 * these prefixes cannot be pulled (or gets no more fixes).
 */
export const MOVED_REPOSITORIES: readonly { readonly prefix: string; readonly why: string; readonly instead: string }[] = [
  { prefix: 'docker.io/bitnami/', why: 'Bitnami moved its versioned tags to docker.io/bitnamilegacy (frozen, no updates) in 2025 and deprecated the free catalog', instead: 'the upstream project\'s own image' },
  { prefix: 'docker.io/bitnamilegacy/', why: 'the Bitnami legacy repository is frozen: no fixes', instead: 'the upstream project\'s own image' },
  { prefix: 'k8s.gcr.io/', why: 'k8s.gcr.io was frozen in 2023 and is being shut down', instead: 'registry.k8s.io/' },
  { prefix: 'gcr.io/google_containers/', why: 'the old Google Container Registry path of Kubernetes images is frozen', instead: 'registry.k8s.io/' },
  { prefix: 'gcr.io/google-containers/', why: 'the old Google Container Registry path of Kubernetes images is frozen', instead: 'registry.k8s.io/' },
  { prefix: 'quay.io/coreos/', why: 'the Prometheus Operator images moved away from quay.io/coreos', instead: 'quay.io/prometheus-operator/' },
  { prefix: 'docker.pkg.github.com/', why: 'the GitHub Packages Docker registry was replaced by ghcr.io', instead: 'ghcr.io/' },
  { prefix: 'docker.io/jaegertracing/all-in-one', why: 'Jaeger v1 reached end of life (December 2025)', instead: 'docker.io/jaegertracing/jaeger (v2)' },
];

/** `redis:7` -> `docker.io/library/redis`; `acme/api` -> `docker.io/acme/api`. */
export function normalizeRepository(repository: string): string {
  const first = repository.split('/')[0];
  const hasRegistry = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return repository;
  return repository.includes('/') ? `docker.io/${repository}` : `docker.io/library/${repository}`;
}

/** Repository, tag and digest of an image reference. */
export function parseImageRef(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const repository = colon > slash ? name.slice(0, colon) : name;
  return { repository: normalizeRepository(repository), ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The catalog entry of a repository, if it is a catalog image. */
export function imageFactsOf(repository: string): { readonly id: CatalogImage; readonly facts: ImageFacts } | undefined {
  const repo = normalizeRepository(repository);
  for (const id of Object.keys(IMAGES) as CatalogImage[]) {
    if (IMAGES[id].repository === repo) return { id, facts: IMAGES[id] };
  }
  return undefined;
}

/** The moved-registry entry an image falls under, if any. */
export function movedRepository(repository: string): (typeof MOVED_REPOSITORIES)[number] | undefined {
  const repo = normalizeRepository(repository);
  return MOVED_REPOSITORIES.find((m) => repo.startsWith(m.prefix));
}
