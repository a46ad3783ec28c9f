import { Construct } from 'constructs';
import { configYaml } from '../synth/serialize';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkDnsLabel, checkDuration, checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading, SpreadOptions } from '../core/placement';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';

/**
 * Where Prometheus discovers targets: the whole cluster (a ClusterRole), or
 * only the listed namespaces (a Role in each; no cluster-scoped object, for
 * shared-cluster mode).
 */
export type PrometheusDiscovery = { readonly scope: 'cluster' } | { readonly scope: 'namespaces'; readonly namespaces: string[] };

export interface PrometheusProps extends CatalogServiceProps {
  /** How long samples are kept (e.g. "30d"). @default "15d" */
  readonly retention?: string;
  /** TSDB volume of each replica (e.g. 20Gi). Retention by size stops at 85% of it. @default 20Gi */
  readonly storage?: StorageOptions;
  /** Replicas; each is an independent TSDB scraping the same targets (an HA pair), never two writers on one volume. @default 1 */
  readonly replicas?: number;
  /** @default { scope: "namespaces", namespaces: [namespace] } */
  readonly discovery?: PrometheusDiscovery;
  /** Default scrape and rule evaluation interval. @default "30s" */
  readonly scrapeInterval?: string;
  /** Rule groups (rule-file data, e.g. `SloRules.ruleGroups`) evaluated by this Prometheus, written to rules.yml beside the configuration. @default none */
  readonly ruleGroups?: Record<string, unknown>[];
  /** Alertmanagers alerts are sent to, as `host:port` (e.g. `Alertmanager.target`). @default none */
  readonly alertmanagers?: string[];
  /** Extra scrape jobs (Prometheus `scrape_configs` entries) appended to the built-in ones. @default none */
  readonly extraScrapeConfigs?: Record<string, unknown>[];
  /** @default quay.io/prometheus/prometheus:v2.54.1 (UID 65534) */
  readonly image?: PinnedImage;
  /** @default 65534 */
  readonly uid?: number;
  /** @default requests 250m/1Gi, limits 1/2Gi */
  readonly resources?: ComputeResources;
  /** @default hostname anti-affinity + zone spread when replicas > 1 */
  readonly spread?: SpreadOptions | false;
}

const PORT = IMAGES.prometheus.ports.http;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('prometheus');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
/** Discovery needs to read these and nothing else. */
const DISCOVERY_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

/**
 * Prometheus as a StatefulSet (one TSDB per pod), scrape configuration in a
 * ConfigMap and least-privilege service discovery. The built-in job scrapes
 * every endpoint whose port is named `metrics` (the convention of every
 * catalog construct and Microservice) in the discovered namespaces; a Service
 * annotated `prometheus.io/path` changes the path.
 */
