import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { DisruptionBudget, spreading, SpreadOptions } from '../core/placement';
import { ComputeResources } from '../core/resources';
import { PodIdentityProps } from '../core/security';
import { RollingStrategy } from '../strategies/rolling';
import { DeploymentStrategy, StrategyBinding } from '../strategies/strategy';
import { AutoscalingOptions, checkAutoscaling } from './autoscaling';
import { appContainer, configData, ImageReference, SecretKeyReference, securePodSpec } from './pod';
import { Probe } from './probes';
import { scaleObjects } from './scale-units';
import { Peer } from '../security/peer';
import { ServiceGraph } from '../security/service-graph';

export { ImageReference, SecretKeyReference, imageString } from './pod';

export type { DisruptionBudget, SpreadOptions } from '../core/placement';

export interface MicroserviceProps {
  /** Name of every object of the service. @default the construct id */
  readonly name?: string;
  /** Namespace all objects go into. */
  readonly namespace: string;
  /** System this service belongs to (`app.kubernetes.io/part-of`). @default none */
  readonly partOf?: string;
  /** Role label (`app.kubernetes.io/component`). @default "api" */
  readonly component?: string;
  /** The image to run. */
  readonly image: ImageReference;
  /** Container port of the HTTP API, named `http`. @default 8080 */
  readonly port?: number;
  /** Port the Service exposes for `http`. @default same as port */
  readonly servicePort?: number;
  /** Container port of the metrics endpoint, named `metrics`. @default none */
  readonly metricsPort?: number;
  /** Container command (entrypoint) override. @default the image's */
  readonly command?: string[];
  /** Container args override. @default the image's */
  readonly args?: string[];
  /** Desired pods when no autoscaler is configured. @default 2 */
  readonly replicas?: number;
  /** CPU and memory requests and limits. @default requests 100m/128Mi, limits 500m/512Mi */
  readonly resources?: ComputeResources;
  /** Horizontal autoscaling; when set the HPA owns `replicas`. @default none */
  readonly autoscaling?: AutoscalingOptions;
  /** Liveness probe. @default HTTP GET /health on `http`, 10 s period */
  readonly liveness?: Probe;
  /** Readiness probe. @default HTTP GET /ready on `http`, 5 s period */
  readonly readiness?: Probe;
  /** Startup probe for slow starters. @default none */
  readonly startup?: Probe;
  /** Non-sensitive settings: rendered as a ConfigMap `<name>-config` and loaded with envFrom; a change rolls the pods. @default none */
  readonly config?: Record<string, string>;
  /** Environment variables from Secret keys, e.g. `DATABASE_URL`. @default none */
  readonly secretEnv?: Record<string, SecretKeyReference>;
  /** How new versions roll out. @default RollingStrategy.of() (25% / 25%) */
  readonly strategy?: DeploymentStrategy;
  /** Pin each client IP to one pod for this many seconds (Service `ClientIP` affinity). @default none */
  readonly clientIpAffinitySeconds?: number;
  /** Mount a ServiceAccount token (only for pods that call the Kubernetes API). @default false */
  readonly mountServiceAccountToken?: boolean;
  /** UID/GID the pod runs as. @default 10001 for all three */
  readonly identity?: PodIdentityProps;
  /** Read-only root filesystem; opting out must be explicit. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Paths that get a writable emptyDir. @default ["/tmp"] */
  readonly writablePaths?: string[];
  /** Disruption budget when more than one replica runs. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudget;
  /** Spreading across nodes and zones, or `false` for none. @default hostname weight 100 + zones */
  readonly spread?: SpreadOptions | false;
  /** Seconds a pod gets to finish in-flight work on shutdown. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

const DEFAULT_RESOURCES: ComputeResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/**
 * A stateless HTTP service: ServiceAccount, workload (through its strategy),
 * ClusterIP Service, optional ConfigMap, HPA and PDB. Secure by default: it
 * meets the restricted Pod Security Standard unless told otherwise.
 * It is a `Peer` of the service graph: `connectsTo` declares whom it calls.
 */
export class Microservice extends Construct implements Peer {
  public readonly name: string;
  public readonly namespace: string;
  /** Labels selecting this service's pods. */
  public readonly selectorLabels: Record<string, string>;
  /** The workload the strategy rendered (Deployment, Rollout, ...). */
  public readonly workload: ApiObject;
  public readonly service: k8s.KubeService;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly configMap?: k8s.KubeConfigMap;
  /** The HPA of `workload`, when autoscaled. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget of `workload`'s pods, when more than one runs. */
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** Every workload that scales on its own (`workload`, or both colours of plain blue-green). */
  public readonly scaleTargets: readonly ApiObject[];
  /** One HPA per scale target, when autoscaled. */
  public readonly autoscalers: readonly k8s.KubeHorizontalPodAutoscalerV2[];
  /** One PodDisruptionBudget per scale target, when more than one pod runs. */
  public readonly disruptionBudgets: readonly k8s.KubePodDisruptionBudget[];
  public readonly strategy: DeploymentStrategy;
  /** What the strategy rendered, including the Argo CD hints (`binding.gitOps`) its controller needs. */
  public readonly binding: StrategyBinding;
  /** Named ports of the pods (`http`, optionally `metrics`). */
  public readonly ports: Readonly<Record<string, number>>;
  /** The pods' ServiceAccount (their mesh identity). */
  public get serviceAccountName(): string {
    return this.name;
  }
  /** The Service in front of the pods. */
  public get serviceName(): string {
    return this.name;
  }

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    const port = props.port ?? 8080;
    checkPort(this, 'port', port);
    if (props.metricsPort !== undefined) {
      checkPort(this, 'metricsPort', props.metricsPort);
      if (props.metricsPort === port) throw new PropsError(this, 'metricsPort', props.metricsPort, `a port different from port (${port})`);
    }
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 0) throw new PropsError(this, 'replicas', replicas, 'an integer >= 0');
    if (props.autoscaling) checkAutoscaling(this, props.autoscaling);

