import { parse } from 'yaml';
import { FileSet } from '../synth';
import { ObjectShape } from './prune-protection';

/** An object read back from a rendered file, keyed by its path under the output root. */
export interface StoredObject {
  /** e.g. `prod/shop/shop-prod--deployment--user-service.yaml` */
  readonly file: string;
  /** Directory of the file, e.g. `prod/shop`. */
  readonly dir: string;
  readonly object: ObjectShape & Record<string, unknown>;
}

/** `<ns|_cluster>--<kind>--<name>.yaml`, the only files that hold one object each. */
const OBJECT_FILE = /(^|\/)[^/]+--[^/]+--[^/]+\.yaml$/;

/** Every object file of a file set, parsed, by path. Other files (kustomization.yaml, READMEs) are skipped. */
export function objectsOf(files: FileSet): Map<string, StoredObject> {
  const out = new Map<string, StoredObject>();
  for (const [file, text] of files) {
    if (!OBJECT_FILE.test(file)) continue;
    const object = parse(text, { version: '1.1' }) as StoredObject['object'] | null;
    if (!object || typeof object !== 'object' || typeof object.kind !== 'string') continue;
    out.set(file, { file, dir: file.slice(0, file.lastIndexOf('/')), object });
  }
  return out;
}

/** `Kind/namespace/name`, or `Kind/name` when cluster-scoped: how people name an object on the command line. */
export function objectId(o: Pick<ObjectShape, 'kind' | 'metadata'>): string {
  return o.metadata.namespace ? `${o.kind}/${o.metadata.namespace}/${o.metadata.name}` : `${o.kind}/${o.metadata.name}`;
}
