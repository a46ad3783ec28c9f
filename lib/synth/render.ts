import { ApiObject, Chart } from 'cdk8s';
import { fileNameOf, ObjectIdentity } from './serialize';

/** A chart and the directory (relative to the output root) its objects go to. */
export interface RenderTarget {
  /** e.g. `prod/shop` */
  readonly dir: string;
  readonly chart: Chart;
}

/** One Kubernetes object ready to be written. */
export interface RenderedObject {
  /** Directory relative to the output root, e.g. `prod/shop`. */
  readonly dir: string;
  /** File name inside `dir`. */
  readonly file: string;
  /** Construct path that produced the object, for reports and file headers. */
  readonly constructPath: string;
  readonly object: ObjectIdentity & Record<string, unknown>;
}

/** Thrown when constructs report validation errors or two objects would share a file. */
export class RenderError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'RenderError';
  }
}

/**
 * Resolves every ApiObject of the targets' charts (cdk8s's `toJson()`), in
 * construct-tree order, after running each construct's `node.addValidation`
 * checks.
 */
export function renderTargets(targets: readonly RenderTarget[]): RenderedObject[] {
  const problems: string[] = [];
  const out: RenderedObject[] = [];
  const seen = new Map<string, string>();
  for (const { dir, chart } of targets) {
    const all = chart.node.findAll();
    const resolved = resolveOnce(all.filter((c): c is ApiObject => c instanceof ApiObject));
    try {
      for (const c of all) for (const msg of c.node.validate()) problems.push(`${c.node.path}: ${msg}`);
    } finally {
      resolved.release();
    }
    for (const c of all) {
      if (!(c instanceof ApiObject)) continue;
      const object = resolved.json(c) as RenderedObject['object'];
      const file = fileNameOf(object);
      const key = `${dir}/${file}`;
      const constructPath = c.node.path;
      const previous = seen.get(key);
      if (previous) {
        problems.push(`${constructPath}: renders ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}, which ${previous} already renders into ${key}; give one of them another name`);
        continue;
      }
      seen.set(key, constructPath);
      out.push({ dir, file, constructPath, object });
    }
  }
  if (problems.length) throw new RenderError(problems);
  return out;
}

/**
 * Chart-level validations (quota, shared-cluster checks) call `toJson()` on
 * every object of their chart, and the render resolves each object again:
 * resolving is the costliest part of a render. While validations run, each
 * object's `toJson()` resolves at most once and remembers the result, which
 * the render then writes. Validations only read objects, so sharing the
 * result is safe; after `release()` `toJson()` is the class's method again.
 */
function resolveOnce(objects: readonly ApiObject[]): { json(o: ApiObject): unknown; release(): void } {
  const cache = new Map<ApiObject, unknown>();
  const methods = new Map<ApiObject, () => unknown>();
  const json = (o: ApiObject): unknown => {
    if (!cache.has(o)) cache.set(o, (methods.get(o) ?? o.toJson).call(o));
    return cache.get(o);
  };
  for (const o of objects) {
    // An instance that already has its own toJson (someone's override) is left alone.
    if (Object.prototype.hasOwnProperty.call(o, 'toJson')) continue;
    methods.set(o, o.toJson);
    Object.defineProperty(o, 'toJson', { value: () => json(o), configurable: true, writable: true });
  }
  return {
    json,
    release: () => {
      for (const o of methods.keys()) delete (o as { toJson?: unknown }).toJson;
      methods.clear();
    },
  };
}
