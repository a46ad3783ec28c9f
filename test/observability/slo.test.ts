import { Testing } from 'cdk8s';
import { ServiceDashboard, GRAFANA_DASHBOARD_LABEL } from '../../lib/observability/service-dashboard';
import { SloRules } from '../../lib/observability/slo-rules';
import { TracingSampling } from '../../lib/observability/tracing-sampling';
import { find, Obj } from '../security/fixtures';
import { testChart } from '../helpers/chart';

function rules() {
  const chart = testChart();
  new SloRules(chart, 'Slo', { service: 'user-service', namespace: 'ecosystem-prod' });
  return find(Testing.synth(chart) as Obj[], 'PrometheusRule', 'user-service-slo');
}

describe('SloRules', () => {
  test('GIVEN the 060 objectives WHEN rendered THEN recording rules use the document metrics over 5m..3d windows', () => {
    const [recording] = rules().spec.groups;
    const records = recording.rules as { record: string; expr: string; labels: Record<string, string> }[];
    const availability5m = records.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.slo === 'availability')!;
    expect(availability5m.expr).toBe(
      'sum(rate(http_requests_total{namespace="ecosystem-prod",service="user-service",status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="ecosystem-prod",service="user-service"}[5m]))',
    );
    const latency1h = records.find((r) => r.record === 'slo:sli_error:ratio_rate1h' && r.labels.slo === 'latency')!;
    expect(latency1h.expr).toContain('http_request_duration_seconds_bucket{namespace="ecosystem-prod",service="user-service",le="0.5"}[1h]');
    expect(records.find((r) => r.record === 'slo:http_request_duration_seconds:p95_rate5m')!.expr).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="ecosystem-prod",service="user-service"}[5m])))',
    );
    const windows = [...new Set(records.filter((r) => r.record.startsWith('slo:sli_error')).map((r) => r.record.replace('slo:sli_error:ratio_rate', '')))];
    expect(windows).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });

  test('GIVEN the 060 objectives WHEN rendered THEN multi-window multi-burn-rate alerts: critical fast burn, warning slow burn, info on objective', () => {
    const alerts = rules().spec.groups[1].rules as { alert: string; expr: string; for: string; labels: Record<string, string> }[];
    expect(alerts.map((a) => `${a.alert}:${a.labels.severity}`)).toEqual([
      'AvailabilityErrorBudgetFastBurn:critical',
      'AvailabilityErrorBudgetSlowBurn:warning',
      'LatencyErrorBudgetFastBurn:critical',
      'LatencyErrorBudgetSlowBurn:warning',
      'ErrorRateAboveObjective:info',
      'LatencyP95AboveObjective:info',
    ]);
    const fast = alerts[0].expr;
    // 99.9% leaves a 0.1% budget: 14.4x over 1h and 5m, or 6x over 6h and 30m.
    expect(fast).toContain('slo:sli_error:ratio_rate1h{service="user-service",namespace="ecosystem-prod",slo="availability"} > 0.0144');
    expect(fast).toContain('slo:sli_error:ratio_rate5m{service="user-service",namespace="ecosystem-prod",slo="availability"} > 0.0144');
    expect(fast).toContain('ratio_rate6h{service="user-service",namespace="ecosystem-prod",slo="availability"} > 0.006');
    expect(alerts[1].expr).toContain('ratio_rate3d{service="user-service",namespace="ecosystem-prod",slo="availability"} > 0.001');
    // p95 < 500 ms: 5% of requests may be slower; 14.4x of that is 0.72.
    expect(alerts[2].expr).toContain('slo="latency"} > 0.72');
    expect(alerts[4].expr).toBe('slo:sli_error:ratio_rate5m{service="user-service",namespace="ecosystem-prod",slo="availability"} > 0.001');
    expect(alerts[5].expr).toBe('slo:http_request_duration_seconds:p95_rate5m{service="user-service",namespace="ecosystem-prod"} > 0.5');
  });

  test('GIVEN a 100% objective THEN it is refused (no error budget)', () => {
    expect(() => new SloRules(testChart(), 'S', { service: 's', namespace: 'n', objectives: { availabilityPercent: 100 } })).toThrow(/availabilityPercent: expected a percentage above 0 and below 100/);
  });
});

describe('ServiceDashboard', () => {
  test('GIVEN a service WHEN rendered THEN a ConfigMap the Grafana sidecar picks up, with rate/errors/duration/saturation panels', () => {
    const chart = testChart();
    new ServiceDashboard(chart, 'D', { service: 'user-service', namespace: 'ecosystem-prod', folder: 'ecosystem' });
    const cm = find(Testing.synth(chart) as Obj[], 'ConfigMap', 'user-service-dashboard');
    expect(cm.metadata.labels![GRAFANA_DASHBOARD_LABEL]).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'ecosystem' });
    const dash = JSON.parse(cm.data['user-service.json']);
    expect(dash.uid).toBe('svc-ecosystem-prod-user-service');
    expect(dash.panels.map((p: { title: string }) => p.title.split(':')[0])).toEqual(['Rate', 'Errors', 'Duration', 'Saturation', 'SLO', 'SLO']);
    expect(dash.panels[2].targets.map((t: { legendFormat: string }) => t.legendFormat)).toEqual(['p50', 'p95', 'p99']);
  });
});

describe('TracingSampling', () => {
  test('GIVEN 10% WHEN rendered THEN an Istio Telemetry samples 10% in the namespace', () => {
    const chart = testChart();
    new TracingSampling(chart, 'T', { namespace: 'shop', samplingPercent: 10 });
    expect(find(Testing.synth(chart) as Obj[], 'Telemetry', 'tracing').spec).toEqual({ tracing: [{ randomSamplingPercentage: 10 }] });
    expect(() => new TracingSampling(testChart(), 'T', { namespace: 'shop', samplingPercent: 150 })).toThrow(/samplingPercent: expected a percentage from 0 to 100/);
  });
});
