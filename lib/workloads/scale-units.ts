import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { DisruptionBudget, disruptionBudgetSpec } from '../core/placement';
import { StrategyBinding } from '../strategies/strategy';
import { autoscalerSpec, AutoscalingOptions } from './autoscaling';

/** The HPA and PDB rendered for one scale unit of a strategy binding. */
export interface ScaleObjects {
  readonly workload: ApiObject;
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
}

export interface ScaleObjectsProps {
  /** The service's name: HPAs and PDBs are `<name>` (one unit) or `<name>-<suffix>`. */
  readonly name: string;
  readonly metadata: (name: string) => k8s.ObjectMeta;
  /** Replicas when nothing autoscales. */
  readonly replicas: number;
  readonly autoscaling?: AutoscalingOptions;
  /** Where the HPA reads its custom metric. */
  readonly customSource: 'Pods' | 'External';
  readonly budget: DisruptionBudget;
}

/**
 * One HPA (when autoscaled) and one PodDisruptionBudget (when more than one
 * pod runs) per scale unit of `binding`: its `scaleUnits`, or the workload
 * alone, with ids `Autoscaler`/`DisruptionBudget` as before units existed.
 */
export function scaleObjects(scope: Construct, binding: StrategyBinding, props: ScaleObjectsProps): ScaleObjects[] {
  const units = binding.scaleUnits ?? [{ suffix: '', workload: binding.workload, disruptionSelector: binding.disruptionSelector }];
  const a = props.autoscaling;
  return units.map((u) => {
    const id = u.suffix ? u.suffix.charAt(0).toUpperCase() + u.suffix.slice(1) : '';
    const name = u.suffix ? `${props.name}-${u.suffix}` : props.name;
    const min = a ? Math.min(a.maxReplicas, Math.max(a.minReplicas, u.minReplicas ?? 0)) : undefined;
    const autoscaler = a && min !== undefined
      ? new k8s.KubeHorizontalPodAutoscalerV2(scope, `Autoscaler${id}`, {
        metadata: props.metadata(name),
        spec: autoscalerSpec(u.workload, { ...a, minReplicas: min }, props.customSource),
      })
      : undefined;
    const floor = min ?? props.replicas;
    const disruptionBudget = floor > 1
      ? new k8s.KubePodDisruptionBudget(scope, `DisruptionBudget${id}`, {
        metadata: props.metadata(name),
        spec: disruptionBudgetSpec(scope, 'disruptionBudget', props.budget, floor, u.disruptionSelector),
      })
      : undefined;
    return { workload: u.workload, autoscaler, disruptionBudget };
  });
}
