// Argo CD applies lower waves first and waits until every object of a wave
// is healthy before it applies the next one. So an object that must become
// healthy (a workload, a Certificate, a PVC, an ExternalSecret) may only
// depend on objects of its own or an earlier wave, and objects that are
// healthy as soon as they exist (Services, ConfigMaps, policies) go early:
// namespaces and CRDs, then identity, policy, stores and issuers, then config,
// secrets and every Service (a clustered StatefulSet's pods find their peers,
// and a replica its primary, through Services), then the StatefulSets, then
// the apps together with what they need at the same time: ingress
// controllers, the Certificates whose ACME HTTP-01 challenge they serve, the
// claims that bind only once a pod uses them (WaitForFirstConsumer), HPAs
// and PDBs. The validation rule gitops/rollout-order checks the result on
// every render. Flux has no waves (it orders by kind and `dependsOn`), so
// these only shape Argo CD syncs.

/** Wave per kind; kinds not listed stay in wave 0 with the routing. */
const WAVES: Readonly<Record<string, number>> = {
  Namespace: -5,
  CustomResourceDefinition: -5,
  StorageClass: -5,
  PriorityClass: -5,

  ServiceAccount: -4,
  Role: -4,
  RoleBinding: -4,
  ClusterRole: -4,
  ClusterRoleBinding: -4,
  ResourceQuota: -4,
  LimitRange: -4,
  NetworkPolicy: -4,
  SecretStore: -4,
  ClusterSecretStore: -4,
  Issuer: -4,
  ClusterIssuer: -4,
  PeerAuthentication: -4,
  AuthorizationPolicy: -4,

  ConfigMap: -3,
  Secret: -3,
  ExternalSecret: -3,
  // Healthy at once (a LoadBalancer gets its address without endpoints).
  Service: -3,

  PersistentVolume: -2,
  StatefulSet: -2,

  // Analysis templates must exist before a Rollout refers to them.
  AnalysisTemplate: -1,
  ClusterAnalysisTemplate: -1,
  MetricTemplate: -1,

  Deployment: 1,
  DaemonSet: 1,
  Rollout: 1,
  Canary: 1,
  Job: 1,
  CronJob: 1,
  // Ready only once the ingress controller (a Deployment) serves the challenge.
  Certificate: 1,
  // Bound only once a pod uses it; a claim of a CronJob only binds at the
  // first run, so nothing may come in a later wave.
  PersistentVolumeClaim: 1,
  HorizontalPodAutoscaler: 1,
  PodDisruptionBudget: 1,
};

/** The sync wave for a kind, as Argo CD wants it (a string). */
export function syncWaveOf(kind: string): string | undefined {
  const w = WAVES[kind];
  return w === undefined ? undefined : String(w);
}
