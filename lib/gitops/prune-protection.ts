import { ApiObject } from 'cdk8s';
import { ARGOCD_KEEP, ARGOCD_SYNC_OPTIONS, FLUX_KEEP, FLUX_PRUNE } from './annotations';

/** The smallest view of a rendered object the GitOps helpers need. */
export interface ObjectShape {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly spec?: unknown;
}

/**
 * Whether losing this object loses data: a PVC or PersistentVolume, a
 * StatefulSet that claims volumes, or a Namespace (deleting one deletes
 * everything in it, PVCs included).
 */
export function holdsData(o: Pick<ObjectShape, 'kind' | 'spec'>): boolean {
  switch (o.kind) {
    case 'PersistentVolumeClaim':
    case 'PersistentVolume':
    case 'Namespace':
      return true;
    case 'StatefulSet':
      return ((o.spec as { volumeClaimTemplates?: unknown[] } | undefined)?.volumeClaimTemplates?.length ?? 0) > 0;
    default:
      return false;
  }
}

/** Whether the object carries the Argo CD or Flux "never prune" annotation (set here or by hand). */
export function isPruneProtected(o: Pick<ObjectShape, 'metadata'>): boolean {
  const a = o.metadata.annotations ?? {};
  const argo = (a[ARGOCD_SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim());
  return argo.includes('Prune=false') || argo.includes('Delete=false') || a[FLUX_PRUNE] === FLUX_KEEP;
}

/**
 * Marks an object so that neither Argo CD nor Flux deletes it when it leaves
 * Git or when its Application / Kustomization is deleted: removing it from the
 * cluster becomes a deliberate, manual act. Existing Argo CD sync options on
 * the object are kept.
 */
export function protectFromPrune(obj: ApiObject): void {
  const current: Record<string, string> = obj.metadata.toJson().annotations ?? {};
  const options = (current[ARGOCD_SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const merged = [...options.filter((o) => !/^(Prune|Delete)=/.test(o)), ...ARGOCD_KEEP.split(',')];
  obj.metadata.addAnnotation(ARGOCD_SYNC_OPTIONS, merged.join(','));
  obj.metadata.addAnnotation(FLUX_PRUNE, FLUX_KEEP);
}
