// `npm run drift`: the objects a cluster holds compared with dist/<env>, after
// leaving out what the cluster owns (drift-ignore.ts). Field comparison is
// field-diff.ts, the same as `npm run diff`.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadAll, YAMLException } from 'js-yaml';
import { FileSet } from '../../lib/synth';
import { objectId, objectsOf, StoredObject } from '../../lib/gitops/dist-objects';
import { ANY, Condition, groupKind, IGNORED_FIELDS, IgnoredField, pathKeys, pathPattern } from './drift-ignore';
import { diffFields, equal, FieldChange, formatValue } from '../../lib/gitops/field-diff';

/** Invalid live input: names the file, the document, the field, the value and what is valid. */
export class LiveInputError extends Error {}

export type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One object read from a live export. */
export interface LiveObject {
  /** file and document (`live/prod.yaml#3`, `items[4]` inside a List) */
  readonly source: string;
  readonly object: Json;
}

export interface DriftEntry {
  /** missing: in Git, not in the cluster; extra: in the cluster, not in Git; changed: both, fields differ */
  readonly change: 'missing' | 'extra' | 'changed';
  /** `Kind/namespace/name` */
  readonly id: string;
  /** where Git has it (`prod/ecosystem`), or the live source for extras */
  readonly where: string;
  /** `before` is Git, `after` is the cluster */
  readonly fields: readonly FieldChange[];
}

export interface DriftReport {
  readonly env: string;
  readonly entries: readonly DriftEntry[];
  /** objects compared on each side */
  readonly desired: number;
  readonly live: number;
}

const YAML_FILE = /\.(ya?ml|json)$/;

/** Every object in a file or directory of `kubectl get -o yaml|json` output: single objects, `List`s, multi-document files. */
export function readLiveObjects(target: string): LiveObject[] {
  const files = fs.statSync(target).isDirectory() ? walk(target).filter((f) => YAML_FILE.test(f)).sort() : [target];
  return files.flatMap((f) => parseLive(fs.readFileSync(f, 'utf8'), path.relative(process.cwd(), f) || f));
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The objects of one export text; `file` names it in errors. */
export function parseLive(text: string, file: string): LiveObject[] {
  let docs: unknown[];
  try {
    // js-yaml: a 400-object export parses in a tenth of the time `yaml` takes; kubectl writes plain YAML 1.2
    docs = loadAll(text, undefined, { filename: file, json: true });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const mark = e.mark ? `:${e.mark.line + 1}:${e.mark.column + 1}` : '';
    throw new LiveInputError(`${file}${mark}: not valid YAML: ${e.reason}`);
  }
  const out: LiveObject[] = [];
  docs.forEach((value, i) => {
    const where = `${file}#${i + 1}`;
    if (value === null || value === undefined) return;
    // a kustomization.yaml beside the export is build input, never a cluster object
    if (isObject(value) && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('kustomize.config.k8s.io/')) return;
    if (!isObject(value)) throw new LiveInputError(`${where}: expected a Kubernetes object or a List, got ${Array.isArray(value) ? 'a sequence' : formatValue(value)}`);
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
      if (!Array.isArray(value.items)) throw new LiveInputError(`${where}: items: expected a list of objects, got ${formatValue(value.items, 60)}`);
      value.items.forEach((item, j) => out.push(checked(item, `${where} items[${j}]`)));
    } else out.push(checked(value, where));
  });
  return out;
}

function checked(o: unknown, where: string): LiveObject {
  if (!isObject(o)) throw new LiveInputError(`${where}: expected a Kubernetes object (a mapping), got ${formatValue(o, 60)}`);
  for (const field of ['apiVersion', 'kind']) {
    if (typeof o[field] !== 'string' || !o[field]) throw new LiveInputError(`${where}: ${field}: expected a non-empty string such as ${field === 'kind' ? '"Deployment"' : '"apps/v1"'}, got ${formatValue(o[field])}`);
  }
  const meta = o.metadata;
  if (!isObject(meta) || typeof meta.name !== 'string' || !meta.name) {
    throw new LiveInputError(`${where}: metadata.name: expected a non-empty string, got ${formatValue(isObject(meta) ? meta.name : meta)}`);
  }
  return { source: where, object: o };
}

