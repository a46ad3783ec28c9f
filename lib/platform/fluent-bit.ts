import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, PodSecurityRequirement, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkHostName, checkImage, checkPort, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedContainerSecurityContext, scratchVolume } from '../core/security';
import { monitorService } from '../observability/service-monitor';

/** Elasticsearch as the destination of the collected logs. */
export interface FluentBitElasticsearchOutput {
  readonly kind: 'elasticsearch';
  /** Host of the Elasticsearch HTTP endpoint, e.g. "elasticsearch.logging.svc". */
  readonly host: string;
  /** @default 9200 */
  readonly port?: number;
  /** Daily indices `<prefix>-YYYY.MM.DD` (e.g. "shop-logs"). @default "logs" */
  readonly indexPrefix?: string;
  /** TLS to Elasticsearch. @default false */
  readonly tls?: boolean;
  /** Basic-auth user and password from a Secret. @default none */
  readonly credentials?: { readonly secret: string; /** @default "username" */ readonly usernameKey?: string; /** @default "password" */ readonly passwordKey?: string };
}

/** A Logstash `http` input (e.g. `Logstash.httpInput`) as the destination: records go as JSON arrays, `@timestamp` in ISO 8601. */
export interface FluentBitLogstashOutput {
  readonly kind: 'logstash';
  /** Host of the Logstash Service, e.g. "logstash.shop-prod.svc". */
  readonly host: string;
  /** @default 8080 */
  readonly port?: number;
}

/** Where the collected container logs go. */
export type FluentBitOutput = FluentBitElasticsearchOutput | FluentBitLogstashOutput;

export interface FluentBitProps extends CatalogServiceProps {
  /** Where the logs go. */
  readonly output: FluentBitOutput;
  /**
   * Fields set on every record, e.g. `{ environment: "prod", system: "shop" }`
   * (centralized logging with environment context). Every record also gets
   * `namespace` from its pod's Kubernetes metadata. @default none
   */
  readonly recordFields?: Record<string, string>;
  /** Container log files to tail (globs under /var/log/containers). @default ["/var/log/containers/*.log"] */
  readonly paths?: string[];
  /** UID the collector runs as. Node log files are usually root-owned 0640, so root with every capability dropped reads them; set a UID where nodes make logs group-readable. @default 0 */
  readonly runAsUser?: number;
  /** @default cr.fluentbit.io/fluent/fluent-bit:3.1.9 */
  readonly image?: PinnedImage;
  /** @default requests 50m/64Mi, limits 500m/256Mi */
  readonly resources?: ComputeResources;
}

const PORT = IMAGES.fluentBit.ports.http;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('fluentBit');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
/**
 * Chunks kept on disk while the output is down: retries never give up
 * (Retry_Limit False), so without a cap they would fill the 1Gi state volume
 * and the kubelet would evict the pod; past the cap the oldest chunks go.
 */
const BUFFER_LIMIT = '512M';
const LOG_GLOB = /^\/var\/log\/containers\/[^\s,]+$/;

/**
 * Fluent Bit as a DaemonSet shipping every node's container logs, enriched
 * with Kubernetes metadata, to Elasticsearch (`Suppress_Type_Name On` for ES 8,
 * `Replace_Dots On` so label keys with dots do not clash with object fields).
 *
 * It is the documented exception to the restricted Pod Security Standard: it
 * reads the node's log files through read-only hostPath mounts. `podSecurity`
 * states the level its namespace must be labelled with, and why.
 */
