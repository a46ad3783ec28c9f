// The library (lib/) is what another team installs: it must not reach into the
// app (app/, charts/, main.ts), must not carry the environment-file schema's
// validator (zod), and must not know the reference systems by name. The
// direction is one-way: the app imports lib/, never the reverse.
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');
const LIB = path.join(root, 'lib');
const APP_AREAS = ['app', 'charts', 'main'].map((p) => path.join(root, p));
const REFERENCE_NAMES = /\b(ecosystem|fediflow|idp|infometis|specify)\b|"060"|\b060\b/i;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a source names, with its line. */
export function importsOf(source: string): { spec: string; line: number }[] {
  return [...source.matchAll(IMPORT)].map((m) => ({ spec: m[2], line: source.slice(0, m.index).split('\n').length }));
}

/** What is wrong with one import of a lib/ file, or undefined. */
export function forbiddenImport(file: string, spec: string): string | undefined {
  if (spec === 'zod' || spec.startsWith('zod/')) return 'zod (the environment-file schema belongs to the app)';
  if (!spec.startsWith('.')) return undefined;
  const target = path.resolve(path.dirname(file), spec);
  const area = APP_AREAS.find((a) => target === a || target.startsWith(a + path.sep) || target === a + '.ts');
  return area === undefined ? undefined : `${path.relative(root, area)} (the app; lib/ may import only lib/ and imports/)`;
}

/** The lib/ file a relative specifier of `file` names (`x.ts` or `x/index.ts`), or undefined. */
function resolveLibImport(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = path.resolve(path.dirname(file), spec);
  return [`${target}.ts`, path.join(target, 'index.ts')].find((c) => c.startsWith(LIB + path.sep) && fs.existsSync(c));
}

/** Groups of modules that import each other, directly or around a loop (strongly connected components of more than one module, Tarjan). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('library boundary', () => {
  const files = tsFiles(LIB);

  test('GIVEN the checker WHEN fed an app import, a chart import, main and zod THEN it refuses each and passes lib and imports', () => {
    const file = path.join(LIB, 'strategies', 'canary.ts');
    expect(forbiddenImport(file, '../../app/config/schema')).toMatch(/^app /);
    expect(forbiddenImport(file, '../../charts/system-scaffold')).toMatch(/^charts /);
    expect(forbiddenImport(file, '../../main')).toMatch(/^main /);
    expect(forbiddenImport(file, 'zod')).toMatch(/^zod/);
    expect(forbiddenImport(file, '../core/errors')).toBeUndefined();
    expect(forbiddenImport(file, '../../imports/k8s')).toBeUndefined();
    expect(importsOf("import { a } from './x';\nconst b = require('../y');\nexport * from \"z\";").map((i) => i.spec)).toEqual(['./x', '../y', 'z']);
  });

  test('GIVEN lib/ WHEN every import of every file is resolved THEN none reaches app/, charts/, main.ts or zod', () => {
    expect(files.length).toBeGreaterThan(100);
    const bad = files.flatMap((f) =>
      importsOf(fs.readFileSync(f, 'utf8')).flatMap(({ spec, line }) => {
        const why = forbiddenImport(f, spec);
        return why === undefined ? [] : [`${path.relative(root, f)}:${line} imports '${spec}': ${why}`];
      }),
    );
    expect(bad).toEqual([]);
  });

  test('GIVEN the cycle finder WHEN fed a loop of three, a self-standing chain and a pair THEN it reports the loop and the pair only', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['f']], ['f', ['e']]]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c'], ['e', 'f']]);
    expect(importCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  test('GIVEN lib/ WHEN every relative import is followed, type-only ones included THEN no modules import each other around a loop', () => {
    // a loop makes load order decide what a module sees (undefined at import time) and ties the files' types together
    const graph = new Map(files.map((f) => [f, importsOf(fs.readFileSync(f, 'utf8')).flatMap(({ spec }) => resolveLibImport(f, spec) ?? [])]));
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
    expect(importCycles(graph).map((group) => group.map((f) => path.relative(root, f)).join(', '))).toEqual([]);
  });

  test('GIVEN lib/ WHEN searched, code, strings and comments THEN no reference system is named', () => {
    expect(REFERENCE_NAMES.test('see the Specify document')).toBe(true);
    expect(REFERENCE_NAMES.test('e.g. `shop-prod`')).toBe(false);
    const bad = files.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((text, i) => (REFERENCE_NAMES.test(text) ? [`${path.relative(root, f)}:${i + 1}: ${text.trim()}`] : [])),
    );
    expect(bad).toEqual([]);
  });

  test('GIVEN the API report WHEN read THEN no exported type is a zod type and none names a reference system', () => {
    const report = fs.readFileSync(path.join(root, 'api', 'manifests.api.md'), 'utf8');
    expect(report.match(/z\.(infer|input|output)<|from 'zod'/g) ?? []).toEqual([]);
    expect(report.split('\n').filter((l) => REFERENCE_NAMES.test(l))).toEqual([]);
  });
});
