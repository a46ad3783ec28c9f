/**
 * docs/api/ is TypeDoc's Markdown rendering of the public declarations and
 * their doc comments: exactly what the API report holds. Running TypeDoc
 * needs a type-checked program over the library and its 7 MB of generated
 * bindings (tens of seconds), too slow for every test run, so freshness is
 * checked through a stamp instead: `npm run docs` records the hash of the
 * report it documented (and of the TypeDoc setup) plus the hash of the pages
 * it wrote. A test recomputes both: a changed declaration or doc comment
 * changes the report, a hand edit changes the pages.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { REPORT_FILE } from './report';

export const DOCS_DIR = 'docs/api';
export const STAMP_FILE = '.stamp';

function sha256(parts: readonly (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .filter((f) => f !== STAMP_FILE)
    .sort();
}

/** Hash of what the docs are generated from: the API report, the TypeDoc config and the TypeDoc versions. */
export function inputHash(root: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const dev = pkg.devDependencies ?? {};
  return sha256([
    fs.readFileSync(path.join(root, REPORT_FILE)),
    fs.readFileSync(path.join(root, 'typedoc.json')),
    `typedoc@${dev.typedoc} typedoc-plugin-markdown@${dev['typedoc-plugin-markdown']}`,
  ]);
}

/** Hash of the generated pages (names and contents). */
export function outputHash(root: string): string {
  const dir = path.join(root, DOCS_DIR);
  return sha256(listFiles(dir).flatMap((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

export function docsStamp(root: string): string {
  return `input ${inputHash(root)}\noutput ${outputHash(root)}\n`;
}

/** Problems with docs/api/ against the current report; empty when fresh. */
export function docsProblems(root: string): string[] {
  const stampFile = path.join(root, DOCS_DIR, STAMP_FILE);
  if (!fs.existsSync(stampFile)) return [`${DOCS_DIR}/${STAMP_FILE} is missing: run \`npm run docs\``];
  const stamp = fs.readFileSync(stampFile, 'utf8');
  const recorded = (key: string) => new RegExp(`^${key} (\\S+)$`, 'm').exec(stamp)?.[1];
  const problems: string[] = [];
  if (recorded('input') !== inputHash(root)) {
    problems.push(`${DOCS_DIR}/ was generated from another API report or TypeDoc setup than the current ${REPORT_FILE}: run \`npm run docs\` and commit ${DOCS_DIR}/`);
  }
  if (recorded('output') !== outputHash(root)) {
    problems.push(`${DOCS_DIR}/ differs from what \`npm run docs\` wrote (edited by hand?): run \`npm run docs\` and commit ${DOCS_DIR}/`);
  }
  return problems;
}
