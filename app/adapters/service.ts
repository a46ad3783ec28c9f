import { ServiceConfig } from '../config/schema';
import { strategyFromConfig, SystemPrometheus } from './strategy';
import { MicroserviceProps } from '../../lib/workloads/microservice';

export interface ServiceSettingsOptions {
  /** The system's own Prometheus, which the strategy's analysis queries unless the environment names another. @default none */
  readonly prometheus?: SystemPrometheus;
}

/**
 * The props of a service that environment files control: image, replicas,
 * resources, autoscaling and strategy. Charts spread this into the props they
 * write themselves (ports, probes, dependencies).
 */
export function serviceSettings(cfg: ServiceConfig, options: ServiceSettingsOptions = {}): Pick<MicroserviceProps, 'image' | 'replicas' | 'resources' | 'autoscaling' | 'strategy'> {
  return {
    image: cfg.image,
    replicas: cfg.replicas,
    resources: cfg.resources,
    autoscaling: cfg.autoscaling,
    strategy: strategyFromConfig(cfg.strategy, options.prometheus),
  };
}
