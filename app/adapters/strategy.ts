import { StrategyConfig } from '../config/schema';
import { AnalysisConfig, CanaryConfig } from '../config/strategy-schema';
import { AnalysisCriteria } from '../../lib/strategies/analysis';
import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { IntOrPercent, RollingStrategy } from '../../lib/strategies/rolling';
import { DeploymentStrategy } from '../../lib/strategies/strategy';
import { routerType, TrafficRouter } from '../../lib/strategies/traffic-router';
import { Peer } from '../../lib/security/peer';

/** The Prometheus a system renders itself: where its analysis queries go by default. */
export interface SystemPrometheus {
  /** `http://<name>.<namespace>.svc:<port>` (`Prometheus.url`). */
  readonly address: string;
  /** Its pods in the service graph, which then admit the controller that queries them. */
  readonly peer: Peer;
}

/** What an explicit `analysis.prometheusAddress` of an environment file declares (the gate's `ref/analysis-provider`). */
export const ENVIRONMENT_DECLARED = 'the environment file (strategy.analysis.prometheusAddress)';

/**
 * The strategy an environment file asks for; undefined leaves the service's
 * default. Its analysis queries the system's own Prometheus when the system
 * renders one (`prometheus`), and the environment's `prometheusAddress` only
 * when the file sets it (declared external unless it is that Prometheus).
 */
export function strategyFromConfig(cfg: StrategyConfig | undefined, prometheus?: SystemPrometheus): DeploymentStrategy | undefined {
  if (!cfg) return undefined;
  switch (cfg.type) {
    case 'rolling':
      return RollingStrategy.of({ maxSurge: cfg.maxSurge as IntOrPercent | undefined, maxUnavailable: cfg.maxUnavailable as IntOrPercent | undefined });
    case 'blue-green':
      if ((cfg.backend ?? 'plain') === 'plain') {
        return BlueGreenStrategy.plain({ activeColor: cfg.activeColor!, tags: cfg.tags, standby: cfg.standby, colorLabel: cfg.colorLabel });
      }
      return BlueGreenStrategy.argoRollouts({ autoPromotion: cfg.autoPromotion, scaleDownDelaySeconds: cfg.scaleDownDelaySeconds, analysis: analysisFromConfig(cfg.analysis, prometheus) });
    case 'canary': {
      const router = routerFromConfig(cfg);
      switch (cfg.backend) {
        case 'argo-rollouts':
          return CanaryStrategy.argoRollouts({ stages: cfg.stages, router, analysis: analysisFromConfig(cfg.analysis, prometheus) });
        case 'flagger':
          return CanaryStrategy.flagger({ stages: cfg.stages, router, analysis: analysisFromConfig(cfg.analysis, prometheus)! });
        case 'plain':
          return CanaryStrategy.plain({ stages: cfg.stages, router, canaryTag: cfg.canaryTag, stage: cfg.stage, canaryReplicas: cfg.canaryReplicas });
      }
    }
  }
}

function routerFromConfig(cfg: CanaryConfig): TrafficRouter {
  // The schema accepted only registered routers.
  return routerType(cfg.router)!.fromSettings(cfg);
}

function analysisFromConfig(a: AnalysisConfig | undefined, prometheus: SystemPrometheus | undefined): AnalysisCriteria | undefined {
  if (!a) return undefined;
  const { prometheusAddress, ...criteria } = a;
  if (prometheus && (prometheusAddress === undefined || prometheusAddress === prometheus.address)) {
    return { ...criteria, prometheusAddress: prometheus.address, prometheusPeer: prometheus.peer };
  }
  // Without a Prometheus of its own and without an address, the library's
  // default stays: the validation gate then refuses it unless it is rendered.
  if (prometheusAddress === undefined) return { ...criteria };
  return { ...criteria, prometheusAddress, prometheusProvidedBy: ENVIRONMENT_DECLARED };
}
