import { Construct } from 'constructs';
import { configYaml } from '../synth/serialize';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading } from '../core/placement';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { waiverAnnotation } from '../validate/rules';

/** Kibana serves no Prometheus metrics, so there is no ServiceMonitor option. */
export interface KibanaProps extends Omit<CatalogServiceProps, 'metrics'> {
  /** Elasticsearch to connect to, e.g. `ElasticsearchCluster.url`. */
  readonly elasticsearchUrl: string;
  /**
   * Public URL behind the border, e.g. "https://logs.example.com"
   * (`server.publicBaseUrl`: the base of the links Kibana writes into share
   * links, reports and alerts; it does not expose Kibana, an Ingress does).
   * @default none
   */
  readonly publicBaseUrl?: string;
  /**
   * Set when people open this Kibana with `kubectl port-forward` only, and
   * nothing in the cluster calls it (no Ingress, no proxy in front). In a
   * namespace that denies ingress by default, the validation gate's
   * `network/unreachable` then reports the Service, rightly for any other
   * Kibana: no NetworkPolicy admits a caller, so every in-cluster connection
   * is dropped (port-forward reaches the pod through the kubelet, which no
   * NetworkPolicy governs). This waives that rule on the Service with
   * `reason`, rendered as its `validate.platform.dev/waive.network.unreachable`
   * annotation and listed in the gate's waiver report.
   * Leave it unset when Kibana has callers (exposed through the border or a
   * proxy): the gate then checks that they are admitted.
   * @default none: a Kibana no policy admits is reported
   */
  readonly portForwardOnly?: { readonly reason: string };
  /** @default 1 */
  readonly replicas?: number;
  /** @default docker.elastic.co/kibana/kibana:8.15.1 (UID 1000); keep it at the Elasticsearch version */
  readonly image?: PinnedImage;
  /** @default 1000 */
  readonly uid?: number;
  /** @default requests 250m/1Gi, limits 1/1Gi */
  readonly resources?: ComputeResources;
}

const PORT = IMAGES.kibana.ports.http;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('kibana');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };

/** Kibana as a stateless Deployment in front of an Elasticsearch cluster (saved objects live in Elasticsearch). */
export class Kibana extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly url: string;
  public readonly workload: k8s.KubeDeployment;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: KibanaProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.url = `http://${this.name}.${this.namespace}.svc:${PORT}`;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const replicas = props.replicas ?? 1;
    checkInt(this, 'replicas', replicas, 1, 20);
    if (!/^https?:\/\/[^\s/]+$/.test(props.elasticsearchUrl)) {
      throw new PropsError(this, 'elasticsearchUrl', props.elasticsearchUrl, 'an http(s) URL without a path, such as "http://es.logging.svc:9200"');
    }
    if (props.publicBaseUrl !== undefined && !/^https?:\/\/[^\s]+[^/]$/.test(props.publicBaseUrl)) {
      throw new PropsError(this, 'publicBaseUrl', props.publicBaseUrl, 'an absolute http(s) URL without a trailing slash, such as "https://logs.example.com"');
    }
    const waiverReason = props.portForwardOnly?.reason;
    if (props.portForwardOnly !== undefined && (typeof waiverReason !== 'string' || !/^[^\n]*\S[^\n]*$/.test(waiverReason))) {
      throw new PropsError(this, 'portForwardOnly.reason', waiverReason, 'a non-empty, one-line reason nothing in the cluster calls Kibana, such as "operators open Kibana with kubectl port-forward; not exposed through the border"');
    }
    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'search-ui' });
    const selector = selectorLabels({ name: this.name });
    const metadata = { name: this.name, namespace: this.namespace, labels };
    const config = configYaml({
      'server.host': '0.0.0.0',
      'server.port': PORT,
      'elasticsearch.hosts': [props.elasticsearchUrl],
      ...(props.publicBaseUrl ? { 'server.publicBaseUrl': props.publicBaseUrl } : {}),
      'telemetry.enabled': false,
      'telemetry.optIn': false,
    });
    new k8s.KubeConfigMap(this, 'Config', { metadata: { ...metadata, name: `${this.name}-config` }, data: { 'kibana.yml': config } });
    const data = scratchVolume('data', '/usr/share/kibana/data', '1Gi');
    const tmp = scratchVolume('tmp', '/tmp', '256Mi');
    const http = k8s.IntOrString.fromString('http');
    this.workload = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...standardLabels({ name: this.name, component: 'search-ui', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(config) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('kibana') }),
            ...(replicas > 1 ? spreading(selector, undefined) : {}),
            containers: [
              hardened({
                name: 'kibana',
                image: imageRef(image),
                ports: [tcp('http', PORT)],
                // Node's heap at 75% of the limit, so V8 collects garbage before the kernel kills the pod.
                env: [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.floor((bytes(resources.limits.memory)! / 2 ** 20) * 0.75)}` }],
                resources: toResourceRequirements(resources),
                startupProbe: { tcpSocket: { port: http }, periodSeconds: 10, failureThreshold: 30 },
                readinessProbe: { httpGet: { path: '/api/status', port: http }, periodSeconds: 10, timeoutSeconds: 5 },
                livenessProbe: { tcpSocket: { port: http }, periodSeconds: 20, failureThreshold: 6 },
                volumeMounts: [{ name: 'config', mountPath: '/usr/share/kibana/config/kibana.yml', subPath: 'kibana.yml', readOnly: true }, data.mount, tmp.mount],
              }),
            ],
            volumes: [{ name: 'config', configMap: { name: `${this.name}-config` } }, data.volume, tmp.volume],
          },
        },
      },
    });
    const service = new k8s.KubeService(this, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports: [servicePort('http', PORT)] } });
    // Only on request: whether anything calls Kibana is the caller's decision (an Ingress, a proxy, or port-forward only), not this construct's.
    if (waiverReason !== undefined) service.metadata.addAnnotation(waiverAnnotation('network/unreachable'), waiverReason);
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', { metadata, spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector) });
    }
  }
}
