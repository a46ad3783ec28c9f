import { StrategyConfig } from '../config/schema';
import { RollingStrategy } from './rolling';
import { DeploymentStrategy } from './strategy';

/** The strategy an environment file asks for; undefined leaves the service's default. */
export function strategyFromConfig(cfg: StrategyConfig | undefined): DeploymentStrategy | undefined {
  if (!cfg) return undefined;
  switch (cfg.type) {
    case 'rolling':
      return RollingStrategy.of({ maxSurge: cfg.maxSurge as number | `${number}%` | undefined, maxUnavailable: cfg.maxUnavailable as number | `${number}%` | undefined });
  }
}
