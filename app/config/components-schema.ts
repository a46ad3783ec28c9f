// Data and platform components of a system in environment files:
// `systems.<system>.components.<component>` (PostgreSQL, Redis, Kafka, ...).
// Everything is optional: a chart falls back to the construct's defaults, so a
// deleted block still renders. Every rule a catalog construct enforces with a
// PropsError is repeated here, so a bad value is reported at its line in the
// file instead of as a construct error.
import { z } from 'zod';
import { expects } from './schema-kit';
import { nodePortProblems } from './security-schema';

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const BYTES = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const FACTORS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

/** Bytes of a Kubernetes quantity, or undefined. */
export function quantityBytes(q: string): number | undefined {
  const m = BYTES.exec(q);
  return m ? Number(m[1]) * FACTORS[m[2] ?? ''] : undefined;
}

/** Millicores of a CPU quantity, or undefined. Numbers are read as the construct reads them (via String()). */
export function quantityMillis(q: string | number): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q));
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) : Number(m[1]) * 1000;
}

const dnsLabel = expects(z.string().regex(/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/), 'a DNS-1123 label starting with a letter, at most 52 characters (suffixes such as "-replicas" are added), e.g. "prod-postgres-cluster"');
const int = (min: number, max: number) => expects(z.number().int().min(min).max(max), `an integer from ${min} to ${max}`);
const bool = expects(z.boolean(), 'true or false');
const cpu = expects(
  z.union([z.string(), z.number()]).refine((v) => quantityMillis(v) !== undefined && (typeof v === 'string' || v > 0)),
  'a CPU quantity such as "250m", "0.5" or 1',
);
const memory = expects(z.string().refine((v) => quantityBytes(v) !== undefined), 'a byte quantity such as "512Mi" or "1Gi"');
const size = expects(z.string().refine((v) => (quantityBytes(v) ?? 0) > 0), 'a storage size greater than zero such as "10Gi"');
const duration = expects(z.string().regex(/^(\d+[smhdwy])+$/), 'a duration such as "30s", "12h", "30d" or "2w"');
const cron = expects(z.string().regex(/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+(\s+\S+){4})$/), 'a five-field cron expression such as "0 2 * * *" or a macro such as "@daily"');

const compute = z.strictObject({ cpu, memory });

/** Requests and limits of a component's main container; requests never above limits. */
export const componentResourcesSchema = z.strictObject({ requests: compute, limits: compute }).superRefine((r, ctx) => {
  const [rc, lc] = [quantityMillis(r.requests.cpu), quantityMillis(r.limits.cpu)];
  const [rm, lm] = [quantityBytes(r.requests.memory), quantityBytes(r.limits.memory)];
  if (rc !== undefined && lc !== undefined && rc > lc) ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], message: `at most the CPU limit (${r.limits.cpu})` });
  if (rm !== undefined && lm !== undefined && rm > lm) ctx.addIssue({ code: 'custom', path: ['requests', 'memory'], message: `at most the memory limit (${r.limits.memory})` });
});

/** An image override: both parts, pinned (the catalog refuses "latest"). */
export const componentImageSchema = z.strictObject({
  repository: expects(z.string().regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/), 'an image repository such as "docker.io/library/postgres"'),
  tag: expects(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).refine((t) => t !== 'latest'), 'a pinned image tag such as "16.4" (not "latest")'),
});

export const storageSchema = z.strictObject({
  size,
  storageClass: expects(z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/), 'a StorageClass name such as "gp3"').optional(),
});

/** A managed service outside the cluster (RDS, ElastiCache) reached through an ExternalName Service. */
export const externalEndpointSchema = z.strictObject({
  host: expects(z.string().regex(DNS_NAME).refine((h) => !/^[0-9.]+$/.test(h)), 'a DNS host name such as "db.abc123.eu-west-1.rds.amazonaws.com" (no scheme, port or IP address)'),
  port: int(1, 65535).optional(),
  /** Key of the credentials in the environment's secret store, e.g. "prod/specify/postgres". */
  remoteKey: expects(z.string().regex(/^[A-Za-z0-9._/-]+$/), 'a secret-store key such as "prod/specify/postgres"'),
});

export const databaseBackupSchema = z.strictObject({
  schedule: cron.optional(),
  storage: storageSchema,
  keep: int(1, 1000).optional(),
});

const common = {
  image: componentImageSchema.optional(),
  resources: componentResourcesSchema.optional(),
};

