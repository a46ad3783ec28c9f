/**
 * The checked set as the rules see it: typed views of the raw JSON, an index
 * by kind and namespace, and the pod templates of every workload kind.
 */
import { LabelIndex } from '../core/label-index';
import { RuleId } from './rules';
import { groupOf } from './schema/types';
import { ManifestDocument, ObjectRef, Violation } from './types';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

export interface K8sObject {
  readonly doc: ManifestDocument;
  readonly raw: Json;
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace, '' when absent */
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly ref: ObjectRef;
}

export function toK8sObject(doc: ManifestDocument): K8sObject | undefined {
  if (!isRecord(doc.object)) return undefined;
  const raw = doc.object;
  const md = rec(raw.metadata);
  const apiVersion = str(raw.apiVersion) ?? '';
  const kind = str(raw.kind) ?? '';
  const name = str(md.name) ?? '';
  const namespace = str(md.namespace) ?? '';
  return {
    doc, raw, apiVersion, kind, name, namespace,
    group: groupOf(apiVersion),
    labels: strMap(md.labels),
    annotations: strMap(md.annotations),
    ref: { apiVersion: apiVersion || undefined, kind: kind || undefined, namespace: namespace || undefined, name: name || undefined },
  };
}

export interface PodTemplate {
  readonly owner: K8sObject;
  /** path of the pod template (metadata + spec) inside the owner, '' for a Pod */
  readonly path: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Json;
  /** false for run-to-completion pods (Jobs, CronJobs, Pods that do not restart Always) */
  readonly longRunning: boolean;
}

/** The pod template of a workload object, if it is one. */
export function podTemplateOf(o: K8sObject): PodTemplate | undefined {
  const spec = rec(o.raw.spec);
  let path: string;
  let tpl: Json;
  let longRunning = true;
  if (o.kind === 'Pod' && o.group === '') {
    path = '';
    tpl = o.raw;
    longRunning = (str(spec.restartPolicy) ?? 'Always') === 'Always';
  } else if (o.kind === 'CronJob' && o.group === 'batch') {
    path = 'spec.jobTemplate.spec.template';
    tpl = rec(rec(rec(spec.jobTemplate).spec).template);
    longRunning = false;
  } else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind) && o.group === 'apps'
    || o.kind === 'Job' && o.group === 'batch'
    || o.kind === 'ReplicationController' && o.group === ''
    || o.kind === 'Rollout' && o.group === 'argoproj.io') {
    if (!isRecord(spec.template)) return undefined; // a Rollout with workloadRef borrows its Deployment's template
    path = 'spec.template';
    tpl = spec.template;
    longRunning = o.kind !== 'Job';
  } else {
    return undefined;
  }
  const md = rec(tpl.metadata);
  return { owner: o, path, labels: strMap(md.labels), annotations: strMap(md.annotations), spec: rec(tpl.spec), longRunning };
}

export function subPath(base: string, rest: string): string {
  return base ? `${base}.${rest}` : rest;
}

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface ContainerView {
  readonly list: ContainerList;
  readonly index: number;
  readonly c: Json;
  readonly name: string;
  /** path of the container inside the owner object */
  readonly path: string;
}

export function containersOf(t: PodTemplate, lists: readonly ContainerList[] = ['containers', 'initContainers', 'ephemeralContainers']): ContainerView[] {
  const out: ContainerView[] = [];
  for (const list of lists) {
    arr(t.spec[list]).forEach((c, index) => {
      out.push({ list, index, c: rec(c), name: str(rec(c).name) ?? `#${index}`, path: subPath(t.path, `spec.${list}[${index}]`) });
    });
  }
  return out;
}

/** A matchLabels/matchExpressions selector read once, to match many label sets. */
export interface ParsedSelector {
  /** the string-valued matchLabels */
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly expressions: ReadonlyArray<{ readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values: readonly string[] }>;
  /** an expression has an unknown operator: the selector matches nothing */
  readonly matchesNothing: boolean;
}

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function parseSelector(selector: unknown): ParsedSelector {
  const sel = rec(selector);
  const expressions: Array<ParsedSelector['expressions'][number]> = [];
  let matchesNothing = false;
  for (const e of arr(sel.matchExpressions)) {
    const operator = str(rec(e).operator);
    if (operator === undefined || !OPERATORS.has(operator)) {
      matchesNothing = true;
      continue;
    }
    expressions.push({
      key: str(rec(e).key) ?? '',
      operator: operator as ParsedSelector['expressions'][number]['operator'],
      values: arr(rec(e).values).filter((x): x is string => typeof x === 'string'),
    });
  }
  return { matchLabels: strMap(sel.matchLabels), expressions, matchesNothing };
}

