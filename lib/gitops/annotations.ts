// Annotation keys Argo CD and Flux read from the objects they apply.

/** Argo CD: the order objects are applied in during a sync (lower first, default 0). */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Argo CD: per-object sync options. */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Flux: per-object prune switch. */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/** Argo CD sync options that keep an object when it leaves Git or its Application is deleted. */
export const ARGOCD_KEEP = 'Prune=false,Delete=false';
/** Flux value that keeps an object when it leaves Git. */
export const FLUX_KEEP = 'disabled';