type Issue = (path: PropertyKey[], message: string) => void;
const issues = (ctx: z.RefinementCtx): Issue => (path, message) => ctx.addIssue({ code: 'custom', path, message });

/** `external` goes with mode external and nothing in-cluster goes with it. */
function externalRules(c: { mode?: string; external?: unknown } & Record<string, unknown>, inCluster: readonly string[], issue: Issue): void {
  if (c.mode === 'external') {
    if (!c.external) issue(['external'], 'the managed endpoint ({ host, port, remoteKey }) when mode is "external"');
    for (const k of inCluster) if (c[k] !== undefined) issue([k], `nothing: ${k} does not apply in mode "external" (the service runs outside the cluster)`);
  } else if (c.external !== undefined) {
    issue(['external'], `nothing unless mode is "external" (mode is ${JSON.stringify(c.mode ?? 'the default')})`);
  }
}

export const postgresComponentSchema = z
  .strictObject({
    mode: expects(z.enum(['statefulset', 'deployment', 'external']), 'one of "statefulset", "deployment", "external"').optional(),
    /** Name of the database server's objects (Service, StatefulSet), e.g. the 060 table's "prod-postgres-cluster". @default "postgres" */
    name: dnsLabel.optional(),
    /** Streaming read replicas (statefulset mode only). */
    readReplicas: int(0, 15).optional(),
    /** Database created on first start (the document's database name goes in the chart's ConfigMap). */
    database: expects(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/), 'a PostgreSQL identifier such as "app" (letters, digits, "_")').optional(),
    ...common,
    storage: storageSchema.optional(),
    backup: databaseBackupSchema.optional(),
    external: externalEndpointSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = issues(ctx);
    externalRules(c, ['image', 'resources', 'storage', 'backup', 'readReplicas'], issue);
    if (c.readReplicas && c.mode === 'deployment') issue(['readReplicas'], '0 in mode "deployment" (read replicas need the StatefulSet mode)');
  });

const REDIS_POLICIES = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'noeviction'] as const;
const REDIS_DEFAULT_LIMIT = 512 * 2 ** 20;

/** Bytes of a Redis memory size ("384mb", "1gb"). */
export function redisBytes(v: string): number | undefined {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(v);
  if (!m) return undefined;
  const f: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * f[(m[2] ?? 'b').toLowerCase()];
}

export const redisComponentSchema = z
  .strictObject({
    mode: expects(z.enum(['deployment', 'statefulset', 'external']), 'one of "deployment", "statefulset", "external"').optional(),
    ...common,
    storage: storageSchema.optional(),
    maxMemory: expects(z.string().refine((v) => (redisBytes(v) ?? 0) > 0), 'a Redis memory size such as "384mb" or "1gb"').optional(),
    maxMemoryPolicy: expects(z.enum(REDIS_POLICIES), `one of ${REDIS_POLICIES.map((p) => JSON.stringify(p)).join(', ')}`).optional(),
    appendOnly: bool.optional(),
    external: externalEndpointSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = issues(ctx);
    externalRules(c, ['image', 'resources', 'storage', 'maxMemory', 'maxMemoryPolicy', 'appendOnly'], issue);
    const limit = c.resources ? quantityBytes(c.resources.limits.memory) : REDIS_DEFAULT_LIMIT;
    const max = c.maxMemory !== undefined ? redisBytes(c.maxMemory) : undefined;
    if (max !== undefined && limit !== undefined && max >= limit) {
      issue(['maxMemory'], `less than the memory limit (${c.resources?.limits.memory ?? '512Mi'}), or the kernel kills Redis before it evicts`);
    }
    if (c.resources && max === undefined && limit !== undefined && Math.floor((limit * 0.75) / 2 ** 20) < 1) {
      issue(['resources', 'limits', 'memory'], 'at least 2Mi (75% of it becomes maxmemory)');
    }
  });

const heapLimit = (min: string) =>
  componentResourcesSchema.superRefine((r, ctx) => {
    const b = quantityBytes(r.limits.memory);
    if (b !== undefined && b < quantityBytes(min)!) ctx.addIssue({ code: 'custom', path: ['limits', 'memory'], message: `at least ${min} (half of it becomes the JVM heap)` });
  });

export const elasticsearchComponentSchema = z.strictObject({
  replicas: int(1, 99).optional(),
  image: componentImageSchema.optional(),
  resources: heapLimit('512Mi').optional(),
  storage: storageSchema.optional(),
});

