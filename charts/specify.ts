// Specify CLI service: ../shared/seeds/004_65e3847b87ad8b3d.txt ("Deployment Architecture").
// Every number below cites the section of the document it comes from.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig } from '../app/config';
import { ApiAccess, READ_CONFIG, READ_PODS } from '../lib/security/api-access';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { serviceSettings } from '../app/adapters/service';
import { ServiceMonitor } from '../lib/observability/service-monitor';
import { selectorLabels, standardLabels } from '../lib/core/labels';
import { ServiceDashboard } from '../lib/observability/service-dashboard';
import { elasticsearchFromConfig } from '../app/adapters/elasticsearch';
import { logShippingFromConfig, logstashFromConfig, providedEndpoint } from '../app/adapters/logging';
import { observabilityFromConfig } from '../app/adapters/observability';
import { postgresFromConfig } from '../app/adapters/postgres';
import { redisFromConfig } from '../app/adapters/redis';
import { callsKubeApi, storedSecret } from '../app/adapters/system';
import { SystemScaffold } from './system-scaffold';

export interface SpecifyChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

/** "Service": 8080 (HTTP) and 8081 (metrics). */
const HTTP_PORT = 8080;
const METRICS_PORT = 8081;
/** "Service": session affinity ClientIP with a 3 h timeout. */
const CLIENT_IP_AFFINITY_SECONDS = 3 * 60 * 60;
/** "Layer 2: Container Security": non-root user UID 1000. */
const SPECIFY_USER = { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 };

/** Daily log indices `specify-logs-YYYY.MM.DD`. */
const LOG_INDEX = 'specify-logs';
/**
 * Loki (a Grafana datasource in "Grafana") runs in the cluster's shared
 * logging namespace, like FediFlow's Elasticsearch, where the environment
 * file names none (`systems.specify.logging.loki`); it then states no
 * provider, and the gate refuses the name.
 */
const LOKI = { host: 'loki.logging.svc', port: 3100 };

export class SpecifyChart extends Chart {
  public readonly app: Microservice;

