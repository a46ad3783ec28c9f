import * as fs from 'fs';
import * as path from 'path';
import { RenderedObject } from './render';
import { kustomizationFile, objectFile } from './serialize';

/** Files to write, keyed by path relative to the output root. */
export type FileSet = Map<string, string>;

/**
 * The file set of rendered objects: one file per object and a
 * `kustomization.yaml` per directory listing its files (and sub-directories
 * that hold a kustomization themselves, so parents build their children).
 */
export function toFileSet(objects: readonly RenderedObject[], extra: Readonly<Record<string, string>> = {}): FileSet {
  const files: FileSet = new Map();
  const byDir = new Map<string, string[]>();
  for (const o of objects) {
    files.set(`${o.dir}/${o.file}`, objectFile(o.constructPath, o.object));
    const names = byDir.get(o.dir);
    if (names) names.push(o.file);
    else byDir.set(o.dir, [o.file]);
  }
  for (const [dir, names] of byDir) files.set(`${dir}/kustomization.yaml`, kustomizationFile(names));
  for (const [p, text] of Object.entries(extra)) files.set(p, text);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Files already on disk: their root and contents by relative path. */
export interface ExistingFiles {
  readonly root: string;
  readonly files: FileSet;
}

/**
 * Writes a file set under `root` (which must not exist yet). A file whose text
 * equals the one `existing` holds at the same path is hard-linked from there
 * instead of written: on a re-render most files are unchanged, and a link is
 * an order of magnitude cheaper than creating and writing a file. The content
 * is the same either way; where links are not possible it writes.
 */
export function writeFileSet(root: string, files: FileSet, existing?: ExistingFiles): void {
  const made = new Set<string>();
  let canLink = existing !== undefined;
  for (const [rel, text] of files) {
    const target = path.join(root, rel);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (canLink && existing!.files.get(rel) === text) {
      try {
        fs.linkSync(path.join(existing!.root, rel), target);
        continue;
      } catch {
        canLink = false; // another file system, or one without hard links: write from here on
      }
    }
    fs.writeFileSync(target, text);
  }
}

/** Reads every file under `root` into a file set (for comparisons). */
export function readFileSet(root: string): FileSet {
  const files: FileSet = new Map();
  if (!fs.existsSync(root)) return files;
  // Paths are built by concatenation while walking: path.join/relative per file cost more than reading it.
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = `${dir}${path.sep}${entry.name}`;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(abs, relPath);
      else files.set(relPath, fs.readFileSync(abs, 'utf8'));
    }
  };
  walk(root, '');
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Replaces the given top-level entries of `outDir` with those staged in
 * `stagingDir`, one rename each. Entries staged but not listed are ignored;
 * entries listed but not staged are removed. Runs only after every check
 * passed, so a failed synth never reaches this point and `outDir` stays as it was.
 */
export function swapIn(stagingDir: string, outDir: string, entries: readonly string[]): void {
  fs.mkdirSync(outDir, { recursive: true });
  const trash = `${stagingDir}.old`;
  fs.mkdirSync(trash, { recursive: true });
  for (const entry of entries) {
    const target = path.join(outDir, entry);
    const staged = path.join(stagingDir, entry);
    if (fs.existsSync(target)) fs.renameSync(target, path.join(trash, entry));
    if (fs.existsSync(staged)) fs.renameSync(staged, target);
  }
  fs.rmSync(trash, { recursive: true, force: true });
}
