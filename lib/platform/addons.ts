// The platform add-ons a rendered object can need: which controller or CRD
// set provides each apiVersion/kind, and the pinned Helm chart that installs
// it. One table, read by the platform chart (what to install), the synth gate
// (nothing used goes unprovided) and the README (the pinned versions).
import { IgnoreDifference } from '../gitops/ignore-differences';

/** A GitOps engine: it installs itself (docs/gitops.md) and provides its own kinds. */
export type GitOpsEngine = 'argocd' | 'flux';

export const ADDON_IDS = [
  'gateway-api-crds',
  'prometheus-operator-crds',
  'traefik-crds',
  'cert-manager',
  'external-secrets',
  'istio-base',
  'istio-cni',
  'istiod',
  'argo-rollouts',
  'flagger',
  'velero',
  'ingress-nginx',
  'metrics-server',
] as const;
export type AddonId = (typeof ADDON_IDS)[number];

/** A Helm chart at an exact version. */
export interface PinnedChart {
  /** Helm repository URL (https://). */
  readonly repoURL: string;
  readonly chart: string;
  /** Exact chart version (no ranges: a new version is a reviewed change). */
  readonly version: string;
}

export interface AddonInfo {
  readonly id: AddonId;
  /** What a person calls it. */
  readonly title: string;
  /**
   * The chart that installs it; undefined when upstream ships no Helm chart
   * (the cluster must then provide it: `external`).
   */
  readonly chart?: PinnedChart;
  /** Namespace the release goes to. */
  readonly namespace: string;
  /** Values every install gets (an environment's values are merged over them). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Add-ons that must be ready before this one installs (CRDs before their controllers). */
  readonly requires: readonly AddonId[];
  /** Fields its own controller rewrites after install, which Argo CD must not put back (or the two fight forever). @default none */
  readonly ignoreDifferences?: readonly IgnoreDifference[];
  /**
   * Labels of the controller pods the chart runs (in `namespace`), for
   * policies that must admit the calls they make (Argo Rollouts and Flagger
   * query Prometheus for analysis). @default not known
   */
  readonly controllerLabels?: Readonly<Record<string, string>>;
}

/** istiod switches its validating webhooks' failurePolicy from Ignore to Fail once it is ready. */
const ISTIO_WEBHOOK_POLICY: IgnoreDifference = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.failurePolicy'] };

const ISTIO_CHARTS = 'https://istio-release.storage.googleapis.com/charts';
const ISTIO_VERSION = '1.22.3';

