// Environment parity (`npm run parity`): every system's objects compared
// across all environments, with border fields masked (app/parity). What else
// differs must be declared here, once, with the reason its document gives.
// Reasons that start with "border:" count as border in the report: they are
// the environment adapters every system shares (secret store backend, the
// namespace name, the border's own objects), so a system with no other
// entries, InfoMetis, passes strictly.
import { App } from 'cdk8s';
import { EnvironmentConfig, listEnvironments, loadEnvironment, SystemConfig } from '../app/config';
import { checkParity, DeclaredDifference, ParityObject, ParityReport } from '../app/parity/parity';
import { renderTargets } from '../lib/synth';
import { environmentTargets } from './index';

const ALL = '*';

/** Environment adapters of every system (000 document, "Border Adaptation Layer"). */
const BORDER: DeclaredDifference[] = [
  { system: ALL, construct: '*/Namespace/**', field: '**', reason: 'border: the namespace is named per environment, and assigned (not rendered) in shared-cluster mode' },
  { system: ALL, construct: '*/SecretStore/**', field: '**', reason: 'border: the secret store backend is per environment (local, Vault, AWS Secrets Manager)' },
  { system: ALL, construct: '**', field: 'spec.data.*.remoteRef.key', reason: 'border: secret keys live under the environment\'s prefix in its store' },
  { system: ALL, construct: '*/elasticsearch/Resource', field: 'spec.template.spec.containers.0.env.*.value', reason: 'border: the JVM heap is derived from the memory limit' },
  { system: ALL, construct: '*/kafka/Resource', field: 'spec.template.spec.containers.0.command.2', reason: 'border: the start script sets the JVM heap from the memory limit' },
  { system: ALL, construct: '**', field: 'spec.endpoints.*.interval', reason: 'border: scrape interval' },
  { system: ALL, construct: '*/nifi/Resource', field: 'spec.template.spec.initContainers.1.command.2', reason: 'border: the start script sets the JVM heap from the memory limit' },
  { system: ALL, construct: '*/grafana/Resource', field: 'spec.template.spec.containers.0.env.9.value', reason: 'border: the public URL (scheme follows TLS)' },
  { system: ALL, construct: '*/border-auth/**', field: '(presence)', reason: 'border: authentication at the border outside development (000 "Border Security")' },
  { system: ALL, construct: '*/traefik/**', field: '**', reason: 'border: our own Traefik where we own the cluster (000 "Border Adaptation Layer"); a shared cluster\'s owners run theirs' },
  { system: ALL, construct: '*/ServiceGraph/*/Peer-traefik', field: '(presence)', reason: 'border: follows our own Traefik' },
  { system: 'infometis', construct: 'infometis/ServiceGraph/*/Peer-traefik', field: 'spec.egress.*', reason: 'border: our Traefik forwards cert-manager HTTP-01 challenges to the solver pods where the border has TLS' },
  { system: ALL, construct: '*/AcmeSolverAccess/**', field: '**', reason: 'border: cert-manager HTTP-01 solvers are let in where the border has TLS (not in development), from the controller serving the hosts' },
  { system: 'infometis', construct: 'infometis/ServiceGraph/*/Peer-*', field: 'spec.ingress.*.from.**', reason: 'border: the ingress controller is ours in our namespace, or the shared cluster\'s in its own' },
  { system: ALL, construct: '*/kibana/Resource', field: 'spec.template.spec.containers.0.env.*.value', reason: 'border: the Node heap is derived from the memory limit' },
  { system: ALL, construct: '*/prometheus/Resource', field: 'spec.template.spec.containers.0.args.3', reason: 'border: the size-based retention is derived from the volume size' },
  { system: ALL, construct: '*/fluent-bit/Config', field: 'data.fluent-bit.conf', reason: 'border: every log record is stamped with the environment\'s name (000 "Centralized logging with environment context")' },
  { system: ALL, construct: '*/logstash/Config', field: 'data.logstash.conf', reason: 'border: events are stamped with the environment\'s name (000 "Centralized logging with environment context")' },
  { system: 'idp', construct: 'idp/backstage/Service', field: 'metadata.annotations', reason: 'border: where the border does not expose the portal (development), people open it with kubectl port-forward; its Service waives network/unreachable there' },
  { system: ALL, construct: '**', field: 'spec.jobTemplate.spec.template.metadata.annotations', reason: 'follows the mesh: a CronJob in an injected namespace asks for the proxy as a native sidecar (mesh.nativeSidecars), so it finishes' },
];

