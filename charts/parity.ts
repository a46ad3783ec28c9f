// Environment parity (`npm run parity`): every system's objects compared
// across all environments, with border fields masked (lib/parity). What else
// differs must be declared here, once, with the reason its document gives.
// Reasons that start with "border:" count as border in the report: they are
// the environment adapters every system shares (secret store backend, the
// namespace name, the border's own objects), so a system with no other
// entries, InfoMetis, passes strictly.
import { App } from 'cdk8s';
import { EnvironmentConfig, listEnvironments, loadEnvironment } from '../lib/config';
import { checkParity, DeclaredDifference, ParityObject, ParityReport } from '../lib/parity/parity';
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
  { system: ALL, construct: '*/kibana/Resource', field: 'spec.template.spec.containers.0.env.*.value', reason: 'border: the Node heap is derived from the memory limit' },
  { system: ALL, construct: '*/prometheus/Resource', field: 'spec.template.spec.containers.0.args.3', reason: 'border: the size-based retention is derived from the volume size' },
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
  { system: 'ecosystem', construct: 'ecosystem/Tracing/**', field: '(presence)', reason: 'follows the mesh: Istio telemetry sampling where the mesh runs' },
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
  { system: 'fediflow', construct: 'fediflow/Tracing/**', field: '(presence)', reason: 'follows the mesh: Istio trace sampling where the mesh runs' },
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
      const ns = namespaceOf(cfg, system);
      const object = ns ? (withoutNamespace(o.object, ns) as ParityObject['object']) : o.object;
      return { env: cfg.name, system, constructPath: ns ? withoutNamespace(o.constructPath, ns) as string : o.constructPath, object };
    }),
  );
}

function namespaceOf(cfg: EnvironmentConfig, system: string): string | undefined {
  return (cfg.systems as Record<string, { namespace: string } | undefined>)[system]?.namespace;
}

/**
 * The system's namespace is assigned per environment (a border field), and
 * so is everything spelled from it: addresses (`kafka-0.kafka-headless.<ns>.svc`),
 * PromQL selectors, RoleBinding subjects, and the construct paths of
 * per-namespace policies. Each is compared with the name replaced by
 * `{namespace}`, so only real differences remain.
 */
function withoutNamespace(v: unknown, ns: string): unknown {
  if (typeof v === 'string') return v.split(ns).join('{namespace}');
  if (Array.isArray(v)) return v.map((x) => withoutNamespace(x, ns));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNamespace(x, ns)]));
  return v;
}

/** Renders all environments and compares them; `systems` limits the report. */
export function runParity(options: { readonly envs?: readonly string[]; readonly systems?: readonly string[] } = {}): ParityReport {
  const configs = (options.envs ?? listEnvironments()).map((e) => loadEnvironment(e));
  const objects = parityObjects(configs).filter((o) => !options.systems || options.systems.includes(o.system));
  // Declarations with system "*" apply to every system.
  const declared = PARITY_DECLARATIONS.flatMap((d) => (d.system === ALL ? [...new Set(objects.map((o) => o.system))].map((system) => ({ ...d, system })) : [d]));
  return checkParity(objects, declared);
}