export const kafkaComponentSchema = z.strictObject({
  /** KRaft nodes (combined controller + broker), each a quorum voter. */
  replicas: expects(z.number().int().min(1).max(9).refine((n) => n % 2 === 1), 'an odd number of KRaft voters from 1 to 9 (1, 3 or 5)').optional(),
  image: componentImageSchema.optional(),
  resources: heapLimit('512Mi').optional(),
  storage: storageSchema.optional(),
  /** How long records are kept (log.retention). */
  retention: duration.optional(),
});

const hostName = expects(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/), 'a DNS host name such as "nifi.example.com"');

/** A component's public entry through the system's border (host name; TLS and auth come from the environment). */
export const componentExposeSchema = z.strictObject({ host: hostName });

export const nifiComponentSchema = z.strictObject({
  replicas: int(1, 15).optional(),
  /** Public host; also NiFi's `nifi.web.proxy.host`, without which NiFi refuses requests through the border. */
  expose: componentExposeSchema.optional(),
  image: componentImageSchema.optional(),
  resources: heapLimit('1Gi').optional(),
  storage: storageSchema.optional(),
});

export const grafanaComponentSchema = z.strictObject({
  ...common,
  storage: storageSchema.optional(),
  /** Public host; also Grafana's root URL. */
  expose: componentExposeSchema.optional(),
});

/** The Traefik ingress controller a system runs itself (independent clusters); leave it out to use the cluster's. */
export const traefikComponentSchema = z.strictObject({
  replicas: int(1, 20).optional(),
  ...common,
  /**
   * How traffic reaches the controller: LoadBalancer in the cloud; on kind
   * and k0s (no LoadBalancer provider) NodePort with fixed node ports, which
   * a load balancer or router outside the cluster forwards 80/443 to (the
   * pods run restricted, so no hostPort). @default "LoadBalancer"
   */
  exposure: expects(
    z.union([
      z.enum(['LoadBalancer', 'ClusterIP']),
      z.strictObject({ type: z.enum(['LoadBalancer', 'NodePort', 'ClusterIP']), httpNodePort: int(30000, 32767).optional(), httpsNodePort: int(30000, 32767).optional() }).superRefine((e, ctx) => nodePortProblems(e, ctx)),
    ]),
    '"LoadBalancer", "ClusterIP", or { type: NodePort, httpNodePort: 30080, httpsNodePort: 30443 } (fixed node ports from 30000 to 32767: whatever forwards 80/443 from outside must know them)',
  ).optional(),
});

/** Authentication at the border (000: "Authentication and authorization enforcement"). */
export const borderAuthSchema = z.discriminatedUnion('type', [
  /** HTTP basic auth; the htpasswd lines come from the secret store (key "border-auth", property "users"). */
  z.strictObject({ type: z.literal('basic') }),
  /** An auth service (e.g. oauth2-proxy) asked for every request. */
  z.strictObject({ type: z.literal('forward'), url: expects(z.string().regex(/^https?:\/\/\S+$/), 'a URL such as "http://oauth2-proxy.auth.svc/oauth2/auth"') }),
]);

export const prometheusComponentSchema = z.strictObject({
  ...common,
  storage: storageSchema.optional(),
  /** TSDB retention, e.g. "30d". */
  retention: duration.optional(),
});

export const jaegerComponentSchema = z.strictObject({
  ...common,
  storage: storageSchema.optional(),
  /** Share of traces kept; overrides observability.tracingSamplingPercent for Jaeger's own sampler. */
  samplingPercent: expects(z.number().min(0).max(100), 'a percentage from 0 to 100').optional(),
});

export const fluentBitComponentSchema = z.strictObject({
  ...common,
  /** Elasticsearch index logs are written to. */
  index: expects(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,254}$/), 'an Elasticsearch index name such as "fediflow-logs" (lower case)').optional(),
});

export const replicatedComponentSchema = z.strictObject({ replicas: int(1, 20).optional(), ...common });

export const logstashComponentSchema = z.strictObject({
  replicas: int(1, 20).optional(),
  ...common,
  /** Persistent queue volume of each pod. */
  storage: storageSchema.optional(),
});

const clock = expects(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), 'a time "HH:MM" such as "09:00"');

