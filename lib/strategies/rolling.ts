import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { DeploymentStrategy, StrategyBinding, StrategyContext } from './strategy';

/** A count of pods or a percentage of the desired replicas. */
export type IntOrPercent = number | `${number}%`;

/** Rolling update knobs (Kubernetes Deployment `RollingUpdate`). */
export interface RollingStrategyProps {
  /** Extra pods allowed above the desired count during an update. @default "25%" */
  readonly maxSurge?: IntOrPercent;
  /** Pods allowed to be unavailable during an update. @default "25%" */
  readonly maxUnavailable?: IntOrPercent;
  /** Seconds a new pod must be ready before it counts as available. @default 0 */
  readonly minReadySeconds?: number;
  /** Seconds before a stuck rollout is reported as failed. @default 600 */
  readonly progressDeadlineSeconds?: number;
  /** Old ReplicaSets kept for `kubectl rollout undo`. @default 10 */
  readonly revisionHistoryLimit?: number;
}

/** Kubernetes' native rolling update: one Deployment, pods replaced in batches. */
export class RollingStrategy extends DeploymentStrategy {
  /** Rolling update with the given surge/unavailability (Kubernetes defaults otherwise). */
  public static of(props: RollingStrategyProps = {}): RollingStrategy {
    return new RollingStrategy(props);
  }

  public readonly kind = 'rolling';

  private constructor(private readonly props: RollingStrategyProps) {
    super();
  }

  public bind(ctx: StrategyContext): StrategyBinding {
    const maxSurge = this.props.maxSurge ?? '25%';
    const maxUnavailable = this.props.maxUnavailable ?? '25%';
    checkIntOrPercent(ctx.scope, 'strategy.maxSurge', maxSurge);
    checkIntOrPercent(ctx.scope, 'strategy.maxUnavailable', maxUnavailable);
    if (isZero(maxSurge) && isZero(maxUnavailable)) {
      throw new PropsError(ctx.scope, 'strategy.maxSurge/maxUnavailable', { maxSurge, maxUnavailable }, 'at most one of them to be zero (with both zero a rolling update can never make progress)');
    }
    const workload = new k8s.KubeDeployment(ctx.scope, 'Resource', {
      metadata: { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels },
      spec: {
        replicas: ctx.replicas,
        revisionHistoryLimit: this.props.revisionHistoryLimit ?? 10,
        progressDeadlineSeconds: this.props.progressDeadlineSeconds ?? 600,
        minReadySeconds: this.props.minReadySeconds,
        selector: { matchLabels: ctx.selectorLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: toIntOrString(maxSurge), maxUnavailable: toIntOrString(maxUnavailable) },
        },
        template: ctx.podTemplate,
      },
    });
    return { workload, serviceSelector: ctx.selectorLabels, disruptionSelector: ctx.selectorLabels };
  }
}

export function toIntOrString(v: IntOrPercent): k8s.IntOrString {
  return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
}

function isZero(v: IntOrPercent): boolean {
  return v === 0 || v === '0%';
}

function checkIntOrPercent(scope: Construct, field: string, v: IntOrPercent): void {
  const ok = typeof v === 'number' ? Number.isInteger(v) && v >= 0 : /^(100|[1-9]?\d)%$/.test(v);
  if (!ok) throw new PropsError(scope, field, v, 'an integer >= 0 or a percentage from "0%" to "100%"');
}
