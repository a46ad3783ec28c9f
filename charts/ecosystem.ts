// "060" multi-tier application ecosystem: ../shared/seeds/001_c28e73b2af604930.txt
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig } from '../app/config';
import { elasticsearchFromConfig } from '../app/adapters/elasticsearch';
import { logShippingFromConfig } from '../app/adapters/logging';
import { observabilityFromConfig } from '../app/adapters/observability';
import { postgresFromConfig } from '../app/adapters/postgres';
import { redisFromConfig } from '../app/adapters/redis';
import { serviceSettings } from '../app/adapters/service';
import { analysedServiceNames } from '../lib/strategies/analysis';
import { ServiceDashboard } from '../lib/observability/service-dashboard';
import { ServiceMonitor } from '../lib/observability/service-monitor';
import { SloRules } from '../lib/observability/slo-rules';
import { ExternalSecret } from '../lib/security/external-secret';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { SystemScaffold } from './system-scaffold';

export interface EcosystemChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

export class EcosystemChart extends Chart {
  public readonly userService: Microservice;

  constructor(scope: Construct, id: string, props: EcosystemChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    // The namespace with restricted Pod Security, quota and LimitRange
    // ("Resource Quotas: Namespace-level resource limits"), "Service mesh with
    // mutual TLS", "Rate limiting and circuit breaking", trace sampling, the
    // secret store and "Disaster Recovery" (Velero) come from the scaffold
    // every system shares.
    const base = new SystemScaffold(this, id, env, system, { namespaceLabels: { environment: env.name, tier: env.environment.tier }, meshed: true, backup: true });
    const ns = base.namespace;
    const graph = base.graph;
    const user = system.services['user-service'];
    if (!user) throw new Error(`${id}: systems.${id}.services.user-service is required by the document`);

    // "Core Infrastructure Stack": PostgreSQL with read replicas and Redis
    // with persistence. "Environment Specifications" names the database per
    // environment (dev-postgres, staging-postgres, prod-postgres-cluster):
    // those are server names, so they name the objects (Service, StatefulSet)
    // the service connects to (`components.postgres.name`); the database
    // inside is the service's own, "users".
    const { db, peer: dbPeer, readPeer } = postgresFromConfig(base, this, { database: 'users' });
    const { cache, peer: redisPeer } = redisFromConfig(base, this);

    // "Observability Stack": Prometheus (the 060 Terraform block's 30d /
    // 100Gi where the environment names none), Grafana, Jaeger with the
    // environment's sampling, and logs: Fluent Bit (for the diagram's
    // Fluentd) -> Elasticsearch -> Kibana.
    const { es, peer: esPeer } = elasticsearchFromConfig(base, this);
    // "Alerting Strategy": the SLO alerts of user-service, evaluated by this
    // Prometheus and routed by severity through AlertManager (critical ->
    // PagerDuty, warning -> Slack in business hours, info -> dashboards).
    const slo = new SloRules(this, 'user-service-slo', { service: 'user-service', namespace: ns });
    const obs = observabilityFromConfig(base, this, {
      prometheus: { retention: '30d', storage: '100Gi' },
      elasticsearch: { url: es.url, peer: esPeer, index: 'ecosystem-logs-*' },
      // A canary or blue-green analysis reads user-service-canary / -preview
      // by the `service` label: this Prometheus scrapes the pods through those
      // Services too (all of them, so every environment's config is the same).
      alerting: { rules: [slo], services: analysedServiceNames('user-service').map((name) => ({ name, port: 'http' })) },
    });
    logShippingFromConfig(base, this, { destination: { kind: 'elasticsearch', host: es.host, peer: esPeer }, index: 'ecosystem-logs' });

    // "Kubernetes Manifests Structure": port 8080, DATABASE_URL from
    // database-secret/url, /health after 30 s every 10 s, /ready after 5 s every 5 s.
    this.userService = new Microservice(this, 'user-service', {
      namespace: ns,
      partOf: base.partOf,
      // Canary / blue-green analysis queries this system's Prometheus, which admits the controller.
      ...serviceSettings(user, { prometheus: obs.analysisPrometheus }),
      port: 8080,
      liveness: Probe.http('/health', { initialDelaySeconds: 30, periodSeconds: 10 }),
      readiness: Probe.http('/ready', { initialDelaySeconds: 5, periodSeconds: 5 }),
      // "Environment Configuration": features.debug_mode and features.log_level.
      config: {
        LOG_LEVEL: user.logLevel ?? 'info',
        DEBUG_MODE: String(user.debug ?? false),
        DATABASE_HOST: db.name,
        ...(db.readHost ? { DATABASE_READ_HOST: db.readHost } : {}),
        DATABASE_NAME: db.database,
        REDIS_HOST: cache.name,
        // "Traces Export" to Jaeger over OTLP.
        OTEL_EXPORTER_OTLP_ENDPOINT: obs.jaeger.otlpGrpcEndpoint,
        OTEL_SERVICE_NAME: 'user-service',
        ...user.config,
      },
      // Redis enforces `--requirepass`: without its password every command fails with NOAUTH.
      secretEnv: { DATABASE_URL: { secret: 'database-secret', key: 'url' }, REDIS_PASSWORD: { secret: cache.passwordSecret, key: cache.passwordKey } },
    });
    graph.add(this.userService);
    graph.connect(this.userService, dbPeer, 'postgres').connect(this.userService, redisPeer, 'redis');
    if (readPeer) graph.connect(this.userService, readPeer, 'postgres');
    graph.connect(this.userService, obs.peers.jaeger, 'otlp-grpc');
    graph.scrape(this.userService, 'http', obs.peers.prometheus);
    // "Secrets Management": the Secret comes from the environment's store, never from Git.
    // The URL is read from the database's own entry, next to the password the
    // server enforces, so rotating one cannot leave the other behind.
    new ExternalSecret(this, 'database-secret', { name: 'database-secret', store: base.store, data: { url: { key: 'postgres', property: 'url' } } });

    // "Monitoring & Observability": scraped by the platform's Prometheus, SLOs and a dashboard.
    if (base.prometheus) {
      graph.scrape(this.userService, 'http', base.prometheus);
      new ServiceMonitor(this, 'user-service-monitor', { name: 'user-service', namespace: ns, selector: this.userService.selectorLabels, endpoints: [{ port: 'http' }] });
      new ServiceDashboard(this, 'user-service-dashboard', { service: 'user-service', namespace: ns, folder: id });
    }

    obs.scrapeAll();

    // The border: exposed outside development, with TLS.
    if (user.expose) base.border().expose(this, this.userService, { host: user.expose.host, path: user.expose.path });

    base.finish();
  }
}

