// FediFlow: ../shared/seeds/002_7ad21f5926d1a696.txt ("Deployment Strategy").
// Every number below cites the section of the document it comes from.
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig, SystemConfig } from '../app/config';
import { selectorLabels, standardLabels } from '../lib/core/labels';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { ScheduledJob } from '../lib/workloads/scheduled-job';
import { Worker } from '../lib/workloads/worker';
import { serviceSettings } from '../app/adapters/service';
import { ServiceMonitor } from '../lib/observability/service-monitor';
import { logShippingFromConfig, providedEndpoint } from '../app/adapters/logging';
import { postgresFromConfig } from '../app/adapters/postgres';
import { redisFromConfig } from '../app/adapters/redis';
import { storedSecret } from '../app/adapters/system';
import { SystemScaffold } from './system-scaffold';
import { Peer } from '../lib/security/peer';

export interface FediFlowChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

/** "Container Security": `adduser -S fediflow -u 1001 -G nodejs` (group 1001). */
const FEDIFLOW_USER = { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 };
/** "Container Security": `EXPOSE 3000`. */
const API_PORT = 3000;
/** The document's ServiceMonitor scrapes a Service port named `metrics`; 9464 is the OpenTelemetry Prometheus exporter's port. */
const METRICS_PORT = 9464;

/**
 * "Log Aggregation": the cluster's logging Elasticsearch (run by the platform,
 * not by FediFlow), where the environment file names none
 * (`systems.fediflow.logging.elasticsearch`); it then states no provider, and
 * the gate refuses the name.
 */
const LOGGING_ELASTICSEARCH = { host: 'elasticsearch.logging.svc.cluster.local', port: 9200 };

export class FediFlowChart extends Chart {
  public readonly api: Microservice;
  public readonly activityProcessor: Worker;
  public readonly emailSender: ScheduledJob;

