import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { MANAGED_BY } from '../core/labels';
import { SLO_RECORDS } from './slo-rules';

/**
 * Label the Grafana dashboard sidecar watches (the default of the Grafana
 * chart's `sidecar.dashboards.label`); the Grafana construct provisions every
 * ConfigMap carrying it.
 */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
/** Annotation naming the Grafana folder the sidecar puts the dashboard in. */
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';

export interface ServiceDashboardProps {
  /** Service name (the `service` label of its series). */
  readonly service: string;
  readonly namespace: string;
  /** Grafana folder, e.g. the system name. @default "services" */
  readonly folder?: string;
  /** Pod name prefix for the saturation panels. @default service */
  readonly podPrefix?: string;
}

/**
 * A Grafana dashboard for one HTTP service (rate, errors, duration,
 * saturation, plus the SLO ratios), as a ConfigMap the Grafana sidecar
 * provisions. The JSON is deterministic (stable uid, fixed panel ids) so a
 * re-render produces no diff.
 */
export class ServiceDashboard extends Construct {
  public readonly configMap: k8s.KubeConfigMap;
  /** The dashboard model (for tests and other renderers). */
  public readonly dashboard: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const { service, namespace } = props;
    const pods = props.podPrefix ?? service;
    const sel = `namespace="${namespace}",service="${service}"`;
    const podSel = `namespace="${namespace}",pod=~"${pods}-.*",container!="",container!="POD"`;
    let panelId = 0;
    const panel = (title: string, y: number, x: number, targets: { expr: string; legend: string }[], unit: string, type = 'timeseries') => ({
      id: ++panelId,
      type,
      title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x, y },
      fieldConfig: { defaults: { unit }, overrides: [] },
      targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legend })),
    });
    this.dashboard = {
      uid: `svc-${namespace}-${service}`.slice(0, 40),
      title: `${service} (${namespace})`,
      tags: ['service', 'slo', namespace],
      timezone: 'utc',
      schemaVersion: 39,
      version: 1,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }] },
      panels: [
        panel('Rate: requests per second by status', 0, 0, [{ expr: `sum by (status) (rate(http_requests_total{${sel}}[5m]))`, legend: '{{status}}' }], 'reqps'),
        panel('Errors: 5xx ratio (objective 0.1%)', 0, 12, [{ expr: `${SLO_RECORDS.errorRatio('5m')}{${sel},slo="availability"}`, legend: '5xx ratio' }], 'percentunit'),
        panel(
          'Duration: latency percentiles (objective p95 < 500 ms)',
          8,
          0,
          [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`, legend: `p${q * 100}` })),
          's',
        ),
        panel(
          'Saturation: CPU and memory of limits',
          8,
          12,
          [
            { expr: `sum(rate(container_cpu_usage_seconds_total{${podSel}}[5m])) / sum(kube_pod_container_resource_limits{${podSel},resource="cpu"})`, legend: 'CPU' },
            { expr: `sum(container_memory_working_set_bytes{${podSel}}) / sum(kube_pod_container_resource_limits{${podSel},resource="memory"})`, legend: 'memory' },
          ],
          'percentunit',
        ),
        panel(
          'SLO: error budget burn rate (1h)',
          16,
          0,
          [
            { expr: `${SLO_RECORDS.errorRatio('1h')}{${sel},slo="availability"} / 0.001`, legend: 'availability' },
            { expr: `${SLO_RECORDS.errorRatio('1h')}{${sel},slo="latency"} / 0.05`, legend: 'latency' },
          ],
          'none',
        ),
        panel('SLO: availability over 3 days (objective 99.9%)', 16, 12, [{ expr: `1 - ${SLO_RECORDS.errorRatio('3d')}{${sel},slo="availability"}`, legend: 'availability' }], 'percentunit', 'stat'),
      ],
    };
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: `${service}-dashboard`,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'dashboard', 'app.kubernetes.io/name': service, [GRAFANA_DASHBOARD_LABEL]: '1' },
        annotations: { [GRAFANA_FOLDER_ANNOTATION]: props.folder ?? 'services' },
      },
      data: { [`${service}.json`]: `${JSON.stringify(this.dashboard, null, 2)}\n` },
    });
  }
}
