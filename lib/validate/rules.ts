/**
 * Every rule the gate knows, with a stable id. RULES.md documents the same
 * list for people (a test keeps the two in step).
 */
export interface RuleInfo {
  /** one line: what the rule checks */
  readonly summary: string;
  /**
   * whether a per-object waiver annotation may switch it off; schema and
   * structure rules may not (the API server or the GitOps tool would reject
   * or mangle the object anyway), nor may the waiver rules themselves
   */
  readonly waivable: boolean;
}

export const RULES = {
  'schema/invalid-yaml': { summary: 'the file is not valid YAML', waivable: false },
  'schema/object-shape': { summary: 'a document is a mapping with apiVersion, kind and metadata.name', waivable: false },
  'schema/unknown-kind': { summary: 'apiVersion/kind is a known Kubernetes 1.27 or imported custom resource kind', waivable: false },
  'schema/unknown-field': { summary: 'no field outside the schema (strict field validation); free-form subtrees excepted', waivable: false },
  'schema/wrong-type': { summary: 'every field has its schema type (int-or-string and quantities accept both)', waivable: false },
  'schema/required-field': { summary: 'every required field is present', waivable: false },
  'schema/enum-value': { summary: 'enumerated fields hold one of their values', waivable: false },
  'structure/duplicate': { summary: 'no two objects share group, kind, namespace and name', waivable: false },
  'structure/namespace': { summary: 'namespaced objects have metadata.namespace; cluster-scoped ones have none', waivable: false },
  'structure/workload-selector': { summary: 'a workload\'s spec.selector matches its own pod template labels', waivable: false },
  'structure/deprecated-api': { summary: 'no deprecated or removed apiVersion', waivable: false },
  'ref/service-selector': { summary: 'a Service selector matches a pod template in its namespace', waivable: true },
  'ref/service-port': { summary: 'a Service targetPort (name or number) is a container port of the selected pods', waivable: true },
  'ref/scale-target': { summary: 'an HPA scaleTargetRef names a rendered workload', waivable: true },
  'ref/pdb-selector': { summary: 'a PodDisruptionBudget selects the pods of a rendered workload', waivable: true },
  'ref/rollout-workload-ref': { summary: 'a Rollout workloadRef names a rendered Deployment', waivable: true },
  'ref/flagger-target': { summary: 'a Flagger Canary targetRef/autoscalerRef names a rendered workload/HPA', waivable: true },
  'ref/ingress-backend': { summary: 'Ingress, IngressRoute, TraefikService and HTTPRoute backends are rendered Services with that port', waivable: true },
  'ref/servicemonitor-selector': { summary: 'a ServiceMonitor selects a Service that has each endpoint\'s named port', waivable: true },
  'ref/podmonitor-selector': { summary: 'a PodMonitor selects pods that have each endpoint\'s named port', waivable: true },
  'ref/networkpolicy-selector': { summary: 'a NetworkPolicy podSelector selects at least one pod template', waivable: true },
  'ref/statefulset-service': { summary: 'a StatefulSet serviceName is a rendered headless Service', waivable: true },
  'ref/config-source': { summary: 'referenced ConfigMaps/Secrets (and keys) are rendered or produced by an ExternalSecret/Certificate', waivable: true },
  'ref/certificate-issuer': { summary: 'a Certificate\'s (or Ingress annotation\'s) Issuer is rendered in its namespace, and its ClusterIssuer is rendered in the environment or declared provided by the cluster', waivable: true },
  'ref/probe-port': { summary: 'probe ports are ports of the same container', waivable: true },
  'gitops/rollout-order': { summary: 'nothing that must become healthy depends on an object of a later Argo CD sync wave or a later Flux Kustomization', waivable: true },
  'gitops/argocd-tracking': { summary: 'Argo CD Applications of objects labelled app.kubernetes.io/instance come with argocd-cm set to annotation tracking', waivable: true },
  'policy/pss-restricted': { summary: 'pod templates meet the restricted Pod Security Standard (1.27)', waivable: true },
  'policy/pss-baseline': { summary: 'pod templates in namespaces declared baseline meet the baseline Pod Security Standard', waivable: true },
  'policy/pss-exemption-reason': { summary: 'a Namespace relaxed to baseline/privileged carries a written reason', waivable: false },
  'policy/resources': { summary: 'every container requests and limits cpu and memory', waivable: true },
  'policy/probes': { summary: 'long-running containers have readiness and liveness probes, not identical', waivable: true },
  'policy/image-tag': { summary: 'images carry a tag other than latest; in production a semver tag or a digest', waivable: true },
  'image/moved-registry': { summary: 'no image from a moved or frozen repository (docker.io/bitnami, k8s.gcr.io, ...; lib/core/images.ts MOVED_REPOSITORIES)', waivable: false },
  'image/catalog-version': { summary: 'a catalog image runs the version its facts describe (lib/core/images.ts IMAGES)', waivable: false },
  'image/run-as-user': { summary: 'a catalog image\'s main container runs as the UID its files belong to', waivable: true },
  'image/writable-path': { summary: 'every path a catalog image writes is a writable volume mount when the root filesystem is read-only', waivable: true },
  'image/port': { summary: 'a catalog container declares only ports its image listens on', waivable: true },
  'image/probe': { summary: 'httpGet probes use the scheme and Host header the image\'s server needs', waivable: true },
  'image/config-key': { summary: 'a catalog image\'s config file holds only keys its pinned version accepts', waivable: false },
  'policy/pdb-required': { summary: 'a workload with more than one replica has a PDB that allows a disruption', waivable: true },
  'policy/hpa-range': { summary: 'an HPA has minReplicas <= maxReplicas', waivable: true },
  'policy/secret-inline-data': { summary: 'no Secret with inline data/stringData in the rendered output', waivable: true },
  'policy/credential-literal': { summary: 'no credential-looking literal in ConfigMap data or container env values', waivable: true },
  'policy/default-deny': { summary: 'every namespace with pods has a default-deny NetworkPolicy for ingress and egress', waivable: true },
  'network/required-flow': { summary: 'every flow the cluster needs (entry points, route backends, scrapes, analysis queries, ACME solvers, istiod, probes) passes the NetworkPolicies and Istio policies on its way', waivable: true },
  'network/mesh-bypass': { summary: 'callers of a weighted VirtualService split pass through a sidecar to the Service', waivable: true },
  'network/mesh-inert': { summary: 'Istio policies live in namespaces whose pods run sidecars', waivable: true },
  'network/unreachable': { summary: 'a Service\'s pods admit some ingress on a port it forwards to (a NetworkPolicy rule and, with a sidecar, an ALLOW AuthorizationPolicy rule) where policies deny by default', waivable: true },
  'flow/credentials': { summary: 'a workload allowed to reach an authenticated server port (Redis requirepass, PostgreSQL, Elasticsearch security) reads that server\'s credential', waivable: true },
  'ref/hpa-metric': { summary: 'an HPA Pods/Object/External metric is served by something rendered (a ServiceMonitor/PodMonitor scraping the target and a prometheus-adapter rule), or is a Resource metric', waivable: true },
  'ref/analysis-provider': { summary: 'the Prometheus an AnalysisTemplate or Flagger MetricTemplate queries is a rendered in-cluster Service (fully qualified), one declared external, or outside the cluster', waivable: true },
  'ref/dns-name': { summary: 'an in-cluster DNS name (<service>.<namespace>.svc, <pod>.<service>.<namespace>.svc) in a pod\'s env, command, args, probes or the ConfigMaps it reads names a rendered Service (with that port), or, in a namespace the render does not touch, one declared external', waivable: true },
  'ref/standby-replicas': { summary: 'a Service selector flip (blue-green colour) never lands on a workload with fewer replicas than the active one or its HPA minimum', waivable: true },
  'gitops/switch-replicas': { summary: 'the two sides of a Service selector flip (blue-green colours) are scaled alike: each its own HPA or neither, spec.replicas on both or neither, so a switch removes replicas from no manifest', waivable: true },
  'policy/store-identity': { summary: 'SecretStores of different namespaces (systems) do not share one cloud identity (Vault role, IAM role, controller identity)', waivable: true },
  'mesh/pss-admission': { summary: 'an Istio-injected namespace with restricted or baseline Pod Security declares the Istio CNI plugin (no istio-init needing NET_ADMIN/NET_RAW)', waivable: false },
  'mesh/job-completion': { summary: 'a Job/CronJob pod in an Istio-injected namespace has what it needs to finish (native sidecar, no sidecar, or hold + quitquitquit)', waivable: true },
  'waiver/missing-reason': { summary: 'a waiver annotation carries a non-empty reason', waivable: false },
  'waiver/unknown-rule': { summary: 'a waiver annotation names an existing rule', waivable: false },
  'waiver/not-allowed': { summary: 'a waiver annotation names a waivable rule that the policy does not forbid', waivable: false },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function isRuleId(s: string): s is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES, s);
}

