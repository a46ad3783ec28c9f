// "060" multi-tier application ecosystem: ../shared/seeds/001_c28e73b2af604930.txt
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig, tierRules } from '../app/config';
import { VeleroSchedule } from '../lib/backup/velero-schedule';
import { Border } from '../lib/border/border';
import { MeshPolicies } from '../lib/mesh/mesh-policies';
import { ServiceDashboard } from '../lib/observability/service-dashboard';
import { ServiceMonitor } from '../lib/observability/service-monitor';
import { SloRules } from '../lib/observability/slo-rules';
import { TracingSampling } from '../lib/observability/tracing-sampling';
import { ExternalSecret } from '../lib/security/external-secret';
import { ExternalPeer } from '../lib/security/peer';
import { SecretStore } from '../lib/security/secret-store';
import { ServiceGraph } from '../lib/security/service-graph';
import { SystemNamespace } from '../lib/security/system-namespace';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { serviceSettings } from '../app/adapters/service';
import { controllerInMesh, describeSystem, elasticsearchFromConfig, logShippingFromConfig, observabilityFromConfig, postgresFromConfig, redisFromConfig, renderChecks, meshModeOf, secretBackendOf } from './system-base';

export interface EcosystemChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

export class EcosystemChart extends Chart {
  public readonly userService: Microservice;

  constructor(scope: Construct, id: string, props: EcosystemChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    const ns = system.namespace;
    const shared = env.cluster.mode === 'shared';

    // Namespace with restricted Pod Security, quota and LimitRange ("Resource
    // Quotas: Namespace-level resource limits"). On a shared cluster the
    // namespace and its quota belong to the cluster's owners: we only check
    // that our peak usage fits.
    const ps = system.podSecurity;
    new SystemNamespace(this, 'Namespace', {
      name: ns,
      create: !shared,
      // Sidecars are what the mesh policies and the canary's VirtualService act on.
      labels: { environment: env.name, tier: env.environment.tier, ...(env.mesh?.enabled ? { 'istio-injection': 'enabled' } : {}) },
      meshMode: meshModeOf(env),
      podSecurity: ps && ps.level !== 'restricted' ? { level: ps.level, reason: ps.reason ?? '' } : { level: 'restricted' },
      quota: shared ? undefined : system.quota,
      containerDefaults: shared ? undefined : system.limitRange,
    });
    const graph = new ServiceGraph(this, 'ServiceGraph');
    // "Service mesh with mutual TLS", "Rate limiting and circuit breaking".
    if (env.mesh?.enabled) {
      new MeshPolicies(this, 'Mesh', {
        graph,
        // Fluent Bit's privileged -logging namespace runs no sidecars.
        namespaces: [ns],
        circuitBreaker: {
          maxConnections: env.mesh.maxConnections,
          maxPendingRequests: env.mesh.maxPendingRequests,
          consecutive5xxErrors: env.mesh.consecutive5xxErrors,
          baseEjectionTime: env.mesh.baseEjectionTime,
        },
      });
    }
    // Tracing is done by the sidecars: sampling per environment needs the mesh.
    if (env.mesh?.enabled && env.observability?.tracingSamplingPercent !== undefined) {
      new TracingSampling(this, 'Tracing', { namespace: ns, samplingPercent: env.observability.tracingSamplingPercent });
    }
    const secretStore = new SecretStore(this, 'SecretStore', { namespace: ns, backend: secretBackendOf(env, system), keyPrefix: `${env.name}/ecosystem` });
    const user = system.services['user-service'];
    if (!user) throw new Error(`${id}: systems.ecosystem.services.user-service is required by the 060 document`);

    // "Core Infrastructure Stack": PostgreSQL with read replicas and Redis
    // with persistence. "Environment Specifications" names the database per
    // environment (dev-postgres, staging-postgres, prod-postgres-cluster):
    // those are server names, so they name the objects (Service, StatefulSet)
    // the service connects to (`components.postgres.name`); the database
    // inside is the service's own, "users".
    const base = describeSystem('ecosystem', env, system, graph, secretStore);
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
      alerting: { rules: [slo], services: [{ name: 'user-service', port: 'http' }] },
    });
    logShippingFromConfig(base, this, { destination: { kind: 'elasticsearch', host: es.host, peer: esPeer }, index: 'ecosystem-logs' });

    // "Kubernetes Manifests Structure": port 8080, DATABASE_URL from
    // database-secret/url, /health after 30 s every 10 s, /ready after 5 s every 5 s.
    this.userService = new Microservice(this, 'user-service', {
      namespace: ns,
      partOf: 'ecosystem',
      ...serviceSettings(user),
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
    new ExternalSecret(this, 'database-secret', { name: 'database-secret', store: secretStore, data: { url: { key: 'postgres', property: 'url' } } });

    // "Monitoring & Observability": scraped by Prometheus, SLOs and a dashboard.
    const prom = env.observability?.prometheus;
    if (prom) {
      const prometheus = ExternalPeer.pods({ name: 'prometheus', namespace: prom.namespace, labels: prom.labels });
      graph.scrape(this.userService, 'http', prometheus);
      new ServiceMonitor(this, 'user-service-monitor', { name: 'user-service', namespace: ns, selector: this.userService.selectorLabels, endpoints: [{ port: 'http' }] });
      new ServiceDashboard(this, 'user-service-dashboard', { service: 'user-service', namespace: ns, folder: 'ecosystem' });
    }

    obs.scrapeAll();

    // The border: exposed outside development, with TLS.
    if (user.expose) {
      const b = env.border!;
      const controller = b.controller
        ? ExternalPeer.pods({ name: 'ingress-controller', namespace: b.controller.namespace, labels: b.controller.labels, serviceAccountName: b.controller.serviceAccountName })
        : undefined;
      const common = {
        controller,
        tls: b.tls ? { name: b.tls.issuer, kind: b.tls.issuerKind } : undefined,
        allowPlainHttp: !tierRules(env.environment.tier).tlsRequired,
        corsOrigins: b.corsOrigins,
        rateLimit: b.rateLimit,
      };
      const border =
        b.kind === 'nginx' ? Border.nginx({ ...common, className: b.className, throughMesh: controllerInMesh(env) }) : b.kind === 'traefik' ? Border.traefik(common) : Border.gatewayApi({ ...common, gateway: b.gateway! });
      border.expose(this, this.userService, { host: user.expose.host, path: user.expose.path });
    }

    // "Disaster Recovery": Velero lives in its own namespace, so only in a cluster we own.
    if (env.backup && !shared) {
      new VeleroSchedule(this, 'Backup', { name: `ecosystem-${env.name}`, includedNamespaces: [ns], schedule: env.backup.schedule, ttl: env.backup.ttl, snapshotVolumes: env.backup.snapshotVolumes });
    }

    renderChecks(this, { env, system: 'ecosystem', namespace: ns, shared, quota: system.quota });
  }
}

