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
import { monitorService } from '../observability/service-monitor';
import { SecretKeyReference } from '../workloads/microservice';
import { DEFAULT_JVM_AGENT_IMAGE, JVM_METRICS_PORT, jvmMetricsAgent } from './jvm-metrics';

/**
 * KRaft roles: every node both controller and broker (small clusters, dev),
 * or a controller quorum separate from the brokers (production: broker load
 * cannot starve the quorum).
 */
export type KafkaRoles =
  | { readonly type: 'combined'; /** Nodes, each a voter. Odd. @default 3 */ readonly replicas?: number }
  | { readonly type: 'separate'; /** Quorum voters. Odd. @default 3 */ readonly controllers?: number; /** @default 3 */ readonly brokers?: number };

export interface KafkaClusterProps extends CatalogServiceProps {
  /** @default { type: "combined", replicas: 3 } */
  readonly roles?: KafkaRoles;
  /** The cluster id (22-character base64url UUID from `kafka-storage.sh random-uuid`), from a Secret. */
  readonly clusterId: SecretKeyReference;
  /** @default docker.io/apache/kafka:3.8.0 (UID 1000) */
  readonly image?: PinnedImage;
  /** UID of the image's `appuser`. @default 1000 */
  readonly uid?: number;
  /** Log volume of each broker (and combined node). @default 20Gi, default storage class */
  readonly storage?: StorageOptions;
  /** Metadata volume of each controller in separate mode. @default 2Gi */
  readonly controllerStorage?: StorageOptions;
  /** Brokers (and combined nodes); heap is half the memory limit, at most 6 GiB. @default requests 500m/2Gi, limits 2/2Gi */
  readonly resources?: ComputeResources;
  /** Controllers in separate mode. @default requests 250m/1Gi, limits 1/1Gi */
  readonly controllerResources?: ComputeResources;
  /** Extra broker properties, e.g. `{ "log.retention.hours": 72 }`. @default none */
  readonly settings?: Record<string, string | number | boolean>;
  /** @default hostname anti-affinity + zone spread */
  readonly spread?: SpreadOptions | false;
  /** Image of the OpenTelemetry Java agent that serves the broker's JMX metrics on port 5556. @default IMAGES.otelJavaAgent (lib/core/images.ts) */
  readonly metricsAgentImage?: PinnedImage;
}

const CLIENT = IMAGES.kafka.ports.client;
const CONTROLLER = IMAGES.kafka.ports.controller;
const HOME = '/opt/kafka';
const DATA = '/var/lib/kafka/data';
// Brokers of a separate quorum get ids 100+ordinal, so they never collide with controller ids.
const BROKER_ID_OFFSET = 100;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('kafka');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } };
const CONTROLLER_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
const RESERVED = ['node.id', 'process.roles', 'listeners', 'advertised.listeners', 'controller.quorum.voters', 'controller.listener.names', 'log.dirs', 'listener.security.protocol.map', 'inter.broker.listener.name'];

type Role = 'combined' | 'broker' | 'controller';

/**
 * Apache Kafka in KRaft mode (no ZooKeeper): StatefulSets whose node ids come
 * from the pod ordinal, a static controller quorum addressed through a
 * headless Service that publishes not-ready pods (the quorum must form before
 * anyone is ready), the cluster id from a Secret, and JMX metrics from the OpenTelemetry Java agent.
 * Clients bootstrap from `<name>:9092` (listener `client`, PLAINTEXT).
 */
