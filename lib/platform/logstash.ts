import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading, SpreadOptions } from '../core/placement';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';

/** The Elasticsearch a Logstash pipeline writes to. */
export interface LogstashElasticsearchOutput {
  /** HTTP URL without a path, e.g. `ElasticsearchCluster.url`. */
  readonly url: string;
  /** Daily indices `<prefix>-YYYY.MM.DD` (e.g. "shop-logs"). */
  readonly indexPrefix: string;
  /** Basic-auth user and password from a Secret. @default none (security disabled) */
  readonly credentials?: { readonly secret: string; /** @default "username" */ readonly usernameKey?: string; /** @default "password" */ readonly passwordKey?: string };
}

/** Logstash has no Prometheus endpoint of its own (its monitoring API is JSON), so there is no ServiceMonitor option. */
export interface LogstashProps extends Omit<CatalogServiceProps, 'metrics'> {
  /** Where the processed events go. */
  readonly elasticsearch: LogstashElasticsearchOutput;
  /**
   * Fields every event gets when it does not carry them already, e.g.
   * `{ environment: "prod", system: "shop" }` for collectors that do not
   * set them. @default none
   */
  readonly defaultFields?: Record<string, string>;
  /** Top-level fields dropped before indexing (e.g. "stream"). @default none */
  readonly removeFields?: string[];
  /** Pods; each has its own persistent queue and takes a share of the input. @default 1 */
  readonly replicas?: number;
  /**
   * Persistent queue volume of each pod: events survive a restart and an
   * Elasticsearch outage until it is full; then the http input answers 429
   * and the collectors buffer and retry. The queue may use 80% of it.
   * @default 5Gi, default storage class
   */
  readonly queueStorage?: StorageOptions;
  /** @default docker.elastic.co/logstash/logstash:8.15.1 (UID 1000); keep it at the Elasticsearch version */
  readonly image?: PinnedImage;
  /** @default 1000 */
  readonly uid?: number;
  /** The JVM heap is half the memory limit. @default requests 500m/1Gi, limits 1/1Gi */
  readonly resources?: ComputeResources;
  /** @default hostname anti-affinity + zone spread when replicas > 1 */
  readonly spread?: SpreadOptions | false;
}

const HTTP = IMAGES.logstash.ports.http;
const MONITORING = IMAGES.logstash.ports.monitoring;
const HOME = '/usr/share/logstash';
const DEFAULT_IMAGE: PinnedImage = pinnedImage('logstash');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
const SMALL: ComputeResources = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
const FIELD = /^[A-Za-z_@][A-Za-z0-9_.@-]*$/;

/**
 * Logstash as the log processing pipeline between the collectors and
 * Elasticsearch (an ELK stack): an `http` input on 8080 that takes the
 * JSON arrays Fluent Bit's http output sends, a filter stage from typed props,
 * and an Elasticsearch output to daily indices. A StatefulSet, because the
 * persistent queue lives on a volume of its own per pod (protected from
 * pruning like every data volume); the monitoring API listens on 9600.
 */
