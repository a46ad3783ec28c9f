import { Construct } from 'constructs';
import { PlainServiceLayout, RoutingResult, TrafficRouter, TrafficRouterType } from './router';

/** No router: the weight is the share of canary pods behind one Service. */
export class ReplicaRatioRouter implements TrafficRouter {
  public readonly kind = 'replicas';
  public readonly splitsByReplicas = true;

  public check(_scope: Construct, _field: string): void {}

  public render(): RoutingResult {
    return { objects: [], ignoreDifferences: [] };
  }

  public addChecks(): void {}

  public plainServices(): PlainServiceLayout {
    return { mainSelectsBoth: true, canaryService: false, stableService: false };
  }

  public argoTrafficRouting(): undefined {
    return undefined;
  }

  public flaggerRouting(): undefined {
    return undefined;
  }
}

export const REPLICAS: TrafficRouterType<'replicas'> = {
  kind: 'replicas',
  splitsByReplicas: true,
  backends: ['argo-rollouts', 'plain'],
  // Flagger's "kubernetes" provider only does blue/green: it cannot shift a weight by replica count.
  unsupportedWhy: { flagger: 'Flagger cannot split traffic by replica count; use backend "plain" or "argo-rollouts"' },
  settings: [],
  settingsProblems: () => [],
  fromSettings: () => new ReplicaRatioRouter(),
};
