import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, fieldEnv, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading, SpreadOptions } from '../core/placement';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';

/**
 * Opt-in to raising `vm.max_map_count` on the node with a privileged init
 * container, so Elasticsearch can mmap its indices. The pods then need a
 * namespace whose Pod Security level is `privileged`, declared with this reason.
 */
export interface MaxMapCountInit {
  /** Why mmap is worth a privileged container in this environment (goes on the namespace). */
  readonly reason: string;
  /** @default 262144 (the value Elasticsearch's bootstrap check asks for) */
  readonly value?: number;
}

export interface ElasticsearchClusterProps extends CatalogServiceProps {
  /** Nodes; each is master-eligible and holds data. @default 1 */
  readonly replicas?: number;
  /** `cluster.name`. @default the name */
  readonly clusterName?: string;
  /** @default docker.elastic.co/elasticsearch/elasticsearch:8.15.1 (UID 1000) */
  readonly image?: PinnedImage;
  /** UID of the image's `elasticsearch` user. @default 1000 */
  readonly uid?: number;
  /** Data volume of each node. @default 10Gi, default storage class */
  readonly storage?: StorageOptions;
  /** The JVM heap is half the memory limit (capped at 31 GiB); the rest is page cache. @default requests 500m/2Gi, limits 1/2Gi */
  readonly resources?: ComputeResources;
  /** Privileged `sysctl vm.max_map_count` init container; without it `node.store.allow_mmap` is false. @default none */
  readonly maxMapCountInit?: MaxMapCountInit;
  /** Extra `elasticsearch.yml` settings, e.g. `{ "indices.query.bool.max_clause_count": 2048 }`. @default none */
  readonly settings?: Record<string, string | number | boolean>;
  /** @default hostname anti-affinity weight 100 + zone spread, when replicas > 1 */
  readonly spread?: SpreadOptions | false;
  /** @default quay.io/prometheuscommunity/elasticsearch-exporter:v1.7.0 */
  readonly exporterImage?: PinnedImage;
}

