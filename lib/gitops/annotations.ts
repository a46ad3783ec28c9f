// Annotation keys Argo CD and Flux read from the objects they apply.
import { PRUNE_PROTECTION } from '../core/stateful';

/** Argo CD: the order objects are applied in during a sync (lower first, default 0). */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Argo CD: per-object sync options. */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Flux: per-object prune switch. */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/** Argo CD sync options that keep an object when it leaves Git or its Application is deleted (lib/core/stateful). */
export const ARGOCD_KEEP = PRUNE_PROTECTION[ARGOCD_SYNC_OPTIONS];
/** Flux value that keeps an object when it leaves Git (lib/core/stateful). */
export const FLUX_KEEP = PRUNE_PROTECTION[FLUX_PRUNE];
