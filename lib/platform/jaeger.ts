import { Construct } from 'constructs';
import { configYaml } from '../synth/serialize';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkDuration, checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading } from '../core/placement';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';

/**
 * Where spans are kept: Badger on a PVC (one pod, a StatefulSet), or an
 * Elasticsearch cluster (stateless pods, may be replicated).
 */
export type JaegerStorage =
  | { readonly type: 'badger'; readonly volume: StorageOptions; /** How long spans are kept. @default "168h" */ readonly retention?: string }
  | { readonly type: 'elasticsearch'; /** e.g. "http://es.logging.svc:9200" */ readonly url: string; /** @default "jaeger" */ readonly indexPrefix?: string; /** @default 1 */ readonly replicas?: number };

export interface JaegerProps extends CatalogServiceProps {
  /** Default probabilistic sampling rate served to SDKs (e.g. 1.0 in development, 0.1 in production). @default 1 */
  readonly samplingRate?: number;
  /** Per-service rates overriding the default, e.g. `{ "user-service": 0.5 }`. @default none */
  readonly serviceSamplingRates?: Record<string, number>;
  /** @default { type: "badger", volume: { size: "10Gi" } } */
  readonly storage?: JaegerStorage;
  /** @default docker.io/jaegertracing/jaeger:2.2.0 (UID 10001) */
  readonly image?: PinnedImage;
  /** @default 10001 */
  readonly uid?: number;
  /** @default requests 100m/256Mi, limits 1/1Gi */
  readonly resources?: ComputeResources;
}

const PORTS = IMAGES.jaeger.ports;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('jaeger');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/**
 * Jaeger v2 (the OpenTelemetry-Collector-based binary) in all-in-one form:
 * OTLP gRPC/HTTP receivers, the query UI, remote sampling from a strategies
 * file in a ConfigMap, and Badger or Elasticsearch storage. SDKs send to
 * `<name>:4317` (or 4318) and fetch sampling from `<name>:5778`.
 */
