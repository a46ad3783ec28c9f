import { Construct } from 'constructs';
import * as pr from '../../imports/monitoring-prometheusrule-monitoring.coreos.com';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';

/** Objectives of an HTTP service (the defaults are a common HTTP SLI/SLO definition). */
export interface HttpObjectives {
  /** Share of requests answered without a 5xx, in percent. @default 99.9 */
  readonly availabilityPercent?: number;
  /** The latency threshold in seconds (must be a histogram bucket bound). @default 0.5 */
  readonly latencyThresholdSeconds?: number;
  /** Share of requests faster than the threshold, in percent (p95 < 500 ms means 95). @default 95 */
  readonly latencyPercent?: number;
  /** Highest acceptable 5xx ratio in percent over 5 minutes (an info alert above it). @default 0.1 */
  readonly maxErrorRatePercent?: number;
}

export interface SloRulesProps {
  /** Service name: the `service` label of the series and of the alerts. */
  readonly service: string;
  readonly namespace: string;
  /** Label matchers selecting the service's series. @default { namespace, service } (what a ServiceMonitor attaches) */
  readonly selector?: Record<string, string>;
  /** @default each field's own default (99.9% available, 95% under 0.5 s) */
  readonly objectives?: HttpObjectives;
  /** Labels Prometheus' ruleSelector matches. @default none besides the standard ones */
  readonly labels?: Record<string, string>;
}

/** Burn-rate windows of the multiwindow, multi-burn-rate method (Google SRE workbook, 30-day budget). */
const BURNS = [
  { severity: 'critical', long: '1h', short: '5m', factor: 14.4, for: '2m' },
  { severity: 'critical', long: '6h', short: '30m', factor: 6, for: '15m' },
  { severity: 'warning', long: '1d', short: '2h', factor: 3, for: '1h' },
  { severity: 'warning', long: '3d', short: '6h', factor: 1, for: '3h' },
] as const;

const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** Recording rule names, shared with the dashboards. */
export const SLO_RECORDS = {
  errorRatio: (w: string) => `slo:sli_error:ratio_rate${w}`,
  p95: 'slo:http_request_duration_seconds:p95_rate5m',
  requestRate: 'slo:http_requests:rate5m',
} as const;

/**
 * A PrometheusRule with the SLOs of one HTTP service, on the metric names of
 * the usual HTTP server instrumentation (`http_requests_total` with a `status` label,
 * `http_request_duration_seconds_bucket`):
 *
 * - recording rules: the error ratio of each SLI (`slo="availability"`,
 *   `slo="latency"`) over 5m...3d, the p95 latency and the request rate;
 * - alerts: `critical` when the error budget burns fast (14.4x over 1h and
 *   5m, or 6x over 6h and 30m: paging), `warning` when it burns slowly (3x over
 *   1d and 2h, or 1x over 3d and 6h: a ticket), and `info` when the 5xx ratio
 *   or p95 crosses its objective (dashboards and digests).
 */
export class SloRules extends Construct {
  public readonly resource: pr.PrometheusRule;
  /**
   * The same rule groups as plain Prometheus rule-file data, for a
   * Prometheus that reads rule files (`PrometheusProps.ruleGroups`).
   */
  public readonly ruleGroups: Record<string, unknown>[];
  /** The `severity` labels the alerts carry: each needs an Alertmanager route. */
  public readonly severities: readonly string[];

