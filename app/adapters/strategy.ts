import { StrategyConfig } from '../config/schema';
import { AnalysisConfig, CanaryConfig } from '../config/strategy-schema';
import { AnalysisCriteria } from '../../lib/strategies/analysis';
import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { IntOrPercent, RollingStrategy } from '../../lib/strategies/rolling';
import { DeploymentStrategy } from '../../lib/strategies/strategy';
import { routerType, TrafficRouter } from '../../lib/strategies/traffic-router';

/** The strategy an environment file asks for; undefined leaves the service's default. */
export function strategyFromConfig(cfg: StrategyConfig | undefined): DeploymentStrategy | undefined {
  if (!cfg) return undefined;
  switch (cfg.type) {
    case 'rolling':
      return RollingStrategy.of({ maxSurge: cfg.maxSurge as IntOrPercent | undefined, maxUnavailable: cfg.maxUnavailable as IntOrPercent | undefined });
    case 'blue-green':
      if ((cfg.backend ?? 'plain') === 'plain') {
        return BlueGreenStrategy.plain({ activeColor: cfg.activeColor!, tags: cfg.tags, standby: cfg.standby, colorLabel: cfg.colorLabel });
      }
      return BlueGreenStrategy.argoRollouts({ autoPromotion: cfg.autoPromotion, scaleDownDelaySeconds: cfg.scaleDownDelaySeconds, analysis: analysisFromConfig(cfg.analysis) });
    case 'canary': {
      const router = routerFromConfig(cfg);
      switch (cfg.backend) {
        case 'argo-rollouts':
          return CanaryStrategy.argoRollouts({ stages: cfg.stages, router, analysis: analysisFromConfig(cfg.analysis) });
        case 'flagger':
          return CanaryStrategy.flagger({ stages: cfg.stages, router, analysis: analysisFromConfig(cfg.analysis)! });
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

function analysisFromConfig(a: AnalysisConfig | undefined): AnalysisCriteria | undefined {
  return a && { ...a };
}
