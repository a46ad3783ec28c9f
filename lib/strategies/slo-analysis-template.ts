import { Construct } from 'constructs';
import {
  AnalysisTemplate,
  AnalysisTemplateSpecMetrics,
  AnalysisTemplateSpecMetricsFailureLimit,
  AnalysisTemplateSpecMetricsInconclusiveLimit,
} from '../../imports/rollouts-analysistemplate-argoproj.io';
import { errorRatioQuery, guarded, latencyP95Query, num, providedBy, rateWindow, ResolvedAnalysis } from './analysis';
import { waveOf } from './gitops';

export interface SloAnalysisTemplateProps {
  /** Object name, e.g. `user-service-slo`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Resolved criteria (see `resolveAnalysis`). */
  readonly analysis: ResolvedAnalysis;
}

/** Argument names the template takes; the Rollout passes the Service to measure. */
export const ANALYSIS_ARGS = { namespace: 'namespace', service: 'service' } as const;

/**
 * An Argo Rollouts AnalysisTemplate measuring error rate and p95 latency of one
 * Service. Each metric has a success and a failure condition; Argo marks a
 * measurement that meets neither as inconclusive, and with `inconclusiveLimit`
 * 0 the first such measurement pauses the rollout for a person.
 */
export class SloAnalysisTemplate extends Construct {
  public readonly resource: AnalysisTemplate;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SloAnalysisTemplateProps) {
    super(scope, id);
    this.name = props.name;
    const a = props.analysis;
    const sel = { namespace: `{{args.${ANALYSIS_ARGS.namespace}}}`, service: `{{args.${ANALYSIS_ARGS.service}}}` };
    const window = rateWindow(a);
    const metric = (name: string, query: string, success: number, rollback: number): AnalysisTemplateSpecMetrics => ({
      name,
      interval: a.interval,
      // The first interval after a weight change has too little traffic to judge.
      initialDelay: a.interval,
      successCondition: guarded(`result[0] < ${num(success)}`),
      failureCondition: guarded(`result[0] > ${num(rollback)}`),
      failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(0),
      inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(0),
      provider: { prometheus: { address: a.prometheusAddress, query } },
    });
    this.resource = new AnalysisTemplate(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels, annotations: { ...waveOf('AnalysisTemplate'), ...providedBy(a) } },
      spec: {
        args: [{ name: ANALYSIS_ARGS.namespace }, { name: ANALYSIS_ARGS.service }],
        metrics: [
          metric('error-rate', errorRatioQuery(a, sel, window), a.success.errorRatePercent / 100, a.rollback.errorRatePercent / 100),
          metric('latency-p95', latencyP95Query(a, sel, window), a.success.latencyP95Ms / 1000, a.rollback.latencyP95Ms / 1000),
        ],
      },
    });
  }
}
