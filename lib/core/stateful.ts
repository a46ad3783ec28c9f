import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from './errors';
import { bytes } from './resources';

/**
 * Annotations that stop GitOps tools from deleting data: Argo CD neither
 * prunes nor deletes the object (even when its Application is deleted), Flux
 * skips it during garbage collection. Put them on StatefulSets holding data
 * and on every PersistentVolumeClaim.
 */
export const PRUNE_PROTECTION: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** Keep claims when the StatefulSet is deleted or scaled down: data outlives its workload. */
export const RETAIN_CLAIMS: k8s.StatefulSetPersistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain' };

/** A persistent volume: size and storage class, as an environment file states them. */
export interface StorageOptions {
  /** Requested capacity, e.g. "20Gi". */
  readonly size: string;
  /** StorageClass name. @default the class set with `setDefaultStorageClass` on a scope above, else the cluster's default class */
  readonly storageClass?: string;
}

/** Construct-tree context key holding the storage class of claims that name none. */
const STORAGE_CLASS_CONTEXT = '@platform/manifests:defaultStorageClass';

/**
 * Every PersistentVolumeClaim and volumeClaimTemplate rendered below `scope`
 * that names no `storageClass` gets this one: the cluster's storage is one
 * fact of the environment, not a setting of each data service. Call it before
 * `scope` has children (it sets construct-tree context). Without it, claims
 * naming no class leave `storageClassName` out and bind only where the
 * cluster has a default StorageClass (EKS clusters created on 1.30 or later,
 * and k0s, have none).
 */
export function setDefaultStorageClass(scope: Construct, storageClass: string): void {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(storageClass)) {
    throw new PropsError(scope, 'storageClass', storageClass, 'a StorageClass name (lower-case DNS subdomain)');
  }
  scope.node.setContext(STORAGE_CLASS_CONTEXT, storageClass);
}

/** The class `setDefaultStorageClass` set on `scope` or above it, if any. */
export function defaultStorageClass(scope: Construct): string | undefined {
  const v: unknown = scope.node.tryGetContext(STORAGE_CLASS_CONTEXT);
  return typeof v === 'string' ? v : undefined;
}

/** Throws unless `s.size` is a positive byte quantity and the class a DNS subdomain. */
export function checkStorage(scope: Construct, field: string, s: StorageOptions): void {
  const n = bytes(s.size);
  if (n === undefined || n <= 0) throw new PropsError(scope, `${field}.size`, s.size, 'a storage quantity such as "10Gi"');
  if (s.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(s.storageClass)) {
    throw new PropsError(scope, `${field}.storageClass`, s.storageClass, 'a StorageClass name (lower-case DNS subdomain)');
  }
}

/** A volumeClaimTemplate for a StatefulSet, with the prune protection annotations its PVCs inherit. */
export function claimTemplate(scope: Construct, name: string, storage: StorageOptions, labels: Record<string, string>): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name, labels, annotations: { ...PRUNE_PROTECTION } },
    spec: claimSpec(scope, storage),
  };
}

/** A standalone PersistentVolumeClaim (for Deployments and CronJobs), protected from pruning. */
export function persistentClaim(
  scope: Construct,
  id: string,
  p: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly storage: StorageOptions },
): k8s.KubePersistentVolumeClaim {
  return new k8s.KubePersistentVolumeClaim(scope, id, {
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels, annotations: { ...PRUNE_PROTECTION } },
    spec: claimSpec(scope, p.storage),
  });
}

function claimSpec(scope: Construct, storage: StorageOptions): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName: storage.storageClass ?? defaultStorageClass(scope),
    resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
  };
}
