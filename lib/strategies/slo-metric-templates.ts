import { Construct } from 'constructs';
import { CanarySpecAnalysisMetrics, MetricTemplate, MetricTemplateSpecProviderType } from '../../imports/flagger-flagger.app';
import { errorRatioQuery, latencyP95Query, providedBy, ResolvedAnalysis } from './analysis';
import { waveOf } from './gitops';

export interface SloMetricTemplatesProps {
  /** Service name; templates are `<name>-error-rate` and `<name>-latency-p95`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly analysis: ResolvedAnalysis;
}

/**
 * Flagger MetricTemplates for error rate (percent) and p95 latency (ms). A
 * custom p95 template is needed because Flagger's built-in request-duration
 * metric is the 99th percentile. Flagger has one threshold per metric, so the
 * success bounds are the limits and `threshold` failed checks roll back; an
 * empty or NaN result halts advancement instead of counting as a pass.
 */
export class SloMetricTemplates extends Construct {
  /** Metric entries for `Canary.spec.analysis.metrics`. */
  public readonly metrics: CanarySpecAnalysisMetrics[];

  constructor(scope: Construct, id: string, props: SloMetricTemplatesProps) {
    super(scope, id);
    const a = props.analysis;
    // Flagger renders {{ namespace }}, {{ target }} and {{ interval }}; the canary Service is `<target>-canary`.
    const sel = { namespace: '{{ namespace }}', service: '{{ target }}-canary' };
    const window = '{{ interval }}';
    const make = (suffix: string, id2: string, query: string) =>
      new MetricTemplate(this, id2, {
        metadata: { name: `${props.name}-${suffix}`, namespace: props.namespace, labels: props.labels, annotations: { ...waveOf('MetricTemplate'), ...providedBy(a) } },
        spec: { provider: { type: MetricTemplateSpecProviderType.PROMETHEUS, address: a.prometheusAddress }, query },
      });
    const errors = make('error-rate', 'ErrorRate', `100 * (${errorRatioQuery(a, sel, window)})`);
    const latency = make('latency-p95', 'LatencyP95', `1000 * ${latencyP95Query(a, sel, window)}`);
    this.metrics = [
      { name: 'error-rate', templateRef: { name: errors.name, namespace: props.namespace }, thresholdRange: { max: a.success.errorRatePercent }, interval: a.interval },
      { name: 'latency-p95', templateRef: { name: latency.name, namespace: props.namespace }, thresholdRange: { max: a.success.latencyP95Ms }, interval: a.interval },
    ];
  }
}