export class Jaeger extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `http://<name>.<namespace>.svc:4317` */
  public readonly otlpGrpcEndpoint: string;
  /** `http://<name>.<namespace>.svc:16686`, for the Grafana datasource. */
  public readonly queryUrl: string;
  public readonly workload: k8s.KubeStatefulSet | k8s.KubeDeployment;
  /** The sampling strategies file as served. */
  public readonly samplingStrategies: Readonly<Record<string, unknown>>;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: JaegerProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.otlpGrpcEndpoint = `http://${this.name}.${this.namespace}.svc:${PORTS['otlp-grpc']}`;
    this.queryUrl = `http://${this.name}.${this.namespace}.svc:${PORTS.query}`;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const rate = props.samplingRate ?? 1;
    checkRate(this, 'samplingRate', rate);
    for (const [svc, r] of Object.entries(props.serviceSamplingRates ?? {})) checkRate(this, `serviceSamplingRates.${svc}`, r);
    const storage = props.storage ?? { type: 'badger', volume: { size: '10Gi' } };
    let backend: Record<string, unknown>;
    if (storage.type === 'badger') {
      checkStorage(this, 'storage.volume', storage.volume);
      const retention = storage.retention ?? '168h';
      checkDuration(this, 'storage.retention', retention, 'smh');
      backend = { badger: { directories: { keys: '/badger/keys', values: '/badger/values' }, ephemeral: false, ttl: { spans: retention } } };
    } else {
      if (!/^https?:\/\/\S+$/.test(storage.url)) throw new PropsError(this, 'storage.url', storage.url, 'an http(s) URL such as "http://es.logging.svc:9200"');
      checkInt(this, 'storage.replicas', storage.replicas ?? 1, 1, 20);
      backend = { elasticsearch: { server_urls: [storage.url], indices: { index_prefix: storage.indexPrefix ?? 'jaeger' } } };
    }

    this.samplingStrategies = {
      default_strategy: { type: 'probabilistic', param: rate },
      ...(props.serviceSamplingRates && Object.keys(props.serviceSamplingRates).length
        ? { service_strategies: Object.keys(props.serviceSamplingRates).sort().map((service) => ({ service, type: 'probabilistic', param: props.serviceSamplingRates![service] })) }
        : {}),
    };
    const config = configYaml({
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'remote_sampling', 'healthcheckv2'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
        telemetry: { resource: { 'service.name': this.name }, metrics: { level: 'basic', address: `0.0.0.0:${PORTS.metrics}` }, logs: { level: 'info' } },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${PORTS.health}` } },
        jaeger_query: { storage: { traces: 'main' }, http: { endpoint: `0.0.0.0:${PORTS.query}` } },
        jaeger_storage: { backends: { main: backend } },
        remote_sampling: {
          file: { path: '/etc/jaeger/sampling.json', reload_interval: '1m' },
          http: { endpoint: `0.0.0.0:${PORTS.sampling}` },
          grpc: { endpoint: `0.0.0.0:${PORTS['sampling-grpc']}` },
        },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS['otlp-grpc']}` }, http: { endpoint: `0.0.0.0:${PORTS['otlp-http']}` } } } },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: 'main' } },
    });
    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'tracing' });
    const selector = selectorLabels({ name: this.name });
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    const data = { 'config.yaml': config, 'sampling.json': JSON.stringify(this.samplingStrategies, null, 2) };
    new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data });

    const tmp = scratchVolume('tmp', '/tmp', '64Mi');
    const replicas = storage.type === 'elasticsearch' ? storage.replicas ?? 1 : 1;
    const pod: k8s.PodTemplateSpec = {
      // Sampling changes are reloaded from the file; only the main config needs a restart.
      metadata: { labels: { ...standardLabels({ name: this.name, component: 'tracing', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(config) } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('jaeger') }),
        ...(replicas > 1 ? spreading(selector, undefined) : {}),
        containers: [
          hardened({
            name: 'jaeger',
            image: imageRef(image),
            args: ['--config', '/etc/jaeger/config.yaml'],
            ports: Object.entries(PORTS).map(([n, p]) => tcp(n, p)),
            resources: toResourceRequirements(resources),
            readinessProbe: { httpGet: { path: '/status', port: k8s.IntOrString.fromString('health') }, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('query') }, periodSeconds: 20, failureThreshold: 6 },
            volumeMounts: [
              { name: 'config', mountPath: '/etc/jaeger', readOnly: true },
              tmp.mount,
              ...(storage.type === 'badger' ? [{ name: 'data', mountPath: '/badger' }] : []),
            ],
          }),
        ],
        volumes: [{ name: 'config', configMap: { name: `${this.name}-config` } }, tmp.volume],
      },
    };
    if (storage.type === 'badger') {
      new k8s.KubeService(this, 'Headless', { metadata: metadata(`${this.name}-headless`), spec: { clusterIp: 'None', selector } });
      this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
        metadata: { ...metadata(this.name), annotations: { ...PRUNE_PROTECTION } },
        spec: {
          // Badger is an embedded single-writer store.
          replicas: 1,
          serviceName: `${this.name}-headless`,
          selector: { matchLabels: selector },
          template: pod,
          volumeClaimTemplates: [claimTemplate(this, 'data', storage.volume, selector)],
          persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        },
      });
    } else {
      this.workload = new k8s.KubeDeployment(this, 'Resource', { metadata: metadata(this.name), spec: { replicas, selector: { matchLabels: selector }, template: pod } });
      if (replicas > 1) {
        new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', { metadata: metadata(this.name), spec: disruptionBudgetSpec(this, 'storage.replicas', { maxUnavailable: 1 }, replicas, selector) });
      }
    }
    new k8s.KubeService(this, 'Service', {
      metadata: metadata(this.name),
      spec: { type: 'ClusterIP', selector, ports: (['otlp-grpc', 'otlp-http', 'query', 'sampling', 'sampling-grpc', 'metrics'] as const).map((n) => servicePort(n, PORTS[n])) },
    });
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics' }] });
  }
}

function checkRate(scope: Construct, field: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new PropsError(scope, field, v, 'a sampling probability from 0 to 1 (0.1 samples 10% of traces)');
}
