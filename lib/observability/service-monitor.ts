import { Construct } from 'constructs';
import * as pm from '../../imports/monitoring-servicemonitor-monitoring.coreos.com';
import { checkDuration } from '../core/checks';
import { PropsError } from '../core/errors';
import { MetricsOptions } from '../core/catalog';

/** One scrape endpoint: a named Service port and how to scrape it. */
export interface ScrapeEndpoint {
  /** Name of the Service port (never a number: names survive port changes). */
  readonly port: string;
  /** HTTP path. @default "/metrics" */
  readonly path?: string;
  /** @default "http" */
  readonly scheme?: 'http' | 'https';
  /** Scrape interval. @default "30s" */
  readonly interval?: string;
  /** Keep the target's own labels on conflict (for exporters that relay other jobs' series). @default false */
  readonly honorLabels?: boolean;
  /** Skip certificate verification, for self-signed endpoints only reachable in-cluster. @default false */
  readonly insecureSkipVerify?: boolean;
}

export interface ServiceMonitorProps {
  /** Name of the ServiceMonitor (usually the Service's). */
  readonly name: string;
  readonly namespace: string;
  /** Labels on the ServiceMonitor itself (standard labels plus whatever the operator selects on). */
  readonly labels?: Record<string, string>;
  /** Labels of the Service(s) to scrape. */
  readonly selector: Record<string, string>;
  /** At least one endpoint. */
  readonly endpoints: ScrapeEndpoint[];
}

/**
 * A Prometheus Operator ServiceMonitor for Services in its own namespace.
 * Catalog constructs and Microservice create one through `monitorService`;
 * PrometheusRules and dashboards build on the same labels.
 */
export class ServiceMonitor extends Construct {
  public readonly resource: pm.ServiceMonitor;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    if (props.endpoints.length === 0) throw new PropsError(this, 'endpoints', props.endpoints, 'at least one endpoint');
    if (Object.keys(props.selector).length === 0) {
      throw new PropsError(this, 'selector', props.selector, 'at least one label (an empty selector scrapes every Service in the namespace)');
    }
    props.endpoints.forEach((e, i) => {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(e.port) || e.port.length > 15) {
        throw new PropsError(this, `endpoints[${i}].port`, e.port, 'the name of a Service port (IANA service name, at most 15 characters)');
      }
      if (e.interval !== undefined) checkDuration(this, `endpoints[${i}].interval`, e.interval, 'smh');
      if (e.path !== undefined && !e.path.startsWith('/')) throw new PropsError(this, `endpoints[${i}].path`, e.path, 'an absolute path such as "/metrics"');
    });
    this.resource = new pm.ServiceMonitor(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        selector: { matchLabels: props.selector },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: props.endpoints.map((e) => ({
          port: e.port,
          path: e.path ?? '/metrics',
          scheme: e.scheme === 'https' ? pm.ServiceMonitorSpecEndpointsScheme.HTTPS : pm.ServiceMonitorSpecEndpointsScheme.HTTP,
          interval: e.interval ?? '30s',
          honorLabels: e.honorLabels || undefined,
          tlsConfig: e.insecureSkipVerify ? { insecureSkipVerify: true } : undefined,
        })),
      },
    });
  }
}

/**
 * The ServiceMonitor of a catalog service, or nothing when `metrics.serviceMonitor`
 * is false. The interval of `metrics` applies to every endpoint that sets none.
 */
export function monitorService(
  scope: Construct,
  metrics: MetricsOptions | undefined,
  p: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly selector: Record<string, string>; readonly endpoints: ScrapeEndpoint[] },
): ServiceMonitor | undefined {
  if (metrics?.serviceMonitor === false) return undefined;
  return new ServiceMonitor(scope, 'ServiceMonitor', {
    name: p.name,
    namespace: p.namespace,
    labels: { ...p.labels, ...metrics?.labels },
    selector: p.selector,
    endpoints: p.endpoints.map((e) => ({ ...e, interval: e.interval ?? metrics?.interval })),
  });
}