/** What a document asks to differ between its environments. */
const DECLARED: DeclaredDifference[] = [
  // "060" ecosystem (001).
  { system: 'ecosystem', construct: 'ecosystem/user-service/Config', field: 'data.*', reason: '001 "Environment Configuration": debug_mode and log_level per environment' },
  { system: 'ecosystem', construct: 'ecosystem/user-service/**', field: '(presence)', reason: '001 "Canary Deployment": canary objects (Rollout, analysis, canary Service, routing) where the environment runs the canary' },
  { system: 'ecosystem', construct: 'ecosystem/user-service/Resource', field: '*', reason: '001 "Canary Deployment": a Rollout in production, a Deployment elsewhere' },
  { system: 'ecosystem', construct: 'ecosystem/user-service/Resource', field: 'metadata.annotations', reason: '001 "Canary Deployment": the Rollout syncs after its Services' },
  { system: 'ecosystem', construct: 'ecosystem/user-service/Service', field: 'metadata.annotations', reason: '001 "Canary Deployment": the Service syncs before the Rollout' },
  { system: 'ecosystem', construct: 'ecosystem/Mesh/**', field: '(presence)', reason: '001 "Service mesh with mutual TLS": mesh enabled per environment (off in development)' },
  { system: 'ecosystem', construct: 'ecosystem/ServiceGraph/*/Allow-istiod', field: '(presence)', reason: 'follows the mesh: sidecars reach istiod where the mesh runs' },
  { system: 'ecosystem', construct: 'ecosystem/Tracing/**', field: '(presence)', reason: 'follows the mesh: Istio telemetry sampling to the system Jaeger where the mesh runs' },
  { system: 'ecosystem', construct: 'ecosystem/ServiceGraph/**', field: 'spec.ingress.**', reason: 'exposure through the border per environment (development is not exposed)' },
  { system: 'ecosystem', construct: 'ecosystem/Backup/**', field: '(presence)', reason: '001 "Backup Strategy": scheduled backups of production' },
  { system: 'ecosystem', construct: 'ecosystem/postgres/**', field: '**', reason: '001 "Environment Specifications": dev-postgres (Deployment), staging-postgres (StatefulSet), prod-postgres-cluster (StatefulSet with a read replica)' },
  { system: 'ecosystem', construct: 'ecosystem/postgres-*/**', field: '**', reason: 'follows the database names and the read replica (credentials and replication Secrets)' },
  { system: 'ecosystem', construct: 'ecosystem/redis/**', field: '**', reason: '001 "Redis clusters with persistence": a Deployment with its volume in development, a StatefulSet elsewhere' },
  { system: 'ecosystem', construct: 'ecosystem/elasticsearch/**', field: '**', reason: 'one Elasticsearch node in development and staging, three in production (discovery and spreading follow the node count)' },
  { system: 'ecosystem', construct: 'ecosystem/jaeger/Config', field: 'data.sampling.json', reason: 'trace sampling per environment (observability.tracingSamplingPercent)' },
  { system: 'ecosystem', construct: 'ecosystem/ServiceGraph/**', field: '**', reason: 'follows the database topology (read replica in production) and the exposure' },
  // FediFlow (002).
  { system: 'fediflow', construct: 'fediflow/fediflow-api/**', field: '(presence)', reason: '002 "Blue-Green Deployment": blue/green Deployments and the preview Service where the environment deploys by colour; one rolling Deployment in development' },
  { system: 'fediflow', construct: 'fediflow/fediflow-api/Config', field: 'data.*', reason: '002 "Staging Environment": NODE_ENV, LOG_LEVEL and the feature flags are per environment' },
  { system: 'fediflow', construct: 'fediflow/fediflow-api/Service', field: 'spec.selector.color', reason: '002 "Blue-Green Deployment": the Service selects the active colour' },
  { system: 'fediflow', construct: 'fediflow/postgres-*/**', field: '(presence)', reason: 'in-cluster database credentials; external mode brings its own ExternalSecret' },
  { system: 'fediflow', construct: 'fediflow/redis-*/**', field: '(presence)', reason: 'in-cluster Redis password; external mode brings its own ExternalSecret' },
  { system: 'fediflow', construct: 'fediflow/postgres/**', field: '**', reason: '002 "Health Checks"/"Terraform": in-cluster database in development and staging, the managed one (external mode) in production' },
  { system: 'fediflow', construct: 'fediflow/redis/**', field: '**', reason: '002: in-cluster Redis in development and staging, the managed one (external mode) in production' },
  { system: 'fediflow', construct: 'fediflow/ServiceGraph/**', field: '**', reason: 'follows the database mode: in-cluster peers get policies, managed endpoints an egress rule' },
  { system: 'fediflow', construct: 'fediflow/Mesh/**', field: '(presence)', reason: '002 "Service Mesh Implementation": Istio mTLS, policies and circuit breaking where the environment runs the mesh (not in development)' },
  // IDP (003).
  { system: 'idp', construct: 'idp/*/**', field: '(presence)', reason: '003 "Production Deployment": blue-green by version selector in production; RDS/ElastiCache (external mode) in production' },
  { system: 'idp', construct: 'idp/backstage/Service', field: 'spec.selector.version', reason: '003 "Production Deployment": the Service selects the active version (blue/green)' },
  { system: 'idp', construct: 'idp/postgres/**', field: '**', reason: '003 "Key Resources": RDS PostgreSQL in production, in-cluster elsewhere' },
  { system: 'idp', construct: 'idp/redis/**', field: '**', reason: '003 "Key Resources": ElastiCache Redis in production, in-cluster elsewhere' },
  { system: 'idp', construct: 'idp/ServiceGraph/**', field: '**', reason: 'follows the database mode (managed endpoints are reached by egress rule)' },
  { system: 'idp', construct: 'idp/*/Config', field: 'data.LOG_LEVEL', reason: 'per-environment log level' },
  // Specify (004).
  { system: 'specify', construct: 'specify/postgres/**', field: '**', reason: '004 "PostgreSQL": StatefulSet in production, Deployment in development' },
  { system: 'specify', construct: 'specify/redis/**', field: '**', reason: '004 "Redis": Deployment (standalone) or StatefulSet, per environment' },
  { system: 'specify', construct: 'specify/specify/**', field: '(presence)', reason: '004 "Deployment Strategies": rolling by default, canary 90/10 through the mesh in staging, blue-green in production' },
  { system: 'specify', construct: 'specify/specify/Service', field: 'spec.selector.version', reason: '004 "Blue-Green Deployment (Production)": the Service selects the active version' },
  { system: 'specify', construct: 'specify/specify/Config', field: 'data.LOG_LEVEL', reason: 'per-environment log level' },
  { system: 'specify', construct: 'specify/Mesh/**', field: '(presence)', reason: '004 "Service Mesh (Optional)": mTLS and circuit breaking where the environment runs the mesh (staging and production)' },
  { system: 'specify', construct: 'specify/Tracing/**', field: '(presence)', reason: 'follows the mesh: Istio trace sampling where the mesh runs' },
  { system: 'specify', construct: 'specify/jaeger/Config', field: 'data.sampling.json', reason: '004 "Jaeger": sampling 100% in dev, 10% in production (observability.tracingSamplingPercent)' },
  { system: 'specify', construct: 'specify/ServiceGraph/**', field: '**', reason: 'follows the PostgreSQL mode (primary-only or with backup job peers)' },
];

