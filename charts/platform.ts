// Platform add-ons (docs/platform.md): the controllers and CRDs the rendered
// systems use, inferred from their objects through the one provider table in
// lib/platform/addons.ts, rendered into dist/<env>/_platform/ for the
// cluster's engine (Argo CD Applications of pinned Helm charts, or Flux
// HelmRepositories + HelmReleases). The GitOps bootstrap delivers that
// directory first and every system after it.
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { configErrorAt, deepMerge, EnvironmentConfig, GitOpsController } from '../app/config';
import { sidecarResourcesOf } from '../app/adapters/mesh';
import { ArgoApplication } from '../lib/gitops/argocd-application';
import { ArgoProject } from '../lib/gitops/argocd-project';
import { PLATFORM_DIR } from '../app/gitops/delivery-plan';
import { FluxHelmRelease, FluxHelmRepository } from '../lib/gitops/flux-helm';
import { ADDON_IDS, ADDONS, AddonId, DISTRIBUTION_ADDONS, installLevel, providerOf, withRequirements } from '../lib/platform/addons';
import { ADDON_LABEL, ClusterFacts } from '../lib/platform/cluster-gate';
import { AcmeSolver, CertificateIssuer, LabelledAcmeSolver } from '../lib/border/certificate-issuer';
import { HTTP01_INGRESS_CLASS_LABEL } from '../lib/border/options';
import { OtelTracingProvider, TracingSampling } from '../lib/observability/tracing-sampling';
import { RenderTarget } from '../lib/synth';
import { veleroValues } from '../app/adapters/backup';

/** Sub-directory of `_platform` holding the environment's ClusterIssuers (its own delivery unit, after the add-ons). */
export const CLUSTER_ISSUERS_DIR = 'cluster-issuers';
import { podSecurityLabels, POD_SECURITY_REASON_ANNOTATION } from '../lib/security/system-namespace';
import { controllerExposure, missingLoadBalancer } from '../app/adapters/border';


/** What an environment's cluster needs and who provides it. */
export interface PlatformPlan {
  readonly env: string;
  readonly engine: GitOpsController;
  /** Add-ons rendered into `_platform`, requirements first. */
  readonly rendered: readonly AddonId[];
  /** Add-ons used but provided by the cluster (`external: true`, or every one in a shared cluster). */
  readonly external: readonly AddonId[];
  /** Kinds (`group/Kind`) that made each add-on needed. */
  readonly usedBy: ReadonlyMap<AddonId, readonly string[]>;
  /** Tracing extension providers the systems' Telemetries name (istiod's meshConfig.extensionProviders), by name. */
  readonly tracingProviders: readonly OtelTracingProvider[];
}

type ObjectShape = { apiVersion: string; kind: string; spec?: unknown; annotations?: Record<string, string> };

/** The objects of the targets, as the provider table needs them (spec only where it decides). */
function objectsOf(targets: readonly RenderTarget[]): ObjectShape[] {
  const out: ObjectShape[] = [];
  for (const t of targets) {
    for (const c of t.chart.node.findAll()) {
      if (!(c instanceof ApiObject)) continue;
      const decidesBySpec = c.kind === 'Ingress' || c.kind === 'IngressClass' || c.kind === 'HorizontalPodAutoscaler';
      out.push({
        apiVersion: c.apiVersion,
        kind: c.kind,
        spec: decidesBySpec ? (c.toJson() as { spec?: unknown }).spec : undefined,
        annotations: c.kind === 'Ingress' ? c.metadata.toJson()?.annotations : undefined,
      });
    }
  }
  return out;
}

/** What the cluster gate (lib/platform/cluster-gate.ts) needs to know of an environment's cluster. */
export function clusterFacts(env: EnvironmentConfig): ClusterFacts {
  return {
    shared: env.cluster.mode === 'shared',
    external: ADDON_IDS.filter((id) => isExternal(env, id)),
    providerOptions: { nginxClasses: nginxClasses(env) },
    noLoadBalancer: noLoadBalancer(env),
  };
}

/** The gate's view of a cluster without a LoadBalancer provider: why, and how to fix the environment. */
function noLoadBalancer(env: EnvironmentConfig): ClusterFacts['noLoadBalancer'] {
  const reason = missingLoadBalancer(env);
  if (!reason) return undefined;
  const file = `environments/${env.name}.yaml`;
  return {
    reason,
    fix: `in ${file} set border.controller.exposure.type: hostPort (or NodePort with fixed httpNodePort/httpsNodePort behind an external load balancer) for ingress-nginx, `
      + 'a system\'s own Traefik to components.traefik.exposure: { type: NodePort, httpNodePort, httpsNodePort }, '
      + 'or name the provider you install in cluster.loadBalancerProvider (MetalLB, say)',
  };
}

