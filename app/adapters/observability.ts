import { Construct } from 'constructs';
import { Kibana } from '../../lib/data/kibana';
import { Alertmanager } from '../../lib/platform/alertmanager';
import { Grafana, GrafanaDatasource } from '../../lib/platform/grafana';
import { Jaeger } from '../../lib/platform/jaeger';
import { Prometheus } from '../../lib/platform/prometheus';
import { SloRules } from '../../lib/observability/slo-rules';
import { ExternalPeer, Peer } from '../../lib/security/peer';
import { callsKubeApi, componentPeer, scrape, storedSecret, SystemBase } from './system';
import { declareProvider, ProvidedEndpoint } from './logging';
import { meshTracingBackend } from './mesh';
import { SystemPrometheus } from './strategy';

/** A system's own observability stack (Specify's "Observability Layer", the 060 "Observability Stack"). */
export interface ObservabilityStack {
  readonly prometheus: Prometheus;
  readonly grafana: Grafana;
  readonly jaeger: Jaeger;
  /** Log visualisation on the system's Elasticsearch, when it has one. */
  readonly kibana?: Kibana;
  /** Routes the alerts of the system's Prometheus, when the system alerts. */
  readonly alertmanager?: Alertmanager;
  readonly peers: { readonly prometheus: Peer; readonly grafana: Peer; readonly jaeger: Peer; readonly kibana?: Peer; readonly alertmanager?: Peer };
  /** The system's Prometheus for the services' analysis (`serviceSettings(cfg, { prometheus })`). */
  readonly analysisPrometheus: SystemPrometheus;
  /** Lets the system's Prometheus scrape every `metrics` port of the pods added so far; call it last. */
  scrapeAll(): void;
}

export interface ObservabilityOptions {
  /** The document's Prometheus retention and volume when the environment names none. */
  readonly prometheus?: { readonly retention?: string; readonly storage?: string };
  /** Elasticsearch for Kibana and a Grafana logs datasource. @default no Kibana */
  readonly elasticsearch?: { readonly url: string; readonly peer: Peer; readonly index: string };
  /** Loki (run by the platform) as a Grafana datasource; who runs it is stated on the Grafana Deployment. @default none */
  readonly loki?: ProvidedEndpoint;
  /**
   * Alerting by the system's own Prometheus: it evaluates the rules, scrapes
   * the services they read (their Service name and metrics port; also the
   * `-canary`/`-preview` Services a strategy's analysis reads, see
   * `analysedServiceNames`), and sends alerts to the system's Alertmanager,
   * which routes them by severity.
   * @default no alerting
   */
  readonly alerting?: { readonly rules: readonly SloRules[]; readonly services: ReadonlyArray<{ readonly name: string; readonly port: string }> };
}

/**
 * Prometheus (namespaced discovery: no cluster-scoped object), Grafana with
 * Prometheus, Jaeger and the logs datasources, Jaeger with the environment's
 * sampling (`components.jaeger.samplingPercent`, else
 * `observability.tracingSamplingPercent`), and Kibana on the system's
 * Elasticsearch; sizes from `components.*`, the same objects everywhere.
 */