/** Annotation-key prefix of waivers: `validate.platform.dev/waive.<rule id with "/" as ".">`. */
export const WAIVER_PREFIX = 'validate.platform.dev/waive.';

/** The waiver annotation key for a rule, e.g. `validate.platform.dev/waive.policy.pss-restricted`. */
export function waiverAnnotation(rule: RuleId): string {
  return WAIVER_PREFIX + rule.replace('/', '.');
}

/** Annotation on a Namespace giving the reason for a relaxed `pod-security.kubernetes.io/enforce` level. */
export const POD_SECURITY_REASON_ANNOTATION = 'validate.platform.dev/pod-security-reason';

/** On an Istio-injected Namespace: "true" when the cluster's Istio runs its CNI plugin (pods get no istio-init). */
export const MESH_CNI_ANNOTATION = 'validate.platform.dev/mesh-cni';

/** On an Istio-injected Namespace: "true" when the proxy runs as a native sidecar (Jobs finish). */
export const MESH_NATIVE_SIDECARS_ANNOTATION = 'validate.platform.dev/mesh-native-sidecars';

/**
 * Who provides something the rendered objects name but do not render
 * (e.g. "kube-prometheus-stack, platform team"): on an AnalysisTemplate or a
 * Flagger MetricTemplate, the Prometheus it queries (`ref/analysis-provider`);
 * on a workload or a ConfigMap its pods read, the `<service>.<namespace>.svc`
 * names in them (`ref/dns-name`); on a cert-manager Certificate or an
 * Ingress, the ClusterIssuer it names (`ref/certificate-issuer`). The rules
 * then accept what they cannot see.
 */
export const EXTERNAL_PROVIDER_ANNOTATION = 'validate.platform.dev/external-provider';
