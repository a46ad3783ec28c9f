import { ApiObject, Chart } from 'cdk8s';
import { isPrometheusOperatorObject } from '../../lib/platform/addons';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../../lib/validate/rules';
import { SystemBase } from './system';

/**
 * Who runs the Prometheus Operator and the Prometheus that acts on the
 * chart's ServiceMonitors, PodMonitors and PrometheusRules
 * (`observability.prometheus.providedBy`), stated on each of them as
 * validate.platform.dev/external-provider. Without it nothing is stated, and
 * the cluster gate refuses them (`cluster/unserved`): the platform installs
 * only the operator's CRDs.
 */
export function declareClusterPrometheus(base: SystemBase, chart: Chart): void {
  const providedBy = base.env.observability?.prometheus?.providedBy;
  if (!providedBy) return;
  for (const o of chart.node.findAll()) {
    if (o instanceof ApiObject && isPrometheusOperatorObject(o)) o.metadata.addAnnotation(EXTERNAL_PROVIDER_ANNOTATION, providedBy);
  }
}
