// The one table of fields a cluster owns: what `npm run drift` leaves out
// when it compares live objects with dist/. Everything else that differs is
// drift. Paths use the notation of field-diff.ts (`a.b[name=x].c`,
// `metadata.annotations["x/y"]`), with `[]` for any item of a list.

/** The value of a defaulted field is assigned by the cluster (an IP, a storage class): any value is accepted. */
export const ANY: unique symbol = Symbol('any value');

export type IgnoreReason =
  /** written by the API server or a controller on every object: never part of the desired state */
  | 'server'
  /** filled in by API-server defaulting when Git leaves it out: ignored only while Git leaves it out and the live value is the default */
  | 'default'
  /** owned by a controller at run time: ignored only while the condition holds (e.g. an HPA targets the workload) */
  | 'controller';

export type Condition =
  /** an HPA in Git targets this workload (`spec.scaleTargetRef`) */
  | 'hpa-target'
  /** a Rollout in Git shifts traffic through this Istio VirtualService */
  | 'rollout-traffic';

export interface IgnoredField {
  /** `Kind` or `Kind.group`; `*` for every kind */
  readonly kinds: readonly string[];
  readonly path: string;
  readonly reason: IgnoreReason;
  /** for `default`: the value the API server fills in */
  readonly value?: unknown;
  /** for `controller`: when the field belongs to the controller */
  readonly when?: Condition;
  readonly why: string;
}

const ALL = ['*'];
/** Kinds whose pod template the API server defaults (a Rollout is a custom resource: its template is stored as sent). */
const POD_TEMPLATES: ReadonlyArray<readonly [readonly string[], string]> = [
  [['Deployment.apps', 'StatefulSet.apps', 'DaemonSet.apps', 'ReplicaSet.apps', 'Job.batch'], 'spec.template'],
  [['CronJob.batch'], 'spec.jobTemplate.spec.template'],
];

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const PROBE_DEFAULTS: ReadonlyArray<readonly [string, unknown]> = [['timeoutSeconds', 1], ['periodSeconds', 10], ['successThreshold', 1], ['failureThreshold', 3], ['httpGet.scheme', 'HTTP']];

function podTemplateDefaults(): IgnoredField[] {
  const rows: IgnoredField[] = [];
  for (const [kinds, template] of POD_TEMPLATES) {
    const spec = `${template}.spec`;
    const d = (path: string, value: unknown, why = 'pod spec defaulting') => rows.push({ kinds, path, reason: 'default', value, why });
    d(`${template}.metadata.creationTimestamp`, null, 'written as null into every stored pod template');
    d(`${spec}.dnsPolicy`, 'ClusterFirst');
    d(`${spec}.restartPolicy`, 'Always');
    d(`${spec}.schedulerName`, 'default-scheduler');
    d(`${spec}.securityContext`, {});
    d(`${spec}.terminationGracePeriodSeconds`, 30);
    d(`${spec}.serviceAccount`, ANY, 'deprecated alias the API server copies from serviceAccountName');
    for (const list of ['containers', 'initContainers']) {
      const c = `${spec}.${list}[]`;
      d(`${c}.terminationMessagePath`, '/dev/termination-log');
      d(`${c}.terminationMessagePolicy`, 'File');
      d(`${c}.imagePullPolicy`, 'IfNotPresent', 'defaulted for every tag but :latest');
      d(`${c}.ports[].protocol`, 'TCP');
      d(`${c}.env[].valueFrom.fieldRef.apiVersion`, 'v1');
      for (const probe of PROBES) for (const [field, value] of PROBE_DEFAULTS) d(`${c}.${probe}.${field}`, value);
    }
    for (const source of ['configMap', 'secret', 'projected', 'downwardAPI']) d(`${spec}.volumes[].${source}.defaultMode`, 420);
  }
  return rows;
}