    const identity = { name: this.name, partOf: props.partOf, component: props.component ?? 'api' };
    this.selectorLabels = selectorLabels(identity);
    // The version label goes on pods only, so an image bump changes the
    // workload's pod template and nothing else in the diff.
    const labels = standardLabels(identity);
    const podLabels = standardLabels({ ...identity, version: props.image.tag });
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    this.ports = props.metricsPort !== undefined ? { http: port, metrics: props.metricsPort } : { http: port };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(this.name),
      automountServiceAccountToken: props.mountServiceAccountToken ?? false,
    });

    let checksum: string | undefined;
    if (props.config && Object.keys(props.config).length > 0) {
      const config = configData(props.config);
      this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: config.data });
      checksum = config.checksum;
    }

    const { container, volumes } = appContainer(this, this.name, {
      image: props.image,
      command: props.command,
      args: props.args,
      resources,
      ports: this.ports,
      liveness: props.liveness ?? Probe.http('/health', { periodSeconds: 10 }),
      readiness: props.readiness ?? Probe.http('/ready', { periodSeconds: 5 }),
      startup: props.startup,
      configMapName: this.configMap ? `${this.name}-config` : undefined,
      secretEnv: props.secretEnv,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem,
      writablePaths: props.writablePaths,
    });

    const podTemplate: k8s.PodTemplateSpec = {
      metadata: { labels: podLabels, annotations: checksum ? { 'checksum/config': checksum } : undefined },
      spec: {
        ...securePodSpec(this, {
          serviceAccountName: this.name,
          mountServiceAccountToken: props.mountServiceAccountToken,
          identity: props.identity,
          terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
        }),
        containers: [container],
        volumes: volumes.length ? volumes : undefined,
        ...spreading(this.selectorLabels, props.spread),
      },
    };

    const servicePorts: k8s.ServicePort[] = Object.entries(this.ports).map(([name, p]) => ({
      name,
      port: name === 'http' ? props.servicePort ?? p : p,
      targetPort: k8s.IntOrString.fromString(name),
      protocol: 'TCP',
    }));

    this.strategy = props.strategy ?? RollingStrategy.of();
    const binding = this.strategy.bind({
      scope: this,
      name: this.name,
      namespace: this.namespace,
      labels,
      selectorLabels: this.selectorLabels,
      podTemplate,
      replicas: props.autoscaling ? undefined : replicas,
      autoscaled: props.autoscaling !== undefined,
      standbyReplicas: props.autoscaling ? Math.max(props.autoscaling.minReplicas, props.replicas ?? 0) : undefined,
      servicePorts,
      image: props.image,
    });
    this.binding = binding;
    this.workload = binding.workload;

    if (props.clientIpAffinitySeconds !== undefined) {
      const t = props.clientIpAffinitySeconds;
      if (!Number.isInteger(t) || t < 1 || t > 86400) throw new PropsError(this, 'clientIpAffinitySeconds', t, 'an integer from 1 to 86400');
    }
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { ...metadata(this.name), annotations: binding.serviceAnnotations },
      spec: {
        type: 'ClusterIP',
        selector: binding.serviceSelector,
        ports: servicePorts,
        sessionAffinity: props.clientIpAffinitySeconds !== undefined ? 'ClientIP' : undefined,
        sessionAffinityConfig:
          props.clientIpAffinitySeconds !== undefined ? { clientIp: { timeoutSeconds: props.clientIpAffinitySeconds } } : undefined,
      },
    });

    const scaled = scaleObjects(this, binding, {
      name: this.name,
      metadata,
      replicas,
      autoscaling: props.autoscaling,
      customSource: 'Pods',
      budget: props.disruptionBudget ?? { maxUnavailable: 1 },
    });
    const main = scaled.find((u) => u.workload === binding.workload);
    this.autoscaler = main?.autoscaler;
    this.disruptionBudget = main?.disruptionBudget;
    this.scaleTargets = scaled.map((u) => u.workload);
    this.autoscalers = scaled.flatMap((u) => (u.autoscaler ? [u.autoscaler] : []));
    this.disruptionBudgets = scaled.flatMap((u) => (u.disruptionBudget ? [u.disruptionBudget] : []));
  }

  /**
   * Declares that this service calls `peer` on its named port `portName`:
   * the chart's ServiceGraph turns it into NetworkPolicy (and mesh) allows.
   */
  public connectsTo(peer: Peer, portName: string): this {
    ServiceGraph.of(this).connect(this, peer, portName);
    return this;
  }
}

function checkPort(scope: Construct, field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PropsError(scope, field, port, 'an integer from 1 to 65535');
}

