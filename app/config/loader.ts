// Loads environments/defaults.yaml and environments/<env>.yaml, merges them and
// validates the result. Every problem is reported with the file, line and
// column where the offending value (or its closest present parent) is written.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ConfigError, ConfigProblem, describeValue } from './errors';
import { EnvironmentConfig, environmentSchema, DNS_LABEL } from './schema';
import { closest, discriminatorOf, expectationOf, knownKeys, schemaAt } from './schema-kit';
import { readYaml, YamlSource } from './yaml-source';

export const DEFAULTS_FILE = 'defaults.yaml';
export const SCHEMA_FILE = 'schema.json';

interface SourceFile {
  readonly file: string;
  /** The parsed file, which locates nodes on demand. */
  readonly yaml: YamlSource;
  /** Its top-level mapping: shared by every load of the file, so only ever merged into new objects, never edited. */
  readonly data: unknown;
}

export interface LoadOptions {
  /** Directory holding the environment files. @default "environments" under the working directory */
  readonly dir?: string;
  /** Base directory file names in messages are relative to. @default process.cwd() */
  readonly root?: string;
}

/**
 * Names of all environments: every `*.yaml` in the directory except the
 * defaults, sorted. Any other file (hidden ones aside) is a ConfigError
 * naming it: a `qa.yml` or `qa.yaml.bak` would otherwise be skipped without
 * a word.
 */
export function listEnvironments(options: LoadOptions = {}): string[] {
  const dir = options.dir ?? path.resolve('environments');
  const files = fs.readdirSync(dir).filter((f) => !f.startsWith('.'));
  const strays = files.filter((f) => !f.endsWith('.yaml') && f !== SCHEMA_FILE);
  if (strays.length) {
    const root = options.root ?? process.cwd();
    throw new ConfigError(
      strays.sort().map((f) => {
        const base = f.replace(/\.ya?ml$/i, '');
        const rename = base !== f && DNS_LABEL.test(base) ? `; rename it to ${base}.yaml` : '';
        return { file: path.relative(root, path.join(dir, f)) || f, line: 1, column: 1, path: '', message: `not an environment file: environments/ holds ${DEFAULTS_FILE}, ${SCHEMA_FILE} and one <name>.yaml per environment (".yaml", not ".yml")${rename}` };
      }),
    );
  }
  return files
    .filter((f) => f !== DEFAULTS_FILE && f !== SCHEMA_FILE)
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Loads, merges and validates one environment; throws ConfigError listing every problem. */
export function loadEnvironment(name: string, options: LoadOptions = {}): EnvironmentConfig {
  const dir = options.dir ?? path.resolve('environments');
  const root = options.root ?? process.cwd();
  const envPath = path.join(dir, `${name}.yaml`);
  const display = (p: string) => path.relative(root, p) || p;
  if (!DNS_LABEL.test(name)) {
    throw new ConfigError([{ file: display(envPath), line: 1, column: 1, path: '', message: `environment name ${JSON.stringify(name)} must be a DNS-1123 label (lowercase letters, digits, "-"), since it names namespaces and dist/ folders` }]);
  }
  if (!fs.existsSync(envPath)) {
    const known = fs.existsSync(dir) ? listEnvironments({ dir }) : [];
    const hint = closest(name, known);
    throw new ConfigError([{ file: display(envPath), line: 1, column: 1, path: '', message: `no such environment file${hint ? `; did you mean "${hint}"?` : ''} (known environments: ${known.join(', ') || 'none'})` }]);
  }
  const sources: SourceFile[] = [];
  const defaultsPath = path.join(dir, DEFAULTS_FILE);
  if (fs.existsSync(defaultsPath)) sources.push(readSource(defaultsPath, display(defaultsPath)));
  const own = readSource(envPath, display(envPath));
  sources.push(own);
  if (Object.keys(own.data as object).length === 0) {
    // Otherwise every required setting is reported at the defaults' lines, and the empty file goes unnamed.
    throw new ConfigError([{ file: own.file, line: 1, column: 1, path: '', message: `the environment file is empty: it needs at least environment.tier, cluster and systems (copy one of ${listEnvironments({ dir, root }).filter((e) => e !== name).map((e) => `${e}.yaml`).join(', ') || 'the other environment files'} to start)` }]);
  }

  const merged = listedSystemsOnly(sources).reduce<unknown>((acc, d) => deepMerge(acc, d), {});
  withDerivedNamespaces(merged, name);
  // jitless: zod's compiled object parsers cost more to build (~50 ms on the
  // first load) than they save on a handful of loads, and are no faster after.
  const result = environmentSchema.safeParse(merged, { jitless: true });
  if (!result.success) {
    throw new ConfigError(sortProblems(result.error.issues.flatMap((issue) => toProblems(issue, merged, sources))));
  }
  const env: EnvironmentConfig = { name, ...result.data };
  origins.set(env, sources);
  return env;
}

/**
 * A system's namespace is `<system>-<environment>` unless the files name one:
 * a copied environment file renders into namespaces of its own.
 */
function withDerivedNamespaces(merged: unknown, env: string): void {
  const systems = isPlainObject(merged) ? merged.systems : undefined;
  if (!isPlainObject(systems)) return;
  // Copies: the merged tree may share objects with the files' own data, which locates problems.
  (merged as Record<string, unknown>).systems = Object.fromEntries(
    Object.entries(systems).map(([name, system]) => [name, isPlainObject(system) && system.namespace === undefined ? { ...system, namespace: `${name}-${env}` } : system]),
  );
}

/**
 * Two environments of one cluster (same `cluster.name` and `cluster.server`)
 * may not render a system into the same namespace: they would overwrite each
 * other's objects. Reported at the later environment's namespace setting (or
 * its system, when the name is derived).
 */
export function namespaceClaims(envs: readonly EnvironmentConfig[]): ConfigError | undefined {
  const claims = new Map<string, Array<{ env: EnvironmentConfig; system: string; namespace: string }>>();
  for (const env of [...envs].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const [system, cfg] of Object.entries(env.systems as Record<string, { namespace: string } | undefined>)) {
      if (!cfg) continue;
      const key = `${env.cluster.name} ${env.cluster.server} ${cfg.namespace}`;
      claims.set(key, [...(claims.get(key) ?? []), { env, system, namespace: cfg.namespace }]);
    }
  }
  const problems: ConfigProblem[] = [];
  for (const group of claims.values()) {
    if (group.length < 2) continue;
    // The namespace belongs to the environment it is derived from; the others claim it.
    const owner = group.find((c) => c.namespace === `${c.system}-${c.env.name}`) ?? group[0];
    for (const c of group.filter((x) => x !== owner)) {
      const explicit = isExplicit(c.env, ['systems', c.system, 'namespace']);
      const where = configErrorAt(c.env, explicit ? ['systems', c.system, 'namespace'] : ['systems', c.system], '', !explicit).problems[0];
      problems.push({
        ...where,
        path: `systems.${c.system}.namespace`,
        message: `namespace ${JSON.stringify(c.namespace)} in cluster ${JSON.stringify(c.env.cluster.name)} is already ${owner.env.name}'s (systems.${owner.system}): two environments would overwrite each other's objects; ` +
          `remove the setting to use "${c.system}-${c.env.name}", or name another namespace`,
      });
    }
  }
  return problems.length ? new ConfigError(problems) : undefined;
}

