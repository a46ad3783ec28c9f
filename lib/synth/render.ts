import { ApiObject, Chart } from 'cdk8s';

import { fileNameOf, ObjectIdentity } from './serialize';

/** A chart and the directory (relative to the output root) its objects go to. */
export interface RenderTarget {
  /** e.g. `prod/ecosystem` */
  readonly dir: string;
  readonly chart: Chart;
}

/** One Kubernetes object ready to be written. */
export interface RenderedObject {
  /** Directory relative to the output root, e.g. `prod/ecosystem`. */
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
 * Resolves every ApiObject of the targets' charts, in construct-tree order,
 * after running each construct's `node.addValidation` checks.
 */
export function renderTargets(targets: readonly RenderTarget[]): RenderedObject[] {
  const problems: string[] = [];
  const out: RenderedObject[] = [];
  const seen = new Map<string, string>();
  for (const { dir, chart } of targets) {
    const all = chart.node.findAll();
    for (const c of all) for (const msg of c.node.validate()) problems.push(`${c.node.path}: ${msg}`);
    for (const c of all) {
      if (!(c instanceof ApiObject)) continue;
      const object = c.toJson() as RenderedObject['object'];
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