  constructor(scope: Construct, id: string, props: SloRulesProps) {
    super(scope, id);
    const o = props.objectives ?? {};
    const availability = o.availabilityPercent ?? 99.9;
    const latencyPercent = o.latencyPercent ?? 95;
    const threshold = o.latencyThresholdSeconds ?? 0.5;
    const maxErrorRate = o.maxErrorRatePercent ?? 0.1;
    for (const [field, v] of [['availabilityPercent', availability], ['latencyPercent', latencyPercent]] as const) {
      if (!(v > 0 && v < 100)) throw new PropsError(this, `objectives.${field}`, v, 'a percentage above 0 and below 100 (100% leaves no error budget)');
    }
    if (!(threshold > 0)) throw new PropsError(this, 'objectives.latencyThresholdSeconds', threshold, 'a positive number of seconds');
    if (!(maxErrorRate > 0 && maxErrorRate < 100)) throw new PropsError(this, 'objectives.maxErrorRatePercent', maxErrorRate, 'a percentage above 0 and below 100');

    const sel = props.selector ?? { namespace: props.namespace, service: props.service };
    const m = (extra: string[] = []) => `{${[...Object.keys(sel).sort().map((k) => `${k}="${sel[k]}"`), ...extra].join(',')}}`;
    const recLabels = (slo: string) => ({ service: props.service, namespace: props.namespace, slo });
    const budgets = { availability: round(1 - availability / 100), latency: round(1 - latencyPercent / 100) };

    const rules: pr.PrometheusRuleSpecGroupsRules[] = [];
    const record = (name: string, expr: string, labels: Record<string, string>) => rules.push({ record: name, expr: pr.PrometheusRuleSpecGroupsRulesExpr.fromString(expr), labels });
    for (const w of WINDOWS) {
      record(
        SLO_RECORDS.errorRatio(w),
        `sum(rate(http_requests_total${m(['status=~"5.."'])}[${w}])) / sum(rate(http_requests_total${m()}[${w}]))`,
        recLabels('availability'),
      );
      record(
        SLO_RECORDS.errorRatio(w),
        `1 - (sum(rate(http_request_duration_seconds_bucket${m([`le="${threshold}"`])}[${w}])) / sum(rate(http_request_duration_seconds_count${m()}[${w}])))`,
        recLabels('latency'),
      );
    }
    record(SLO_RECORDS.p95, `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${m()}[5m])))`, recLabels('latency'));
    record(SLO_RECORDS.requestRate, `sum(rate(http_requests_total${m()}[5m]))`, { service: props.service, namespace: props.namespace });

    const alerts: pr.PrometheusRuleSpecGroupsRules[] = [];
    const ratio = (slo: string, w: string) => `${SLO_RECORDS.errorRatio(w)}{service="${props.service}",namespace="${props.namespace}",slo="${slo}"}`;
    for (const slo of ['availability', 'latency'] as const) {
      const budget = budgets[slo];
      const objective = slo === 'availability' ? `${availability}% of requests without 5xx` : `${latencyPercent}% of requests under ${threshold * 1000} ms`;
      for (const severity of ['critical', 'warning'] as const) {
        const pairs = BURNS.filter((b) => b.severity === severity);
        const expr = pairs
          .map((b) => `(${ratio(slo, b.long)} > ${round(b.factor * budget)} and ${ratio(slo, b.short)} > ${round(b.factor * budget)})`)
          .join('\nor\n');
        alerts.push({
          alert: `${pascal(slo)}ErrorBudget${severity === 'critical' ? 'FastBurn' : 'SlowBurn'}`,
          expr: pr.PrometheusRuleSpecGroupsRulesExpr.fromString(expr),
          for: pairs[0].for,
          labels: { severity, slo, service: props.service },
          annotations: {
            summary: `${props.service}: ${slo} error budget burning ${severity === 'critical' ? 'fast' : 'slowly'}`,
            description: `${props.service} in ${props.namespace} spends its 30-day error budget (objective: ${objective}) at ${pairs.map((p) => `${p.factor}x`).join(' / ')} the sustainable rate.`,
          },
        });
      }
    }
    alerts.push({
      alert: 'ErrorRateAboveObjective',
      expr: pr.PrometheusRuleSpecGroupsRulesExpr.fromString(`${ratio('availability', '5m')} > ${round(maxErrorRate / 100)}`),
      for: '10m',
      labels: { severity: 'info', slo: 'error-rate', service: props.service },
      annotations: { summary: `${props.service}: 5xx ratio above ${maxErrorRate}%`, description: `More than ${maxErrorRate}% of ${props.service}'s requests failed with 5xx over the last 5 minutes, for 10 minutes.` },
    });
    alerts.push({
      alert: 'LatencyP95AboveObjective',
      expr: pr.PrometheusRuleSpecGroupsRulesExpr.fromString(`${SLO_RECORDS.p95}{service="${props.service}",namespace="${props.namespace}"} > ${threshold}`),
      for: '10m',
      labels: { severity: 'info', slo: 'latency', service: props.service },
      annotations: { summary: `${props.service}: p95 latency above ${threshold * 1000} ms`, description: `The 95th percentile of ${props.service}'s response time has been above ${threshold * 1000} ms for 10 minutes.` },
    });

    const plain = (r: pr.PrometheusRuleSpecGroupsRules) => ({ ...(r.record ? { record: r.record } : { alert: r.alert }), expr: r.expr.value, ...(r.for ? { for: r.for } : {}), ...(r.labels ? { labels: r.labels } : {}), ...(r.annotations ? { annotations: r.annotations } : {}) });
    this.ruleGroups = [
      { name: `${props.service}-slo-recording`, interval: '30s', rules: rules.map(plain) },
      { name: `${props.service}-slo-alerts`, rules: alerts.map(plain) },
    ];
    this.severities = [...new Set(alerts.map((a) => a.labels!.severity))].sort();
    this.resource = new pr.PrometheusRule(this, 'Resource', {
      metadata: {
        name: `${props.service}-slo`,
        namespace: props.namespace,
        labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'slo', 'app.kubernetes.io/name': props.service, ...props.labels },
      },
      spec: {
        groups: [
          { name: `${props.service}-slo-recording`, interval: '30s', rules },
          { name: `${props.service}-slo-alerts`, rules: alerts },
        ],
      },
    });
  }
}

/** Avoids float noise such as 0.014400000000000001 in rendered rules. */
function round(n: number): number {
  return Number(n.toPrecision(6));
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