/**
 * Whether the cluster brings an add-on itself: declared `external: true`, or
 * shipped by its distribution (`cluster.distribution`, DISTRIBUTION_ADDONS)
 * and not declared `external: false`.
 */
function isExternal(env: EnvironmentConfig, id: AddonId): boolean {
  const declared = env.platform?.addons?.[id]?.external;
  return declared ?? (DISTRIBUTION_ADDONS[env.cluster.distribution ?? 'generic'] ?? []).includes(id);
}

/** The border's nginx IngressClass names: Ingresses of these classes need ingress-nginx. */
function nginxClasses(env: EnvironmentConfig): string[] {
  const border = (env as { border?: { kind?: string; className?: string } }).border;
  return border?.kind === 'nginx' ? [border.className ?? 'nginx'] : ['nginx'];
}

/**
 * Works out the add-ons the targets' objects use: every kind must map to a
 * provider (else the table needs a row), the engine's kinds to this cluster's
 * engine, and every add-on to a chart or an `external: true` declaration.
 */
export function planPlatform(env: EnvironmentConfig, targets: readonly RenderTarget[]): PlatformPlan {
  const engine: GitOpsController = env.gitops?.engine ?? 'argocd';
  const usedBy = new Map<AddonId, Set<string>>();
  const options = { nginxClasses: nginxClasses(env) };
  for (const o of objectsOf(targets)) {
    const provider = providerOf(o, options);
    const gk = `${o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : 'core'}/${o.kind}`;
    if (!provider) throw new Error(`platform: no add-on provides ${o.apiVersion} ${o.kind}; add a row to PROVIDER_RULES in lib/platform/addons.ts`);
    if ('engine' in provider) {
      if (provider.engine !== engine) {
        throw configErrorAt(env, ['gitops', 'engine'], `the systems render ${gk}, which only ${provider.engine} serves, but this cluster's engine is ${engine}`);
      }
      continue;
    }
    for (const id of provider.addons) usedBy.set(id, new Set([...(usedBy.get(id) ?? []), gk]));
  }
  const settings = env.platform?.addons ?? {};
  for (const id of Object.keys(settings) as AddonId[]) {
    if (!usedBy.has(id) && settings[id]?.values) {
      throw configErrorAt(env, ['platform', 'addons', id, 'values'], `values for ${id}, which no rendered object uses (used: ${[...usedBy.keys()].join(', ') || 'none'})`);
    }
  }
  // The sidecar's resources have one source, which the quota check reads too.
  const istiodGlobal = (settings.istiod?.values as { global?: Record<string, { resources?: unknown } | undefined> } | undefined)?.global;
  for (const key of ['proxy', 'proxy_init']) {
    if (istiodGlobal?.[key]?.resources !== undefined) {
      throw configErrorAt(env, ['platform', 'addons', 'istiod', 'values', 'global', key, 'resources'],
        'no value here: the sidecar\'s resources come from mesh.proxy (requests and limits), which the namespaces\' quota check counts in every injected pod; set them there');
    }
  }
  // The Istio CNI plugin is what lets restricted namespaces take sidecars (mesh.cni): no object names it.
  if (env.mesh?.enabled && env.mesh.cni && (usedBy.has('istiod') || usedBy.has('istio-base'))) usedBy.set('istio-cni', new Set(['mesh.cni: true']));
  const needed = withRequirements(usedBy.keys());
  for (const id of needed) if (!usedBy.has(id)) usedBy.set(id, new Set([`required by ${needed.filter((n) => ADDONS[n].requires.includes(id)).join(', ')}`]));
  const shared = env.cluster.mode === 'shared';
  const external = needed.filter((id) => shared || isExternal(env, id));
  for (const id of needed) {
    if (!external.includes(id) && !ADDONS[id].chart) {
      throw configErrorAt(env, ['platform', 'addons', id, 'external'],
        `${[...usedBy.get(id)!].sort().join(', ')} need ${ADDONS[id].title}, which has no Helm chart to render: install it in the cluster and declare platform.addons.${id}.external: true`);
    }
  }
  return {
    env: env.name,
    engine,
    rendered: needed.filter((id) => !external.includes(id)),
    external,
    usedBy: new Map([...usedBy].map(([k, v]) => [k, [...v].sort()])),
    tracingProviders: tracingProviders(targets),
  };
}