export const IGNORED_FIELDS: readonly IgnoredField[] = [
  { kinds: ALL, path: 'status', reason: 'server', why: 'observed state, written by controllers' },
  ...['managedFields', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'selfLink'].map((f): IgnoredField => ({ kinds: ALL, path: `metadata.${f}`, reason: 'server', why: 'written by the API server' })),
  { kinds: ALL, path: 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]', reason: 'server', why: 'written by kubectl apply (client-side)' },
  { kinds: ALL, path: 'metadata.annotations["argocd.argoproj.io/tracking-id"]', reason: 'server', why: 'Argo CD annotation tracking' },
  { kinds: ALL, path: 'metadata.labels["kustomize.toolkit.fluxcd.io/name"]', reason: 'server', why: 'Flux kustomize-controller ownership label' },
  { kinds: ALL, path: 'metadata.labels["kustomize.toolkit.fluxcd.io/namespace"]', reason: 'server', why: 'Flux kustomize-controller ownership label' },
  { kinds: ['Deployment.apps'], path: 'metadata.annotations["deployment.kubernetes.io/revision"]', reason: 'server', why: 'deployment controller revision counter' },
  { kinds: ['Rollout.argoproj.io'], path: 'metadata.annotations["rollout.argoproj.io/revision"]', reason: 'server', why: 'Argo Rollouts revision counter' },
  { kinds: ['Namespace'], path: 'metadata.labels["kubernetes.io/metadata.name"]', reason: 'default', value: ANY, why: 'immutable label the API server adds to every namespace' },
  { kinds: ['Namespace'], path: 'spec.finalizers', reason: 'default', value: ['kubernetes'], why: 'namespace finalizer' },
  { kinds: ['PersistentVolumeClaim'], path: 'metadata.finalizers', reason: 'server', why: 'kubernetes.io/pvc-protection' },
  { kinds: ['PersistentVolumeClaim'], path: 'metadata.annotations["pv.kubernetes.io/bind-completed"]', reason: 'server', why: 'PV binder' },
  { kinds: ['PersistentVolumeClaim'], path: 'metadata.annotations["pv.kubernetes.io/bound-by-controller"]', reason: 'server', why: 'PV binder' },
  { kinds: ['PersistentVolumeClaim'], path: 'metadata.annotations["volume.kubernetes.io/storage-provisioner"]', reason: 'server', why: 'PV binder' },
  { kinds: ['PersistentVolumeClaim'], path: 'metadata.annotations["volume.beta.kubernetes.io/storage-provisioner"]', reason: 'server', why: 'PV binder' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.volumeName', reason: 'default', value: ANY, why: 'the bound volume' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.storageClassName', reason: 'default', value: ANY, why: 'DefaultStorageClass admission' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.volumeMode', reason: 'default', value: 'Filesystem', why: 'PVC defaulting' },

  { kinds: ['Service'], path: 'spec.clusterIP', reason: 'default', value: ANY, why: 'allocated by the API server' },
  { kinds: ['Service'], path: 'spec.clusterIPs', reason: 'default', value: ANY, why: 'allocated by the API server' },
  { kinds: ['Service'], path: 'spec.ipFamilies', reason: 'default', value: ANY, why: 'the cluster\'s IP families' },
  { kinds: ['Service'], path: 'spec.ipFamilyPolicy', reason: 'default', value: 'SingleStack', why: 'Service defaulting' },
  { kinds: ['Service'], path: 'spec.sessionAffinity', reason: 'default', value: 'None', why: 'Service defaulting' },
  { kinds: ['Service'], path: 'spec.internalTrafficPolicy', reason: 'default', value: 'Cluster', why: 'Service defaulting' },
  { kinds: ['Service'], path: 'spec.type', reason: 'default', value: 'ClusterIP', why: 'Service defaulting' },
  { kinds: ['Service'], path: 'spec.externalTrafficPolicy', reason: 'default', value: 'Cluster', why: 'NodePort/LoadBalancer defaulting' },
  { kinds: ['Service'], path: 'spec.allocateLoadBalancerNodePorts', reason: 'default', value: true, why: 'LoadBalancer defaulting' },
  { kinds: ['Service'], path: 'spec.ports[].protocol', reason: 'default', value: 'TCP', why: 'Service defaulting' },
  { kinds: ['Service'], path: 'spec.ports[].targetPort', reason: 'default', value: ANY, why: 'defaults to the port' },
  { kinds: ['Service'], path: 'spec.ports[].nodePort', reason: 'default', value: ANY, why: 'allocated for NodePort/LoadBalancer' },

  { kinds: ['Deployment.apps'], path: 'spec.progressDeadlineSeconds', reason: 'default', value: 600, why: 'Deployment defaulting' },
  { kinds: ['Deployment.apps'], path: 'spec.revisionHistoryLimit', reason: 'default', value: 10, why: 'Deployment defaulting' },
  { kinds: ['Deployment.apps'], path: 'spec.strategy', reason: 'default', value: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, why: 'Deployment defaulting' },
  { kinds: ['Deployment.apps'], path: 'spec.strategy.rollingUpdate', reason: 'default', value: { maxSurge: '25%', maxUnavailable: '25%' }, why: 'Deployment defaulting' },
  { kinds: ['Deployment.apps', 'StatefulSet.apps'], path: 'spec.replicas', reason: 'default', value: 1, why: 'workload defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.podManagementPolicy', reason: 'default', value: 'OrderedReady', why: 'StatefulSet defaulting' },
  { kinds: ['StatefulSet.apps', 'DaemonSet.apps'], path: 'spec.revisionHistoryLimit', reason: 'default', value: 10, why: 'workload defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.updateStrategy', reason: 'default', value: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, why: 'StatefulSet defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.updateStrategy.rollingUpdate', reason: 'default', value: { partition: 0 }, why: 'StatefulSet defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.persistentVolumeClaimRetentionPolicy', reason: 'default', value: { whenDeleted: 'Retain', whenScaled: 'Retain' }, why: 'StatefulSet defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.volumeClaimTemplates[].apiVersion', reason: 'default', value: 'v1', why: 'stored claim templates are full objects' },
  { kinds: ['StatefulSet.apps'], path: 'spec.volumeClaimTemplates[].kind', reason: 'default', value: 'PersistentVolumeClaim', why: 'stored claim templates are full objects' },
  { kinds: ['StatefulSet.apps'], path: 'spec.volumeClaimTemplates[].spec.volumeMode', reason: 'default', value: 'Filesystem', why: 'PVC defaulting' },
  { kinds: ['StatefulSet.apps'], path: 'spec.volumeClaimTemplates[].status', reason: 'default', value: ANY, why: 'stored claim templates carry an empty status' },
  { kinds: ['DaemonSet.apps'], path: 'spec.updateStrategy', reason: 'default', value: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, why: 'DaemonSet defaulting' },
  { kinds: ['DaemonSet.apps'], path: 'spec.updateStrategy.rollingUpdate', reason: 'default', value: { maxSurge: 0, maxUnavailable: 1 }, why: 'DaemonSet defaulting' },
  { kinds: ['CronJob.batch'], path: 'spec.concurrencyPolicy', reason: 'default', value: 'Allow', why: 'CronJob defaulting' },
  { kinds: ['CronJob.batch'], path: 'spec.suspend', reason: 'default', value: false, why: 'CronJob defaulting' },
  { kinds: ['CronJob.batch'], path: 'spec.successfulJobsHistoryLimit', reason: 'default', value: 3, why: 'CronJob defaulting' },
  { kinds: ['CronJob.batch'], path: 'spec.failedJobsHistoryLimit', reason: 'default', value: 1, why: 'CronJob defaulting' },
  { kinds: ['Job.batch'], path: 'spec.backoffLimit', reason: 'default', value: 6, why: 'Job defaulting' },
  { kinds: ['Job.batch'], path: 'spec.completionMode', reason: 'default', value: 'NonIndexed', why: 'Job defaulting' },
  { kinds: ['Job.batch'], path: 'spec.completions', reason: 'default', value: 1, why: 'Job defaulting' },
  { kinds: ['Job.batch'], path: 'spec.parallelism', reason: 'default', value: 1, why: 'Job defaulting' },
  { kinds: ['Job.batch'], path: 'spec.suspend', reason: 'default', value: false, why: 'Job defaulting' },
  ...podTemplateDefaults(),
  { kinds: ['NetworkPolicy.networking.k8s.io'], path: 'spec.policyTypes', reason: 'default', value: ANY, why: 'derived from the ingress/egress rules when left out' },
  { kinds: ['NetworkPolicy.networking.k8s.io'], path: 'spec.ingress[].ports[].protocol', reason: 'default', value: 'TCP', why: 'NetworkPolicy defaulting' },
  { kinds: ['NetworkPolicy.networking.k8s.io'], path: 'spec.egress[].ports[].protocol', reason: 'default', value: 'TCP', why: 'NetworkPolicy defaulting' },
  { kinds: ['HorizontalPodAutoscaler.autoscaling'], path: 'spec.behavior.scaleUp.selectPolicy', reason: 'default', value: 'Max', why: 'HPA defaulting' },
  { kinds: ['HorizontalPodAutoscaler.autoscaling'], path: 'spec.behavior.scaleDown.selectPolicy', reason: 'default', value: 'Max', why: 'HPA defaulting' },
  { kinds: ['Secret'], path: 'type', reason: 'default', value: 'Opaque', why: 'Secret defaulting' },

  { kinds: ['Deployment.apps', 'StatefulSet.apps', 'ReplicaSet.apps', 'Rollout.argoproj.io'], path: 'spec.replicas', reason: 'controller', when: 'hpa-target', why: 'the HorizontalPodAutoscaler sets the replica count' },
  { kinds: ['VirtualService.networking.istio.io'], path: 'spec.http[].route[].weight', reason: 'controller', when: 'rollout-traffic', why: 'Argo Rollouts sets the canary weights during a rollout' },
];

/** `Kind.group` (`Kind` for the core group) of an apiVersion and kind. */
export function groupKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? kind : `${kind}.${apiVersion.slice(0, slash)}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A table path as a regular expression over field-diff paths: `[]` is any list item. */
export function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.split('[]').map(escape).join('\\[[^\\]]+\\]')}$`);
}

/** A table path as keys: `metadata.annotations["a/b"]` -> ['metadata', 'annotations', 'a/b'] (no `[]`). */
export function pathKeys(path: string): string[] {
  return [...path.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\["([^"]+)"\]/g)].map((m) => m[1] ?? m[2]);
}