export const PARITY_DECLARATIONS: readonly DeclaredDifference[] = [...BORDER, ...DECLARED];

/** Every system of every environment rendered in-process, as parity objects. */
export function parityObjects(configs: readonly EnvironmentConfig[]): ParityObject[] {
  return configs.flatMap((cfg) =>
    renderTargets(environmentTargets(cfg, new App())).map((o) => {
      const system = o.dir.split('/')[1];
      const replacements = borderNames(cfg, system);
      const object = canonicalRules(normalised(o.object, replacements)) as ParityObject['object'];
      return { env: cfg.name, system, constructPath: normalised(o.constructPath, replacements) as string, object };
    }),
  );
}

/**
 * Names assigned per environment (border fields), and so everything spelled
 * from them: the system's namespace (addresses such as
 * `kafka-0.kafka-headless.<ns>.svc`, PromQL selectors, RoleBinding subjects,
 * the construct paths of per-namespace policies) and the public host names
 * (NiFi's proxy host, Grafana's root URL). Each is compared with the name
 * replaced by `{namespace}` or `{host}`, so only real differences remain.
 */
function borderNames(cfg: EnvironmentConfig, system: string): [string, string][] {
  const s = (cfg.systems as Record<string, SystemConfig | undefined>)[system];
  if (!s) return [];
  const hosts = [
    ...Object.values(s.services).map((svc) => svc.expose?.host),
    ...Object.values(s.components ?? {}).map((c) => (c as { expose?: { host: string } }).expose?.host),
  ].filter((h): h is string => h !== undefined);
  // Longest first, so a host containing another is replaced whole.
  return [...hosts.sort((a, b) => b.length - a.length).map((h): [string, string] => [h, '{host}']), [s.namespace, '{namespace}']];
}