/** The OpenTelemetry extension providers of the targets' Telemetries (one per system with a Jaeger), sorted by name. */
function tracingProviders(targets: readonly RenderTarget[]): OtelTracingProvider[] {
  const out = new Map<string, OtelTracingProvider>();
  for (const t of targets) {
    for (const c of t.chart.node.findAll()) {
      const p = c instanceof TracingSampling ? c.extensionProvider : undefined;
      if (!p) continue;
      const seen = out.get(p.name);
      if (seen && JSON.stringify(seen) !== JSON.stringify(p)) throw new Error(`platform: two Telemetries define the tracing provider ${p.name} differently (${JSON.stringify(seen.opentelemetry)} and ${JSON.stringify(p.opentelemetry)}); expected one definition per name`);
      out.set(p.name, p);
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** istiod's meshConfig for the systems' tracing providers (none: no values). */
function tracingValues(plan: PlatformPlan, a: AddonId): Record<string, unknown> {
  if (a !== 'istiod' || plan.tracingProviders.length === 0) return {};
  return { meshConfig: { extensionProviders: plan.tracingProviders.map((p) => ({ name: p.name, opentelemetry: { ...p.opentelemetry } })) } };
}

export interface PlatformChartProps {
  readonly config: EnvironmentConfig;
  readonly plan: PlatformPlan;
}

/** The add-ons of one cluster, as its engine installs Helm charts. */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config, plan } = props;
    const valuesOf = (a: AddonId) => [exposureValues(config, a), meshValues(config, a), tracingValues(plan, a), environmentValues(config, a), config.platform?.addons?.[a]?.values ?? {}]
      .reduce<unknown>((acc, v) => deepMerge(acc, v), ADDONS[a].values) as Record<string, unknown>;
    const after = (a: AddonId) => meshRequires(config, a).filter((r) => plan.rendered.includes(r));
    const labelled = <T extends { resource: ApiObject }>(x: T, a: AddonId): T => {
      x.resource.metadata.addLabel(ADDON_LABEL, a);
      return x;
    };
    if (plan.engine === 'argocd') {
      const namespace = config.gitops?.argocd?.namespace ?? 'argocd';
      const project = new ArgoProject(this, 'project', {
        name: `addons-${plan.env}`,
        namespace,
        description: `platform add-ons of ${plan.env}`,
        sourceRepos: plan.rendered.map((a) => ADDONS[a].chart!.repoURL),
        destinations: [...new Set(plan.rendered.map((a) => ADDONS[a].namespace))].sort().map((ns) => ({ server: config.cluster.server, namespace: ns })),
        // Charts install CRDs, cluster roles and webhooks.
        clusterResources: [{ group: '*', kind: '*' }],
      });
      for (const a of plan.rendered) {
        const info = ADDONS[a];
        labelled(new ArgoApplication(this, a, {
          name: `${a}-${plan.env}`,
          namespace,
          project: project.name,
          repoURL: info.chart!.repoURL,
          targetRevision: info.chart!.version,
          helmChart: { chart: info.chart!.chart, releaseName: a, values: valuesOf(a) },
          server: config.cluster.server,
          destinationNamespace: info.namespace,
          // CRDs such as Prometheus's exceed the client-side last-applied annotation.
          serverSideApply: true,
          ignoreDifferences: info.ignoreDifferences ? [...info.ignoreDifferences] : undefined,
          // Requirements (CRDs) sync before what needs them.
          syncWave: Math.max(installLevel(a), ...after(a).map((r) => installLevel(r) + 1)),
          namespaceMetadata: namespaceMetadata(config, a),
        }), a);
      }
    } else {
      const namespace = config.gitops?.flux?.namespace ?? 'flux-system';
      const repos = new Map<string, FluxHelmRepository>();
      for (const a of plan.rendered) {
        const url = ADDONS[a].chart!.repoURL;
        if (!repos.has(url)) repos.set(url, new FluxHelmRepository(this, `repo-${repoName(url)}`, { name: repoName(url), namespace, url }));
      }
      for (const a of plan.rendered) {
        const info = ADDONS[a];
        labelled(new FluxHelmRelease(this, a, {
          name: a,
          namespace,
          repository: repos.get(info.chart!.repoURL)!,
          chart: info.chart!.chart,
          version: info.chart!.version,
          targetNamespace: info.namespace,
          values: valuesOf(a),
          dependsOn: [...info.requires.filter((r) => plan.rendered.includes(r)), ...after(a)],
        }), a);
      }
    }
  }
}

/**
 * Chart values the environment's mesh mode asks for: istiod with the CNI
 * plugin (no istio-init, which restricted Pod Security refuses), native
 * sidecars (init containers and Jobs get the proxy first and finish) and the
 * sidecar's resources (`mesh.proxy` or the default, for the proxy and its
 * init container alike, as the namespaces' quota check counts them); and,
 * where the border's controller is in the mesh (border.controller
 * .serviceAccountName), the NGINX controller's pods injected with their
 * inbound ports left to NGINX, so it reaches STRICT mTLS backends.
 */
