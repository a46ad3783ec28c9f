// GitOps bootstrap: the Argo CD or Flux objects that pull every system's
// rendered directory from Git into its cluster (docs/gitops.md). One engine
// per cluster (`gitops.engine`), rendered into dist/<env>/_gitops/<engine>/;
// it also manages its own directory (app of apps), so adding a system to an
// environment file is all it takes to deploy it.
import { App, Chart } from 'cdk8s';
import { ArgoCdSettings } from '../lib/gitops/argocd-settings';
import { Construct } from 'constructs';
import { EnvironmentConfig, GitOpsController } from '../app/config';
import { ArgoApplication } from '../lib/gitops/argocd-application';
import { ArgoProject } from '../lib/gitops/argocd-project';
import { applyDeliveryMetadata } from '../lib/gitops/delivery-metadata';
import { BOOTSTRAP_DIR, DeliveryPlan, planDelivery } from '../app/gitops/delivery-plan';
import { FluxGitSource } from '../lib/gitops/flux-source';
import { FluxKustomization } from '../lib/gitops/flux-kustomization';
import { RenderTarget } from '../lib/synth';

/** Argo CD's name for the cluster it runs in. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

export interface GitOpsChartProps {
  readonly plan: DeliveryPlan;
}

/** Argo CD: an AppProject and an Application per delivered directory, plus the root Application. */
export class ArgoCdBootstrapChart extends Chart {
  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { plan } = props;
    const namespace = plan.argocdNamespace;
    const root = `gitops-${plan.env}`;
    new ArgoCdSettings(this, 'settings', { namespace });
    new ArgoProject(this, 'root-project', {
      name: root,
      namespace,
      description: `Argo CD objects of environment ${plan.env}`,
      sourceRepos: [plan.repoURL],
      destinations: [{ server: IN_CLUSTER, namespace }],
    });
    new ArgoApplication(this, 'root', {
      name: root,
      namespace,
      project: root,
      repoURL: plan.repoURL,
      targetRevision: plan.targetRevision,
      path: `${plan.distPath}/${bootstrapDir(plan.env, 'argocd')}`,
      server: IN_CLUSTER,
      destinationNamespace: namespace,
    });
    for (const u of plan.units) {
      new ArgoProject(this, `${u.name}-project`, {
        name: u.name,
        namespace,
        description: `${u.dir.split('/').slice(1).join('/')} in ${plan.env}`,
        sourceRepos: [plan.repoURL],
        destinations: (u.namespaces.length ? u.namespaces : u.namespace ? [u.namespace] : []).map((ns) => ({ server: plan.server, namespace: ns })),
        clusterResources: [...u.clusterKinds],
      });
      new ArgoApplication(this, u.name, {
        name: u.name,
        namespace,
        project: u.name,
        repoURL: plan.repoURL,
        targetRevision: plan.targetRevision,
        path: `${plan.distPath}/${u.dir}`,
        server: plan.server,
        destinationNamespace: u.namespace,
        ignoreDifferences: [...u.ignoreDifferences],
        // In a shared cluster the namespaces are assigned to us; creating one is not ours to do.
        createNamespace: !plan.sharedCluster,
        // The root Application syncs these in dependency order.
        syncWave: u.order,
      });
    }
  }
}

/** Flux: the GitRepository and a Kustomization per delivered directory, plus the root Kustomization. */
export class FluxBootstrapChart extends Chart {
  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { plan } = props;
    const namespace = plan.fluxNamespace;
    const source = new FluxGitSource(this, 'source', {
      name: `manifests-${plan.env}`,
      namespace,
      url: plan.repoURL,
      revision: plan.targetRevision,
      include: [`${plan.distPath}/${plan.env}/`],
    });
    const common = { namespace, sourceName: source.name, interval: plan.fluxInterval, timeout: plan.fluxTimeout };
    new FluxKustomization(this, 'root', { ...common, name: `gitops-${plan.env}`, path: `${plan.distPath}/${bootstrapDir(plan.env, 'flux')}` });
    for (const u of plan.units) {
      new FluxKustomization(this, u.name, { ...common, name: u.name, path: `${plan.distPath}/${u.dir}`, dependsOn: [...u.dependsOn] });
    }
  }
}

/** `<env>/_gitops/<controller>`, relative to the output root. */
export function bootstrapDir(env: string, controller: GitOpsController): string {
  return `${env}/${BOOTSTRAP_DIR}/${controller}`;
}

/**
 * The environment's system targets made ready for GitOps (sync waves, prune
 * protection), followed by the bootstrap target of the cluster's one engine.
 */
export function withGitOps(env: EnvironmentConfig, targets: readonly RenderTarget[], app: App): RenderTarget[] {
  for (const t of targets) applyDeliveryMetadata(t.chart);
  const plan = planDelivery(env, targets);
  if (!plan) return [...targets];
  const Bootstrap = plan.engine === 'argocd' ? ArgoCdBootstrapChart : FluxBootstrapChart;
  return [...targets, { dir: bootstrapDir(env.name, plan.engine), chart: new Bootstrap(app, `${BOOTSTRAP_DIR}-${plan.engine}`, { plan }) }];
}