function normalised(v: unknown, replacements: readonly [string, string][]): unknown {
  if (typeof v === 'string') return replacements.reduce((acc, [from, to]) => acc.split(from).join(to), v);
  if (Array.isArray(v)) return v.map((x) => normalised(x, replacements));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalised(x, replacements)]));
  return v;
}

/**
 * NetworkPolicy rules are a set: their order follows how peers sort by
 * namespace, which changes with the namespace's name. Compared in a fixed
 * order (by ports, then peers) instead.
 */
function canonicalRules(o: unknown): unknown {
  const obj = o as { kind?: string; spec?: { ingress?: object[]; egress?: object[] } };
  if (obj.kind !== 'NetworkPolicy' || !obj.spec) return o;
  const key = (r: object) => JSON.stringify((r as { ports?: unknown }).ports ?? []) + JSON.stringify(r);
  const sorted = (rules?: object[]) => rules && [...rules].sort((a, b) => key(a).localeCompare(key(b)));
  return { ...obj, spec: { ...obj.spec, ingress: sorted(obj.spec.ingress), egress: sorted(obj.spec.egress) } };
}

/** Renders all environments and compares them; `systems` limits the report. */
export function runParity(options: { readonly envs?: readonly string[]; readonly systems?: readonly string[] } = {}): ParityReport {
  const configs = (options.envs ?? listEnvironments()).map((e) => loadEnvironment(e));
  const objects = parityObjects(configs).filter((o) => !options.systems || options.systems.includes(o.system));
  // Declarations with system "*" apply to every system.
  const declared = PARITY_DECLARATIONS.flatMap((d) => (d.system === ALL ? [...new Set(objects.map((o) => o.system))].map((system) => ({ ...d, system })) : [d]));
  return checkParity(objects, declared);
}