export class KafkaCluster extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `<name>.<namespace>.svc:9092` */
  public readonly bootstrapServers: string;
  /** `controller.quorum.voters` as rendered. */
  public readonly quorumVoters: string;
  public readonly brokers: k8s.KubeStatefulSet;
  public readonly controllers?: k8s.KubeStatefulSet;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.bootstrapServers = `${this.name}.${this.namespace}.svc:${CLIENT}`;
    this.labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'broker' });
    const roles = props.roles ?? { type: 'combined' };
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const agentImage = props.metricsAgentImage ?? DEFAULT_JVM_AGENT_IMAGE;
    checkImage(this, 'metricsAgentImage', agentImage);
    if (!props.clusterId?.secret || !props.clusterId?.key) throw new PropsError(this, 'clusterId', props.clusterId, 'a Secret key holding the KRaft cluster id ({ secret, key })');
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '20Gi' };
    checkStorage(this, 'storage', storage);
    for (const k of Object.keys(props.settings ?? {})) {
      if (RESERVED.includes(k)) throw new PropsError(this, `settings.${k}`, props.settings![k], 'a property the construct does not derive (ids, roles, listeners, quorum and log.dirs come from the topology)');
    }

    const voters = roles.type === 'combined' ? roles.replicas ?? 3 : roles.controllers ?? 3;
    const brokerCount = roles.type === 'combined' ? voters : roles.brokers ?? 3;
    const votersField = roles.type === 'combined' ? 'roles.replicas' : 'roles.controllers';
    checkInt(this, votersField, voters, 1, 9);
    if (voters % 2 === 0) throw new PropsError(this, votersField, voters, 'an odd number (1, 3 or 5): a quorum of n voters survives (n-1)/2 failures, an even count adds none');
    checkInt(this, 'roles.brokers', brokerCount, 1, 100);

    const quorumSet = roles.type === 'combined' ? this.name : `${this.name}-controller`;
    this.quorumVoters = Array.from({ length: voters }, (_, i) => `${i}@${quorumSet}-${i}.${quorumSet}-headless.${this.namespace}.svc:${CONTROLLER}`).join(',');
    const rf = Math.min(3, brokerCount);
    const brokerSettings: Record<string, string | number | boolean> = {
      'default.replication.factor': rf,
      'min.insync.replicas': Math.max(1, rf - 1),
      'offsets.topic.replication.factor': rf,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': Math.max(1, rf - 1),
      'auto.create.topics.enable': false,
      ...props.settings,
    };

    const common = { image, agentImage, uid: props.uid ?? imageUid('kafka'), clusterId: props.clusterId, spread: props.spread };
    if (roles.type === 'combined') {
      this.brokers = this.nodeSet('combined', { ...common, replicas: voters, resources, storage, settings: brokerSettings });
    } else {
      const controllerResources = props.controllerResources ?? CONTROLLER_RESOURCES;
      checkResources(this, 'controllerResources', controllerResources);
      const controllerStorage = props.controllerStorage ?? { size: '2Gi' };
      checkStorage(this, 'controllerStorage', controllerStorage);
      this.controllers = this.nodeSet('controller', { ...common, replicas: voters, resources: controllerResources, storage: controllerStorage, settings: {} });
      this.brokers = this.nodeSet('broker', { ...common, replicas: brokerCount, resources, storage, settings: brokerSettings });
    }

    const brokerSelector = this.selector(roles.type === 'combined' ? 'combined' : 'broker');
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: { type: 'ClusterIP', selector: brokerSelector, ports: [servicePort('client', CLIENT), servicePort('metrics', 5556)] },
    });
    if (this.controllers) {
      new k8s.KubeService(this, 'ControllerService', {
        metadata: { name: `${this.name}-controller`, namespace: this.namespace, labels: this.labels },
        spec: { type: 'ClusterIP', selector: this.selector('controller'), ports: [servicePort('metrics', 5556)] },
      });
    }
    monitorService(this, props.metrics, {
      name: this.name, namespace: this.namespace, labels: this.labels, selector: selectorLabels({ name: this.name }), endpoints: [{ port: 'metrics' }],
    });
  }

  private selector(role: Role): Record<string, string> {
    return { ...selectorLabels({ name: this.name }), 'app.kubernetes.io/component': role === 'combined' ? 'broker' : role };
  }

  private nodeSet(
    role: Role,
    p: {
      readonly image: PinnedImage; readonly agentImage: PinnedImage; readonly uid: number; readonly clusterId: SecretKeyReference;
      readonly replicas: number; readonly resources: ComputeResources; readonly storage: StorageOptions;
      readonly settings: Record<string, string | number | boolean>; readonly spread?: SpreadOptions | false;
    },
  ): k8s.KubeStatefulSet {
    const set = role === 'controller' ? `${this.name}-controller` : role === 'broker' ? `${this.name}-broker` : this.name;
    const headless = `${set}-headless`;
    const selector = this.selector(role);
    const isBroker = role !== 'controller';
    const isController = role !== 'broker';
    const props: Record<string, string | number | boolean> = {
      'process.roles': role === 'combined' ? 'broker,controller' : role,
      'controller.quorum.voters': this.quorumVoters,
      'controller.listener.names': 'CONTROLLER',
      listeners: [isBroker ? `PLAINTEXT://:${CLIENT}` : undefined, isController ? `CONTROLLER://:${CONTROLLER}` : undefined].filter(Boolean).join(','),
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      // A subdirectory: the volume root may hold lost+found, which Kafka takes for a broken log.
      'log.dirs': `${DATA}/logs`,
      ...(isBroker ? { 'inter.broker.listener.name': 'PLAINTEXT' } : {}),
      ...p.settings,
    };
    const serverProperties = Object.keys(props).sort().map((k) => `${k}=${props[k]}`).join('\n') + '\n';
    new k8s.KubeConfigMap(this, `${cap(role)}Config`, {
      metadata: { name: `${set}-config`, namespace: this.namespace, labels: this.labels },
      data: { 'server.properties': serverProperties },
    });

    const heapMb = Math.min(Math.floor(bytes(p.resources.limits.memory)! / 2 ** 20 / 2), 6144);
    const offset = role === 'broker' ? BROKER_ID_OFFSET : 0;
    // node.id and the advertised address depend on which pod this is, so they are appended at start.
    const agent = jvmMetricsAgent(p.agentImage, this.name, 'kafka-broker');
    const script = [
      'set -eu',
      'ordinal="${HOSTNAME##*-}"',
      'conf=/var/run/kafka/server.properties',
      'cp /etc/kafka/server.properties "$conf"',
      `echo "node.id=$((ordinal + ${offset}))" >> "$conf"`,
      ...(isBroker ? [`echo "advertised.listeners=PLAINTEXT://$HOSTNAME.${headless}.${this.namespace}.svc:${CLIENT}" >> "$conf"`] : []),
      `export KAFKA_HEAP_OPTS="-Xms${heapMb}m -Xmx${heapMb}m"`,
      `${HOME}/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$KAFKA_CLUSTER_ID" --config "$conf"`,
      // Only the broker JVM loads the agent (the format tool above and the readiness probe do not).
      `export KAFKA_OPTS="${agent.javaOptions.join(' ')}"`,
      `exec ${HOME}/bin/kafka-server-start.sh "$conf"`,
    ].join('\n');
    const run = scratchVolume('run', '/var/run/kafka', '16Mi');
    const logs = scratchVolume('logs', '/var/log/kafka', '512Mi');
    const tmp = scratchVolume('tmp', '/tmp', '256Mi');
    const portName = isBroker ? 'client' : 'controller';
    // The probe JVM gets a small heap of its own; the broker's heap settings live only in the start script.
    const readiness: k8s.Probe = isBroker
      ? { exec: { command: ['sh', '-c', `KAFKA_HEAP_OPTS=-Xmx64m ${HOME}/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:${CLIENT} >/dev/null`] }, periodSeconds: 20, timeoutSeconds: 15, failureThreshold: 3 }
      : { tcpSocket: { port: k8s.IntOrString.fromString('controller') }, periodSeconds: 10 };
    const pod: k8s.PodTemplateSpec = {
      metadata: {
        labels: { ...standardLabels({ name: this.name, component: selector['app.kubernetes.io/component'], version: p.image.tag }), ...selector },
        annotations: { 'checksum/config': checksum(serverProperties) },
      },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(this, { runAsUser: p.uid }),
        terminationGracePeriodSeconds: 120,
        ...(p.replicas > 1 ? spreading(selector, p.spread) : {}),
        initContainers: [agent.initContainer],
        containers: [
          hardened({
            name: 'kafka',
            image: imageRef(p.image),
            command: ['sh', '-c', script],
            ports: [...(isBroker ? [tcp('client', CLIENT)] : []), ...(isController ? [tcp('controller', CONTROLLER)] : []), tcp('metrics', JVM_METRICS_PORT)],
            env: [secretEnv('KAFKA_CLUSTER_ID', p.clusterId), { name: 'LOG_DIR', value: '/var/log/kafka' }],
            resources: toResourceRequirements(p.resources),
            startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString(portName) }, periodSeconds: 5, failureThreshold: 60 },
            readinessProbe: readiness,
            livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(portName) }, periodSeconds: 30, failureThreshold: 4 },
            volumeMounts: [{ name: 'data', mountPath: DATA }, { name: 'config', mountPath: '/etc/kafka', readOnly: true }, run.mount, logs.mount, tmp.mount, agent.mount],
          }),
        ],
        volumes: [
          { name: 'config', configMap: { name: `${set}-config` } },
          run.volume, logs.volume, tmp.volume, agent.volume,
        ],
      },
    };
    new k8s.KubeService(this, `${cap(role)}Headless`, {
      metadata: { name: headless, namespace: this.namespace, labels: this.labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [...(isBroker ? [servicePort('client', CLIENT)] : []), ...(isController ? [servicePort('controller', CONTROLLER)] : [])],
      },
    });
    const sts = new k8s.KubeStatefulSet(this, role === 'controller' ? 'Controllers' : 'Resource', {
      metadata: { name: set, namespace: this.namespace, labels: this.labels, annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas: p.replicas,
        serviceName: headless,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: pod,
        volumeClaimTemplates: [claimTemplate(this, 'data', p.storage, selector)],
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
      },
    });
    if (p.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, `${cap(role)}DisruptionBudget`, {
        metadata: { name: set, namespace: this.namespace, labels: this.labels },
        spec: disruptionBudgetSpec(this, role === 'controller' ? 'roles.controllers' : 'roles', { maxUnavailable: 1 }, p.replicas, selector),
      });
    }
    return sts;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
