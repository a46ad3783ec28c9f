// The synth gate's model of what a cluster must run before it can take an
// environment's render (DESIGN.md, "Working on a cluster"):
//
// - provided:  every object's apiVersion/kind is served by the built-in API,
//              by an add-on rendered into `<env>/_platform`, by one declared
//              external, or by the cluster's own GitOps engine;
// - ordered:   whatever uses an add-on syncs after it (Argo CD waves of the
//              Applications, Flux `dependsOn`), and an add-on after those it
//              requires: systems, and the ClusterIssuers of
//              `<env>/_platform/cluster-issuers` (cert-manager's CRDs and
//              admission webhook first);
// - served:    a ServiceMonitor, PodMonitor or PrometheusRule declares who
//              runs the Prometheus Operator and the Prometheus that selects
//              it (validate.platform.dev/external-provider): no add-on here
//              runs one (prometheus-operator-crds is only the CRDs; a shared
//              cluster is taken to bring it, like every add-on); and an
//              Istio Telemetry's tracing names providers that the rendered
//              istiod's meshConfig.extensionProviders defines;
// - one owner: walking from the engine's bootstrap directory through the
//              Applications' / Kustomizations' paths, every object is reached
//              by exactly one engine;
// - reachable: no LoadBalancer Service (rendered, or the ingress-nginx
//              chart's controller Service) where nothing provides one.
import { AddonId, ADDONS, GitOpsEngine, isAddonId, isPrometheusOperatorObject, providerOf, ProviderOptions } from './addons';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../validate/rules';
import type { EnvironmentCheckInput, SynthCheck } from '../synth/pipeline';

/** Label the platform chart puts on each add-on's Application / HelmRelease. */
export const ADDON_LABEL = 'platform.dev/addon';
const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** What the cluster of an environment brings along (from its environment file). */
export interface ClusterFacts {
  /** `cluster.mode: shared`: every add-on is the cluster's. */
  readonly shared: boolean;
  /** Add-ons declared `external: true`. */
  readonly external: readonly AddonId[];
  readonly providerOptions?: ProviderOptions;
  /**
   * Set when nothing in the cluster gives LoadBalancer Services an address
   * (kind, k0s without MetalLB): why, and what to change instead. Such a
   * Service stays `<pending>` and Argo CD reports it, and every Application
   * holding it, Progressing forever. @default the cluster has a provider
   */
  readonly noLoadBalancer?: { readonly reason: string; readonly fix: string };
}

export interface GateObject {
  /** Directory relative to the output root, e.g. `prod/shop`. */
  readonly dir: string;
  readonly file: string;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
}

export interface ClusterGateReport {
  readonly violations: string[];
  /** Objects whose kind was checked against a provider. */
  readonly objectsChecked: number;
  /** Distinct `apiVersion/kind` seen. */
  readonly kinds: number;
  /** Edges checked for order: (user directory, add-on) plus (add-on, requirement). */
  readonly orderEdges: number;
  /** Directories reached from an engine's bootstrap. */
  readonly dirsWalked: number;
}

const BOOTSTRAP = '_gitops';
const PLATFORM = '_platform';

type Spec = Record<string, unknown>;
const specOf = (o: GateObject): Spec => (o.object.spec ?? {}) as Spec;
const where = (o: GateObject): string => `dist/${o.dir}/${o.file} (${o.object.kind} ${o.object.metadata.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata.name})`;