export class FluentBit extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly workload: k8s.KubeDaemonSet;
  /** The rendered fluent-bit.conf. */
  public readonly config: string;
  public readonly podSecurity: PodSecurityRequirement = {
    level: 'privileged',
    reason: 'Fluent Bit reads node container logs through read-only hostPath mounts of /var/log (hostPath volumes are forbidden by the baseline and restricted levels)',
  };

  constructor(scope: Construct, id: string, props: FluentBitProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const out = props.output;
    checkHostName(this, 'output.host', out.host);
    const outPort = out.port ?? (out.kind === 'elasticsearch' ? 9200 : 8080);
    checkPort(this, 'output.port', outPort);
    const prefix = out.kind === 'elasticsearch' ? out.indexPrefix ?? 'logs' : undefined;
    if (prefix !== undefined && !/^[a-z0-9][a-z0-9_.-]*$/.test(prefix)) throw new PropsError(this, 'output.indexPrefix', prefix, 'a lower-case index name prefix such as "shop-logs"');
    const fields = props.recordFields ?? {};
    for (const [k, v] of Object.entries(fields)) {
      if (!/^[a-z][a-z0-9_]*$/.test(k) || k === 'namespace') throw new PropsError(this, `recordFields.${k}`, k, 'a lower-case field name other than "namespace" (set from the pod metadata)');
      if (!/^[A-Za-z0-9._/-]+$/.test(v)) throw new PropsError(this, `recordFields.${k}`, v, 'a value of letters, digits, ".", "_", "/" or "-" (no spaces)');
    }
    const paths = props.paths ?? ['/var/log/containers/*.log'];
    if (paths.length === 0) throw new PropsError(this, 'paths', paths, 'at least one glob under /var/log/containers');
    paths.forEach((p, i) => {
      if (!LOG_GLOB.test(p)) throw new PropsError(this, `paths[${i}]`, p, 'a glob under /var/log/containers/ such as "/var/log/containers/*shop*.log" (only /var/log is mounted)');
    });
    const uid = props.runAsUser ?? imageUid('fluentBit');
    if (!Number.isInteger(uid) || uid < 0) throw new PropsError(this, 'runAsUser', uid, 'a UID >= 0');

    const section = (name: string, entries: [string, string | number][]) => [`[${name}]`, ...entries.map(([k, v]) => `    ${k.padEnd(20)} ${v}`)].join('\n');
    this.config = [
      section('SERVICE', [
        ['Flush', 1], ['Log_Level', 'info'], ['Daemon', 'off'], ['Parsers_File', '/fluent-bit/etc/parsers.conf'],
        ['HTTP_Server', 'On'], ['HTTP_Listen', '0.0.0.0'], ['HTTP_Port', PORT], ['Health_Check', 'On'],
        ['storage.path', '/var/fluent-bit/state/buffer'],
      ]),
      section('INPUT', [
        ['Name', 'tail'], ['Tag', 'kube.*'], ['Path', paths.join(',')],
        // Never ship our own output: a failing Elasticsearch would otherwise feed its errors back in.
        ['Exclude_Path', `/var/log/containers/${this.name}-*_${this.namespace}_*.log`],
        ['multiline.parser', 'docker, cri'], ['DB', '/var/fluent-bit/state/tail.db'],
        ['Mem_Buf_Limit', '50MB'], ['Skip_Long_Lines', 'On'], ['Refresh_Interval', 10], ['storage.type', 'filesystem'],
      ]),
      section('FILTER', [
        ['Name', 'kubernetes'], ['Match', 'kube.*'], ['Kube_URL', 'https://kubernetes.default.svc:443'],
        ['Merge_Log', 'On'], ['Keep_Log', 'Off'], ['K8S-Logging.Parser', 'On'], ['K8S-Logging.Exclude', 'On'],
      ]),
      // Every record says where it comes from: the environment and system as
      // configured, the namespace from the pod metadata the filter above added.
      ...(Object.keys(fields).length ? [section('FILTER', [['Name', 'modify'], ['Match', 'kube.*'], ...Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => ['Set', `${k} ${v}`] as [string, string])])] : []),
      section('FILTER', [
        ['Name', 'lua'], ['Match', 'kube.*'], ['call', 'add_namespace'],
        ['code', 'function add_namespace(tag, ts, record) local k = record["kubernetes"] if k ~= nil and k["namespace_name"] ~= nil then record["namespace"] = k["namespace_name"] end return 2, ts, record end'],
      ]),
      out.kind === 'elasticsearch'
        ? section('OUTPUT', [
            ['Name', 'es'], ['Match', 'kube.*'], ['Host', out.host], ['Port', outPort],
            ['Logstash_Format', 'On'], ['Logstash_Prefix', prefix!],
            ['Suppress_Type_Name', 'On'], ['Replace_Dots', 'On'],
            ['Retry_Limit', 'False'], ['Trace_Error', 'On'], ['tls', out.tls ? 'On' : 'Off'], ['storage.total_limit_size', BUFFER_LIMIT],
            ...(out.credentials ? ([['HTTP_User', '${ES_USER}'], ['HTTP_Passwd', '${ES_PASSWORD}']] as [string, string][]) : []),
          ])
        : section('OUTPUT', [
            ['Name', 'http'], ['Match', 'kube.*'], ['Host', out.host], ['Port', outPort], ['URI', '/'],
            ['Format', 'json'], ['json_date_key', '@timestamp'], ['json_date_format', 'iso8601'],
            ['Retry_Limit', 'False'], ['storage.total_limit_size', BUFFER_LIMIT],
          ]),
      '',
    ].join('\n\n');

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'logging' });
    const selector = selectorLabels({ name: this.name });
    const metadata = { name: this.name, namespace: this.namespace, labels };
    new k8s.KubeConfigMap(this, 'Config', { metadata: { ...metadata, name: `${this.name}-config` }, data: { 'fluent-bit.conf': this.config } });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const roleName = `${this.namespace}-${this.name}`;
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: roleName, labels },
      // The kubernetes filter looks up pod and namespace metadata; it writes nothing.
      rules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: roleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });

    const state = scratchVolume('state', '/var/fluent-bit/state', '1Gi');
    const metrics = k8s.IntOrString.fromString('metrics');
    const creds = out.kind === 'elasticsearch' ? out.credentials : undefined;
    this.workload = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata,
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: { ...standardLabels({ name: this.name, component: 'logging', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(this.config) } },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            // Root (by default) only to read root-owned log files; no capability, no escalation, read-only root filesystem.
            securityContext: { runAsUser: uid, runAsGroup: uid, runAsNonRoot: uid !== 0, seccompProfile: { type: 'RuntimeDefault' } },
            priorityClassName: 'system-node-critical',
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'fluent-bit',
                image: imageRef(image),
                imagePullPolicy: 'IfNotPresent',
                command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/config/fluent-bit.conf'],
                ports: [tcp('metrics', PORT)],
                env: creds
                  ? [secretEnv('ES_USER', { secret: creds.secret, key: creds.usernameKey ?? 'username' }), secretEnv('ES_PASSWORD', { secret: creds.secret, key: creds.passwordKey ?? 'password' })]
                  : undefined,
                resources: toResourceRequirements(resources),
                readinessProbe: { httpGet: { path: '/api/v1/health', port: metrics }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/', port: metrics }, periodSeconds: 20, failureThreshold: 6 },
                securityContext: { ...restrictedContainerSecurityContext(), runAsNonRoot: uid !== 0 },
                volumeMounts: [
                  { name: 'config', mountPath: '/fluent-bit/config', readOnly: true },
                  { name: 'varlog', mountPath: '/var/log', readOnly: true },
                  state.mount,
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: `${this.name}-config` } },
              { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
              state.volume,
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports: [servicePort('metrics', PORT)] } });
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics', path: '/api/v2/metrics/prometheus' }] });
  }
}
