import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { ComputeResources } from '../core/resources';
import { PodIdentityProps } from '../core/security';
import { RollingStrategy } from '../strategies/rolling';
import { DeploymentStrategy } from '../strategies/strategy';
import { AutoscalingOptions, checkAutoscaling } from './autoscaling';
import { scaleObjects } from './scale-units';
import { appContainer, configData, ImageReference, SecretKeyReference, securePodSpec } from './pod';
import { Probe } from './probes';

export interface WorkerProps {
  /** Name of every object. @default the construct id */
  readonly name?: string;
  readonly namespace: string;
  /** `app.kubernetes.io/part-of`. @default none */
  readonly partOf?: string;
  /** `app.kubernetes.io/component`. @default "worker" */
  readonly component?: string;
  readonly image: ImageReference;
  readonly command?: string[];
  readonly args?: string[];
  /** Pods when no autoscaler is set. @default 1 */
  readonly replicas?: number;
  /** @default requests 100m/128Mi, limits 500m/512Mi */
  readonly resources?: ComputeResources;
  /** Scale on a queue-depth metric (customMetric) or CPU. @default none */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Port of the worker's health/metrics endpoint, named `metrics`; a headless
   * Service is rendered for scraping. Workers without one get exec probes.
   * @default none
   */
  readonly metricsPort?: number;
  /** @default HTTP GET /health on `metrics` when metricsPort is set, else required */
  readonly liveness?: Probe;
  /** @default HTTP GET /ready on `metrics` when metricsPort is set, else required */
  readonly readiness?: Probe;
  /** Non-sensitive settings, as a ConfigMap `<name>-config` loaded with envFrom. @default none */
  readonly config?: Record<string, string>;
  readonly secretEnv?: Record<string, SecretKeyReference>;
  /** @default RollingStrategy.of({ maxSurge: 1, maxUnavailable: 0 }) */
  readonly strategy?: DeploymentStrategy;
  readonly identity?: PodIdentityProps;
  /** Seconds to finish the message in hand on shutdown. @default 60 */
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A long-running consumer without an API (a queue consumer): Deployment,
 * ServiceAccount, optional ConfigMap, HPA and a headless metrics Service.
 */
export class Worker extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly selectorLabels: Record<string, string>;
  public readonly workload: ApiObject;
  public readonly metricsService?: k8s.KubeService;
  public readonly ports: Readonly<Record<string, number>>;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) throw new PropsError(this, 'replicas', replicas, 'an integer >= 0');
    if (props.autoscaling) checkAutoscaling(this, props.autoscaling, 'a queue-depth metric');
    const hasMetrics = props.metricsPort !== undefined;
    if (!hasMetrics && (!props.liveness || !props.readiness)) {
      throw new PropsError(this, 'liveness/readiness', undefined, 'both probes (e.g. Probe.exec) when the worker has no metricsPort to probe');
    }
    const identity = { name: this.name, partOf: props.partOf, component: props.component ?? 'worker' };
    this.selectorLabels = selectorLabels(identity);
    const labels = standardLabels(identity);
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    this.ports = hasMetrics ? { metrics: props.metricsPort } : {};

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), automountServiceAccountToken: false });
    const config = props.config && Object.keys(props.config).length ? configData(props.config) : undefined;
    if (config) new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: config.data });

    const { container, volumes } = appContainer(this, this.name, {
      image: props.image,
      command: props.command,
      args: props.args,
      resources: props.resources ?? { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      ports: hasMetrics ? this.ports : undefined,
      probePort: 'metrics',
      liveness: props.liveness ?? Probe.http('/health', { periodSeconds: 10 }),
      readiness: props.readiness ?? Probe.http('/ready', { periodSeconds: 5 }),
      configMapName: config ? `${this.name}-config` : undefined,
      secretEnv: props.secretEnv,
    });

    const binding = (props.strategy ?? RollingStrategy.of({ maxSurge: 1, maxUnavailable: 0 })).bind({
      scope: this,
      name: this.name,
      namespace: this.namespace,
      labels,
      selectorLabels: this.selectorLabels,
      image: props.image,
      podTemplate: {
        metadata: { labels: standardLabels({ ...identity, version: props.image.tag }), annotations: config ? { 'checksum/config': config.checksum } : undefined },
        spec: {
          ...securePodSpec(this, { serviceAccountName: this.name, identity: props.identity, terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60 }),
          containers: [container],
          volumes: volumes.length ? volumes : undefined,
        },
      },
      replicas: props.autoscaling ? undefined : replicas,
      autoscaled: props.autoscaling !== undefined,
      standbyReplicas: props.autoscaling?.minReplicas,
      servicePorts: [],
    });
    this.workload = binding.workload;

    if (hasMetrics) {
      this.metricsService = new k8s.KubeService(this, 'MetricsService', {
        metadata: metadata(this.name),
        spec: {
          clusterIp: 'None',
          selector: this.selectorLabels,
          ports: [{ name: 'metrics', port: props.metricsPort, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
        },
      });
    }
    scaleObjects(this, binding, { name: this.name, metadata, replicas, autoscaling: props.autoscaling, customSource: 'External', budget: { maxUnavailable: 1 } });
  }
}