/** Identity across API versions: group, kind, namespace, name. */
function key(o: Json): string {
  const m = o.metadata as Json;
  return `${groupKind(String(o.apiVersion), String(o.kind))}/${m.namespace ?? ''}/${m.name}`;
}

/** Objects the cluster makes by itself in every namespace or on behalf of another object: never extra. */
function clusterMade(o: Json): boolean {
  const m = o.metadata as Json;
  if (Array.isArray(m.ownerReferences) && m.ownerReferences.length) return true;
  const gk = groupKind(String(o.apiVersion), String(o.kind));
  if (['Event', 'Event.events.k8s.io', 'Endpoints', 'EndpointSlice.discovery.k8s.io', 'Pod', 'ControllerRevision.apps', 'Lease.coordination.k8s.io'].includes(gk)) return true;
  if (gk === 'ConfigMap' && m.name === 'kube-root-ca.crt') return true;
  if (gk === 'ServiceAccount' && m.name === 'default') return true;
  return gk === 'Secret' && o.type === 'kubernetes.io/service-account-token';
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Removes a `server` row's field (plain keys, no `[]`) and empty maps it leaves behind. */
function strip(o: Json, keys: readonly string[]): void {
  const parents: Json[] = [o];
  for (const k of keys.slice(0, -1)) {
    const next = parents[parents.length - 1][k];
    if (!isObject(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1][keys[keys.length - 1]];
  for (let i = parents.length - 1; i > 0; i--) if (Object.keys(parents[i]).length === 0) delete parents[i - 1][keys[i - 1]];
}

interface Context {
  readonly hpaTargets: ReadonlySet<string>;
  readonly rolloutServices: ReadonlySet<string>;
}

function conditionHolds(when: Condition, o: Json, ctx: Context): boolean {
  return (when === 'hpa-target' ? ctx.hpaTargets : ctx.rolloutServices).has(key(o));
}

const ROWS = IGNORED_FIELDS.map((r) => ({ ...r, keys: pathKeys(r.path), pattern: pathPattern(r.path) }));
const applies = (r: IgnoredField, gk: string) => r.kinds.includes('*') || r.kinds.includes(gk);
const rowsByKind = new Map<string, typeof ROWS>();
function rowsOf(gk: string): typeof ROWS {
  let rows = rowsByKind.get(gk);
  if (!rows) rowsByKind.set(gk, (rows = ROWS.filter((r) => applies(r, gk))));
  return rows;
}

/**
 * Whether a field change is the cluster's doing: a default left out of Git,
 * or a controller's field. A map Git leaves out entirely (a Namespace's
 * `spec`) is the cluster's when each of its fields is.
 */
function ignored(change: FieldChange, o: Json, ctx: Context): boolean {
  const rows = rowsOf(groupKind(String(o.apiVersion), String(o.kind)));
  const defaulted = (p: string, value: unknown): boolean => {
    if (rows.some((r) => r.reason === 'default' && r.pattern.test(p) && (r.value === ANY || equal(value, r.value)))) return true;
    return isObject(value) && Object.keys(value).length > 0 && Object.entries(value).every(([k, v]) => defaulted(/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${p}.${k}` : `${p}[${JSON.stringify(k)}]`, v));
  };
  if (rows.some((r) => r.reason === 'controller' && r.pattern.test(change.path) && conditionHolds(r.when!, o, ctx))) return true;
  return change.before === undefined && defaulted(change.path, change.after);
}

function normalize(o: Json): Json {
  const out = clone(o);
  for (const r of rowsOf(groupKind(String(o.apiVersion), String(o.kind)))) if (r.reason === 'server') strip(out, r.keys);
  return out;
}

function contextOf(desired: readonly Json[]): Context {
  const hpaTargets = new Set<string>();
  const rolloutServices = new Set<string>();
  for (const o of desired) {
    const ns = (o.metadata as Json).namespace ?? '';
    const spec = isObject(o.spec) ? o.spec : {};
    if (o.kind === 'HorizontalPodAutoscaler' && isObject(spec.scaleTargetRef)) {
      const t = spec.scaleTargetRef;
      hpaTargets.add(`${groupKind(String(t.apiVersion ?? 'apps/v1'), String(t.kind))}/${ns}/${t.name}`);
    }
    if (o.kind === 'Rollout') {
      const istio = (((spec.strategy as Json | undefined)?.canary as Json | undefined)?.trafficRouting as Json | undefined)?.istio as Json | undefined;
      const services = [istio?.virtualService, ...(Array.isArray(istio?.virtualServices) ? istio.virtualServices : [])];
      for (const vs of services) if (isObject(vs) && typeof vs.name === 'string') rolloutServices.add(`VirtualService.networking.istio.io/${ns}/${vs.name}`);
    }
  }
  return { hpaTargets, rolloutServices };
}

/**
 * Compares live objects with the rendered objects of one environment
 * (`files`: dist/<env> as read by readFileSet, paths relative to dist/).
 * Extra objects count only in namespaces Git renders into, or, cluster-scoped,
 * when labelled part of a system Git renders.
 */
export function detectDrift(env: string, files: FileSet, live: readonly LiveObject[]): DriftReport {
  const desired = parsedObjects(files);
  const ctx = contextOf(desired.map((d) => d.object));
  const byKey = new Map(desired.map((d) => [key(d.object), d]));
  const liveByKey = new Map<string, LiveObject>();
  for (const l of live) {
    const k = key(l.object);
    const seen = liveByKey.get(k);
    if (seen) throw new LiveInputError(`${l.source}: ${objectId(l.object as never)} appears twice in the live export (first at ${seen.source}); export each object once`);
    liveByKey.set(k, l);
  }
  const namespaces = new Set(desired.flatMap((d) => (d.object.kind === 'Namespace' ? [d.object.metadata.name] : d.object.metadata.namespace ? [d.object.metadata.namespace] : [])));
  const systems = new Set(desired.map((d) => (d.object.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/part-of']).filter(Boolean));

  const entries: DriftEntry[] = [];
  for (const [k, d] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const l = liveByKey.get(k);
    if (!l) {
      entries.push({ change: 'missing', id: objectId(d.object), where: d.dir, fields: [] });
      continue;
    }
    const fields = diffFields(normalize(d.object), normalize(l.object)).filter((c) => !ignored(c, d.object, ctx));
    if (fields.length) entries.push({ change: 'changed', id: objectId(d.object), where: d.dir, fields });
  }
  for (const [k, l] of [...liveByKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (byKey.has(k) || clusterMade(l.object)) continue;
    const m = l.object.metadata as Json;
    const labels = isObject(m.labels) ? m.labels : {};
    const ours = typeof m.namespace === 'string' ? namespaces.has(m.namespace) : systems.has(labels['app.kubernetes.io/part-of'] as string);
    if (ours) entries.push({ change: 'extra', id: objectId(l.object as never), where: l.source, fields: [] });
  }
  return { env, entries, desired: desired.length, live: live.length };
}

const parsed = new Map<string, StoredObject>();
/**
 * The rendered objects of a file set; each file parsed once per process and
 * content (a scheduled check compares the same dist/ with several exports).
 * Callers never modify them: comparison works on copies.
 */
function parsedObjects(files: FileSet): StoredObject[] {
  const out: StoredObject[] = [];
  const fresh = new Map<string, string>();
  for (const [file, text] of files) {
    const hit = parsed.get(`${file}\0${text}`);
    if (hit) out.push(hit);
    else fresh.set(file, text);
  }
  for (const [file, o] of objectsOf(fresh)) {
    parsed.set(`${file}\0${fresh.get(file)}`, o);
    out.push(o);
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function counts(r: DriftReport): string {
  const n = (c: DriftEntry['change']) => r.entries.filter((e) => e.change === c).length;
  return `${n('missing')} missing, ${n('extra')} extra, ${n('changed')} changed`;
}

const MARK: Record<DriftEntry['change'], string> = { missing: '-', extra: '+', changed: '~' };

export function formatDriftText(r: DriftReport): string {
  const lines = [`${r.env}: ${r.entries.length ? `drift: ${counts(r)}` : 'no drift'} (${r.desired} objects in dist/${r.env}, ${r.live} live)`];
  for (const e of r.entries) {
    lines.push(`  ${MARK[e.change]} ${e.id}  ${e.change === 'missing' ? `(in dist/${e.where}, not in the cluster)` : e.change === 'extra' ? `(in the cluster at ${e.where}, not in dist/${r.env})` : `(dist/${e.where})`}`);
    for (const f of e.fields) lines.push(`      ${f.path}: git ${formatValue(f.before)} -> live ${formatValue(f.after)}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function formatDriftMarkdown(r: DriftReport): string {
  const out = [`## Drift: ${r.env}`, '', `${r.entries.length ? counts(r) : 'no drift'} (${r.desired} objects in \`dist/${r.env}\`, ${r.live} live)`, ''];
  for (const e of r.entries) {
    out.push(`- **${e.change}** \`${e.id}\` ${e.change === 'extra' ? `from \`${e.where}\`` : `in \`${e.where}/\``}`);
    if (e.fields.length) {
      out.push('', '  | field | git | live |', '  |---|---|---|');
      for (const f of e.fields) out.push(`  | \`${cell(f.path)}\` | \`${cell(formatValue(f.before, 80))}\` | \`${cell(formatValue(f.after, 80))}\` |`);
      out.push('');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** Runs kubectl; tests replace it with a fake on PATH. */
export type Kubectl = (args: readonly string[]) => string;

export const runKubectl: Kubectl = (args) => execFileSync('kubectl', args, { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024 });

/** `deployment.apps`, `configmap`: how kubectl names a kind with its group. */
export function resourceName(apiVersion: string, kind: string): string {
  const gk = groupKind(apiVersion, kind);
  return gk.charAt(0).toLowerCase() === gk.charAt(0) ? gk : gk.replace(/^[^.]+/, (k) => k.toLowerCase());
}

/**
 * Reads the live objects of every kind dist/<env> holds from the cluster of
 * kubectl context `context`, one `kubectl get` per kind (a kind whose CRD the
 * cluster lacks has no objects: they all show as missing).
 */
export function readClusterObjects(context: string, files: FileSet, kubectl: Kubectl = runKubectl): { objects: LiveObject[]; notServed: string[] } {
  const kinds = [...new Set(parsedObjects(files).map((d) => resourceName(d.object.apiVersion, d.object.kind)))].sort();
  const objects: LiveObject[] = [];
  const notServed: string[] = [];
  for (const kind of kinds) {
    const args = ['--context', context, 'get', kind, '--all-namespaces', '--output', 'yaml'];
    let text: string;
    try {
      text = kubectl(args);
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message);
      if (/doesn't have a resource type|the server could not find the requested resource/.test(stderr)) {
        notServed.push(kind);
        continue;
      }
      throw new LiveInputError(`kubectl ${args.join(' ')} failed: ${stderr.trim().split('\n')[0]} (is context ${JSON.stringify(context)} in kubectl config get-contexts, and the cluster reachable?)`);
    }
    objects.push(...parseLive(text, `kubectl get ${kind}`));
  }
  return { objects, notServed };
}