/** Every add-on, its pinned chart and install order. The README's table is generated from this (test/platform/addons.test.ts). */
export const ADDONS: Readonly<Record<AddonId, AddonInfo>> = {
  'gateway-api-crds': {
    id: 'gateway-api-crds',
    title: 'Gateway API CRDs',
    // Published as release manifests (kubectl apply), not as a Helm chart.
    namespace: 'kube-system',
    values: {},
    requires: [],
  },
  'prometheus-operator-crds': {
    id: 'prometheus-operator-crds',
    title: 'Prometheus Operator CRDs',
    chart: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus-operator-crds', version: '11.0.0' },
    namespace: 'monitoring',
    values: {},
    requires: [],
  },
  'traefik-crds': {
    id: 'traefik-crds',
    title: 'Traefik CRDs (the systems run their own Traefik)',
    chart: { repoURL: 'https://traefik.github.io/charts', chart: 'traefik-crds', version: '1.6.0' },
    namespace: 'traefik',
    values: {},
    requires: [],
  },
  'cert-manager': {
    id: 'cert-manager',
    title: 'cert-manager',
    chart: { repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.15.3' },
    namespace: 'cert-manager',
    // The chart's leader-election Roles default to kube-system, which the
    // add-ons' AppProject does not admit: keep them in the release's namespace.
    values: { crds: { enabled: true, keep: true }, global: { leaderElection: { namespace: 'cert-manager' } } },
    requires: [],
  },
  'external-secrets': {
    id: 'external-secrets',
    title: 'External Secrets Operator',
    // 0.17 is the first release serving external-secrets.io/v1.
    chart: { repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '0.17.0' },
    namespace: 'external-secrets',
    values: { installCRDs: true },
    requires: [],
  },
  'istio-base': {
    id: 'istio-base',
    title: 'Istio base (CRDs)',
    chart: { repoURL: ISTIO_CHARTS, chart: 'base', version: ISTIO_VERSION },
    namespace: 'istio-system',
    values: {},
    requires: [],
    ignoreDifferences: [ISTIO_WEBHOOK_POLICY],
  },
  'istio-cni': {
    id: 'istio-cni',
    title: 'Istio CNI node agent',
    chart: { repoURL: ISTIO_CHARTS, chart: 'cni', version: ISTIO_VERSION },
    namespace: 'istio-system',
    values: {},
    requires: ['istio-base'],
  },
  istiod: {
    id: 'istiod',
    title: 'Istio control plane',
    // 1.22 is the first release serving networking/security/telemetry.istio.io/v1.
    chart: { repoURL: ISTIO_CHARTS, chart: 'istiod', version: ISTIO_VERSION },
    namespace: 'istio-system',
    values: {},
    requires: ['istio-base'],
    ignoreDifferences: [ISTIO_WEBHOOK_POLICY],
  },
  'argo-rollouts': {
    id: 'argo-rollouts',
    title: 'Argo Rollouts',
    chart: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.37.7' },
    namespace: 'argo-rollouts',
    values: { installCRDs: true },
    requires: [],
    // The chart's controller Deployment (its dashboard pods are `rollouts-dashboard`).
    controllerLabels: { 'app.kubernetes.io/name': 'argo-rollouts', 'app.kubernetes.io/component': 'rollouts-controller' },
  },
  flagger: {
    id: 'flagger',
    title: 'Flagger',
    chart: { repoURL: 'https://flagger.app', chart: 'flagger', version: '1.37.0' },
    namespace: 'flagger-system',
    values: { crd: { create: true } },
    requires: [],
    controllerLabels: { 'app.kubernetes.io/name': 'flagger' },
  },
  velero: {
    id: 'velero',
    title: 'Velero',
    chart: { repoURL: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '7.1.4' },
    namespace: 'velero',
    // The chart installs its CRDs from crds/; its CRD-upgrade hook Job pulls a
    // Bitnami kubectl image that is no longer published, so it stays off.
    values: { upgradeCRDs: false },
    requires: [],
  },
  'ingress-nginx': {
    id: 'ingress-nginx',
    title: 'NGINX ingress controller',
    chart: { repoURL: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', version: '4.11.2' },
    namespace: 'ingress-nginx',
    values: {},
    requires: [],
  },
  'metrics-server': {
    id: 'metrics-server',
    title: 'Kubernetes Metrics Server',
    chart: { repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', version: '3.12.2' },
    // Where upstream runs it: the chart binds the extension-apiserver-authentication-reader
    // Role in kube-system whatever the release namespace, so kube-system is written to anyway.
    namespace: 'kube-system',
    values: {},
    requires: [],
  },
};

/**
 * Add-ons a Kubernetes distribution runs out of the box (`cluster.distribution`
 * of an environment): they count as the cluster's (like `external: true`)
 * unless the environment says `external: false`. k0s, AKS and GKE deploy
 * metrics-server; EKS, kind and kubeadm-style clusters do not.
 */
export const DISTRIBUTION_ADDONS: Readonly<Record<string, readonly AddonId[]>> = {
  k0s: ['metrics-server'],
  aks: ['metrics-server'],
  gke: ['metrics-server'],
};

/** What provides a kind: add-ons (all needed), or the GitOps engine itself. */
export type Provider = { readonly addons: readonly AddonId[] } | { readonly engine: GitOpsEngine };

/** A row of the provider table: an API group, optionally narrowed to kinds. */
export interface ProviderRule {
  readonly group: string;
  /** @default every kind of the group */
  readonly kinds?: readonly string[];
  readonly provider: Provider;
}

/**
 * Which add-on provides each custom API group (or kind within a group).
 * The core groups need nothing, except Ingress/IngressClass (see providerOf).
 */
export const PROVIDER_RULES: readonly ProviderRule[] = [
  { group: 'argoproj.io', kinds: ['Rollout', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun', 'Experiment'], provider: { addons: ['argo-rollouts'] } },
  { group: 'argoproj.io', kinds: ['Application', 'AppProject', 'ApplicationSet'], provider: { engine: 'argocd' } },
  { group: 'cert-manager.io', provider: { addons: ['cert-manager'] } },
  { group: 'external-secrets.io', provider: { addons: ['external-secrets'] } },
  { group: 'monitoring.coreos.com', provider: { addons: ['prometheus-operator-crds'] } },
  { group: 'networking.istio.io', provider: { addons: ['istio-base', 'istiod'] } },
  { group: 'security.istio.io', provider: { addons: ['istio-base', 'istiod'] } },
  { group: 'telemetry.istio.io', provider: { addons: ['istio-base', 'istiod'] } },
  { group: 'extensions.istio.io', provider: { addons: ['istio-base', 'istiod'] } },
  { group: 'flagger.app', provider: { addons: ['flagger'] } },
  { group: 'velero.io', provider: { addons: ['velero'] } },
  { group: 'traefik.io', provider: { addons: ['traefik-crds'] } },
  { group: 'gateway.networking.k8s.io', provider: { addons: ['gateway-api-crds'] } },
  // Served through an APIService by metrics-server (resource metrics of HPAs, `kubectl top`).
  { group: 'metrics.k8s.io', provider: { addons: ['metrics-server'] } },
  { group: 'source.toolkit.fluxcd.io', provider: { engine: 'flux' } },
  { group: 'kustomize.toolkit.fluxcd.io', provider: { engine: 'flux' } },
  { group: 'helm.toolkit.fluxcd.io', provider: { engine: 'flux' } },
];

/** Built-in API groups: served by every Kubernetes API server. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'apiextensions.k8s.io',
  'admissionregistration.k8s.io', 'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io',
]);

/** Ingress controllers named by an Ingress class or an IngressClass's `spec.controller`. */
const INGRESS_CONTROLLERS: Readonly<Record<string, AddonId>> = { 'k8s.io/ingress-nginx': 'ingress-nginx' };

export interface ProvidedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly spec?: unknown;
  /** Read for an Ingress: a cert-manager issuer annotation needs cert-manager's ingress-shim. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Ingress annotations cert-manager's ingress-shim turns into Certificates. */
export const CERT_MANAGER_INGRESS_ANNOTATIONS: readonly string[] = ['cert-manager.io/issuer', 'cert-manager.io/cluster-issuer'];

export interface ProviderOptions {
  /** Ingress class names served by ingress-nginx. @default ["nginx"] */
  readonly nginxClasses?: readonly string[];
}

/** The API group of an apiVersion ('' for the core group). */
function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * What must run in the cluster for an object to be accepted and acted on:
 * `{ addons: [] }` for built-in kinds that need nothing, undefined for a
 * custom group no rule knows (the caller reports it: the table must grow).
 */
export function providerOf(o: ProvidedObject, options: ProviderOptions = {}): Provider | undefined {
  const group = groupOf(o.apiVersion);
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  if (group === 'networking.k8s.io' && o.kind === 'Ingress') {
    const cls = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : undefined;
    const addons: AddonId[] = cls !== undefined && (options.nginxClasses ?? ['nginx']).includes(cls) ? ['ingress-nginx'] : [];
    if (CERT_MANAGER_INGRESS_ANNOTATIONS.some((a) => o.annotations?.[a] !== undefined)) addons.push('cert-manager');
    return { addons };
  }
  if (group === 'networking.k8s.io' && o.kind === 'IngressClass') {
    const addon = typeof spec.controller === 'string' ? INGRESS_CONTROLLERS[spec.controller] : undefined;
    return { addons: addon ? [addon] : [] };
  }
  if (group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler') return { addons: usesResourceMetrics(o.apiVersion, spec) ? ['metrics-server'] : [] };
  if (BUILT_IN_GROUPS.has(group) || group === 'kustomize.config.k8s.io') return { addons: [] };
  return PROVIDER_RULES.find((r) => r.group === group && (!r.kinds || r.kinds.includes(o.kind)))?.provider;
}

/**
 * Whether an HPA reads CPU or memory of pods (metrics.k8s.io, served by
 * metrics-server): autoscaling/v1 always does (targetCPUUtilizationPercentage),
 * autoscaling/v2 for a Resource or ContainerResource metric, or with no
 * metrics at all (the API server defaults them to 80% CPU).
 */
function usesResourceMetrics(apiVersion: string, spec: Record<string, unknown>): boolean {
  if (apiVersion === 'autoscaling/v1') return true;
  const metrics = Array.isArray(spec.metrics) ? (spec.metrics as Array<{ type?: unknown }>) : [];
  return metrics.length === 0 || metrics.some((m) => m.type === 'Resource' || m.type === 'ContainerResource');
}

/** The add-ons `ids` need, with what they require, in install order (requirements first). */
export function withRequirements(ids: Iterable<AddonId>): AddonId[] {
  const wanted = new Set<AddonId>();
  const add = (id: AddonId): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    ADDONS[id].requires.forEach(add);
  };
  for (const id of ids) add(id);
  return ADDON_IDS.filter((id) => wanted.has(id)).sort((a, b) => installLevel(a) - installLevel(b) || ADDON_IDS.indexOf(a) - ADDON_IDS.indexOf(b));
}

/** Longest chain of requirements below an add-on: 0 for those requiring nothing. */
export function installLevel(id: AddonId): number {
  return Math.max(-1, ...ADDONS[id].requires.map(installLevel)) + 1;
}

export function isAddonId(s: string): s is AddonId {
  return (ADDON_IDS as readonly string[]).includes(s);
}

/** The pinned add-ons as a Markdown table (the README carries it; a test keeps them equal). */
export function addonTable(): string {
  const rows = ADDON_IDS.map((id) => {
    const a = ADDONS[id];
    const chart = a.chart ? `\`${a.chart.chart}\` ${a.chart.version} from ${a.chart.repoURL}` : 'no Helm chart: declare `external: true`';
    const provides = PROVIDER_RULES.filter((r) => 'addons' in r.provider && r.provider.addons.includes(id)).map((r) => (r.kinds ? `${r.group} ${r.kinds.join(', ')}` : r.group));
    if (id === 'ingress-nginx') provides.push('Ingress of an nginx class');
    if (id === 'cert-manager') provides.push('Ingress with a cert-manager.io issuer annotation');
    if (id === 'metrics-server') provides.push('HorizontalPodAutoscaler with resource metrics (CPU, memory); shipped by k0s, AKS, GKE');
    return `| \`${id}\` | ${a.title} | ${chart} | ${provides.join('; ') || `(required by ${ADDON_IDS.filter((x) => ADDONS[x].requires.includes(id)).join(', ') || 'an Istio mesh with `mesh.cni: true`'})`} |`;
  });
  return ['| add-on | what | pinned chart | provides |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Kinds of monitoring.coreos.com that the Prometheus Operator turns into a
 * running Prometheus's configuration. `prometheus-operator-crds` only makes
 * the API server accept them: something must run the operator and a
 * Prometheus that selects them, or they do nothing.
 */
export const PROMETHEUS_OPERATOR_KINDS: readonly string[] = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

/** Whether an object is one the Prometheus Operator acts on (see {@link PROMETHEUS_OPERATOR_KINDS}). */
export function isPrometheusOperatorObject(o: { readonly apiVersion: string; readonly kind: string }): boolean {
  return groupOf(o.apiVersion) === 'monitoring.coreos.com' && PROMETHEUS_OPERATOR_KINDS.includes(o.kind);
}
