// The one set-up every system chart stands on: the namespace (Pod Security,
// quota, LimitRange; not the Namespace object itself on a shared cluster),
// the secret store of the environment's backend under `<environment>/<system>`,
// the service graph with the border controller and Prometheus as peers, and,
// once the chart has added its services, the mesh policies, the backup
// schedule and the render-time checks. What a chart adds on top comes from the
// component adapters in app/adapters/; GitOps metadata (sync waves, prune
// protection) is applied to every chart alike by the render pipeline.
import { Chart } from 'cdk8s';
import { EnvironmentConfig, SystemConfig } from '../app/config';
import { backupFromConfig } from '../app/adapters/backup';
import { environmentBorder } from '../app/adapters/border';
import { clusterChecks } from '../app/adapters/cluster-checks';
import { setDefaultStorageClass } from '../lib/core/stateful';
import { meshFromConfig, meshModeOf } from '../app/adapters/mesh';
import { declareClusterPrometheus } from '../app/adapters/monitoring';
import { secretBackendOf, SystemBase } from '../app/adapters/system';
import { Border } from '../lib/border/border';
import { ExternalPeer, Peer } from '../lib/security/peer';
import { SecretStore } from '../lib/security/secret-store';
import { ServiceGraph } from '../lib/security/service-graph';
import { SystemNamespace } from '../lib/security/system-namespace';

export interface SystemScaffoldOptions {
  /** Labels the document puts on the namespace (e.g. environment, tier). @default none */
  readonly namespaceLabels?: Record<string, string>;
  /** The chart joins the environment's mesh: sidecar injection, mTLS and authorization from the graph, trace sampling. @default false */
  readonly meshed?: boolean;
  /** The namespace is backed up where the environment says how (`backup:`; never on a shared cluster). @default false */
  readonly backup?: boolean;
}

/** What a system chart builds on; call `finish()` after the chart's own objects. */
export class SystemScaffold implements SystemBase {
  public readonly env: EnvironmentConfig;
  public readonly system: SystemConfig;
  public readonly partOf: string;
  public readonly namespace: string;
  public readonly components: SystemBase['components'];
  public readonly shared: boolean;
  public readonly graph: ServiceGraph;
  public readonly store: SecretStore;
  public readonly ingressController?: Peer;
  public readonly prometheus?: Peer;

  constructor(
    private readonly chart: Chart,
    partOf: string,
    env: EnvironmentConfig,
    system: SystemConfig,
    private readonly options: SystemScaffoldOptions = {},
  ) {
    this.env = env;
    this.system = system;
    this.partOf = partOf;
    this.namespace = system.namespace;
    this.components = system.components ?? {};
    this.shared = env.cluster.mode === 'shared';
    const ps = system.podSecurity;
    // Before any child: every claim below names the cluster's class (cluster.storage).
    const storageClass = env.cluster.storage?.storageClass;
    if (storageClass) setDefaultStorageClass(chart, storageClass);
    new SystemNamespace(chart, 'Namespace', {
      name: system.namespace,
      create: !this.shared,
      // Sidecars are what the mesh policies (STRICT mTLS, authorization) act on.
      labels: { ...options.namespaceLabels, ...(options.meshed && env.mesh?.enabled ? { 'istio-injection': 'enabled' } : {}) },
      meshMode: options.meshed ? meshModeOf(env) : undefined,
      podSecurity: ps && ps.level !== 'restricted' ? { level: ps.level, reason: ps.reason ?? '' } : { level: 'restricted' },
      // On a shared cluster the owners create the namespace's quota and
      // defaults; the render checks prove that our peak usage fits it.
      quota: this.shared ? undefined : system.quota,
      containerDefaults: this.shared ? undefined : system.limitRange,
    });
    this.store = new SecretStore(chart, 'SecretStore', { namespace: system.namespace, backend: secretBackendOf(env, system), keyPrefix: `${env.name}/${partOf}` });
    this.graph = new ServiceGraph(chart, 'ServiceGraph');
    const controller = env.border?.controller;
    const prom = env.observability?.prometheus;
    this.ingressController = controller ? ExternalPeer.pods({ name: 'ingress-controller', namespace: controller.namespace, labels: controller.labels, serviceAccountName: controller.serviceAccountName }) : undefined;
    this.prometheus = prom ? ExternalPeer.pods({ name: 'prometheus', namespace: prom.namespace, labels: prom.labels }) : undefined;
  }

  /** The environment's border (`border:`) for the services the chart exposes. */
  public border(): Border {
    return environmentBorder(this);
  }

  /** The parts that read the whole chart: mesh policies (meshed charts), the backup schedule (backed-up charts), the render checks. */
  public finish(): void {
    if (this.options.meshed) meshFromConfig(this, this.chart);
    if (this.options.backup) backupFromConfig(this, this.chart);
    declareClusterPrometheus(this, this.chart);
    clusterChecks(this, this.chart, this.options.meshed === true);
  }
}
