// Environment parity: core objects must be the same in every environment;
// only border fields (ingress, TLS, hosts, auth, external endpoints, replicas,
// resources, autoscaling, strategy knobs) may differ, plus the differences a
// system's document asks for, declared in one place with a reason.

/** One rendered object in one environment, identified across environments by its construct path. */
export interface ParityObject {
  readonly env: string;
  readonly system: string;
  readonly constructPath: string;
  readonly object: { readonly kind: string } & Record<string, unknown>;
}

/** A difference a document asks for. Globs: `*` one segment, `**` any rest. */
export interface DeclaredDifference {
  readonly system: string;
  /** Construct path glob, segments separated by `/`. */
  readonly construct: string;
  /** Field path glob, segments separated by `.`; `(presence)` for objects that exist in some environments only. */
  readonly field: string;
  /** Why it differs, citing the document. */
  readonly reason: string;
}

/** A field that differs between environments. */
export interface ParityDifference {
  readonly system: string;
  readonly constructPath: string;
  readonly kind: string;
  /** Dotted field path, or `(presence)`. */
  readonly field: string;
  /** Value per environment (`(absent)` where missing). */
  readonly values: Readonly<Record<string, string>>;
  /** Set when masked as border or declared: why it may differ. */
  readonly allowedBecause?: string;
}

export interface ParityReport {
  readonly environments: readonly string[];
  readonly compared: number;
  readonly allowed: readonly ParityDifference[];
  readonly violations: readonly ParityDifference[];
}

/** Kinds that are the border as a whole: they exist or differ per environment by design. */
export const BORDER_KINDS: ReadonlySet<string> = new Set([
  'Ingress', 'IngressClass', 'IngressRoute', 'IngressRouteTCP', 'Middleware', 'TLSOption', 'ServersTransport', 'TraefikService',
  'Certificate', 'Issuer', 'ClusterIssuer', 'Gateway', 'HTTPRoute', 'SecretStore', 'ClusterSecretStore',
  'ResourceQuota', 'LimitRange', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
]);

/** Fields that are border on every kind. */
export const BORDER_FIELDS: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [
  { field: 'metadata.namespace', reason: 'border: namespace assigned per environment' },
  { field: 'spec.replicas', reason: 'border: replicas' },
  { field: 'spec.template.spec.containers.*.resources.**', reason: 'border: resources' },
  { field: 'spec.template.spec.initContainers.*.resources.**', reason: 'border: resources' },
  { field: 'spec.jobTemplate.spec.template.spec.containers.*.resources.**', reason: 'border: resources' },
  { field: 'spec.volumeClaimTemplates.*.spec.resources.requests.storage', reason: 'border: storage size' },
  { field: 'spec.volumeClaimTemplates.*.spec.storageClassName', reason: 'border: storage class' },
  { field: 'spec.resources.requests.storage', reason: 'border: storage size' },
  { field: 'spec.storageClassName', reason: 'border: storage class' },
  { field: 'spec.strategy.**', reason: 'border: strategy knobs' },
  { field: 'spec.externalName', reason: 'border: external endpoint' },
  { field: 'spec.template.metadata.annotations.checksum/*', reason: 'derived from a ConfigMap compared on its own' },
  { field: 'spec.jobTemplate.spec.template.metadata.annotations.checksum/*', reason: 'derived from a ConfigMap compared on its own' },
];

/** Glob match of a path against a pattern (`*` one segment, `**` the rest, zero or more). */
export function globMatch(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**') return rest.length === 0 || path.some((_, i) => globMatch(rest, path.slice(i)));
  if (path.length === 0) return false;
  return (head === '*' || head === path[0] || (head.endsWith('*') && path[0].startsWith(head.slice(0, -1)))) && globMatch(rest, path.slice(1));
}

/** Leaf paths where two JSON values differ. */
export function differingPaths(a: unknown, b: unknown, prefix: string[] = []): string[][] {
  if (a === b) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].sort().flatMap((k) => differingPaths(a[k], b[k], [...prefix, k]));
  }
  return [prefix];
}

