// Argo CD applies lower waves first and waits for each wave to be healthy:
// namespaces and CRDs, then identity/policy, then config and secrets, then
// data, then the Services and routing the apps are reached through, then the
// apps and rollouts themselves. Flux has no waves (it orders by kind and
// `dependsOn`), so these only shape Argo CD syncs.

/** Wave per kind; kinds not listed stay in wave 0 with the Services and routing. */
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
  Certificate: -3,

  PersistentVolume: -2,
  PersistentVolumeClaim: -2,
  StatefulSet: -2,

  // Analysis templates and Services must exist before a Rollout refers to them.
  AnalysisTemplate: -1,
  ClusterAnalysisTemplate: -1,
  MetricTemplate: -1,

  Deployment: 1,
  DaemonSet: 1,
  Rollout: 1,
  Canary: 1,
  Job: 1,
  CronJob: 1,
  HorizontalPodAutoscaler: 2,
  PodDisruptionBudget: 2,
};

/** The sync wave for a kind, as Argo CD wants it (a string). */
export function syncWaveOf(kind: string): string | undefined {
  const w = WAVES[kind];
  return w === undefined ? undefined : String(w);
}
