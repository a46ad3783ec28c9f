import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from './errors';

/** An integer count or a percentage such as "25%". */
export type CountOrPercent = number | `${number}%`;

/** PodDisruptionBudget: exactly one of the two. */
export type DisruptionBudget = { readonly minAvailable: CountOrPercent } | { readonly maxUnavailable: CountOrPercent };

/** How replicas are spread so one node or zone failure does not take the service down. */
export interface SpreadOptions {
  /** Weight of the preferred anti-affinity on `kubernetes.io/hostname` (1-100). @default 100 */
  readonly hostnameWeight?: number;
  /** Spread across `topology.kubernetes.io/zone` (maxSkew 1, ScheduleAnyway). @default true */
  readonly zones?: boolean;
}

/**
 * Preferred anti-affinity per node plus a soft zone spread. Both are
 * preferences: a single-node dev cluster still schedules every replica.
 */
export function spreading(selector: Record<string, string>, spread: SpreadOptions | false | undefined): Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints'> {
  if (spread === false) return {};
  const weight = spread?.hostnameWeight ?? 100;
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
        ],
      },
    },
    topologySpreadConstraints:
      spread?.zones === false
        ? undefined
        : [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }],
  };
}

/**
 * The spec of a PodDisruptionBudget for `floor` running replicas. Throws when
 * the budget could never allow a voluntary eviction (node drains would hang).
 */
export function disruptionBudgetSpec(
  scope: Construct,
  field: string,
  budget: DisruptionBudget,
  floor: number,
  selector: Record<string, string>,
): k8s.PodDisruptionBudgetSpec {
  if ('minAvailable' in budget && typeof budget.minAvailable === 'number' && budget.minAvailable >= floor) {
    throw new PropsError(scope, `${field}.minAvailable`, budget.minAvailable, `less than the ${floor} replicas that may be running, or node drains are blocked forever`);
  }
  if ('maxUnavailable' in budget && (budget.maxUnavailable === 0 || budget.maxUnavailable === '0%')) {
    throw new PropsError(scope, `${field}.maxUnavailable`, budget.maxUnavailable, 'at least 1 (0 blocks node drains forever)');
  }
  return {
    selector: { matchLabels: selector },
    ...('minAvailable' in budget ? { minAvailable: intOrString(budget.minAvailable) } : { maxUnavailable: intOrString(budget.maxUnavailable) }),
  };
}

function intOrString(v: CountOrPercent): k8s.IntOrString {
  return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
}