const HTTP = IMAGES.elasticsearch.ports.http;
const TRANSPORT = IMAGES.elasticsearch.ports.transport;
const METRICS = IMAGES.elasticsearchExporter.ports.metrics;
const HOME = '/usr/share/elasticsearch';
const DEFAULT_IMAGE: PinnedImage = pinnedImage('elasticsearch');
const DEFAULT_EXPORTER: PinnedImage = pinnedImage('elasticsearchExporter');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const EXPORTER_RESOURCES: ComputeResources = { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
const SMALL: ComputeResources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
const MAX_HEAP_MB = 31 * 1024;

/**
 * An Elasticsearch cluster as one StatefulSet of master-eligible data nodes,
 * with elasticsearch-exporter and a ServiceMonitor. It needs no privileged
 * container unless `maxMapCountInit` opts in.
 *
 * Security (TLS, users) is off: the documents keep clear text inside the
 * border and rely on NetworkPolicies and mesh mTLS. Expose it only through
 * the border.
 */
export class ElasticsearchCluster extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `http://<name>.<namespace>.svc:9200` */
  public readonly url: string;
  public readonly host: string;
  public readonly port = HTTP;
  public readonly workload: k8s.KubeStatefulSet;
  /** Heap in MiB, derived from the memory limit. */
  public readonly heapMb: number;
  /** Pod Security level the pods need, with the reason (privileged only with maxMapCountInit). */
  public readonly podSecurity: PodSecurityRequirement;
  /** The rendered elasticsearch.yml settings. */
  public readonly settings: Readonly<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: ElasticsearchClusterProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.host = `${this.name}.${this.namespace}.svc`;
    this.url = `http://${this.host}:${HTTP}`;
    const replicas = props.replicas ?? 1;
    checkInt(this, 'replicas', replicas, 1, 99);
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const exporterImage = props.exporterImage ?? DEFAULT_EXPORTER;
    checkImage(this, 'exporterImage', exporterImage);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '10Gi' };
    checkStorage(this, 'storage', storage);
    const limitMb = Math.floor(bytes(resources.limits.memory)! / 2 ** 20);
    this.heapMb = Math.min(Math.floor(limitMb / 2), MAX_HEAP_MB);
    if (this.heapMb < 256) throw new PropsError(this, 'resources.limits.memory', resources.limits.memory, 'at least 512Mi (half of it becomes the JVM heap)');
    const sysctl = props.maxMapCountInit;
    if (sysctl) {
      if (!sysctl.reason || sysctl.reason.trim().length < 10) {
        throw new PropsError(this, 'maxMapCountInit.reason', sysctl.reason, 'a sentence saying why a privileged init container is acceptable here (it goes on the namespace)');
      }
      if (sysctl.value !== undefined) checkInt(this, 'maxMapCountInit.value', sysctl.value, 262144);
    }
    this.podSecurity = sysctl
      ? { level: 'privileged', reason: `Elasticsearch ${this.name}: privileged init container sets vm.max_map_count: ${sysctl.reason}` }
      : RESTRICTED;

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'search' });
    const selector = selectorLabels({ name: this.name });
    const headless = `${this.name}-headless`;
    const nodes = Array.from({ length: replicas }, (_, i) => `${this.name}-${i}`);
    const settings: Record<string, unknown> = {
      'cluster.name': props.clusterName ?? this.name,
      'node.name': '${POD_NAME}',
      'network.host': '0.0.0.0',
      'path.data': `${HOME}/data`,
      'path.logs': `${HOME}/logs`,
      // Without the sysctl the default mmapfs store fails its bootstrap check; niofs needs no node change.
      'node.store.allow_mmap': sysctl !== undefined,
      'xpack.security.enabled': false,
      ...(replicas === 1
        ? { 'discovery.type': 'single-node' }
        : { 'discovery.seed_hosts': [headless], 'cluster.initial_master_nodes': nodes }),
      ...props.settings,
    };
    for (const k of Object.keys(props.settings ?? {})) {
      if (['discovery.type', 'discovery.seed_hosts', 'cluster.initial_master_nodes', 'node.name', 'path.data'].includes(k)) {
        throw new PropsError(this, `settings.${k}`, props.settings![k], 'a setting the construct does not derive (discovery, node name and paths come from the StatefulSet)');
      }
    }
    this.settings = settings;
    const yml = Object.entries(settings)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : typeof v === 'string' && v.startsWith('$') ? `"${v}"` : v}`)
      .join('\n') + '\n';
    new k8s.KubeConfigMap(this, 'Config', { metadata: { name: `${this.name}-config`, namespace: this.namespace, labels }, data: { 'elasticsearch.yml': yml } });

    const tmp = scratchVolume('tmp', '/tmp', '1Gi');
    const logs = scratchVolume('logs', `${HOME}/logs`, '1Gi');
    const config = scratchVolume('config', `${HOME}/config`, '64Mi');
    const http = k8s.IntOrString.fromString('http');
    const initContainers: k8s.Container[] = [];
    if (sysctl) {
      initContainers.push({
        name: 'max-map-count',
        image: imageRef(image),
        command: ['sysctl', '-w', `vm.max_map_count=${sysctl.value ?? 262144}`],
        // Writing a node sysctl needs root and privilege; this is the documented opt-in exception.
        securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true },
        resources: toResourceRequirements(SMALL),
      });
    }
    // The image's config directory (jvm.options, log4j2) must be writable for the
    // keystore, so it is copied into an emptyDir with our elasticsearch.yml on top.
    initContainers.push(
      hardened({
        name: 'config',
        image: imageRef(image),
        command: ['sh', '-c', `cp -a ${HOME}/config/. /mnt/config/ && cp /mnt/rendered/elasticsearch.yml /mnt/config/elasticsearch.yml`],
        resources: toResourceRequirements(SMALL),
        volumeMounts: [{ name: 'config', mountPath: '/mnt/config' }, { name: 'rendered', mountPath: '/mnt/rendered', readOnly: true }],
      }),
    );
    const pod: k8s.PodTemplateSpec = {
      metadata: { labels: { ...standardLabels({ name: this.name, component: 'search', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(yml) } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('elasticsearch') }),
        terminationGracePeriodSeconds: 120,
        ...(replicas > 1 ? spreading(selector, props.spread) : {}),
        initContainers,
        containers: [
          hardened({
            name: 'elasticsearch',
            image: imageRef(image),
            ports: [tcp('http', HTTP), tcp('transport', TRANSPORT)],
            env: [fieldEnv('POD_NAME', 'metadata.name'), { name: 'ES_JAVA_OPTS', value: `-Xms${this.heapMb}m -Xmx${this.heapMb}m` }],
            resources: toResourceRequirements(resources),
            startupProbe: { httpGet: { path: '/_cluster/health?local=true', port: http }, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 },
            // Yellow, not green: a single node never allocates replica shards, so green would keep it unready forever.
            readinessProbe: { httpGet: { path: '/_cluster/health?wait_for_status=yellow&timeout=1s', port: http }, periodSeconds: 10, timeoutSeconds: 3 },
            livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('transport') }, periodSeconds: 20, failureThreshold: 6 },
            volumeMounts: [{ name: 'data', mountPath: `${HOME}/data` }, config.mount, logs.mount, tmp.mount],
          }),
          hardened({
            name: 'exporter',
            image: imageRef(exporterImage),
            args: [`--es.uri=http://127.0.0.1:${HTTP}`, '--es.all=false', '--es.indices=true', '--es.shards=false'],
            ports: [tcp('metrics', METRICS)],
            resources: toResourceRequirements(EXPORTER_RESOURCES),
            readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20 },
          }),
        ],
        volumes: [config.volume, logs.volume, tmp.volume, { name: 'rendered', configMap: { name: `${this.name}-config` } }],
      },
    };

    // Not-ready nodes must find each other to form the cluster they need in order to become ready.
    new k8s.KubeService(this, 'Headless', {
      metadata: { name: headless, namespace: this.namespace, labels },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports: [servicePort('http', HTTP), servicePort('transport', TRANSPORT)] },
    });
    this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels, annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas,
        serviceName: headless,
        // All nodes start together: with OrderedReady, node 0 waits for a quorum that waits for node 0.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: pod,
        volumeClaimTemplates: [claimTemplate(this, 'data', storage, selector)],
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', selector, ports: [servicePort('http', HTTP), servicePort('metrics', METRICS)] },
    });
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector),
      });
    }
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics' }] });
  }
}