/** Whether one of the environment's own files (not the derived defaults) sets the field. */
function isExplicit(env: EnvironmentConfig, fieldPath: readonly string[]): boolean {
  return (origins.get(env) ?? []).some((s) => fieldPath.reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), s.data) !== undefined);
}

/** The files each loaded environment came from, to locate problems found after loading. */
const origins = new WeakMap<EnvironmentConfig, readonly SourceFile[]>();

/**
 * A copy of a loaded environment with some top-level settings replaced
 * (`systems`, say), whose problems are still located in its files.
 */
export function derivedEnvironment(env: EnvironmentConfig, changes: Partial<EnvironmentConfig>): EnvironmentConfig {
  const out: EnvironmentConfig = { ...env, ...changes };
  const sources = origins.get(env);
  if (sources) origins.set(out, sources);
  return out;
}

/**
 * A ConfigError for a problem only the charts can see (a quota too small for
 * the workloads, say), pointing at the field of the environment file it is
 * about: `environments/prod.yaml:12:9 systems.x.quota.pods: expected ...`.
 */
export function configErrorAt(env: EnvironmentConfig, fieldPath: ReadonlyArray<string | number>, message: string, atKey = false): ConfigError {
  const sources = origins.get(env);
  const where = sources ? locate(sources, fieldPath, atKey) : { file: `environments/${env.name}.yaml`, line: 1, column: 1 };
  return new ConfigError([{ ...where, path: dotted(fieldPath), message }]);
}

/**
 * The data of each file, with the defaults' systems limited to those the
 * environment file lists: the defaults fill in a system's settings but never
 * add a system, so an environment may render a single one (a failover cluster).
 */