export function observabilityFromConfig(base: SystemBase, scope: Construct, o: ObservabilityOptions = {}): ObservabilityStack {
  const c = base.components;
  const ns = base.namespace;
  const common = { namespace: ns, partOf: base.partOf, metrics: { serviceMonitor: base.prometheus !== undefined } };
  const pc = c.prometheus ?? {};
  const alertmanager = o.alerting ? alertmanagerFromConfig(base, scope, o.alerting.rules) : undefined;
  const prometheus = new Prometheus(scope, 'prometheus', {
    ...common,
    name: 'prometheus',
    retention: pc.retention ?? o.prometheus?.retention,
    storage: pc.storage ?? (o.prometheus?.storage ? { size: o.prometheus.storage } : undefined),
    image: pc.image,
    resources: pc.resources,
    ruleGroups: o.alerting?.rules.flatMap((r) => r.ruleGroups),
    alertmanagers: alertmanager ? [alertmanager.target] : undefined,
    extraScrapeConfigs: o.alerting?.services.length ? [serviceScrapeJob(ns, o.alerting.services)] : undefined,
  });
  const jc = c.jaeger ?? {};
  const percent = jc.samplingPercent ?? base.env.observability?.tracingSamplingPercent ?? 100;
  const jaeger = new Jaeger(scope, 'jaeger', {
    ...common,
    name: 'jaeger',
    samplingRate: percent / 100,
    storage: { type: 'badger', volume: jc.storage ?? { size: '10Gi' } },
    image: jc.image,
    resources: jc.resources,
  });
  storedSecret(base, scope, 'grafana-admin', { username: { key: 'grafana', property: 'username' }, password: { key: 'grafana', property: 'password' } });
  const datasources: GrafanaDatasource[] = [
    { type: 'prometheus', name: 'Prometheus', url: prometheus.url, isDefault: true },
    { type: 'jaeger', name: 'Jaeger', url: jaeger.queryUrl },
  ];
  if (o.loki) datasources.push({ type: 'loki', name: 'Loki', url: `http://${o.loki.host}:${o.loki.port}` });
  if (o.elasticsearch) datasources.push({ type: 'elasticsearch', name: 'Elasticsearch', url: o.elasticsearch.url, index: o.elasticsearch.index });
  const gc = c.grafana ?? {};
  const grafana = new Grafana(scope, 'grafana', {
    ...common,
    name: 'grafana',
    adminCredentials: { secret: 'grafana-admin' },
    datasources,
    image: gc.image,
    resources: gc.resources,
    storage: gc.storage,
  });
  const g = base.graph;
  const peers = {
    prometheus: componentPeer(base, 'prometheus', { http: 9090 }),
    grafana: componentPeer(base, 'grafana', { http: 3000 }),
    jaeger: componentPeer(base, 'jaeger', { 'otlp-grpc': 4317, 'otlp-http': 4318, query: 16686, sampling: 5778, metrics: 8888 }),
    kibana: o.elasticsearch ? componentPeer(base, 'kibana', { http: 5601 }) : undefined,
    alertmanager: alertmanager ? componentPeer(base, 'alertmanager', { http: 9093 }) : undefined,
  };
  // Where the mesh runs, the sidecars send their spans here (app/adapters/mesh.ts).
  meshTracingBackend(base, { jaeger, peer: peers.jaeger });
  if (peers.alertmanager) {
    g.connect(peers.prometheus, peers.alertmanager, 'http').connect(peers.grafana, peers.alertmanager, 'http');
    // PagerDuty's and Slack's APIs are on the internet, at addresses they do not publish per customer.
    g.connect(peers.alertmanager, ExternalPeer.addresses({ name: 'notification-apis', cidrs: ['0.0.0.0/0'], ports: { https: 443 } }), 'https');
    scrape(base, peers.alertmanager, 'http');
  }
  g.connect(peers.grafana, peers.prometheus, 'http').connect(peers.grafana, peers.jaeger, 'query');
  // Service discovery reads endpoints and pods from the API.
  callsKubeApi(base, peers.prometheus);
  if (o.loki) {
    g.connect(peers.grafana, o.loki.peer, 'http');
    declareProvider(grafana.workload, o.loki);
  }
  if (o.elasticsearch) g.connect(peers.grafana, o.elasticsearch.peer, 'http');
  scrape(base, peers.jaeger);
  scrape(base, peers.grafana, 'http');
  // Its ServiceMonitor has the platform's Prometheus read its own metrics.
  scrape(base, peers.prometheus, 'http');
  let kibana: Kibana | undefined;
  if (o.elasticsearch && peers.kibana) {
    const kc = c.kibana ?? {};
    // No environment exposes Kibana (components.kibana has no `expose`): operators port-forward to it, so nothing in the cluster calls it.
    kibana = new Kibana(scope, 'kibana', {
      namespace: ns,
      partOf: base.partOf,
      name: 'kibana',
      elasticsearchUrl: o.elasticsearch.url,
      replicas: kc.replicas,
      image: kc.image,
      resources: kc.resources,
      portForwardOnly: { reason: 'no in-cluster caller: not exposed through the border, operators open Kibana with kubectl port-forward' },
    });
    g.connect(peers.kibana, o.elasticsearch.peer, 'http');
  }
  return {
    prometheus,
    grafana,
    jaeger,
    kibana,
    alertmanager,
    peers,
    analysisPrometheus: { address: prometheus.url, peer: peers.prometheus },
    scrapeAll: () => {
      for (const p of g.peers()) if (p !== peers.prometheus && p.namespace === ns && 'metrics' in p.ports) g.scrape(p, 'metrics', peers.prometheus);
    },
  };
}

/** A scrape job for named Services' metrics ports in the namespace, labelled like the built-in job (namespace, service, pod). */
function serviceScrapeJob(namespace: string, services: ReadonlyArray<{ readonly name: string; readonly port: string }>): Record<string, unknown> {
  return {
    job_name: 'services',
    kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_service_name', '__meta_kubernetes_endpointslice_port_name'], regex: `(${[...new Set(services.map((s) => `${s.name};${s.port}`))].join('|')})`, action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ],
  };
}

/**
 * The system's Alertmanager ("060" "Alert Routing"): critical alerts page
 * through PagerDuty at once, warnings go to Slack during business hours
 * (`components.alertmanager.businessHours`, default Monday-Friday 09:00-17:00
 * UTC), info alerts notify nobody (dashboards). The PagerDuty routing key and
 * the Slack webhook come from the secret store (key "alertmanager",
 * properties "pagerduty-routing-key" and "slack-webhook-url"), never from Git.
 */
export function alertmanagerFromConfig(base: SystemBase, scope: Construct, rules: readonly SloRules[]): Alertmanager {
  const c = base.components.alertmanager ?? {};
  const secret = 'alertmanager-receivers';
  storedSecret(base, scope, secret, {
    'pagerduty-routing-key': { key: 'alertmanager', property: 'pagerduty-routing-key' },
    'slack-webhook-url': { key: 'alertmanager', property: 'slack-webhook-url' },
  });
  const hours = c.businessHours ?? {};
  return new Alertmanager(scope, 'alertmanager', {
    name: 'alertmanager',
    namespace: base.namespace,
    partOf: base.partOf,
    metrics: { serviceMonitor: base.prometheus !== undefined },
    receivers: [
      { kind: 'pagerduty', name: 'pagerduty', routingKey: { secret, key: 'pagerduty-routing-key' } },
      { kind: 'slack', name: 'slack', webhookUrl: { secret, key: 'slack-webhook-url' }, channel: c.slackChannel ?? '#alerts' },
    ],
    timeIntervals: [{ name: 'business-hours', weekdays: hours.weekdays ?? ['monday:friday'], start: hours.start ?? '09:00', end: hours.end ?? '17:00', location: hours.timezone ?? 'UTC' }],
    routes: [
      { severity: 'critical', receiver: 'pagerduty', repeatInterval: '1h' },
      { severity: 'warning', receiver: 'slack', activeTimeInterval: 'business-hours' },
      { severity: 'info', receiver: 'nobody' },
    ],
    requiredSeverities: [...new Set(rules.flatMap((r) => r.severities))].sort(),
    storage: c.storage,
    image: c.image,
    resources: c.resources,
  });
}
