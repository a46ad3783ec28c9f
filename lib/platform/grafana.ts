import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { configYaml } from '../synth/serialize';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkImage, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, persistentClaim, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';

/** A datasource provisioned at start; users cannot edit it in the UI (Git stays the source of truth). */
export type GrafanaDatasource =
  | { readonly type: 'prometheus'; readonly name: string; readonly url: string; /** @default false */ readonly isDefault?: boolean }
  | { readonly type: 'loki'; readonly name: string; readonly url: string; readonly isDefault?: boolean }
  | { readonly type: 'jaeger'; readonly name: string; readonly url: string; readonly isDefault?: boolean }
  | {
      readonly type: 'elasticsearch'; readonly name: string; readonly url: string; readonly isDefault?: boolean;
      /** Index pattern, e.g. "logs-*". */ readonly index: string;
      /** @default "@timestamp" */ readonly timeField?: string;
    };

export interface GrafanaProps extends CatalogServiceProps {
  /** Secret with the admin user name and password. */
  readonly adminCredentials: { readonly secret: string; /** @default "username" */ readonly usernameKey?: string; /** @default "password" */ readonly passwordKey?: string };
  /** @default none */
  readonly datasources?: GrafanaDatasource[];
  /** Dashboards by file name (without .json): the dashboard JSON model. More can be added with addDashboard(). @default none */
  readonly dashboards?: Record<string, object>;
  /** Public URL behind the border, e.g. "https://grafana.example.com/" (links and OAuth redirects). @default Grafana's own */
  readonly rootUrl?: string;
  /** Keep users, API keys and UI-made changes across restarts on a PVC. @default none (everything is provisioned, state is an emptyDir) */
  readonly storage?: StorageOptions;
  /** @default docker.io/grafana/grafana:11.2.0 (UID 472) */
  readonly image?: PinnedImage;
  /** @default 472 */
  readonly uid?: number;
  /** @default requests 100m/128Mi, limits 500m/512Mi */
  readonly resources?: ComputeResources;
}

const PORT = IMAGES.grafana.ports.http;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('grafana');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const CONFIGMAP_LIMIT = 1024 * 1024;
const FILE_NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;

/**
 * Grafana with datasources and dashboards provisioned from ConfigMaps and the
 * admin login from a Secret. One replica: its SQLite state is per pod.
 */
