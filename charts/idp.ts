// Gaia/Atmos internal developer platform: ../shared/seeds/003_2bb8c574063a4dc1.txt
// ("Terminal-First Infrastructure Deployment Guide"). Every number below cites
// the section of the document it comes from.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig } from '../app/config';
import { ApiAccess, READ_PODS } from '../lib/security/api-access';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { serviceSettings } from '../app/adapters/service';
import { postgresFromConfig } from '../app/adapters/postgres';
import { redisFromConfig } from '../app/adapters/redis';
import { callsKubeApi, storedSecret } from '../app/adapters/system';
import { SystemScaffold } from './system-scaffold';

export interface IdpChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

/** Backstage's backend listens on 7007 by default. */
const BACKSTAGE_PORT = 7007;
/** "Key Services": Gaia CLI with REST API server (port 8080). */
const PLATFORM_API_PORT = 8080;

export class IdpChart extends Chart {
  public readonly backstage: Microservice;
  public readonly platformApi: Microservice;

  constructor(scope: Construct, id: string, props: IdpChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    // "Security Implementation": Pod Security Standards labels on the namespace.
    const base = new SystemScaffold(this, id, env, system, { meshed: true, backup: true });
    const ns = base.namespace;

    // "Key Resources": RDS PostgreSQL and ElastiCache Redis: managed in
    // production (external mode), in-cluster elsewhere.
    const { db, peer: dbPeer } = postgresFromConfig(base, this, { database: 'backstage' });
    const { cache, peer: redisPeer } = redisFromConfig(base, this);

    // "Secrets Management": External Secrets Operator with Vault / AWS Secrets Manager.
    storedSecret(base, this, 'backstage-secrets', {
      'github-token': { key: 'backstage', property: 'github-token' },
      'backend-secret': { key: 'backstage', property: 'backend-secret' },
    });
    storedSecret(base, this, 'platform-api-secrets', { 'api-token': { key: 'platform-api', property: 'api-token' } });
    const dataEnv = {
      POSTGRES_USER: { secret: db.credentialsSecret, key: db.usernameKey },
      POSTGRES_PASSWORD: { secret: db.credentialsSecret, key: db.passwordKey },
      REDIS_PASSWORD: { secret: cache.passwordSecret, key: cache.passwordKey },
    };
    const dataConfig = { POSTGRES_HOST: db.name, POSTGRES_PORT: String(db.port), REDIS_HOST: cache.name };

    // "Auto-scaling Configuration": Backstage 2-10 replicas on CPU/memory.
    const bsCfg = system.services.backstage;
    this.backstage = new Microservice(this, 'backstage', {
      namespace: ns,
      partOf: id,
      ...serviceSettings(bsCfg),
      port: BACKSTAGE_PORT,
      liveness: Probe.http('/.backstage/health/v1/liveness', { initialDelaySeconds: 60, periodSeconds: 10 }),
      readiness: Probe.http('/.backstage/health/v1/readiness', { periodSeconds: 5 }),
      // Backstage's Kubernetes plugin lists pods (least privilege: read only).
      mountServiceAccountToken: true,
      config: { ...dataConfig, LOG_LEVEL: bsCfg.logLevel ?? 'info', ...bsCfg.config },
      secretEnv: {
        ...dataEnv,
        GITHUB_TOKEN: { secret: 'backstage-secrets', key: 'github-token' },
        BACKEND_SECRET: { secret: 'backstage-secrets', key: 'backend-secret' },
      },
    });
    // "Access Control": RBAC with role-based permissions.
    new ApiAccess(this, 'BackstageAccess', { name: 'backstage', namespace: ns, serviceAccountName: 'backstage', grants: [READ_PODS] });

    // "Auto-scaling Configuration": Platform API 3-20 replicas on request rate.
    const apiCfg = system.services['platform-api'];
    this.platformApi = new Microservice(this, 'platform-api', {
      namespace: ns,
      partOf: id,
      ...serviceSettings(apiCfg),
      // The document asks for scaling "based on request rate"; nothing serves
      // such a metric to the HPA (the API has no metrics port, and no
      // prometheus-adapter rule is ours to render), so it scales on what the
      // metrics server always has: the environment's CPU/memory targets.
      autoscaling: apiCfg.autoscaling,
      port: PLATFORM_API_PORT,
      liveness: Probe.http('/health', { initialDelaySeconds: 10, periodSeconds: 10 }),
      readiness: Probe.http('/ready', { periodSeconds: 5 }),
      config: { ...dataConfig, LOG_LEVEL: apiCfg.logLevel ?? 'info', ...apiCfg.config },
      secretEnv: { ...dataEnv, API_TOKEN: { secret: 'platform-api-secrets', key: 'api-token' } },
    });

    // "Network Security": default deny-all, then exactly these paths.
    const g = base.graph;
    g.add(this.backstage).add(this.platformApi);
    for (const svc of [this.backstage, this.platformApi]) g.connect(svc, dbPeer, 'postgres').connect(svc, redisPeer, 'redis');
    g.connect(this.backstage, this.platformApi, 'http');
    // Backstage's Kubernetes plugin lists pods through the API.
    callsKubeApi(base, this.backstage);
    // Backstage's portal and the Platform API ("curl-based API interactions")
    // through the environment's border, TLS outside development.
    const border = base.border();
    for (const [svc, cfg] of [[this.backstage, bsCfg], [this.platformApi, apiCfg]] as const) {
      if (cfg.expose) border.expose(this, svc, { host: cfg.expose.host, path: cfg.expose.path });
      // Backstage's portal is for people: unexposed (development), they open it with kubectl port-forward.
      else if (svc === this.backstage) svc.service.metadata.addAnnotation('validate.platform.dev/waive.network.unreachable', 'no in-cluster caller: unexposed, people open the portal with kubectl port-forward');
    }

    // "Security Implementation": Istio service mesh with mTLS and authorization
    // policies; "Backup and Disaster Recovery": Velero with volume snapshots.
    base.finish();
  }
}
