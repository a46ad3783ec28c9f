import { CheckInput, SynthCheck } from '../synth';
import { objectId, objectsOf } from './dist-objects';
import { formatValue } from './field-diff';
import { immutableChanges } from './immutable-fields';
import { holdsData, isPruneProtected, ObjectShape } from './prune-protection';

/** Something the new render would do that loses data or cannot be applied in place. */
export interface DestructiveChange {
  /** `Kind/namespace/name`, the form `--allow-destructive` takes. */
  readonly id: string;
  /** Rendered directory, e.g. `prod/shop`. */
  readonly dir: string;
  /** One line per removed object or changed field. */
  readonly details: readonly string[];
}

export interface DestructiveChangeGuardProps {
  /** Objects (`Kind/namespace/name` or `Kind/name`) whose destructive change this run accepts. @default none */
  readonly allow?: readonly string[];
  /** Told about each destructive change that was allowed, e.g. to print it. @default silent */
  readonly onAllowed?: (change: DestructiveChange) => void;
}

/** Kinds whose disappearance loses data even without the prune annotations. */
const STATEFUL_KINDS = new Set(['StatefulSet', 'PersistentVolumeClaim', 'PersistentVolume', 'Namespace']);

/**
 * Refuses a render that would delete a data-holding object (StatefulSet, PVC,
 * PV, Namespace or anything carrying prune protection) or change a field the
 * API server treats as immutable, compared with what is committed in the
 * output directory. Each such object must be named with
 * `--allow-destructive Kind/namespace/name` for the run to go ahead.
 */
export class DestructiveChangeGuard implements SynthCheck {
  public readonly name = 'destructive-change guard';
  private readonly allow: ReadonlySet<string>;

  constructor(private readonly props: DestructiveChangeGuardProps = {}) {
    this.allow = new Set((props.allow ?? []).map(normalizeId));
  }

  public run(input: CheckInput): readonly string[] {
    const problems: string[] = [];
    for (const change of findDestructiveChanges(input)) {
      if (this.allow.has(normalizeId(change.id))) {
        this.props.onAllowed?.(change);
        continue;
      }
      // One problem per object (so the count reads right), its fields on the lines below.
      problems.push([`${change.dir}: ${change.id}:`, ...change.details.map((d) => `    ${d}`), `    to accept, run again with --allow-destructive ${change.id}`].join('\n'));
    }
    return problems;
  }
}

/** Every destructive change between the committed files and the new render, in file order. */
export function findDestructiveChanges(input: Pick<CheckInput, 'objects' | 'previous'> & Partial<Pick<CheckInput, 'files'>>): DestructiveChange[] {
  // A file written byte for byte as before changes nothing: only the others are parsed.
  const changed = input.files ? new Map([...input.previous].filter(([p, text]) => input.files!.get(p) !== text)) : input.previous;
  const previous = objectsOf(changed);
  const next = new Map(input.objects.map((o) => [`${o.dir}/${o.file}`, o]));
  const out: DestructiveChange[] = [];
  for (const [file, old] of previous) {
    const now = next.get(file);
    const id = objectId(old.object);
    if (!now) {
      const why = removalReason(old.object);
      if (why) out.push({ id, dir: old.dir, details: [`would be removed from Git: ${why}`] });
      continue;
    }
    const changes = immutableChanges(old.object, now.object);
    if (changes.length) {
      out.push({ id, dir: old.dir, details: changes.map((c) => `${c.path}: ${formatValue(c.before)} -> ${formatValue(c.after)} (${c.reason})`) });
    }
  }
  return out;
}

function removalReason(o: ObjectShape): string | undefined {
  if (isPruneProtected(o)) return 'it is marked never to be pruned (it holds data); the controller would orphan it and a later re-add would adopt stale state';
  if (holdsData(o)) return o.kind === 'Namespace' ? 'deleting a Namespace deletes everything in it, volumes included' : `a ${o.kind} holds data`;
  if (STATEFUL_KINDS.has(o.kind)) return `a ${o.kind} carries stable identity (pod names, claims) that cannot be recreated as it was`;
  return undefined;
}

/** Kinds compare case-insensitively (people type `statefulset/ns/name`); names exactly. */
function normalizeId(id: string): string {
  const i = id.indexOf('/');
  return i < 0 ? id : `${id.slice(0, i).toLowerCase()}${id.slice(i)}`;
}
