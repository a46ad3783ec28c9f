import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';

/** One HPA scaling direction: how fast it may move and how long it waits. */
export interface ScalingRules {
  /** Seconds of history considered before acting. @default 0 up, 300 down */
  readonly stabilizationWindowSeconds?: number;
  /** At most this percentage of current replicas per period. */
  readonly percent?: { readonly value: number; readonly periodSeconds: number };
  /** At most this many pods per period. */
  readonly pods?: { readonly value: number; readonly periodSeconds: number };
}

/** A per-pod custom metric (from a metrics adapter), e.g. requests per second. */
export interface CustomPodMetric {
  /** Metric name as the adapter exposes it, e.g. `http_requests_per_second`. */
  readonly name: string;
  /** Target average value per pod, e.g. "100". */
  readonly averageValue: string;
}

/** Horizontal Pod Autoscaler settings. When set, the HPA owns the replica count. */
export interface AutoscalingOptions {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilisation (% of requests). */
  readonly cpuUtilization?: number;
  /** Target average memory utilisation (% of requests). */
  readonly memoryUtilization?: number;
  /** Additional per-pod metric. */
  readonly customMetric?: CustomPodMetric;
  /** Scale-up behaviour. @default Kubernetes defaults */
  readonly scaleUp?: ScalingRules;
  /** Scale-down behaviour. @default Kubernetes defaults */
  readonly scaleDown?: ScalingRules;
}

/** Throws unless min/max and the targets describe an HPA that can act. */
export function checkAutoscaling(scope: Construct, a: AutoscalingOptions, customMetricHint?: string): void {
  if (!Number.isInteger(a.minReplicas) || a.minReplicas < 1) throw new PropsError(scope, 'autoscaling.minReplicas', a.minReplicas, 'an integer >= 1');
  if (!Number.isInteger(a.maxReplicas) || a.maxReplicas < a.minReplicas) {
    throw new PropsError(scope, 'autoscaling.maxReplicas', a.maxReplicas, `an integer >= minReplicas (${a.minReplicas})`);
  }
  for (const f of ['cpuUtilization', 'memoryUtilization'] as const) {
    const v = a[f];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 1000)) throw new PropsError(scope, `autoscaling.${f}`, v, 'an integer percentage of requests from 1 to 1000');
  }
  if (a.cpuUtilization === undefined && a.memoryUtilization === undefined && a.customMetric === undefined) {
    throw new PropsError(scope, 'autoscaling', a, `at least one of cpuUtilization, memoryUtilization or customMetric${customMetricHint ? ` (${customMetricHint})` : ''}`);
  }
}

/**
 * The HPA spec for `target`. The custom metric is read per pod (`Pods`, e.g.
 * requests per second from a metrics adapter) or from outside the cluster
 * (`External`, e.g. a queue's depth).
 */
export function autoscalerSpec(target: ApiObject, a: AutoscalingOptions, customSource: 'Pods' | 'External'): k8s.HorizontalPodAutoscalerSpecV2 {
  return {
    scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    metrics: hpaMetrics(a, customSource),
    behavior: hpaBehavior(a),
  };
}

function hpaMetrics(a: AutoscalingOptions, customSource: 'Pods' | 'External'): k8s.MetricSpecV2[] {
  const metrics: k8s.MetricSpecV2[] = [];
  const resource = (name: string, averageUtilization: number): k8s.MetricSpecV2 => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  if (a.cpuUtilization !== undefined) metrics.push(resource('cpu', a.cpuUtilization));
  if (a.memoryUtilization !== undefined) metrics.push(resource('memory', a.memoryUtilization));
  if (a.customMetric) {
    const metric = { metric: { name: a.customMetric.name }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(a.customMetric.averageValue) } };
    metrics.push(customSource === 'Pods' ? { type: 'Pods', pods: metric } : { type: 'External', external: metric });
  }
  return metrics;
}

function hpaBehavior(a: AutoscalingOptions): k8s.HorizontalPodAutoscalerBehaviorV2 | undefined {
  if (!a.scaleUp && !a.scaleDown) return undefined;
  const rules = (r: ScalingRules | undefined): k8s.HpaScalingRulesV2 | undefined => {
    if (!r) return undefined;
    const policies: k8s.HpaScalingPolicyV2[] = [];
    if (r.percent) policies.push({ type: 'Percent', value: r.percent.value, periodSeconds: r.percent.periodSeconds });
    if (r.pods) policies.push({ type: 'Pods', value: r.pods.value, periodSeconds: r.pods.periodSeconds });
    return { stabilizationWindowSeconds: r.stabilizationWindowSeconds, policies: policies.length ? policies : undefined };
  };
  return { scaleUp: rules(a.scaleUp), scaleDown: rules(a.scaleDown) };
}
