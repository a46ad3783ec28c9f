/**
 * The checked set as the rules see it: typed views of the raw JSON, an index
 * by kind and namespace, and the pod templates of every workload kind.
 */
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

/** matchLabels/matchExpressions selector; an empty selector selects everything. */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const sel = rec(selector);
  for (const [k, v] of Object.entries(strMap(sel.matchLabels))) if (labels[k] !== v) return false;
  for (const e of arr(sel.matchExpressions)) {
    const key = str(rec(e).key) ?? '';
    const values = arr(rec(e).values).filter((x): x is string => typeof x === 'string');
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (str(rec(e).operator)) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
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

/** The checked objects with the lookups every rule needs. */
export class ObjectSet {
  public readonly objects: readonly K8sObject[];
  public readonly podTemplates: readonly PodTemplate[];
  private readonly byKindNs = new Map<string, K8sObject[]>();
  private readonly templatesByNs = new Map<string, PodTemplate[]>();

  constructor(objects: readonly K8sObject[]) {
    this.objects = objects;
    const templates: PodTemplate[] = [];
    for (const o of objects) {
      push(this.byKindNs, `${o.group}/${o.kind}/${o.namespace}`, o);
      const t = podTemplateOf(o);
      if (t) {
        templates.push(t);
        push(this.templatesByNs, o.namespace, t);
      }
    }
    this.podTemplates = templates;
  }

  /** objects of a kind in a namespace ('' for cluster-scoped) */
  public ofKind(group: string, kind: string, namespace: string): readonly K8sObject[] {
    return this.byKindNs.get(`${group}/${kind}/${namespace}`) ?? [];
  }

  public find(group: string, kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.ofKind(group, kind, namespace).find((o) => o.name === name);
  }

  public templatesIn(namespace: string): readonly PodTemplate[] {
    return this.templatesByNs.get(namespace) ?? [];
  }

  public namespacesWithPods(): string[] {
    return [...this.templatesByNs.keys()].sort();
  }
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