  constructor(scope: Construct, id: string, props: FediFlowChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    // "Cluster Architecture": namespace fediflow-<env> labelled environment and tier.
    const base = new SystemScaffold(this, id, env, system, { namespaceLabels: { environment: env.environment.tier, tier: 'application' }, meshed: true });
    const ns = base.namespace;
    const services = system.services;

    // "Cluster Architecture" / "Serverless Integration": DATABASE_URL from the
    // Secret database-credentials (key url), REDIS_URL likewise.
    // In-cluster, the URL is read from the database's own entry, next to the
    // password the server enforces (as REDIS_URL is from Redis' entry).
    storedSecret(base, this, 'database-credentials', { url: { key: system.components?.postgres?.mode === 'external' ? 'database' : 'postgres', property: 'url' } });
    storedSecret(base, this, 'redis-url', { url: { key: 'redis', property: 'url' } });
    const secretEnv = {
      DATABASE_URL: { secret: 'database-credentials', key: 'url' },
      REDIS_URL: { secret: 'redis-url', key: 'url' },
    };

    // "Cluster Architecture": fediflow-api on 3000, /health after 30 s every
    // 10 s, /ready after 5 s every 5 s, non-root UID 1001.
    // "Auto-Scaling Configuration": 70% CPU, 80% memory; scale-down
    // stabilization 300 s at most 10% per 60 s, scale-up at once, 100% per 15 s.
    const apiCfg = services['fediflow-api'];
    const settings = serviceSettings(apiCfg);
    this.api = new Microservice(this, 'fediflow-api', {
      namespace: ns,
      partOf: id,
      ...settings,
      port: API_PORT,
      metricsPort: METRICS_PORT,
      liveness: Probe.http('/health', { initialDelaySeconds: 30, periodSeconds: 10 }),
      readiness: Probe.http('/ready', { initialDelaySeconds: 5, periodSeconds: 5 }),
      identity: FEDIFLOW_USER,
      autoscaling: apiCfg.autoscaling && {
        ...apiCfg.autoscaling,
        scaleDown: { stabilizationWindowSeconds: 300, percent: { value: 10, periodSeconds: 60 } },
        scaleUp: { stabilizationWindowSeconds: 0, percent: { value: 100, periodSeconds: 15 } },
      },
      // "Staging Environment": NODE_ENV, LOG_LEVEL, FEDERATION_ENABLED,
      // RATE_LIMIT_ENABLED, MONITORING_ENABLED (values per environment file).
      config: apiCfg.config,
      secretEnv,
    });
    initialReplicas(this.api, apiCfg);

    // "Monitoring and Observability": port metrics, every 30 s, /metrics, honorLabels.
    new ServiceMonitor(this.api, 'ServiceMonitor', {
      name: 'fediflow-api',
      namespace: ns,
      labels: standardLabels({ name: 'fediflow-api', partOf: id, component: 'api' }),
      selector: selectorLabels({ name: 'fediflow-api' }),
      endpoints: [{ port: 'metrics', interval: '30s', path: '/metrics', honorLabels: true }],
    });

    // "Serverless Integration": activityProcessor consumes the activity queue
    // (SQS, batch 10, window 5 s, timeout 30 s, 512 MB): a queue-consumer Deployment.
    const procCfg = services['activity-processor'];
    this.activityProcessor = new Worker(this, 'activity-processor', {
      namespace: ns,
      partOf: id,
      image: procCfg.image,
      replicas: procCfg.replicas,
      resources: procCfg.resources ?? { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      metricsPort: METRICS_PORT,
      identity: FEDIFLOW_USER,
      config: { BATCH_SIZE: '10', MAX_BATCHING_WINDOW_SECONDS: '5', HANDLER_TIMEOUT_SECONDS: '30', ...procCfg.config },
      secretEnv,
      // Longer than the 30 s handler timeout, so the batch in hand finishes on shutdown.
      terminationGracePeriodSeconds: 45,
    });

    // "Serverless Integration": emailSender on rate(5 minutes), timeout 60 s, 256 MB.
    const mailCfg = services['email-sender'];
    this.emailSender = new ScheduledJob(this, 'email-sender', {
      namespace: ns,
      partOf: id,
      image: mailCfg.image,
      schedule: '*/5 * * * *',
      activeDeadlineSeconds: 60,
      resources: mailCfg.resources ?? { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      identity: FEDIFLOW_USER,
      config: mailCfg.config,
      secretEnv,
    });

    // "Health Checks": /health checks the database and Redis. Where they run
    // is the environment's choice: in-cluster for development, managed
    // (external mode) where the Terraform-built cloud services exist.
    const { peer: db } = postgresFromConfig(base, this, { database: 'fediflow' });
    const { peer: redis } = redisFromConfig(base, this);
    this.wire(base, db, redis);

    // "Log Aggregation": Fluent Bit tails /var/log/containers/*fediflow*.log
    // and writes to elasticsearch.logging.svc.cluster.local:9200, index
    // fediflow-logs (daily fediflow-logs-YYYY.MM.DD indices).
    // The environment file says where the logs go and who runs it (systems.fediflow.logging.elasticsearch).
    const es = providedEndpoint('logging-elasticsearch', system.logging?.elasticsearch ?? LOGGING_ELASTICSEARCH);
    logShippingFromConfig(base, this, {
      destination: { kind: 'elasticsearch', ...es },
      index: 'fediflow-logs',
      paths: ['/var/log/containers/*fediflow*.log'],
    });

    // "Service Mesh Implementation": Istio mTLS, policy enforcement and
    // circuit breaking where the environment runs the mesh.
    base.finish();
  }

  /** Who talks to whom: the border calls the API, Prometheus scrapes, everyone reaches the database and Redis. */
  private wire(base: SystemScaffold, db: Peer, redis: Peer): void {
    const g = base.graph;
    const jobPeer: Peer = { name: 'email-sender', namespace: base.namespace, selectorLabels: selectorLabels({ name: 'email-sender' }), ports: {} };
    for (const client of [this.api, this.activityProcessor, jobPeer]) g.connect(client, db, 'postgres').connect(client, redis, 'redis');
    // The public API (api.fediflow.edu in the failover script) through the environment's border, TLS outside development.
    const expose = base.system.services['fediflow-api'].expose;
    if (expose) base.border().expose(this, this.api, { host: expose.host, path: expose.path });
    if (base.prometheus) {
      g.scrape(this.api, 'metrics', base.prometheus);
      g.scrape(this.activityProcessor, 'metrics', base.prometheus);
    }
  }
}

/**
 * "Cluster Architecture" runs `replicas: 5` and "Auto-Scaling Configuration"
 * an HPA: the Deployment starts at the environment's replica count and the
 * HPA owns it from then on (Argo CD ignores spec.replicas of HPA targets).
 * Every scale target states it (both blue-green colours), so a colour switch
 * removes `replicas` from no manifest.
 */
function initialReplicas(api: Microservice, cfg: ServiceConfig): void {
  if (!cfg.autoscaling || cfg.replicas === undefined) return;
  for (const w of api.scaleTargets) {
    if (w.kind === 'Deployment') ApiObject.of(w).addJsonPatch(JsonPatch.add('/spec/replicas', cfg.replicas));
  }
}