export class Prometheus extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `http://<name>.<namespace>.svc:9090`, for Grafana and Argo Rollouts analysis. */
  public readonly url: string;
  public readonly workload: k8s.KubeStatefulSet;
  /** The rendered prometheus.yml. */
  public readonly config: string;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.url = `http://${this.name}.${this.namespace}.svc:${PORT}`;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '20Gi' };
    checkStorage(this, 'storage', storage);
    const retention = props.retention ?? '15d';
    checkDuration(this, 'retention', retention, 'smhdwy');
    const interval = props.scrapeInterval ?? '30s';
    checkDuration(this, 'scrapeInterval', interval, 'smh');
    const replicas = props.replicas ?? 1;
    checkInt(this, 'replicas', replicas, 1, 5);
    const discovery = props.discovery ?? { scope: 'namespaces', namespaces: [this.namespace] };
    if (discovery.scope === 'namespaces') {
      if (discovery.namespaces.length === 0) throw new PropsError(this, 'discovery.namespaces', discovery.namespaces, 'at least one namespace');
      discovery.namespaces.forEach((n, i) => checkDnsLabel(this, `discovery.namespaces[${i}]`, n));
    }
    const retentionSize = `${Math.floor((bytes(storage.size)! * 0.85) / 2 ** 20)}MB`;

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'monitoring' });
    const selector = selectorLabels({ name: this.name });
    const metadata = (name: string, namespace = this.namespace) => ({ name, namespace, labels });
    const sd = { role: 'endpointslice', ...(discovery.scope === 'namespaces' ? { namespaces: { names: [...discovery.namespaces].sort() } } : {}) };
    const ruleGroups = props.ruleGroups ?? [];
    (props.alertmanagers ?? []).forEach((a, i) => {
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/.test(a)) throw new PropsError(this, `alertmanagers[${i}]`, a, 'a host:port such as "alertmanager.monitoring.svc:9093"');
    });
    this.config = configYaml({
      global: { scrape_interval: interval, evaluation_interval: interval },
      ...(ruleGroups.length ? { rule_files: ['/etc/prometheus/rules.yml'] } : {}),
      ...(props.alertmanagers?.length ? { alerting: { alertmanagers: [{ static_configs: [{ targets: props.alertmanagers }] }] } } : {}),
      scrape_configs: [
        { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${PORT}`] }] },
        {
          job_name: 'metrics-ports',
          kubernetes_sd_configs: [sd],
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: 'metrics', action: 'keep' },
            { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
            { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
          ],
        },
        ...(props.extraScrapeConfigs ?? []),
      ],
    });
    const jobs = new Set<string>();
    for (const [i, j] of [{ job_name: 'prometheus' }, { job_name: 'metrics-ports' }, ...(props.extraScrapeConfigs ?? [])].entries()) {
      const name = (j as { job_name?: unknown }).job_name;
      if (typeof name !== 'string' || !name) throw new PropsError(this, `extraScrapeConfigs[${i - 2}].job_name`, name, 'a job name');
      if (jobs.has(name)) throw new PropsError(this, `extraScrapeConfigs[${i - 2}].job_name`, name, 'a job name not used by another job (prometheus and metrics-ports are built in)');
      jobs.add(name);
    }
    const rulesFile = ruleGroups.length ? configYaml({ groups: ruleGroups }) : undefined;
    new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: { 'prometheus.yml': this.config, ...(rulesFile ? { 'rules.yml': rulesFile } : {}) } });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), automountServiceAccountToken: false });
    const subject = { kind: 'ServiceAccount', name: this.name, namespace: this.namespace };
    if (discovery.scope === 'cluster') {
      const roleName = `${this.namespace}-${this.name}`;
      new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name: roleName, labels }, rules: DISCOVERY_RULES });
      new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name: roleName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [subject],
      });
    } else {
      for (const ns of [...discovery.namespaces].sort()) {
        new k8s.KubeRole(this, `Role-${ns}`, { metadata: metadata(this.name, ns), rules: DISCOVERY_RULES });
        new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
          metadata: metadata(this.name, ns),
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
          subjects: [subject],
        });
      }
    }

    const tmp = scratchVolume('tmp', '/tmp', '64Mi');
    const http = k8s.IntOrString.fromString('http');
    const headless = `${this.name}-headless`;
    // No ports: the ServiceMonitor matches Services by label and port name, and must find only the main Service.
    new k8s.KubeService(this, 'Headless', { metadata: metadata(headless), spec: { clusterIp: 'None', selector } });
    this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...metadata(this.name), annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas,
        serviceName: headless,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...standardLabels({ name: this.name, component: 'monitoring', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(rulesFile ? [this.config, rulesFile] : this.config) } },
          spec: {
            serviceAccountName: this.name,
            // Service discovery reads the API with this token.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('prometheus') }),
            terminationGracePeriodSeconds: 300,
            ...(replicas > 1 ? spreading(selector, props.spread) : {}),
            containers: [
              hardened({
                name: 'prometheus',
                image: imageRef(image),
                args: [
                  '--config.file=/etc/prometheus/prometheus.yml',
                  '--storage.tsdb.path=/prometheus',
                  `--storage.tsdb.retention.time=${retention}`,
                  `--storage.tsdb.retention.size=${retentionSize}`,
                  `--web.listen-address=:${PORT}`,
                  '--web.console.libraries=/usr/share/prometheus/console_libraries',
                  '--web.console.templates=/usr/share/prometheus/consoles',
                ],
                ports: [tcp('http', PORT)],
                resources: toResourceRequirements(resources),
                // WAL replay after a crash can take minutes on a large TSDB.
                startupProbe: { httpGet: { path: '/-/ready', port: http }, periodSeconds: 10, failureThreshold: 60 },
                readinessProbe: { httpGet: { path: '/-/ready', port: http }, periodSeconds: 10, timeoutSeconds: 3 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: http }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
                volumeMounts: [{ name: 'data', mountPath: '/prometheus' }, { name: 'config', mountPath: '/etc/prometheus', readOnly: true }, tmp.mount],
              }),
            ],
            volumes: [{ name: 'config', configMap: { name: `${this.name}-config` } }, tmp.volume],
          },
        },
        volumeClaimTemplates: [claimTemplate(this, 'data', storage, selector)],
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
      },
    });
    new k8s.KubeService(this, 'Service', { metadata: metadata(this.name), spec: { type: 'ClusterIP', selector, ports: [servicePort('http', PORT)] } });
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', { metadata: metadata(this.name), spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector) });
    }
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'http' }] });
  }
}