export class Logstash extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** Host of the input, for a collector's output (`FluentBitLogstashOutput.host`). */
  public readonly host: string;
  public readonly inputPort = HTTP;
  /** The rendered pipeline (`logstash.conf`). */
  public readonly pipeline: string;
  public readonly workload: k8s.KubeStatefulSet;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: LogstashProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.host = `${this.name}.${this.namespace}.svc`;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const replicas = props.replicas ?? 1;
    checkInt(this, 'replicas', replicas, 1, 20);
    const storage = props.queueStorage ?? { size: '5Gi' };
    checkStorage(this, 'queueStorage', storage);
    const es = props.elasticsearch;
    if (!/^https?:\/\/[^\s/]+$/.test(es.url)) throw new PropsError(this, 'elasticsearch.url', es.url, 'an http(s) URL without a path, such as "http://elasticsearch.logging.svc:9200"');
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(es.indexPrefix)) throw new PropsError(this, 'elasticsearch.indexPrefix', es.indexPrefix, 'a lower-case index name prefix such as "shop-logs"');
    const defaults = props.defaultFields ?? {};
    for (const [k, v] of Object.entries(defaults)) {
      if (!FIELD.test(k)) throw new PropsError(this, `defaultFields.${k}`, k, 'a field name of letters, digits, "_", "@", "." or "-"');
      if (!/^[A-Za-z0-9._/-]+$/.test(v)) throw new PropsError(this, `defaultFields.${k}`, v, 'a value of letters, digits, ".", "_", "/" or "-" (no spaces, no %{} references)');
    }
    (props.removeFields ?? []).forEach((f, i) => {
      if (!FIELD.test(f) || f === '@timestamp') throw new PropsError(this, `removeFields[${i}]`, f, 'a top-level field name other than "@timestamp"');
    });
    const limitMb = Math.floor(bytes(resources.limits.memory)! / 2 ** 20);
    const heapMb = Math.floor(limitMb / 2);
    if (heapMb < 256) throw new PropsError(this, 'resources.limits.memory', resources.limits.memory, 'at least 512Mi (half of it becomes the JVM heap)');
    const queueMb = Math.floor((bytes(storage.size)! / 2 ** 20) * 0.8);

    const quote = (v: string) => `"${v}"`;
    const filters: string[] = [];
    for (const [k, v] of Object.entries(defaults).sort(([a], [b]) => a.localeCompare(b))) {
      filters.push(`  if ![${k}] {\n    mutate { add_field => { ${quote(k)} => ${quote(v)} } }\n  }`);
    }
    if (props.removeFields?.length) filters.push(`  mutate { remove_field => [${props.removeFields.map(quote).join(', ')}] }`);
    const creds = es.credentials;
    this.pipeline = [
      'input {',
      `  http { host => "0.0.0.0" port => ${HTTP} }`,
      '}',
      'filter {',
      // The http input records the caller's request in [http] and [url] (ECS); they say nothing about the log line.
      '  mutate { remove_field => ["[http]", "[url]", "[user_agent]", "[host]"] }',
      ...filters,
      '}',
      'output {',
      '  elasticsearch {',
      `    hosts => [${quote(es.url)}]`,
      `    index => ${quote(`${es.indexPrefix}-%{+YYYY.MM.dd}`)}`,
      '    data_stream => false',
      '    ilm_enabled => false',
      '    manage_template => false',
      ...(creds ? ['    user => "${ES_USER}"', '    password => "${ES_PASSWORD}"'] : []),
      '  }',
      '}',
      '',
    ].join('\n');
    const settings = [
      'api.http.host: 0.0.0.0',
      `api.http.port: ${MONITORING}`,
      `path.data: ${HOME}/data`,
      'queue.type: persisted',
      `queue.max_bytes: ${queueMb}mb`,
      'config.reload.automatic: false',
      'xpack.monitoring.enabled: false',
      '',
    ].join('\n');
    const pipelines = `- pipeline.id: main\n  path.config: "${HOME}/pipeline/logstash.conf"\n`;

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'log-pipeline' });
    const selector = selectorLabels({ name: this.name });
    const metadata = { name: this.name, namespace: this.namespace, labels };
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { ...metadata, name: `${this.name}-config` },
      data: { 'logstash.yml': settings, 'pipelines.yml': pipelines, 'logstash.conf': this.pipeline },
    });

    const config = scratchVolume('config', `${HOME}/config`, '64Mi');
    const logs = scratchVolume('logs', `${HOME}/logs`, '256Mi');
    const tmp = scratchVolume('tmp', '/tmp', '256Mi');
    const monitoring = k8s.IntOrString.fromString('monitoring');
    const headless = `${this.name}-headless`;
    this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...metadata, annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas,
        serviceName: headless,
        // Pods share nothing: no reason to start them one by one.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        template: {
          metadata: {
            labels: { ...standardLabels({ name: this.name, component: 'log-pipeline', version: image.tag }), ...selector },
            annotations: { 'checksum/config': checksum([settings, pipelines, this.pipeline]) },
          },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('logstash') }),
            // Time to drain in-flight batches into the queue on shutdown.
            terminationGracePeriodSeconds: 120,
            ...(replicas > 1 ? spreading(selector, props.spread) : {}),
            initContainers: [
              // The image's config folder (jvm.options, log4j2) must be writable for its
              // entrypoint, so it is copied into an emptyDir with our settings on top.
              hardened({
                name: 'config',
                image: imageRef(image),
                command: ['sh', '-c', `cp -a ${HOME}/config/. /mnt/config/ && cp /mnt/rendered/logstash.yml /mnt/rendered/pipelines.yml /mnt/config/`],
                resources: toResourceRequirements(SMALL),
                volumeMounts: [{ name: 'config', mountPath: '/mnt/config' }, { name: 'rendered', mountPath: '/mnt/rendered', readOnly: true }],
              }),
            ],
            containers: [
              hardened({
                name: 'logstash',
                image: imageRef(image),
                ports: [tcp('http', HTTP), tcp('monitoring', MONITORING)],
                env: [
                  { name: 'LS_JAVA_OPTS', value: `-Xms${heapMb}m -Xmx${heapMb}m` },
                  ...(creds ? [secretEnv('ES_USER', { secret: creds.secret, key: creds.usernameKey ?? 'username' }), secretEnv('ES_PASSWORD', { secret: creds.secret, key: creds.passwordKey ?? 'password' })] : []),
                ],
                resources: toResourceRequirements(resources),
                // The JVM and the pipeline take a minute to start.
                startupProbe: { httpGet: { path: '/', port: monitoring }, periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: '/', port: monitoring }, periodSeconds: 10, timeoutSeconds: 5 },
                livenessProbe: { tcpSocket: { port: monitoring }, periodSeconds: 20, failureThreshold: 6 },
                volumeMounts: [
                  { name: 'data', mountPath: `${HOME}/data` },
                  { name: 'rendered', mountPath: `${HOME}/pipeline/logstash.conf`, subPath: 'logstash.conf', readOnly: true },
                  config.mount, logs.mount, tmp.mount,
                ],
              }),
            ],
            volumes: [{ name: 'rendered', configMap: { name: `${this.name}-config` } }, config.volume, logs.volume, tmp.volume],
          },
        },
        volumeClaimTemplates: [claimTemplate(this, 'data', storage, labels)],
      },
    });
    new k8s.KubeService(this, 'Headless', {
      metadata: { ...metadata, name: headless },
      spec: { clusterIp: 'None', selector, ports: [servicePort('http', HTTP), servicePort('monitoring', MONITORING)] },
    });
    new k8s.KubeService(this, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports: [servicePort('http', HTTP), servicePort('monitoring', MONITORING)] } });
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', { metadata, spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector) });
    }
  }
}
