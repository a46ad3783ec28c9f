import { ApiObject } from 'cdk8s';
import { ConfigError } from '../config/errors';
import { EnvironmentConfig, GitOpsController } from '../config/schema';
import { groupOf, RenderTarget } from '../../lib/synth';
import { GroupKind } from '../../lib/gitops/argocd-project';
import { IgnoreDifference, ignoreDifferencesOf } from '../../lib/gitops/ignore-differences';
import { ADDONS, providerOf } from '../../lib/platform/addons';

/** Directory (under an environment's output) the bootstrap objects render into, one sub-directory per controller. */
export const BOOTSTRAP_DIR = '_gitops';
/** Directory (under an environment's output) of the platform add-ons every system depends on. */
export const PLATFORM_DIR = '_platform';

/** One rendered directory and how it is delivered. */
export interface DeliveryUnit {
  /** Application / Kustomization name, e.g. `ecosystem-prod`. */
  readonly name: string;
  /** System key under `systems:`. */
  readonly system: string;
  /** Directory relative to the output root, e.g. `prod/ecosystem`. */
  readonly dir: string;
  /** The namespace most of its objects live in (the Argo CD destination namespace). */
  readonly namespace?: string;
  /** Every namespace its objects live in. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds it renders (empty for shared-cluster targets). */
  readonly clusterKinds: readonly GroupKind[];
  readonly ignoreDifferences: readonly IgnoreDifference[];
  /** Units that must be healthy first. */
  readonly dependsOn: readonly string[];
  /** Position in dependency order: 0 for units without dependencies. */
  readonly order: number;
}

/** Everything the bootstrap charts need for one environment. */
export interface DeliveryPlan {
  readonly env: string;
  /** The cluster's one GitOps engine: it delivers every unit. */
  readonly engine: GitOpsController;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Repository path of the output root. */
  readonly distPath: string;
  /** API server of the environment's cluster. */
  readonly server: string;
  /** The cluster is shared (`cluster.mode: shared`): only our assigned namespaces, which exist already. */
  readonly sharedCluster: boolean;
  readonly argocdNamespace: string;
  readonly fluxNamespace: string;
  readonly fluxInterval: string;
  readonly fluxTimeout: string;
  readonly units: readonly DeliveryUnit[];
}

/**
 * Thrown when the gitops settings of an environment contradict each other or
 * what its charts render. A ConfigError, so synth reports it like any other
 * mistake in an environment file (exit 1, dist/ untouched).
 */
export class DeliveryPlanError extends ConfigError {
  constructor(env: string, message: string, field = 'gitops') {
    super([{ file: `environments/${env}.yaml`, line: 1, column: 1, path: field, message }]);
    this.name = 'DeliveryPlanError';
  }
}

export interface PlanOptions {
  /** Repository path of the output root. @default "dist" */
  readonly distPath?: string;
}

/**
 * Works out, from the environment's `gitops:` settings and the charts about to
 * be rendered, which directories exist, who deploys them, what they may touch
 * and in which order. Reads the construct trees only (no rendering), so every
 * unit points at a directory the same synth writes. Undefined when the
 * environment has no `gitops:` section.
 */
