import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ManifestDocument, Violation } from './types';

export interface LoadedManifests {
  readonly docs: ManifestDocument[];
  /** files that are not valid YAML (rule schema/invalid-yaml) */
  readonly violations: Violation[];
  /** number of YAML files read */
  readonly files: number;
}

const CONSTRUCT_COMMENT = /^#\s*construct:\s*(\S.*?)\s*$/gm;

function isKustomization(file: string): boolean {
  return /^kustomization\.ya?ml$/i.test(path.basename(file));
}

/** Every *.yaml / *.yml below `dir` (sorted, kustomization files skipped). */
export function findYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(e.name) && !isKustomization(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Parses one file of Kubernetes YAML (multi-document allowed). A
 * `# construct: <path>` comment before a document names its construct path.
 */
export function parseManifestText(file: string, text: string): { docs: ManifestDocument[]; violations: Violation[] } {
  const docs: ManifestDocument[] = [];
  const violations: Violation[] = [];
  let prevEnd = 0;
  let index = 0;
  for (const d of parseAllDocuments(text, { prettyErrors: true })) {
    if (d.errors.length > 0) {
      const e = d.errors[0];
      const line = e.linePos?.[0]?.line;
      violations.push({
        rule: 'schema/invalid-yaml', file, index, object: {}, path: '',
        message: `YAML syntax error${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`,
      });
      return { docs, violations };
    }
    const contentStart = d.contents?.range?.[0] ?? d.range[1];
    const head = text.slice(prevEnd, contentStart);
    prevEnd = d.range[2];
    const object: unknown = d.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) continue; // empty document, e.g. a trailing `---`
    let constructPath: string | undefined;
    for (const m of head.matchAll(CONSTRUCT_COMMENT)) constructPath = m[1];
    docs.push({ file, object, index, ...(constructPath === undefined ? {} : { constructPath }) });
    index++;
  }
  return { docs, violations };
}

/** Reads a directory tree (or a single file) of Kubernetes YAML. File paths are reported relative to `cwd`. */
export function loadManifestDir(target: string, cwd: string = process.cwd()): LoadedManifests {
  const stat = fs.statSync(target);
  const files = stat.isDirectory() ? findYamlFiles(target) : [target];
  const docs: ManifestDocument[] = [];
  const violations: Violation[] = [];
  for (const f of files) {
    const rel = path.relative(cwd, f) || f;
    const parsed = parseManifestText(rel.split(path.sep).join('/'), fs.readFileSync(f, 'utf8'));
    docs.push(...parsed.docs);
    violations.push(...parsed.violations);
  }
  return { docs, violations, files: files.length };
}