function valueAt(v: unknown, path: readonly string[]): unknown {
  let cur: unknown = v;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Compares every object across environments; groups by system and construct path. */
export function checkParity(objects: readonly ParityObject[], declared: readonly DeclaredDifference[]): ParityReport {
  const environments = [...new Set(objects.map((o) => o.env))];
  const groups = new Map<string, ParityObject[]>();
  for (const o of objects) {
    const key = `${o.system}\u0000${o.constructPath}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const allowed: ParityDifference[] = [];
  const violations: ParityDifference[] = [];
  const classify = (d: Omit<ParityDifference, 'allowedBecause'>) => {
    const reason = allowedReason(d, declared);
    if (reason) allowed.push({ ...d, allowedBecause: reason });
    else violations.push(d);
  };
  for (const [key, group] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [system, constructPath] = key.split('\u0000');
    const kind = group[0].object.kind;
    const byEnv = new Map(group.map((o) => [o.env, o.object]));
    const systemEnvs = environments.filter((e) => objects.some((o) => o.env === e && o.system === system));
    if (byEnv.size !== systemEnvs.length) {
      classify({ system, constructPath, kind, field: '(presence)', values: Object.fromEntries(systemEnvs.map((e) => [e, byEnv.has(e) ? 'present' : '(absent)'])) });
      continue;
    }
    const paths = new Map<string, string[]>();
    const [first, ...others] = systemEnvs;
    for (const e of others) for (const p of differingPaths(byEnv.get(first), byEnv.get(e))) paths.set(p.join('.'), p);
    for (const [field, p] of [...paths.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      classify({ system, constructPath, kind, field, values: Object.fromEntries(systemEnvs.map((e) => [e, show(valueAt(byEnv.get(e), p))])) });
    }
  }
  return { environments, compared: groups.size, allowed, violations };
}

function allowedReason(d: Omit<ParityDifference, 'allowedBecause'>, declared: readonly DeclaredDifference[]): string | undefined {
  if (BORDER_KINDS.has(d.kind)) return `border: ${d.kind}`;
  const field = d.field === '(presence)' ? ['(presence)'] : d.field.split('.');
  const border = BORDER_FIELDS.find((b) => globMatch(b.field.split('.'), field));
  if (border) return border.reason;
  const decl = declared.find(
    (x) => x.system === d.system && globMatch(x.construct.split('/'), d.constructPath.split('/')) && globMatch(x.field.split('.'), field),
  );
  return decl?.reason;
}

/** Terminal report: violations first (with values per environment), then one summary line; the allowed differences per system with `verbose`. */
export function formatParity(report: ParityReport, verbose = false): string {
  const lines: string[] = [];
  const fmt = (d: ParityDifference) =>
    `${d.system}: ${d.constructPath} (${d.kind}) ${d.field}: ${Object.entries(d.values).map(([e, v]) => `${e}=${v}`).join(' ')}`;
  for (const v of report.violations) lines.push(`parity violation: ${fmt(v)}`);
  // The allowed differences per system (and each of them) only under --verbose: an OK result is one line.
  const bySystem = new Map<string, ParityDifference[]>();
  for (const a of report.allowed) bySystem.set(a.system, [...(bySystem.get(a.system) ?? []), a]);
  let declaredCount = 0;
  for (const [system, list] of bySystem) {
    const declared = list.filter((a) => !a.allowedBecause!.startsWith('border') && !a.allowedBecause!.startsWith('derived'));
    declaredCount += declared.length;
    if (!verbose) continue;
    lines.push(`${system}: ${list.length - declared.length} border difference(s), ${declared.length} declared difference(s)`);
    for (const a of list) lines.push(`  ${a.constructPath} ${a.field}: ${Object.entries(a.values).map(([e, v]) => `${e}=${v}`).join(' ')}  -- ${a.allowedBecause}`);
  }
  const allowed = `${report.allowed.length - declaredCount} border and ${declaredCount} declared difference(s) allowed${verbose ? '' : ' (--verbose lists them)'}`;
  lines.push(`parity: ${report.compared} objects compared across ${report.environments.join(', ')}: ${report.violations.length ? `${report.violations.length} violation(s)` : 'OK'}; ${allowed}`);
  return lines.join('\n');
}
