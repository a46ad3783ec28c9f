import { AnalysisCriteria, CanaryStage, Color } from '@platform/manifests';

/**
 * What differs between environments, as plain data. A real app would read
 * this from YAML; the shape is what matters: no `if (env === 'prod')` in the
 * chart, only values.
 */
export interface ShopEnvironment {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  /** orders: new versions go out as a canary. */
  readonly orders: { readonly tag: string; readonly stages: readonly CanaryStage[]; readonly analysis?: AnalysisCriteria };
  /** payments: two colours side by side, the Service selects the active one. */
  readonly payments: { readonly activeColor: Color; readonly tags: { readonly blue: string; readonly green: string } };
}

const slo: AnalysisCriteria = {
  success: { errorRatePercent: 1, latencyP95Ms: 500 },
  rollback: { errorRatePercent: 5, latencyP95Ms: 2000 },
  // The cluster's Prometheus, which the shop does not render: the declaration
  // lets the validation gate (ref/analysis-provider) accept the address.
  prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090',
  prometheusProvidedBy: 'the platform team (kube-prometheus-stack in monitoring)',
};

export const ENVIRONMENTS: readonly ShopEnvironment[] = [
  {
    name: 'staging',
    namespace: 'shop-staging',
    replicas: 2,
    orders: { tag: 'v2.4.0', stages: [{ weight: 50, pause: '2m' }, { weight: 100 }] },
    payments: { activeColor: 'green', tags: { blue: 'v1.8.0', green: 'v1.9.0' } },
  },
  {
    name: 'prod',
    namespace: 'shop-prod',
    replicas: 4,
    orders: {
      tag: 'v2.3.1',
      stages: [{ weight: 5, pause: '10m' }, { weight: 25, pause: '20m' }, { weight: 100 }],
      analysis: slo,
    },
    payments: { activeColor: 'blue', tags: { blue: 'v1.8.0', green: 'v1.9.0' } },
  },
];