function meshValues(config: EnvironmentConfig, a: AddonId): Record<string, unknown> {
  const mesh = config.mesh;
  if (!mesh?.enabled) return {};
  if (a === 'istiod') {
    // The sidecar's resources are stated, not the chart's 2 CPU / 1Gi limits: the quota check counts these (app/adapters/mesh.ts).
    const r = sidecarResourcesOf(config);
    const resources = { requests: { cpu: String(r.requests.cpu), memory: String(r.requests.memory) }, limits: { cpu: String(r.limits.cpu), memory: String(r.limits.memory) } };
    return {
      global: { proxy: { resources }, proxy_init: { resources } },
      pilot: { cni: { enabled: mesh.cni === true }, ...(mesh.nativeSidecars ? { env: { ENABLE_NATIVE_SIDECARS: 'true' } } : {}) },
    };
  }
  if (a === 'ingress-nginx' && config.border?.controller?.serviceAccountName) {
    return { controller: { podLabels: { 'sidecar.istio.io/inject': 'true' }, podAnnotations: { 'traffic.sidecar.istio.io/includeInboundPorts': '' } } };
  }
  return {};
}

/** Chart values the environment's own settings imply: Velero's storage from `backup.storage`, metrics-server on kind. */
function environmentValues(config: EnvironmentConfig, a: AddonId): Record<string, unknown> {
  if (a === 'velero') return veleroValues(config);
  // kind's kubelets serve self-signed certificates metrics-server cannot verify.
  if (a === 'metrics-server' && config.cluster.distribution === 'kind') return { args: ['--kubelet-insecure-tls'] };
  return {};
}

/**
 * ingress-nginx values for how traffic reaches the controller
 * (`border.controller.exposure`, default by distribution; docs/platform.md,
 * "Traffic into the cluster"):
 * - LoadBalancer: the chart's Service type, stated;
 * - NodePort: fixed node ports, which the load balancer in front forwards to;
 * - hostPort: a DaemonSet binding 80/443 on every node, its Service only
 *   ClusterIP. Ingress status then carries the nodes' addresses
 *   (publishService off), where traffic really enters.
 * A LoadBalancer without a provider is the cluster gate's to refuse.
 */
function exposureValues(config: EnvironmentConfig, a: AddonId): Record<string, unknown> {
  if (a !== 'ingress-nginx') return {};
  const e = controllerExposure(config);
  if (e.type === 'LoadBalancer') return { controller: { service: { type: 'LoadBalancer' } } };
  if (e.type === 'NodePort') {
    return { controller: { service: { type: 'NodePort', nodePorts: { http: e.httpNodePort, https: e.httpsNodePort } }, publishService: { enabled: false } } };
  }
  return { controller: { kind: 'DaemonSet', hostPort: { enabled: true, ports: { http: 80, https: 443 } }, service: { type: 'ClusterIP' }, publishService: { enabled: false } } };
}

/**
 * The Pod Security level of the namespace Argo CD creates for ingress-nginx:
 * baseline admits the controller (it adds only NET_BIND_SERVICE); host ports
 * need privileged (baseline forbids hostPort), with the reason written down.
 */
function namespaceMetadata(config: EnvironmentConfig, a: AddonId): { labels: Record<string, string>; annotations?: Record<string, string> } | undefined {
  if (a !== 'ingress-nginx') return undefined;
  if (controllerExposure(config).type !== 'hostPort') return { labels: podSecurityLabels('baseline') };
  return {
    labels: podSecurityLabels('privileged'),
    annotations: { [POD_SECURITY_REASON_ANNOTATION]: 'the NGINX controller binds host ports 80/443 on every node (border.controller.exposure.type: hostPort); Pod Security baseline forbids hostPort' },
  };
}

/** Add-ons that must be ready before this one under the mesh mode: an injected controller needs istiod's injector. */
function meshRequires(config: EnvironmentConfig, a: AddonId): AddonId[] {
  return a === 'ingress-nginx' && config.mesh?.enabled && config.border?.controller?.serviceAccountName ? ['istiod'] : [];
}

/** A HelmRepository name from its URL's host: `charts.jetstack.io` -> `charts-jetstack-io`. */
function repoName(url: string): string {
  return new URL(url).host.replace(/[^a-z0-9]+/g, '-');
}

/** `<env>/_platform`, relative to the output root. */
export function platformDir(env: string): string {
  return `${env}/${PLATFORM_DIR}`;
}