export const alertmanagerComponentSchema = z.strictObject({
  ...common,
  /** Silences and notification log. */
  storage: storageSchema.optional(),
  /** Where warnings go in Slack. */
  slackChannel: expects(z.string().regex(/^#[a-z0-9_-]{1,80}$/), 'a Slack channel such as "#alerts"').optional(),
  /** When warnings notify (critical alerts page at any time). */
  businessHours: z
    .strictObject({
      weekdays: expects(z.array(z.string().regex(/^[a-z]+(:[a-z]+)?$/)).min(1), 'a list of weekdays or ranges such as ["monday:friday"]').optional(),
      start: clock.optional(),
      end: clock.optional(),
      timezone: expects(z.string().regex(/^(UTC|[A-Z][A-Za-z_]+(\/[A-Z][A-Za-z_+-]+)+)$/), 'an IANA time zone such as "Europe/London"').optional(),
    })
    .optional(),
});

export const componentsSchema = z.strictObject({
  alertmanager: alertmanagerComponentSchema.optional(),
  postgres: postgresComponentSchema.optional(),
  redis: redisComponentSchema.optional(),
  kafka: kafkaComponentSchema.optional(),
  elasticsearch: elasticsearchComponentSchema.optional(),
  kibana: replicatedComponentSchema.optional(),
  nifi: nifiComponentSchema.optional(),
  grafana: grafanaComponentSchema.optional(),
  prometheus: prometheusComponentSchema.optional(),
  jaeger: jaegerComponentSchema.optional(),
  fluentBit: fluentBitComponentSchema.optional(),
  logstash: logstashComponentSchema.optional(),
  traefik: traefikComponentSchema.optional(),
});

/** `<service>.<namespace>.svc[.<cluster domain>]`: a Service of the cluster, found by its namespace. */
export const IN_CLUSTER_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?$/;

/**
 * A Service the system sends to but does not run (the cluster's logging
 * Elasticsearch, Loki): where it is, and who runs it. `providedBy` is
 * rendered as `validate.platform.dev/external-provider` on the workload that
 * names it; without it the gate (`ref/dns-name`) refuses a name in a
 * namespace the environment does not render.
 */
export const providedEndpointSchema = z
  .strictObject({
    host: expects(z.string().regex(DNS_NAME).refine((h) => !/^[0-9.]+$/.test(h)), 'a DNS host name such as "elasticsearch.logging.svc.cluster.local" (no scheme, port or IP address)'),
    port: int(1, 65535),
    /** Who runs it, e.g. "platform team (logging stack)". */
    providedBy: expects(z.string().trim().min(1), 'a short text naming who runs it, such as "platform team (logging stack)"').optional(),
    /** Addresses of a host outside the cluster, for the egress policy. */
    cidrs: expects(z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/)).min(1), 'a list of CIDR blocks such as ["10.20.0.0/16"] (the host\'s addresses)').optional(),
  })
  .superRefine((e, ctx) => {
    // (a malformed host is reported at host)
    if (DNS_NAME.test(e.host) && !IN_CLUSTER_HOST.test(e.host) && !e.cidrs) {
      ctx.addIssue({ code: 'custom', path: ['cidrs'], message: `the addresses of ${e.host} (a host outside the cluster) as CIDR blocks for the egress policy, or an in-cluster name "<service>.<namespace>.svc"` });
    }
  });

/** Where a system's logs go when it does not run the store itself. */
export const loggingSchema = z.strictObject({
  /** Elasticsearch its log collector writes to (FediFlow). */
  elasticsearch: providedEndpointSchema.optional(),
  /** Loki its Grafana reads logs from (Specify). */
  loki: providedEndpointSchema.optional(),
});

/** Fields added to each system. */
export const systemComponentFields = {
  logging: loggingSchema.optional(),
  components: componentsSchema.optional(),
  /** Authentication in front of what the system exposes. @default none (development) */
  borderAuth: borderAuthSchema.optional(),
};

/**
 * A system rule: the services its chart composes must be configured. Reported
 * at `services.<name>` as "required, but missing (expected ...)".
 */
export function requireServices(names: readonly string[], document: string) {
  return (system: { services: Record<string, unknown> }, ctx: z.RefinementCtx): void => {
    for (const n of names) {
      if (!system.services[n]) ctx.addIssue({ code: 'custom', path: ['services', n], message: `the ${n} service (image, replicas, resources), which ${document} describes` });
    }
  };
}

export type ComponentsConfig = z.infer<typeof componentsSchema>;
export type PostgresComponentConfig = z.infer<typeof postgresComponentSchema>;
export type RedisComponentConfig = z.infer<typeof redisComponentSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type ExternalEndpointConfig = z.infer<typeof externalEndpointSchema>;
export type ProvidedEndpointConfig = z.infer<typeof providedEndpointSchema>;
export type ComponentResourcesConfig = z.infer<typeof componentResourcesSchema>;
