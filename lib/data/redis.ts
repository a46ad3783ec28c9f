import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkImage, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, persistentClaim, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';
import { SecretKeyReference } from '../workloads/microservice';
import { ExternalEndpointOptions, ExternalService } from './external-service';

/**
 * Where Redis runs: a standalone instance as a `Recreate` Deployment with a
 * PVC, or as a single-replica StatefulSet (stable identity and claim
 * template), or a managed cache (ElastiCache, Memorystore) reached through an
 * ExternalName Service and an ExternalSecret.
 */
export type RedisMode = { readonly type: 'deployment' } | { readonly type: 'statefulset' } | ({ readonly type: 'external' } & ExternalEndpointOptions);

/** What Redis evicts when `maxmemory` is reached. */
export type MaxMemoryPolicy = 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'noeviction';
const POLICIES: readonly MaxMemoryPolicy[] = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'noeviction'];

export interface RedisCacheProps extends CatalogServiceProps {
  /** @default { type: "deployment" } */
  readonly mode?: RedisMode;
  /** The `requirepass` password. Required in-cluster; in external mode it comes from the ExternalSecret. */
  readonly password?: SecretKeyReference;
  /** @default docker.io/library/redis:7.2.5 (UID 999) */
  readonly image?: PinnedImage;
  /** UID of the image's `redis` user. @default 999 */
  readonly uid?: number;
  /** Volume for the append-only file and snapshots. @default 5Gi, default storage class */
  readonly storage?: StorageOptions;
  /** @default requests 100m/256Mi, limits 500m/512Mi */
  readonly resources?: ComputeResources;
  /** Memory Redis may use for data, e.g. "384mb". @default 75% of the memory limit (headroom for the AOF rewrite fork and buffers) */
  readonly maxMemory?: string;
  /** @default "allkeys-lru" */
  readonly maxMemoryPolicy?: MaxMemoryPolicy;
  /** Persist every write to the append-only file (fsync every second). @default true */
  readonly appendOnly?: boolean;
  /** @default docker.io/oliver006/redis_exporter:v1.62.0 */
  readonly exporterImage?: PinnedImage;
}