/** `<env>/_platform/cluster-issuers`, relative to the output root. */
export function clusterIssuersDir(env: string): string {
  return `${env}/${PLATFORM_DIR}/${CLUSTER_ISSUERS_DIR}`;
}

/** The ingress class of the environment's border: what an HTTP-01 solver's challenge Ingress must carry to be served. */
export function borderIngressClass(env: EnvironmentConfig): string | undefined {
  const b = env.border;
  if (!b || b.kind === 'gateway') return undefined;
  return b.className ?? b.kind;
}

export interface ClusterIssuersChartProps {
  readonly config: EnvironmentConfig;
  /** The environment's system targets: their Certificates decide the extra HTTP-01 solvers. */
  readonly targets: readonly RenderTarget[];
}

/**
 * The environment's ClusterIssuers with an ACME account
 * (`platform.clusterIssuers.<name>.acme`), cluster-scoped, delivered as their
 * own unit after the add-ons: cert-manager's admission webhook refuses a
 * ClusterIssuer until it is ready. HTTP-01 answers through the border's
 * ingress class; a Certificate that names another class
 * (HTTP01_INGRESS_CLASS_LABEL: a system's own Traefik) gets a solver through
 * that one, selected by the label.
 */
export class ClusterIssuersChart extends Chart {
  constructor(scope: Construct, id: string, props: ClusterIssuersChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props;
    const issuers = Object.entries(config.platform?.clusterIssuers ?? {}).sort(([a], [b]) => a.localeCompare(b));
    for (const [name, c] of issuers) {
      if (!c.acme) continue;
      const s = c.acme.solver;
      let solver: AcmeSolver;
      let labelledSolvers: LabelledAcmeSolver[] = [];
      if (s?.type === 'dns01-route53') {
        solver = { kind: 'dns01-route53', region: s.region, hostedZoneId: s.hostedZoneId };
      } else {
        const borderClass = borderIngressClass(config);
        if (!borderClass) throw configErrorAt(config, ['platform', 'clusterIssuers', name, 'acme', 'solver'], 'solver type "dns01-route53": HTTP-01 answers through the border\'s ingress class, and this environment has no ingress border');
        solver = { kind: 'http01', ingressClassName: borderClass };
        labelledSolvers = certificateClasses(props.targets, name).filter((cls) => cls !== borderClass)
          .map((cls) => ({ matchLabels: { [HTTP01_INGRESS_CLASS_LABEL]: cls }, solver: { kind: 'http01', ingressClassName: cls } }));
      }
      new CertificateIssuer(this, name, {
        name,
        source: { kind: 'acme', email: c.acme.email, server: c.acme.server, solver, labelledSolvers, accountKeySecretName: c.acme.accountKeySecret },
      });
    }
  }
}

/** Ingress classes (HTTP01_INGRESS_CLASS_LABEL) of the Certificates that name ClusterIssuer `issuer`, sorted. */
function certificateClasses(targets: readonly RenderTarget[], issuer: string): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    for (const c of t.chart.node.findAll()) {
      if (!(c instanceof ApiObject) || c.kind !== 'Certificate' || !c.apiVersion.startsWith('cert-manager.io/')) continue;
      const ref = ((c.toJson() as { spec?: { issuerRef?: { kind?: string; name?: string } } }).spec?.issuerRef) ?? {};
      const cls = c.metadata.getLabel(HTTP01_INGRESS_CLASS_LABEL);
      if (ref.kind === 'ClusterIssuer' && ref.name === issuer && cls) out.add(cls);
    }
  }
  return [...out].sort();
}

/**
 * The targets plus the `_platform` target when the cluster needs any add-on
 * rendered, and the `_platform/cluster-issuers` target when the environment
 * renders ClusterIssuers (which need cert-manager themselves).
 */
export function withPlatform(env: EnvironmentConfig, targets: readonly RenderTarget[], app: App): RenderTarget[] {
  const renders = Object.values(env.platform?.clusterIssuers ?? {}).some((c) => c.acme !== undefined);
  const issuers: RenderTarget[] = renders
    ? [{ dir: clusterIssuersDir(env.name), chart: new ClusterIssuersChart(app, `${PLATFORM_DIR}-${CLUSTER_ISSUERS_DIR}`, { config: env, targets }) }]
    : [];
  const plan = planPlatform(env, [...targets, ...issuers]);
  const platform: RenderTarget[] = plan.rendered.length ? [{ dir: platformDir(env.name), chart: new PlatformChart(app, PLATFORM_DIR, { config: env, plan }) }] : [];
  return [...targets, ...platform, ...issuers];
}

