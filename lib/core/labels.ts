/** Standard `app.kubernetes.io/*` labels. */
export interface StandardLabelProps {
  /** The application name, e.g. `user-service`. */
  readonly name: string;
  /** Unique name of this instance. @default name */
  readonly instance?: string;
  /** Role within the architecture, e.g. `api`, `database`, `worker`. */
  readonly component?: string;
  /** The system this belongs to, e.g. `shop`. */
  readonly partOf?: string;
  /** The version running, usually the image tag. Never used in selectors. */
  readonly version?: string;
}

export const MANAGED_BY = 'cdk8s';

/**
 * Labels that select the pods of one workload. They are part of immutable
 * selectors, so they hold only what never changes: name and instance.
 */
export function selectorLabels(p: StandardLabelProps): Record<string, string> {
  return {
    'app.kubernetes.io/instance': p.instance ?? p.name,
    'app.kubernetes.io/name': p.name,
  };
}

/** All standard labels for metadata and pod templates. */
export function standardLabels(p: StandardLabelProps): Record<string, string> {
  const labels: Record<string, string> = { ...selectorLabels(p), 'app.kubernetes.io/managed-by': MANAGED_BY };
  if (p.component) labels['app.kubernetes.io/component'] = p.component;
  if (p.partOf) labels['app.kubernetes.io/part-of'] = p.partOf;
  if (p.version) labels['app.kubernetes.io/version'] = sanitizeLabelValue(p.version);
  return labels;
}

/** Label values are at most 63 characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends. */
export function sanitizeLabelValue(v: string): string {
  return v.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