const PORT = IMAGES.redis.ports.redis;
const METRICS_PORT = IMAGES.redisExporter.ports.metrics;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('redis');
const DEFAULT_EXPORTER: PinnedImage = pinnedImage('redisExporter');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const EXPORTER_RESOURCES: ComputeResources = { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
const IN_CLUSTER_ONLY = ['password', 'image', 'uid', 'storage', 'resources', 'maxMemory', 'maxMemoryPolicy', 'appendOnly', 'exporterImage'] as const;

/**
 * A Redis cache with persistence (AOF), an eviction policy sized to the
 * memory limit and redis_exporter on 9121; or the in-cluster face of a
 * managed cache. Clients connect to `<name>:6379` with the password key of
 * `passwordSecret`, whatever the mode.
 */
export class RedisCache extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly host: string;
  public readonly port: number;
  /** Secret and key of the password (the ExternalSecret's target in external mode). */
  public readonly passwordSecret: string;
  public readonly passwordKey: string;
  public readonly workload?: k8s.KubeDeployment | k8s.KubeStatefulSet;
  /** The rendered redis.conf, for inspection. */
  public readonly config?: string;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.host = `${this.name}.${this.namespace}.svc`;
    const mode = props.mode ?? { type: 'deployment' };
    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'cache' });

    if (mode.type === 'external') {
      for (const f of IN_CLUSTER_ONLY) {
        if (props[f] !== undefined) throw new PropsError(this, f, props[f], 'nothing in external mode (the cache runs outside the cluster)');
      }
      const ext = new ExternalService(this, 'External', { name: this.name, namespace: this.namespace, labels, portName: 'redis', defaultPort: PORT, secretKeys: ['password'], endpoint: mode });
      this.port = ext.port;
      this.passwordSecret = ext.secretName;
      this.passwordKey = 'password';
      return;
    }

    this.port = PORT;
    if (!props.password) throw new PropsError(this, 'password', undefined, 'a Secret key holding the Redis password ({ secret, key })');
    this.passwordSecret = props.password.secret;
    this.passwordKey = props.password.key;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const exporterImage = props.exporterImage ?? DEFAULT_EXPORTER;
    checkImage(this, 'exporterImage', exporterImage);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '5Gi' };
    checkStorage(this, 'storage', storage);
    const policy = props.maxMemoryPolicy ?? 'allkeys-lru';
    if (!POLICIES.includes(policy)) throw new PropsError(this, 'maxMemoryPolicy', policy, `one of ${POLICIES.join(', ')}`);
    const limitBytes = bytes(resources.limits.memory)!;
    const maxMemory = props.maxMemory ?? `${Math.floor((limitBytes * 0.75) / 2 ** 20)}mb`;
    const maxBytes = redisBytes(maxMemory);
    if (maxBytes === undefined || maxBytes <= 0) throw new PropsError(this, 'maxMemory', maxMemory, 'a Redis memory size such as "384mb" or "1gb"');
    if (maxBytes >= limitBytes) {
      throw new PropsError(this, 'maxMemory', maxMemory, `less than the memory limit (${resources.limits.memory}), or the kernel kills Redis before it evicts`);
    }

    this.config = [
      'bind * -::*',
      `port ${PORT}`,
      'dir /data',
      `appendonly ${props.appendOnly === false ? 'no' : 'yes'}`,
      'appendfsync everysec',
      `maxmemory ${maxMemory}`,
      `maxmemory-policy ${policy}`,
      '',
    ].join('\n');
    new k8s.KubeConfigMap(this, 'Config', { metadata: { name: `${this.name}-config`, namespace: this.namespace, labels }, data: { 'redis.conf': this.config } });

    const selector = selectorLabels({ name: this.name });
    const pod = this.podTemplate(image, exporterImage, resources, props.uid ?? imageUid('redis'), selector, mode.type === 'deployment' ? `${this.name}-data` : undefined);
    if (mode.type === 'deployment') {
      persistentClaim(this, 'Data', { name: `${this.name}-data`, namespace: this.namespace, labels, storage });
      this.workload = new k8s.KubeDeployment(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        // One writer per append-only file: the old pod stops before the new one starts.
        spec: { replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: selector }, template: pod },
      });
    } else {
      new k8s.KubeService(this, 'Headless', {
        metadata: { name: `${this.name}-headless`, namespace: this.namespace, labels },
        spec: { clusterIp: 'None', selector, ports: [servicePort('redis', PORT)] },
      });
      this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels, annotations: { ...PRUNE_PROTECTION } },
        spec: {
          replicas: 1,
          serviceName: `${this.name}-headless`,
          selector: { matchLabels: selector },
          template: pod,
          volumeClaimTemplates: [claimTemplate(this, 'data', storage, selector)],
          persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        },
      });
    }
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', selector, ports: [servicePort('redis', PORT), servicePort('metrics', METRICS_PORT)] },
    });
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics' }] });
  }

  private podTemplate(image: PinnedImage, exporter: PinnedImage, resources: ComputeResources, uid: number, selector: Record<string, string>, claim?: string): k8s.PodTemplateSpec {
    const tmp = scratchVolume('tmp', '/tmp', '64Mi');
    const password = { secret: this.passwordSecret, key: this.passwordKey };
    // redis-cli reads REDISCLI_AUTH, so the password never appears in the probe command.
    const ping = ['sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'];
    const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: `${this.name}-config` } }, tmp.volume];
    if (claim) volumes.push({ name: 'data', persistentVolumeClaim: { claimName: claim } });
    return {
      metadata: { labels: { ...standardLabels({ name: this.name, component: 'cache', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(this.config) } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(this, { runAsUser: uid }),
        containers: [
          hardened({
            name: 'redis',
            image: imageRef(image),
            // Kubernetes expands $(REDIS_PASSWORD) from the Secret-backed env var; no literal in the manifest.
            args: ['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
            ports: [tcp('redis', PORT)],
            env: [secretEnv('REDIS_PASSWORD', password), secretEnv('REDISCLI_AUTH', password)],
            resources: toResourceRequirements(resources),
            startupProbe: { exec: { command: ping }, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
            readinessProbe: { exec: { command: ping }, periodSeconds: 5, timeoutSeconds: 3 },
            livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('redis') }, periodSeconds: 10, failureThreshold: 6 },
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/redis', readOnly: true }, tmp.mount],
          }),
          hardened({
            name: 'exporter',
            image: imageRef(exporter),
            ports: [tcp('metrics', METRICS_PORT)],
            env: [{ name: 'REDIS_ADDR', value: `redis://127.0.0.1:${PORT}` }, secretEnv('REDIS_PASSWORD', password)],
            resources: toResourceRequirements(EXPORTER_RESOURCES),
            readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20 },
          }),
        ],
        volumes,
      },
    };
  }
}

/** Bytes of a Redis memory size ("100mb", "1gb", "512000"); Redis units are case-insensitive. */
function redisBytes(v: string): number | undefined {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const f: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * f[unit];
}
