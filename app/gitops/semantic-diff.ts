import { FileSet } from '../../lib/synth';
import { DestructiveChange, findDestructiveChanges } from '../../lib/gitops/destructive-change-guard';
import { objectId, objectsOf, StoredObject } from '../../lib/gitops/dist-objects';
import { diffFields, FieldChange, formatValue } from '../../lib/gitops/field-diff';

/** How one object differs between the committed output and a fresh render. */
export interface ObjectDiff {
  readonly change: 'added' | 'removed' | 'changed';
  /** `Kind/namespace/name`. */
  readonly id: string;
  /** Rendered directory, e.g. `prod/ecosystem`. */
  readonly dir: string;
  /** Changed fields (only for `changed`). */
  readonly fields: readonly FieldChange[];
}

/** The differences of one environment. */
export interface EnvironmentDiff {
  readonly env: string;
  readonly objects: readonly ObjectDiff[];
  /** The changes the destructive-change guard would refuse without `--allow-destructive`. */
  readonly destructive: readonly DestructiveChange[];
}

/**
 * Object-level differences between two file sets of the same output root,
 * per environment (first path segment), ignoring formatting, comments and
 * file order: only what Kubernetes would see counts.
 */
export function semanticDiff(before: FileSet, after: FileSet, envs: readonly string[]): EnvironmentDiff[] {
  // Files identical on both sides cannot differ: only the others are parsed.
  const differing = (x: FileSet, y: FileSet) => new Map([...x].filter(([p, text]) => y.get(p) !== text));
  const a = objectsOf(differing(before, after));
  const b = objectsOf(differing(after, before));
  return envs.map((env) => {
    const mine = (m: Map<string, StoredObject>) => [...m.keys()].filter((k) => k.startsWith(`${env}/`));
    const files = [...new Set([...mine(a), ...mine(b)])].sort();
    const objects: ObjectDiff[] = [];
    for (const f of files) {
      const old = a.get(f);
      const now = b.get(f);
      if (!old) objects.push({ change: 'added', id: objectId(now!.object), dir: now!.dir, fields: [] });
      else if (!now) objects.push({ change: 'removed', id: objectId(old.object), dir: old.dir, fields: [] });
      else {
        const fields = diffFields(old.object, now.object);
        if (fields.length) objects.push({ change: 'changed', id: objectId(now.object), dir: now.dir, fields });
      }
    }
    const rendered = mine(b).map((f) => ({ dir: b.get(f)!.dir, file: f.slice(f.lastIndexOf('/') + 1), constructPath: '', object: b.get(f)!.object }));
    const committed = new Map(mine(a).map((f) => [f, before.get(f)!]));
    return { env, objects, destructive: findDestructiveChanges({ previous: committed, objects: rendered }) };
  });
}

function counts(d: EnvironmentDiff): string {
  const n = (c: ObjectDiff['change']) => d.objects.filter((o) => o.change === c).length;
  return `${n('added')} added, ${n('removed')} removed, ${n('changed')} changed`;
}

const MARK: Record<ObjectDiff['change'], string> = { added: '+', removed: '-', changed: '~' };

/** Plain text, one block per environment. */
export function formatText(diffs: readonly EnvironmentDiff[]): string {
  const lines: string[] = [];
  for (const d of diffs) {
    lines.push(`${d.env}: ${d.objects.length ? counts(d) : 'no changes'}`);
    for (const o of d.objects) {
      lines.push(`  ${MARK[o.change]} ${o.id}  (${o.dir})`);
      for (const f of o.fields) lines.push(`      ${f.path}: ${formatValue(f.before)} -> ${formatValue(f.after)}`);
    }
    for (const c of d.destructive) lines.push(`  ! ${c.id} needs --allow-destructive ${c.id}: ${c.details.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown for a pull-request comment: a heading per environment, a table of field changes per object. */
export function formatMarkdown(diffs: readonly EnvironmentDiff[]): string {
  const out: string[] = ['## Rendered manifest changes', ''];
  for (const d of diffs) {
    out.push(`### ${d.env}: ${d.objects.length ? counts(d) : 'no changes'}`, '');
    if (d.destructive.length) {
      out.push('> [!WARNING]', '> Destructive: synth refuses these unless each is named with `--allow-destructive`:');
      for (const c of d.destructive) out.push(`> - \`${c.id}\`: ${c.details.map(cell).join('; ')}`);
      out.push('');
    }
    for (const o of d.objects) {
      out.push(`- **${o.change}** \`${o.id}\` in \`${o.dir}/\``);
      if (o.fields.length) {
        out.push('', '  | field | before | after |', '  |---|---|---|');
        for (const f of o.fields) out.push(`  | \`${cell(f.path)}\` | \`${cell(formatValue(f.before, 80))}\` | \`${cell(formatValue(f.after, 80))}\` |`);
        out.push('');
      }
    }
    out.push('');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
