/**
 * API versions that are removed by, or deprecated in, Kubernetes 1.27 and the
 * pinned add-on versions. A kind-specific entry wins over a group-version one.
 */
interface Deprecation { readonly status: string; readonly replacement: string }

const BY_KIND: Record<string, Deprecation> = {
  'extensions/v1beta1/Deployment': { status: 'removed in Kubernetes 1.16', replacement: 'apps/v1' },
  'extensions/v1beta1/DaemonSet': { status: 'removed in Kubernetes 1.16', replacement: 'apps/v1' },
  'extensions/v1beta1/ReplicaSet': { status: 'removed in Kubernetes 1.16', replacement: 'apps/v1' },
  'extensions/v1beta1/NetworkPolicy': { status: 'removed in Kubernetes 1.16', replacement: 'networking.k8s.io/v1' },
  'extensions/v1beta1/Ingress': { status: 'removed in Kubernetes 1.22', replacement: 'networking.k8s.io/v1' },
  'extensions/v1beta1/PodSecurityPolicy': { status: 'removed in Kubernetes 1.25', replacement: 'Pod Security admission (namespace labels)' },
  'policy/v1beta1/PodSecurityPolicy': { status: 'removed in Kubernetes 1.25', replacement: 'Pod Security admission (namespace labels)' },
  'policy/v1beta1/PodDisruptionBudget': { status: 'removed in Kubernetes 1.25', replacement: 'policy/v1' },
  'batch/v1beta1/CronJob': { status: 'removed in Kubernetes 1.25', replacement: 'batch/v1' },
  'autoscaling/v2beta1/HorizontalPodAutoscaler': { status: 'removed in Kubernetes 1.25', replacement: 'autoscaling/v2' },
  'autoscaling/v2beta2/HorizontalPodAutoscaler': { status: 'removed in Kubernetes 1.26', replacement: 'autoscaling/v2' },
  'flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema': { status: 'deprecated in Kubernetes 1.26 (removed in 1.29)', replacement: 'flowcontrol.apiserver.k8s.io/v1beta3' },
  'flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration': { status: 'deprecated in Kubernetes 1.26 (removed in 1.29)', replacement: 'flowcontrol.apiserver.k8s.io/v1beta3' },
};

const BY_GROUP_VERSION: Record<string, Deprecation> = {
  'extensions/v1beta1': { status: 'removed', replacement: 'apps/v1 or networking.k8s.io/v1' },
  'apps/v1beta1': { status: 'removed in Kubernetes 1.16', replacement: 'apps/v1' },
  'apps/v1beta2': { status: 'removed in Kubernetes 1.16', replacement: 'apps/v1' },
  'policy/v1beta1': { status: 'removed in Kubernetes 1.25', replacement: 'policy/v1' },
  'batch/v1beta1': { status: 'removed in Kubernetes 1.25', replacement: 'batch/v1' },
  'batch/v2alpha1': { status: 'removed', replacement: 'batch/v1' },
  'autoscaling/v2beta1': { status: 'removed in Kubernetes 1.25', replacement: 'autoscaling/v2' },
  'autoscaling/v2beta2': { status: 'removed in Kubernetes 1.26', replacement: 'autoscaling/v2' },
  'networking.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'networking.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1alpha1': { status: 'removed in Kubernetes 1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'admissionregistration.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'apiextensions.k8s.io/v1' },
  'apiregistration.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'apiregistration.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'coordination.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22', replacement: 'scheduling.k8s.io/v1' },
  'scheduling.k8s.io/v1alpha1': { status: 'removed in Kubernetes 1.22', replacement: 'scheduling.k8s.io/v1' },
  'storage.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.22-1.27', replacement: 'storage.k8s.io/v1' },
  'discovery.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.25', replacement: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.25', replacement: 'events.k8s.io/v1' },
  'node.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.25', replacement: 'node.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta1': { status: 'removed in Kubernetes 1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1beta3' },
  'flowcontrol.apiserver.k8s.io/v1beta2': { status: 'deprecated in Kubernetes 1.26 (removed in 1.29)', replacement: 'flowcontrol.apiserver.k8s.io/v1beta3' },
  // add-ons, at the pinned CRD versions
  'cert-manager.io/v1alpha2': { status: 'removed in cert-manager 1.7', replacement: 'cert-manager.io/v1' },
  'cert-manager.io/v1alpha3': { status: 'removed in cert-manager 1.7', replacement: 'cert-manager.io/v1' },
  'cert-manager.io/v1beta1': { status: 'removed in cert-manager 1.7', replacement: 'cert-manager.io/v1' },
  'acme.cert-manager.io/v1alpha2': { status: 'removed in cert-manager 1.7', replacement: 'acme.cert-manager.io/v1' },
  'external-secrets.io/v1alpha1': { status: 'removed in External Secrets 0.17', replacement: 'external-secrets.io/v1' },
  'external-secrets.io/v1beta1': { status: 'deprecated in External Secrets 0.17 (served, not stored)', replacement: 'external-secrets.io/v1' },
  'source.toolkit.fluxcd.io/v1beta1': { status: 'removed in Flux 2.3', replacement: 'source.toolkit.fluxcd.io/v1' },
  'source.toolkit.fluxcd.io/v1beta2': { status: 'deprecated in Flux 2.3 for GitRepository', replacement: 'source.toolkit.fluxcd.io/v1' },
  'kustomize.toolkit.fluxcd.io/v1beta1': { status: 'removed in Flux 2.3', replacement: 'kustomize.toolkit.fluxcd.io/v1' },
  'kustomize.toolkit.fluxcd.io/v1beta2': { status: 'deprecated in Flux 2.3', replacement: 'kustomize.toolkit.fluxcd.io/v1' },
  'gateway.networking.k8s.io/v1alpha2': { status: 'no longer served for Gateway/HTTPRoute', replacement: 'gateway.networking.k8s.io/v1' },
  'gateway.networking.k8s.io/v1beta1': { status: 'deprecated for Gateway/HTTPRoute since Gateway API 1.0', replacement: 'gateway.networking.k8s.io/v1' },
  'traefik.containo.us/v1alpha1': { status: 'removed in Traefik 3', replacement: 'traefik.io/v1alpha1' },
};

export function deprecationOf(apiVersion: string, kind: string): Deprecation | undefined {
  return BY_KIND[`${apiVersion}/${kind}`] ?? BY_GROUP_VERSION[apiVersion];
}