function listedSystemsOnly(sources: readonly SourceFile[]): unknown[] {
  const data = sources.map((s) => s.data);
  const listed = (data[data.length - 1] as Record<string, unknown>).systems;
  if (sources.length < 2 || !isPlainObject(listed)) return data;
  const defaults = data[0] as Record<string, unknown>;
  if (!isPlainObject(defaults.systems)) return data;
  data[0] = { ...defaults, systems: Object.fromEntries(Object.entries(defaults.systems).filter(([k]) => k in listed)) };
  return data;
}

/**
 * Parsed files by path, with the text they were parsed from: defaults.yaml is
 * parsed once per process instead of once per environment. Loads share the
 * parsed data without copying it: merging builds new objects and zod's output
 * shares nothing with its input (a test in loader.test.ts checks both).
 */
const parsedSources = new Map<string, { readonly text: string; readonly source: SourceFile }>();

function readSource(absPath: string, file: string): SourceFile {
  const text = fs.readFileSync(absPath, 'utf8');
  const hit = parsedSources.get(absPath);
  if (hit && hit.text === text && hit.source.file === file) return hit.source;
  const source = parseSource(text, file);
  parsedSources.set(absPath, { text, source });
  return source;
}

function parseSource(text: string, file: string): SourceFile {
  const yaml = readYaml(text, file);
  const data = yaml.data ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: `expected a mapping of settings at the top level, got ${describeValue(data)}` }]);
  }
  refuseMergeKeys(yaml, data);
  return { file, yaml, data };
}

/**
 * YAML merge keys (`<<: *base`) are a YAML 1.1 feature that YAML 1.2 parsers
 * read as a plain key named "<<": named here, instead of as the settings the
 * merge was meant to bring.
 */
function refuseMergeKeys(yaml: YamlSource, data: unknown): void {
  const found: Array<Array<string | number>> = [];
  const visit = (v: unknown, p: Array<string | number>) => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i]));
    else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '<<') found.push([...p, k]);
        else visit(x, [...p, k]);
      }
    }
  };
  visit(data, []);
  if (!found.length) return;
  throw new ConfigError(
    found.map((p) => {
      const pos = yaml.linePos(yaml.offsetOf(p, true) ?? 0);
      return { file: yaml.file, line: pos.line, column: pos.col, path: dotted(p), message: 'YAML merge keys ("<<: *anchor") are not supported (YAML 1.2 reads "<<" as a plain key): write the settings out, or put the shared ones in environments/defaults.yaml' };
    }),
  );
}

/** Keys that select a variant of a discriminated union (`strategy.type`, `secretStore.kind`). */
const DISCRIMINATORS = ['type', 'kind'] as const;

/**
 * Objects merge key by key; lists and scalars from the later file replace
 * earlier ones. An object that switches variant (a different `type` or
 * `kind`) replaces the earlier one whole: the old variant's knobs mean
 * nothing to the new one.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    if (DISCRIMINATORS.some((d) => d in base && d in over && base[d] !== over[d])) return over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function valueAt(data: unknown, p: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = data;
  for (const k of p) v = isPlainObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[String(k)] : undefined;
  return v;
}

/** `a.b[0].c`, with odd keys quoted: `services["my service"]`. */
function dotted(p: ReadonlyArray<PropertyKey>): string {
  return p
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z0-9_/-]+$/.test(String(k)) ? `${i ? '.' : ''}${String(k)}` : `[${JSON.stringify(String(k))}]`))
    .join('');
}

function toProblems(issue: z.core.$ZodIssue, merged: unknown, sources: readonly SourceFile[]): ConfigProblem[] {
  const p = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const valid = knownKeys(environmentSchema, p, merged);
    return issue.keys.map((key) => {
      const hint = closest(key, valid);
      const where = locate(sources, [...p, key], true);
      return {
        ...where,
        path: dotted([...p, key]),
        message: `unknown key${hint ? `; did you mean "${hint}"?` : ''} (valid keys: ${valid.join(', ')})`,
      };
    });
  }
  const value = valueAt(merged, p);
  const where = locate(sources, p, false);
  if (issue.code === 'invalid_union') {
    // zod reports a bad discriminator either at the union or at its tag field.
    const unionPath = p.length && discriminatorOf(environmentSchema, p.slice(0, -1), merged)?.key === String(p[p.length - 1]) ? p.slice(0, -1) : p;
    const disc = discriminatorOf(environmentSchema, unionPath, merged);
    const union = valueAt(merged, unionPath);
    if (disc && isPlainObject(union)) {
      const tag = union[disc.key];
      const hint = typeof tag === 'string' ? closest(tag, disc.values) : undefined;
      const tagWhere = locate(sources, [...unionPath, disc.key], false);
      return [{ ...tagWhere, path: dotted([...unionPath, disc.key]), message: `expected one of ${disc.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(tag)}${hint ? `; did you mean "${hint}"?` : ''}` }];
    }
  }
  const expected = issue.code === 'custom' ? issue.message : expectationOf(schemaAt(environmentSchema, p, merged));
  const what = expected ?? zodExpectation(issue);
  const message = value === undefined ? `required, but missing (expected ${what})` : `expected ${what}, got ${describeValue(value)}`;
  return [{ ...where, path: dotted(p), message }];
}

function zodExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };
    return names[issue.expected] ?? issue.expected;
  }
  if (issue.code === 'invalid_value') return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '');
}

/**
 * Where to point the user: the node at `p` in the last file that sets it; if no
 * file sets it (a missing field), the closest ancestor the environment file
 * sets (it is where a per-environment value belongs), else the defaults'.
 */
function locate(sources: readonly SourceFile[], p: ReadonlyArray<PropertyKey>, atKey: boolean): Omit<ConfigProblem, 'path' | 'message'> {
  const at = (s: SourceFile, depth: number) => {
    // Parents are pointed at by their key: "user-service:" reads better than its first child.
    const offset = s.yaml.offsetOf(p.slice(0, depth), atKey || depth < p.length);
    if (offset === undefined) return undefined;
    const pos = s.yaml.linePos(offset);
    return { file: s.file, line: pos.line, column: pos.col };
  };
  for (let i = sources.length - 1; i >= 0; i--) {
    const exact = at(sources[i], p.length);
    if (exact) return exact;
  }
  for (let i = sources.length - 1; i >= 0; i--) {
    for (let depth = p.length - 1; depth >= 0; depth--) {
      const parent = at(sources[i], depth);
      if (parent) return parent;
    }
  }
  const last = sources[sources.length - 1];
  return { file: last.file, line: 1, column: 1 };
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** A refusal by a construct whose props came from an environment: where it happened, what and why. */
export interface ConstructRefusal {
  /** Construct path; its first segment is the system (chart id), e.g. `ecosystem/user-service`. */
  readonly constructPath: string;
  /** The refused field, dotted, e.g. `image.tag`. */
  readonly field: string;
  readonly value: unknown;
  /** What would be valid. */
  readonly expected: string;
}

/**
 * The refusal of a construct, reported at the environment value it came
 * from: the setting equal to the refused value that best matches the
 * construct path and field (`systems.ecosystem.services.user-service.image.tag`
 * for `ecosystem/user-service` `image.tag`). Undefined when no setting of the
 * environment holds the value: then the construct's input came from code, not
 * from the file, and the error is the code's.
 */
export function refusalAtValue(env: EnvironmentConfig, refusal: ConstructRefusal): ConfigError | undefined {
  const [system, ...parts] = refusal.constructPath.split('/');
  const fieldParts = refusal.field.split(/[.[\]]+/).filter(Boolean);
  const wanted = JSON.stringify(refusal.value);
  if (wanted === undefined) return undefined;
  let best: { path: Array<string | number>; score: number } | undefined;
  const visit = (v: unknown, p: Array<string | number>) => {
    if (JSON.stringify(v) === wanted) {
      const score = scoreOf(p, system, parts, fieldParts);
      if (score > 0 && (!best || score > best.score)) best = { path: [...p], score };
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i]));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) visit(x, [...p, k]);
  };
  visit({ ...env, name: undefined }, []);
  if (!best) return undefined;
  return configErrorAt(env, best.path, `expected ${refusal.expected}, got ${describeValue(refusal.value)} (refused by construct ${refusal.constructPath}, field ${refusal.field})`);
}

/** How well a setting's path matches a construct path and field; 0 when it is not in the construct's system. */
function scoreOf(p: ReadonlyArray<string | number>, system: string, constructParts: readonly string[], fieldParts: readonly string[]): number {
  const inSystem = p[0] === 'systems' && p[1] === system;
  const environmentWide = p[0] !== 'systems';
  if (!inSystem && !environmentWide) return 0;
  let named = 0;
  for (const c of constructParts) if (p.includes(c)) named += 2;
  let field = 0;
  for (let i = 1; i <= Math.min(fieldParts.length, p.length); i++) {
    if (String(p[p.length - i]) !== fieldParts[fieldParts.length - i]) break;
    field += 1;
  }
  // An equal value elsewhere in the system is a coincidence unless the construct or the field names it.
  if (named + field === 0) return 0;
  return (inSystem ? 4 : 1) + named + field;
}