export class Grafana extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly url: string;
  public readonly workload: k8s.KubeDeployment;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;
  private readonly dashboards = new Map<string, string>();

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.url = `http://${this.name}.${this.namespace}.svc:${PORT}`;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    if (props.storage) checkStorage(this, 'storage', props.storage);
    if (!props.adminCredentials?.secret) throw new PropsError(this, 'adminCredentials', props.adminCredentials, 'the Secret holding the admin user name and password ({ secret, usernameKey, passwordKey })');
    if (props.rootUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(props.rootUrl)) {
      throw new PropsError(this, 'rootUrl', props.rootUrl, 'an absolute http(s) URL such as "https://grafana.example.com/"');
    }
    const datasources = props.datasources ?? [];
    this.checkDatasources(datasources);
    for (const [file, model] of Object.entries(props.dashboards ?? {})) this.addDashboard(file, model);

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'dashboards' });
    const selector = selectorLabels({ name: this.name });
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    const provisioning = {
      'datasources.yaml': configYaml({ apiVersion: 1, datasources: datasources.map(renderDatasource) }),
      'dashboards.yaml': configYaml({
        apiVersion: 1,
        providers: [{ name: 'provisioned', type: 'file', disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30, options: { path: '/etc/grafana/dashboards', foldersFromFilesStructure: false } }],
      }),
    };
    new k8s.KubeConfigMap(this, 'Provisioning', { metadata: metadata(`${this.name}-provisioning`), data: provisioning });
    new k8s.KubeConfigMap(this, 'Dashboards', {
      metadata: metadata(`${this.name}-dashboards`),
      data: Lazy.any({ produce: () => Object.fromEntries([...this.dashboards.keys()].sort().map((k) => [`${k}.json`, this.dashboards.get(k)!])) }) as unknown as Record<string, string>,
    });
    this.node.addValidation({
      validate: () => {
        const size = [...this.dashboards.values()].reduce((n, s) => n + Buffer.byteLength(s), 0);
        return size > CONFIGMAP_LIMIT ? [`${this.node.path}: dashboards: expected at most 1 MiB of JSON in total (the ConfigMap limit), got ${size} bytes`] : [];
      },
    });

    if (props.storage) persistentClaim(this, 'Data', { name: `${this.name}-data`, namespace: this.namespace, labels, storage: props.storage });
    const logs = scratchVolume('logs', '/var/log/grafana', '256Mi');
    const tmp = scratchVolume('tmp', '/tmp', '256Mi');
    const creds = props.adminCredentials;
    const env: k8s.EnvVar[] = [
      secretEnv('GF_SECURITY_ADMIN_USER', { secret: creds.secret, key: creds.usernameKey ?? 'username' }),
      secretEnv('GF_SECURITY_ADMIN_PASSWORD', { secret: creds.secret, key: creds.passwordKey ?? 'password' }),
      { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
      { name: 'GF_PATHS_LOGS', value: '/var/log/grafana' },
      { name: 'GF_PATHS_PLUGINS', value: '/var/lib/grafana/plugins' },
      { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      ...(props.rootUrl ? [{ name: 'GF_SERVER_ROOT_URL', value: props.rootUrl }] : []),
    ];
    const http = k8s.IntOrString.fromString('http');
    this.workload = new k8s.KubeDeployment(this, 'Resource', {
      metadata: metadata(this.name),
      spec: {
        replicas: 1,
        // A PVC is mounted by one pod at a time; without one a rolling update is safe.
        strategy: props.storage ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...standardLabels({ name: this.name, component: 'dashboards', version: image.tag }), ...selector },
            annotations: { 'checksum/provisioning': checksum(provisioning) },
          },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('grafana') }),
            containers: [
              hardened({
                name: 'grafana',
                image: imageRef(image),
                ports: [tcp('http', PORT)],
                env,
                resources: toResourceRequirements(resources),
                readinessProbe: { httpGet: { path: '/api/health', port: http }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: http }, periodSeconds: 20, failureThreshold: 6 },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/grafana' },
                  { name: 'provisioning', mountPath: '/etc/grafana/provisioning', readOnly: true },
                  { name: 'dashboards', mountPath: '/etc/grafana/dashboards', readOnly: true },
                  logs.mount, tmp.mount,
                ],
              }),
            ],
            volumes: [
              props.storage ? { name: 'data', persistentVolumeClaim: { claimName: `${this.name}-data` } } : { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              {
                name: 'provisioning',
                configMap: { name: `${this.name}-provisioning`, items: [{ key: 'datasources.yaml', path: 'datasources/datasources.yaml' }, { key: 'dashboards.yaml', path: 'dashboards/dashboards.yaml' }] },
              },
              { name: 'dashboards', configMap: { name: `${this.name}-dashboards` } },
              logs.volume, tmp.volume,
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', { metadata: metadata(this.name), spec: { type: 'ClusterIP', selector, ports: [servicePort('http', PORT)] } });
    // Grafana serves its own metrics on the HTTP port.
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'http' }] });
  }

  /** Adds a dashboard (JSON model) under `<file>.json`; another issue's constructs call this per service. */
  public addDashboard(file: string, model: object): void {
    if (!FILE_NAME.test(file)) throw new PropsError(this, `dashboards.${file}`, file, 'a file name of lower-case letters, digits, "-", "_" or "."');
    if (this.dashboards.has(file)) throw new PropsError(this, `dashboards.${file}`, file, 'a file name not used by another dashboard');
    this.dashboards.set(file, JSON.stringify(model, null, 2));
  }

  private checkDatasources(ds: GrafanaDatasource[]): void {
    const names = new Set<string>();
    ds.forEach((d, i) => {
      if (!d.name) throw new PropsError(this, `datasources[${i}].name`, d.name, 'a non-empty name');
      if (names.has(d.name)) throw new PropsError(this, `datasources[${i}].name`, d.name, 'a name not used by another datasource');
      names.add(d.name);
      if (!/^https?:\/\/\S+$/.test(d.url)) throw new PropsError(this, `datasources[${i}].url`, d.url, 'an http(s) URL such as "http://prometheus:9090"');
      if (d.type === 'elasticsearch' && !d.index) throw new PropsError(this, `datasources[${i}].index`, d.index, 'an index pattern such as "logs-*"');
    });
    if (ds.filter((d) => d.isDefault).length > 1) throw new PropsError(this, 'datasources', ds.filter((d) => d.isDefault).map((d) => d.name), 'at most one datasource with isDefault');
  }
}

function renderDatasource(d: GrafanaDatasource): Record<string, unknown> {
  const uid = d.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40);
  const common = { name: d.name, uid, type: d.type, access: 'proxy', url: d.url, isDefault: d.isDefault ?? false, editable: false };
  if (d.type === 'elasticsearch') return { ...common, jsonData: { index: d.index, timeField: d.timeField ?? '@timestamp' } };
  return common;
}