/** The directory (relative to the output root) an Application / Kustomization points at, if it is a Git path. */
function targetDir(o: GateObject, distPath: string): string | undefined {
  const spec = specOf(o);
  const raw = o.object.kind === 'Application' ? (spec.source as Spec | undefined)?.path : o.object.kind === 'Kustomization' && o.object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') ? spec.path : undefined;
  if (typeof raw !== 'string') return undefined;
  const p = raw.replace(/^\.\//, '').replace(/\/+$/, '');
  return p.startsWith(`${distPath}/`) ? p.slice(distPath.length + 1) : undefined;
}

/** Names of meshConfig.extensionProviders in an add-on's Application (helm valuesObject) or HelmRelease (values). */
function extensionProviders(o: GateObject): string[] {
  const spec = specOf(o);
  const values = (o.object.kind === 'Application' ? ((spec.source as Spec | undefined)?.helm as Spec | undefined)?.valuesObject : spec.values) as Spec | undefined;
  const list = ((values?.meshConfig as Spec | undefined)?.extensionProviders ?? []) as Array<{ name?: unknown }>;
  return list.map((p) => p.name).filter((n): n is string => typeof n === 'string');
}

/** Checks one environment's render; see the file comment. */
export function checkCluster(env: string, objects: readonly GateObject[], facts: ClusterFacts, distPath = 'dist'): ClusterGateReport {
  const violations: string[] = [];
  const systemOf = (dir: string) => dir.split('/')[1];
  const engines = new Set(objects.filter((o) => systemOf(o.dir) === BOOTSTRAP).map((o) => o.dir.split('/')[2] as GitOpsEngine));

  // One owner: walk from each engine's bootstrap directory.
  const byDir = new Map<string, GateObject[]>();
  for (const o of objects) byDir.set(o.dir, [...(byDir.get(o.dir) ?? []), o]);
  const owners = new Map<string, Set<GitOpsEngine>>();
  for (const engine of engines) {
    const queue = [`${env}/${BOOTSTRAP}/${engine}`];
    const seen = new Set<string>();
    while (queue.length) {
      const dir = queue.shift()!;
      if (seen.has(dir)) continue;
      seen.add(dir);
      owners.set(dir, new Set([...(owners.get(dir) ?? []), engine]));
      for (const o of byDir.get(dir) ?? []) {
        const next = targetDir(o, distPath);
        if (next !== undefined) queue.push(next);
      }
    }
  }
  for (const [dir, list] of byDir) {
    const by = owners.get(dir);
    if (engines.size && !by) violations.push(`cluster/unowned: dist/${dir}/ (${list.length} objects) is reached by no engine's bootstrap (${[...engines].map((e) => `dist/${env}/${BOOTSTRAP}/${e}`).join(', ')}); deliver it with an Application / Kustomization`);
    if (by && by.size > 1) {
      for (const o of list) violations.push(`cluster/two-engines: ${where(o)} is reached from both ${[...by].sort().join(' and ')}; expected exactly one engine per cluster (gitops.engine)`);
    }
  }

  // Provided.
  const rendered = new Map<AddonId, GateObject>();
  for (const o of byDir.get(`${env}/${PLATFORM}`) ?? []) {
    const id = o.object.metadata.labels?.[ADDON_LABEL];
    if (id && isAddonId(id) && (o.object.kind === 'Application' || o.object.kind === 'HelmRelease')) rendered.set(id, o);
  }
  const kinds = new Set<string>();
  const users = new Map<string, Set<AddonId>>();
  let objectsChecked = 0;
  for (const o of objects) {
    if (o.object.kind === 'Kustomization' && o.object.apiVersion.startsWith('kustomize.config.k8s.io/')) continue;
    objectsChecked++;
    kinds.add(`${o.object.apiVersion}/${o.object.kind}`);
    const provider = providerOf({ apiVersion: o.object.apiVersion, kind: o.object.kind, spec: o.object.spec, annotations: o.object.metadata.annotations }, facts.providerOptions);
    if (!provider) {
      violations.push(`cluster/unprovided: ${where(o)}: apiVersion ${o.object.apiVersion} has no provider; expected a row in PROVIDER_RULES (lib/platform/addons.ts)`);
      continue;
    }
    if ('engine' in provider) {
      if (!engines.has(provider.engine)) violations.push(`cluster/unprovided: ${where(o)}: ${o.object.kind} is served by ${provider.engine}, but this cluster's engine is ${[...engines].join(', ') || 'none'}`);
      continue;
    }
    for (const id of provider.addons) {
      if (rendered.has(id) || facts.shared || facts.external.includes(id)) {
        // Everything but the add-ons' own directory: systems, and _platform's sub-directories such as
        // cluster-issuers/ (a ClusterIssuer is refused by cert-manager's webhook until it is ready).
        if (rendered.has(id) && o.dir !== `${env}/${PLATFORM}`) users.set(o.dir, new Set([...(users.get(o.dir) ?? []), id]));
        continue;
      }
      violations.push(`cluster/unprovided: ${where(o)}: needs ${ADDONS[id].title} (${id}), which is neither rendered in dist/${env}/${PLATFORM}/ nor declared platform.addons.${id}.external: true`);
    }
    // A shared cluster's owners provide every add-on, the operator's Prometheus included (as for the kinds above).
    if (isPrometheusOperatorObject(o.object) && !facts.shared && !o.object.metadata.annotations?.[EXTERNAL_PROVIDER_ANNOTATION]?.trim()) {
      violations.push(`cluster/unserved: ${where(o)}: a ${o.object.kind} does nothing without a running Prometheus Operator and a Prometheus that selects it, and dist/${env}/${PLATFORM}/ installs only the operator's CRDs; expected metadata.annotations["${EXTERNAL_PROVIDER_ANNOTATION}"] naming who runs them (environments/${env}.yaml: observability.prometheus.providedBy)`);
    }
  }

  // Served: tracing providers of the Telemetries, where istiod is rendered (an external one has its own meshConfig).
  const istiod = rendered.get('istiod');
  if (istiod) {
    const defined = new Set(extensionProviders(istiod));
    for (const o of objects.filter((x) => x.object.kind === 'Telemetry' && x.object.apiVersion.startsWith('telemetry.istio.io/'))) {
      const tracing = (specOf(o).tracing ?? []) as Array<{ providers?: Array<{ name?: string }> }>;
      tracing.forEach((t, i) => {
        const names = (t.providers ?? []).map((p) => p.name ?? '');
        if (names.length === 0) violations.push(`cluster/unserved: ${where(o)}: spec.tracing[${i}] names no provider, and ${where(istiod)} sets no default; expected spec.tracing[${i}].providers naming one of meshConfig.extensionProviders (${[...defined].join(', ') || 'none defined'}), or no tracing Telemetry where nothing receives spans`);
        for (const n of names.filter((x) => !defined.has(x))) violations.push(`cluster/unserved: ${where(o)}: spec.tracing[${i}].providers names "${n}", which ${where(istiod)} does not define; expected one of meshConfig.extensionProviders (${[...defined].join(', ') || 'none defined'})`);
      });
    }
  }

  // Reachable: a LoadBalancer Service only where the cluster has a provider.
  if (facts.noLoadBalancer) {
    const refuse = (o: GateObject, what: string) => violations.push(`cluster/load-balancer: ${where(o)}: ${what} is type LoadBalancer, but ${facts.noLoadBalancer!.reason}: it would stay <pending> and Argo CD would report it Progressing forever; ${facts.noLoadBalancer!.fix}`);
    for (const o of objects) {
      if (o.object.kind === 'Service' && o.object.apiVersion === 'v1' && specOf(o).type === 'LoadBalancer') refuse(o, 'the Service');
    }
    const nginx = rendered.get('ingress-nginx');
    if (nginx) {
      const type = ingressNginxServiceType(nginx);
      if (type === 'LoadBalancer') refuse(nginx, `the ingress-nginx controller Service (controller.service.type${nginxServiceTypeStated(nginx) ? '' : ' unset: the chart\'s default'})`);
    }
  }

  // Ordered: the unit delivering each directory, per engine.
  let orderEdges = 0;
  const deliverers = objects.filter((o) => systemOf(o.dir) === BOOTSTRAP && targetDir(o, distPath) !== undefined);
  const unitOf = (dir: string) => deliverers.find((o) => targetDir(o, distPath) === dir);
  const platformUnit = unitOf(`${env}/${PLATFORM}`);
  const waveOf = (o: GateObject) => Number(o.object.metadata.annotations?.[SYNC_WAVE] ?? 0);
  const dependsOn = (o: GateObject) => ((specOf(o).dependsOn ?? []) as Array<{ name: string }>).map((d) => d.name);
  for (const [dir, ids] of users) {
    orderEdges += ids.size;
    const unit = unitOf(dir);
    if (!unit || !platformUnit) {
      if (engines.size) violations.push(`cluster/order: dist/${dir}/ uses ${[...ids].join(', ')} but ${unit ? `dist/${env}/${PLATFORM}/` : `dist/${dir}/`} has no delivering Application / Kustomization to order it by`);
      continue;
    }
    const ok = unit.object.kind === 'Application' ? waveOf(platformUnit) < waveOf(unit) : dependsOn(unit).includes(platformUnit.object.metadata.name);
    if (!ok) {
      violations.push(unit.object.kind === 'Application'
        ? `cluster/order: ${where(unit)} sync-wave ${waveOf(unit)} uses ${[...ids].join(', ')}; expected a wave above ${waveOf(platformUnit)}, the wave of ${platformUnit.object.metadata.name} that installs them`
        : `cluster/order: ${where(unit)} uses ${[...ids].join(', ')}; expected spec.dependsOn to name ${platformUnit.object.metadata.name}, which installs them`);
    }
  }
  for (const [id, o] of rendered) {
    for (const r of ADDONS[id].requires.filter((x) => rendered.has(x))) {
      orderEdges++;
      const req = rendered.get(r)!;
      const ok = o.object.kind === 'Application' ? waveOf(req) < waveOf(o) : dependsOn(o).includes(req.object.metadata.name);
      if (!ok) violations.push(`cluster/order: ${where(o)} requires ${r}; expected ${o.object.kind === 'Application' ? `a sync-wave above ${waveOf(req)}` : `spec.dependsOn to name ${req.object.metadata.name}`}`);
    }
  }
  return { violations, objectsChecked, kinds: kinds.size, orderEdges, dirsWalked: owners.size };
}

/** The Helm values of an add-on's Application (Argo CD) or HelmRelease (Flux). */
function helmValues(o: GateObject): Record<string, unknown> {
  const spec = specOf(o);
  const v = o.object.kind === 'Application' ? ((spec.source as Spec | undefined)?.helm as Spec | undefined)?.valuesObject : spec.values;
  return (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
}

function nginxServiceValues(o: GateObject): Spec {
  const controller = (helmValues(o).controller ?? {}) as Spec;
  return (controller.service ?? {}) as Spec;
}

function nginxServiceTypeStated(o: GateObject): boolean {
  return typeof nginxServiceValues(o).type === 'string';
}

/** The controller Service type the ingress-nginx chart renders from these values (its default: LoadBalancer); undefined when it renders none. */
function ingressNginxServiceType(o: GateObject): string | undefined {
  const service = nginxServiceValues(o);
  if (service.enabled === false) return undefined;
  return typeof service.type === 'string' ? service.type : 'LoadBalancer';
}

/** The cluster gate as a synth check; `factsOf` reads the environment file. */
export class ClusterGate implements SynthCheck {
  public readonly name = 'cluster';

  constructor(private readonly factsOf: (env: string) => ClusterFacts) {}

  public run(input: { objects: readonly GateObject[] }): readonly string[] {
    const envs = [...new Set(input.objects.map((o) => o.dir.split('/')[0]))];
    return envs.flatMap((env) => this.runEnvironment({ env, objects: input.objects.filter((o) => o.dir.split('/')[0] === env) }));
  }

  public runEnvironment(input: Pick<EnvironmentCheckInput, 'env'> & { objects: readonly GateObject[] }): readonly string[] {
    return checkCluster(input.env, input.objects, this.factsOf(input.env)).violations;
  }
}