  constructor(scope: Construct, id: string, props: SpecifyChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    const base = new SystemScaffold(this, id, env, system, { meshed: true });
    const ns = base.namespace;
    const cfg = system.services.specify;

    // "Data Layer": PostgreSQL (StatefulSet in production, Deployment in dev,
    // 10-50Gi, backup CronJob) and Redis (AOF, LRU, exporter, 5-20Gi); the
    // environment files choose mode and size within those ranges.
    const { db, peer: dbPeer } = postgresFromConfig(base, this, { database: 'specify', storage: '10Gi' });
    const { cache, peer: redisPeer } = redisFromConfig(base, this, { storage: '5Gi' });
    // "ELK Stack": Elasticsearch for log storage and search.
    const { es, peer: esPeer } = elasticsearchFromConfig(base, this);
    // "Observability Layer": Prometheus (30 days, 20Gi), Grafana (Prometheus,
    // Jaeger, Loki), Jaeger (the environment's sampling: 100% dev, 10% prod)
    // and Kibana on the ELK Elasticsearch.
    const obs = observabilityFromConfig(base, this, {
      prometheus: { retention: '30d', storage: '20Gi' },
      elasticsearch: { url: es.url, peer: esPeer, index: `${LOG_INDEX}-*` },
      loki: providedEndpoint('loki', system.logging?.loki ?? LOKI),
    });

    storedSecret(base, this, 'specify-secrets', { 'session-key': { key: 'specify', property: 'session-key' } });

    // "Specify CLI Pods": 3-5 replicas, 100m-1000m CPU and 256Mi-1Gi memory
    // (environment files); "HPA": 70% CPU / 80% memory, 3-10 replicas in production.
    const floor = cfg.autoscaling?.minReplicas ?? cfg.replicas ?? 2;
    this.app = new Microservice(this, 'specify', {
      namespace: ns,
      partOf: id,
      // Analysis (if the strategy has one) queries this system's Prometheus; its
      // metrics port puts its -canary/-preview Services in the metrics-ports job.
      ...serviceSettings(cfg, { prometheus: obs.analysisPrometheus }),
      port: HTTP_PORT,
      metricsPort: METRICS_PORT,
      clientIpAffinitySeconds: CLIENT_IP_AFFINITY_SECONDS,
      // "Health Checks": liveness, readiness and startup probes.
      liveness: Probe.http('/health', { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
      readiness: Probe.http('/ready', { periodSeconds: 5, timeoutSeconds: 3 }),
      startup: Probe.http('/health', { periodSeconds: 5, failureThreshold: 30 }),
      identity: SPECIFY_USER,
      // "Layer 3": RBAC for the service account: the pod calls the API.
      mountServiceAccountToken: true,
      // "PodDisruptionBudget": minAvailable 2, meaningful once more than two pods run.
      disruptionBudget: floor > 2 ? { minAvailable: 2 } : undefined,
      // "Pod Anti-Affinity" weight 100 on the hostname; "Multi-Zone Deployment": zone spreading.
      spread: { hostnameWeight: 100, zones: true },
      config: {
        LOG_LEVEL: cfg.logLevel ?? 'info',
        DATABASE_HOST: db.name,
        DATABASE_NAME: db.database,
        REDIS_HOST: cache.name,
        // "Jaeger (OTEL)": spans over OTLP, sampling served by Jaeger.
        OTEL_EXPORTER_OTLP_ENDPOINT: obs.jaeger.otlpGrpcEndpoint,
        OTEL_SERVICE_NAME: 'specify',
        ...cfg.config,
      },
      secretEnv: {
        DATABASE_USER: { secret: db.credentialsSecret, key: db.usernameKey },
        DATABASE_PASSWORD: { secret: db.credentialsSecret, key: db.passwordKey },
        REDIS_PASSWORD: { secret: cache.passwordSecret, key: cache.passwordKey },
        SESSION_KEY: { secret: 'specify-secrets', key: 'session-key' },
      },
    });

    // "RBAC Configuration": configmaps and secrets get+list; pods get+list+watch.
    new ApiAccess(this, 'ApiAccess', { name: 'specify', namespace: ns, serviceAccountName: this.app.serviceAccountName, grants: [READ_CONFIG, READ_PODS] });

    // "Prometheus": targets include the application's metrics port.
    if (base.prometheus) {
      new ServiceMonitor(this.app, 'ServiceMonitor', {
        name: 'specify',
        namespace: ns,
        labels: standardLabels({ name: 'specify', partOf: id, component: 'api' }),
        selector: selectorLabels({ name: 'specify' }),
        endpoints: [{ port: 'metrics', interval: '30s' }],
      });
    }

    // "NetworkPolicies": default deny; ingress from the ingress controller and
    // Prometheus; egress to PostgreSQL, Redis, Jaeger and DNS (DNS is the graph's default).
    const g = base.graph;
    g.add(this.app).connect(this.app, dbPeer, 'postgres').connect(this.app, redisPeer, 'redis');
    g.connect(this.app, obs.peers.jaeger, 'otlp-grpc').connect(this.app, obs.peers.jaeger, 'sampling');
    // "RBAC Configuration": the pods read configmaps, secrets and pods from the API.
    callsKubeApi(base, this.app);
    if (base.prometheus) g.scrape(this.app, 'metrics', base.prometheus);
    // "Grafana: Dashboards pre-configured for application metrics".
    obs.grafana.addDashboard('specify', new ServiceDashboard(this, 'specify-dashboard', { service: 'specify', namespace: ns, folder: 'specify' }).dashboard);

    // "Ingress": NGINX with cert-manager Let's Encrypt, SSL redirect, rate
    // limiting and CORS (the environment's border).
    if (cfg.expose) base.border().expose(this, this.app, { host: cfg.expose.host, path: cfg.expose.path });

    // "ELK Stack": Logstash's part (collect, parse, ship) is done by Fluent
    // Bit: it parses CRI/Docker lines, merges JSON logs and adds pod metadata
    // on its way to Elasticsearch (docs/requirements.md says why).
    // "ELK Stack": Logstash is the log processing pipeline: Fluent Bit ->
    // Logstash -> Elasticsearch.
    const { logstash, peer: logstashPeer } = logstashFromConfig(base, this, { elasticsearch: { url: es.url, peer: esPeer }, index: LOG_INDEX });
    logShippingFromConfig(base, this, { destination: { kind: 'logstash', logstash, peer: logstashPeer }, index: LOG_INDEX });

    obs.scrapeAll();
    // "Service Mesh (Optional)": Istio mTLS and circuit breaking where the environment runs it.
    base.finish();
  }
}