export function parsedSelectorMatches(sel: ParsedSelector, labels: Record<string, string>): boolean {
  if (sel.matchesNothing) return false;
  for (const k in sel.matchLabels) if (labels[k] !== sel.matchLabels[k]) return false;
  for (const e of sel.expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** matchLabels/matchExpressions selector; an empty selector selects everything. */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  return parsedSelectorMatches(parseSelector(selector), labels);
}

export function isEmptySelector(selector: unknown): boolean {
  const sel = rec(selector);
  return Object.keys(rec(sel.matchLabels)).length === 0 && arr(sel.matchExpressions).length === 0;
}

/** Service-style selector (plain map); an empty one selects nothing useful and is reported by callers. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function describeRef(r: ObjectRef): string {
  const id = r.namespace ? `${r.namespace}/${r.name ?? '?'}` : r.name ?? '?';
  return `${r.apiVersion ?? '?'} ${r.kind ?? '?'} ${id}`;
}

export function formatSelector(sel: Record<string, string>): string {
  return `{${Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

/**
 * The checked objects with the lookups every rule needs. Lookups by name are
 * map lookups, and selectors are matched through per-namespace label indexes
 * (built on first use): a selector is checked only against the objects that
 * carry its rarest matchLabels pair, never against the whole namespace unless
 * it has no matchLabels. The answers are those of a full scan, in the same
 * order (test/validate/label-index.test.ts).
 */
export class ObjectSet {
  public readonly objects: readonly K8sObject[];
  public readonly podTemplates: readonly PodTemplate[];
  private readonly byKindNs = new Map<string, K8sObject[]>();
  /** first object per kind, namespace and name */
  private readonly byName = new Map<string, Map<string, K8sObject>>();
  private readonly templatesByNs = new Map<string, PodTemplate[]>();
  /** core/v1 Services per namespace */
  private readonly servicesByNs = new Map<string, K8sObject[]>();
  private readonly ordinal = new Map<K8sObject, number>();
  private readonly templateIndexes = new Map<string, LabelIndex<PodTemplate>>();
  private readonly serviceIndexes = new Map<string, LabelIndex<K8sObject>>();
  /** over every namespace, for monitors with namespaceSelector.any */
  private allTemplates?: LabelIndex<PodTemplate>;
  private allServices?: LabelIndex<K8sObject>;
  private readonly parsed = new WeakMap<object, ParsedSelector>();

  constructor(objects: readonly K8sObject[]) {
    this.objects = objects;
    const templates: PodTemplate[] = [];
    objects.forEach((o, i) => {
      if (!this.ordinal.has(o)) this.ordinal.set(o, i);
      const kindNs = `${o.group}/${o.kind}/${o.namespace}`;
      push(this.byKindNs, kindNs, o);
      let names = this.byName.get(kindNs);
      if (!names) this.byName.set(kindNs, (names = new Map()));
      if (!names.has(o.name)) names.set(o.name, o);
      if (o.group === '' && o.kind === 'Service') push(this.servicesByNs, o.namespace, o);
      const t = podTemplateOf(o);
      if (t) {
        templates.push(t);
        push(this.templatesByNs, o.namespace, t);
      }
    });
    this.podTemplates = templates;
  }

  /** objects of a kind in a namespace ('' for cluster-scoped) */
  public ofKind(group: string, kind: string, namespace: string): readonly K8sObject[] {
    return this.byKindNs.get(`${group}/${kind}/${namespace}`) ?? [];
  }

  /** the first object of that kind, namespace and name */
  public find(group: string, kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.byName.get(`${group}/${kind}/${namespace}`)?.get(name);
  }

  public templatesIn(namespace: string): readonly PodTemplate[] {
    return this.templatesByNs.get(namespace) ?? [];
  }

  public namespacesWithPods(): string[] {
    return [...this.templatesByNs.keys()].sort();
  }

  /** Position of an object in `objects`, to keep merged answers in that order. */
  public ordinalOf(o: K8sObject): number {
    return this.ordinal.get(o) ?? -1;
  }

  /** A selector read once per set (the raw objects do not change while they are checked). */
  public selector(selector: unknown): ParsedSelector {
    if (!isRecord(selector)) return parseSelector(selector);
    let p = this.parsed.get(selector);
    if (!p) this.parsed.set(selector, (p = parseSelector(selector)));
    return p;
  }

  /** Pod templates of a namespace, indexed by their labels. */
  public templateIndex(namespace: string): LabelIndex<PodTemplate> {
    let idx = this.templateIndexes.get(namespace);
    if (!idx) this.templateIndexes.set(namespace, (idx = indexOf(this.templatesIn(namespace), (t) => t.labels)));
    return idx;
  }

  /** Pod templates of `namespace` a label selector matches, in set order. */
  public templatesSelectedBy(namespace: string, selector: unknown): PodTemplate[] {
    const sel = this.selector(selector);
    if (sel.matchesNothing) return [];
    return this.templateIndex(namespace).candidates(sel.matchLabels).filter((t) => parsedSelectorMatches(sel, t.labels));
  }

  /** Whether a label selector matches some pod template of `namespace`. */
  public selectsSomeTemplate(namespace: string, selector: unknown): boolean {
    const sel = this.selector(selector);
    if (sel.matchesNothing) return false;
    return this.templateIndex(namespace).candidates(sel.matchLabels).some((t) => parsedSelectorMatches(sel, t.labels));
  }

  /** Pod templates of `namespace` a Service-style selector matches, in set order. */
  public templatesSelectedByMap(namespace: string, selector: Record<string, string>): PodTemplate[] {
    return this.templateIndex(namespace).candidates(selector).filter((t) => mapSelectorMatches(selector, t.labels));
  }

  /** Pod templates in `namespaces` (every namespace when undefined) a label selector matches, in set order. */
  public templatesSelectedAcross(namespaces: readonly string[] | undefined, selector: unknown): PodTemplate[] {
    if (namespaces !== undefined) return this.merge([...new Set(namespaces)].map((ns) => this.templatesSelectedBy(ns, selector)), (t) => t.owner);
    const sel = this.selector(selector);
    if (sel.matchesNothing) return [];
    this.allTemplates ??= indexOf(this.podTemplates, (t) => t.labels);
    return this.allTemplates.candidates(sel.matchLabels).filter((t) => parsedSelectorMatches(sel, t.labels));
  }

  /** Services in `namespaces` (every namespace when undefined) whose metadata.labels a label selector matches, in set order. */
  public servicesSelectedAcross(namespaces: readonly string[] | undefined, selector: unknown): K8sObject[] {
    const sel = this.selector(selector);
    if (sel.matchesNothing) return [];
    const selected = (idx: LabelIndex<K8sObject>) => idx.candidates(sel.matchLabels).filter((s) => parsedSelectorMatches(sel, s.labels));
    if (namespaces !== undefined) return this.merge([...new Set(namespaces)].map((ns) => selected(this.serviceIndex(ns))), (s) => s);
    this.allServices ??= indexOf([...this.servicesByNs.values()].flat().sort((a, b) => this.ordinalOf(a) - this.ordinalOf(b)), (s) => s.labels);
    return selected(this.allServices);
  }

  private serviceIndex(namespace: string): LabelIndex<K8sObject> {
    let idx = this.serviceIndexes.get(namespace);
    if (!idx) this.serviceIndexes.set(namespace, (idx = indexOf(this.servicesByNs.get(namespace) ?? [], (s) => s.labels)));
    return idx;
  }

  /** Concatenates per-namespace answers back into set order. */
  private merge<T>(parts: T[][], objectOf: (t: T) => K8sObject): T[] {
    const nonEmpty = parts.filter((p) => p.length > 0);
    if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
    return nonEmpty.flat().sort((a, b) => this.ordinalOf(objectOf(a)) - this.ordinalOf(objectOf(b)));
  }
}

function indexOf<T>(items: readonly T[], labelsOf: (item: T) => Record<string, string>): LabelIndex<T> {
  const idx = new LabelIndex<T>(labelsOf);
  for (const item of items) idx.add(item);
  return idx;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v); else m.set(k, [v]);
}

/** Collects violations, remembering which document each belongs to (waivers are per object). */
export class Reporter {
  public readonly entries: Array<{ readonly doc: ManifestDocument; readonly violation: Violation }> = [];

  public add(o: K8sObject, rule: RuleId, path: string, message: string, value?: unknown): void {
    this.addForDoc(o.doc, o.ref, rule, path, message, value);
  }

  public addForDoc(doc: ManifestDocument, ref: ObjectRef, rule: RuleId, path: string, message: string, value?: unknown): void {
    this.entries.push({
      doc,
      violation: {
        rule, file: doc.file, ...(doc.index === undefined ? {} : { index: doc.index }), object: ref,
        ...(doc.constructPath === undefined ? {} : { constructPath: doc.constructPath }),
        path, message, ...(value === undefined ? {} : { value }),
      },
    });
  }
}