export function planDelivery(env: EnvironmentConfig, targets: readonly RenderTarget[], options: PlanOptions = {}): DeliveryPlan | undefined {
  const g = env.gitops;
  if (!g) return undefined;
  const systemOf = (dir: string) => dir.split('/')[1];
  // The add-ons' directory itself; its sub-directories (cluster-issuers/) are units that come after it.
  const platform = targets.find((t) => t.dir === `${env.name}/${PLATFORM_DIR}`);
  const platformName = `platform-${env.name}`;
  const drafts = targets.map((t) => {
    const system = systemOf(t.dir);
    const settings = (g.systems as Record<string, { dependsOn?: string[] } | undefined> | undefined)?.[system];
    const isPlatform = t === platform;
    return {
      target: t,
      system,
      // `_platform/cluster-issuers` -> platform-cluster-issuers-<env> (object names take no leading "_").
      name: isPlatform ? platformName : [...t.dir.split('/').slice(1).map((s) => s.replace(/^_/, '')), env.name].join('-'),
      dependsOnSystems: settings?.dependsOn ?? [],
      // Every system waits for the add-ons (CRDs and controllers) it uses.
      dependsOnUnits: platform && !isPlatform ? [platformName] : [],
    };
  });
  const bySystem = new Map<string, string[]>();
  for (const d of drafts) bySystem.set(d.system, [...(bySystem.get(d.system) ?? []), d.name]);

  const dependsOn = new Map<string, string[]>();
  for (const d of drafts) {
    const deps: string[] = [...d.dependsOnUnits];
    for (const s of d.dependsOnSystems) {
      const units = bySystem.get(s);
      if (!units) throw new DeliveryPlanError(env.name, `names "${s}", which this environment does not render (enabled systems: ${[...bySystem.keys()].join(', ')})`, `gitops.systems.${d.system}.dependsOn`);
      deps.push(...units.filter((u) => u !== d.name));
    }
    dependsOn.set(d.name, deps);
  }
  const order = orderOf(env.name, dependsOn);

  const sharedCluster = env.cluster.mode === 'shared';
  const units = drafts.map((d): DeliveryUnit => {
    const { namespaces, clusterKinds, namespace: mostUsed } = scopeOf(d.target);
    // Only cluster-scoped objects (the ClusterIssuers): Argo CD still wants a destination namespace, so
    // the namespace of the add-on acting on them (cert-manager keeps a ClusterIssuer's account key there).
    const namespace = mostUsed ?? controllerNamespace(clusterKinds);
    if (sharedCluster && clusterKinds.length) {
      throw new DeliveryPlanError(env.name, `${d.target.dir} renders cluster-scoped ${clusterKinds.map((k) => k.kind).join(', ')}, but cluster.mode is "shared": a shared-cluster target may only hold namespaced objects`, 'cluster.mode');
    }
    return {
      name: d.name,
      system: d.system,
      dir: d.target.dir,
      namespace,
      namespaces,
      clusterKinds,
      ignoreDifferences: ignoreDifferencesOf(d.target.chart),
      dependsOn: dependsOn.get(d.name)!,
      order: order.get(d.name)!,
    };
  });
  return {
    env: env.name,
    engine: g.engine ?? 'argocd',
    repoURL: g.repoURL,
    targetRevision: g.targetRevision,
    distPath: options.distPath ?? 'dist',
    server: env.cluster.server,
    sharedCluster,
    argocdNamespace: g.argocd?.namespace ?? 'argocd',
    fluxNamespace: g.flux?.namespace ?? 'flux-system',
    fluxInterval: g.flux?.interval ?? '5m',
    fluxTimeout: g.flux?.timeout ?? '5m',
    units,
  };
}

/** Longest dependency chain below each unit; a cycle is an error naming it. */
function orderOf(env: string, deps: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const done = new Map<string, number>();
  const visit = (name: string, path: string[]): number => {
    const known = done.get(name);
    if (known !== undefined) return known;
    if (path.includes(name)) throw new DeliveryPlanError(env, `dependsOn forms a cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`, 'gitops.systems');
    const level = Math.max(-1, ...(deps.get(name) ?? []).map((d) => visit(d, [...path, name]))) + 1;
    done.set(name, level);
    return level;
  };
  for (const name of deps.keys()) visit(name, []);
  return done;
}

/** The namespace of the first add-on providing one of these kinds, if any. */
function controllerNamespace(kinds: readonly GroupKind[]): string | undefined {
  for (const k of kinds) {
    const provider = providerOf({ apiVersion: `${k.group}/v1`, kind: k.kind });
    if (provider && 'addons' in provider && provider.addons.length) return ADDONS[provider.addons[0]].namespace;
  }
  return undefined;
}

/** Namespaces and cluster-scoped kinds of a target, from its construct tree. */
function scopeOf(target: RenderTarget): { namespaces: string[]; clusterKinds: GroupKind[]; namespace?: string } {
  const counts = new Map<string, number>();
  const kinds = new Map<string, GroupKind>();
  for (const c of target.chart.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const ns = c.metadata.namespace;
    if (ns) counts.set(ns, (counts.get(ns) ?? 0) + 1);
    else {
      const gk = { group: groupOf(c.apiVersion), kind: c.kind };
      kinds.set(`${gk.group}/${gk.kind}`, gk);
      // A rendered Namespace is where the target lives, even before anything counts for it.
      if (c.kind === 'Namespace') counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    }
  }
  const namespaces = [...counts.keys()].sort();
  const namespace = [...counts.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
  return { namespaces, clusterKinds: [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, k]) => k), namespace };
}
