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
