// "060" multi-tier application ecosystem: ../shared/seeds/001_c28e73b2af604930.txt
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, SystemConfig } from '../lib/config';
import { Microservice } from '../lib/workloads/microservice';
import { Probe } from '../lib/workloads/probes';
import { serviceSettings } from '../lib/workloads/from-config';

export interface EcosystemChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

export class EcosystemChart extends Chart {
  public readonly userService: Microservice;

  constructor(scope: Construct, id: string, props: EcosystemChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { system } = props;
    const ns = system.namespace;
    const user = system.services['user-service'];
    if (!user) throw new Error(`${id}: systems.ecosystem.services.user-service is required by the 060 document`);

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
        ...user.config,
      },
      secretEnv: { DATABASE_URL: { secret: 'database-secret', key: 'url' } },
    });
  }
}
