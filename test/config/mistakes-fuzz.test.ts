// Property (issue 19, "Done when"): environment files mutated the way people
// and bots do (tag rewrites, key typos, type changes, deletions, a `.yml`
// file, YAML merge keys, emptied files) end in one of two ways:
// - rejected: every line `environments/<file>:line:col path: message`
//   (what synth prints before exit 1), never another exception (a stack trace);
// - rendered: and then the render's diff from the unmutated render touches only
//   what was edited: a tag rewrite changes exactly the strings that carried the
//   old tag, and nothing is accepted that renders nothing for a key that names
//   something (a renamed key shows in the render, an edit changes it).
//
// Mutations go through the same load -> charts -> resolve path as synth, in
// this process; the unmutated render of each environment is made once and
// shared. Default: 60 mutations (a few seconds); FUZZ_RUNS=20000 scales them
// like the other fuzz tests (x20), FUZZ_SEED picks another seed (test/helpers/fuzz.ts); MISTAKES_FUZZ_REPORT=1 prints the counts.
import * as fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseDocument } from 'yaml';
import { environmentTargets } from '../../charts';
import { ConfigError, EnvironmentConfig, listEnvironments, loadEnvironment } from '../../app/config';
import { renderTargets } from '../../lib/synth';
import { applySteps, nodePaths, Path, Step, treeOf, TreeNode, yamlText } from './yaml-edits';

const ROOT = path.resolve(__dirname, '../..');
const LINE = /^environments\/[a-z0-9.-]+:\d+:\d+ (?:[^\s[\]]|\[(?:\d+|"(?:[^"\\]|\\.)*")\])+: \S.*$/;
const scale = Number(process.env.FUZZ_RUNS ?? 1000) / 1000;

type Mutation =
  | { kind: 'tag'; env: string; path: Path; tag: string }
  | { kind: 'typo'; env: string; path: Path; key: string }
  | { kind: 'type'; env: string; path: Path; value: unknown }
  | { kind: 'delete'; env: string; path: Path }
  | { kind: 'yml'; env: string }
  | { kind: 'merge'; env: string; line: number }
  | { kind: 'empty'; env: string; text: string };

/** Rendered files of one environment by system: file -> object. */
type Render = Map<string, Map<string, unknown>>;

function nodeAt(tree: TreeNode, p: Path): TreeNode | undefined {
  let n: TreeNode | undefined = tree;
  for (const k of p) {
    if (n?.kind === 'map') n = n.items.find((i) => i.key === k)?.value;
    else if (n?.kind === 'seq' && typeof k === 'number') n = n.items[k];
    else return undefined;
  }
  return n;
}

/** A typo of a key as fingers make them: a letter dropped, doubled, swapped with the next, or changed. */
function typoOf(key: string, n: number): string {
  const i = n % key.length;
  const variants = [
    key.slice(0, i) + key.slice(i + 1),
    key.slice(0, i) + key[i] + key.slice(i),
    i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : `${key}s`,
    key.slice(0, i) + (key[i] === 'e' ? 'a' : 'e') + key.slice(i + 1),
  ];
  const v = variants[Math.floor(n / key.length) % variants.length];
  return v === key || v === '' ? `${key}x` : v;
}

/** The systems a mutation can affect: the one its path is under, else all (undefined). */
function systemOf(m: Mutation): string | undefined {
  return 'path' in m && m.path[0] === 'systems' && typeof m.path[1] === 'string' && m.path.length > 2 ? m.path[1] : undefined;
}

function renderOf(cfg: EnvironmentConfig, only?: string): Render {
  const scoped = only ? { ...cfg, systems: Object.fromEntries(Object.entries(cfg.systems).filter(([s]) => s === only)) } : cfg;
  const out: Render = new Map();
  for (const o of renderTargets(environmentTargets(scoped, new App()))) {
    const system = o.dir.split('/')[1];
    if (!out.has(system)) out.set(system, new Map());
    out.get(system)!.set(o.file, o.object);
  }
  return out;
}

/** Leaves that differ between two objects: [path, before, after]; structural differences included as before/after undefined. */
function leafDiff(a: unknown, b: unknown, p = ''): Array<[string, unknown, unknown]> {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => leafDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${p}.${k}`));
  }
  return a === b ? [] : [[p, a, b]];
}

describe('environment files mutated as people and bots do', () => {
  const envs = listEnvironments({ dir: path.join(ROOT, 'environments'), root: ROOT });
  const read = (name: string) => fs.readFileSync(path.join(ROOT, 'environments', `${name}.yaml`), 'utf8');
  const texts = Object.fromEntries(envs.map((e) => [e, read(e)]));
  const trees = Object.fromEntries(envs.map((e) => [e, treeOf(parseDocument(texts[e]))]));
  const paths = Object.fromEntries(envs.map((e) => [e, nodePaths(trees[e]).filter((p) => p.length > 0)]));
  const tagPaths = Object.fromEntries(envs.map((e) => [e, paths[e].filter((p) => ['tag', 'canaryTag', 'blue', 'green'].includes(String(p[p.length - 1])) && (p.includes('image') || p.includes('strategy')))]));
  const keyPaths = Object.fromEntries(envs.map((e) => [e, paths[e].filter((p) => typeof p[p.length - 1] === 'string')]));
  const scalarPaths = Object.fromEntries(envs.map((e) => [e, paths[e].filter((p) => nodeAt(trees[e], p)?.kind === 'scalar')]));
  // Lines that open a block mapping (`key:` alone, then a deeper `key:`, not a list), where a merge key could go.
  const opensMap = (lines: string[], i: number) => {
    if (!/^\s*[a-z][\w-]*:\s*$/.test(lines[i]) || lines[i].startsWith('environment:')) return false;
    const next = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const indent = (l: string) => /^\s*/.exec(l)![0].length;
    return next !== undefined && indent(next) > indent(lines[i]) && !next.trim().startsWith('-');
  };
  const blockLines = Object.fromEntries(envs.map((e) => [e, texts[e].split('\n').map((_, i, ls) => (opensMap(ls, i) ? i : -1)).filter((i) => i >= 0)]));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-fuzz-'));
  const dir = path.join(work, 'environments');
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync(path.join(ROOT, 'environments'))) fs.copyFileSync(path.join(ROOT, 'environments', f), path.join(dir, f));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // The unmutated render of each environment, once.
  const baseline = new Map<string, Render>();
  const baselineOf = (env: string) => {
    if (!baseline.has(env)) baseline.set(env, renderOf(loadEnvironment(env, { dir: path.join(ROOT, 'environments'), root: ROOT })));
    return baseline.get(env)!;
  };

  const tags = fc.oneof(fc.constantFrom('v1.3.0', 'v2.0.0-rc.1', '1.2.4', 'latest', 'build-42', 'main', 'v1.2', 'V1.3.0', '', 'v1.3.0 ', 'sha-3f2a1c'), fc.string({ maxLength: 8 }));
  const pick = <T>(xs: readonly T[]) => fc.nat({ max: Math.max(0, xs.length - 1) }).map((i) => xs[i]);
  const mutation: fc.Arbitrary<Mutation> = fc.constantFrom(...envs).chain((env) =>
    fc.oneof(
      ...[
        // prod-shared names no tag of its own (the defaults' are used): no tag rewrite there.
        { weight: tagPaths[env].length ? 4 : 0, arbitrary: fc.tuple(pick(tagPaths[env]), tags).map(([p, tag]): Mutation => ({ kind: 'tag', env, path: p, tag })) },
        { weight: 3, arbitrary: fc.tuple(pick(keyPaths[env]), fc.nat(200)).map(([p, n]): Mutation => ({ kind: 'typo', env, path: p, key: typoOf(String(p[p.length - 1]), n) })) },
        { weight: 2, arbitrary: fc.tuple(pick(scalarPaths[env]), fc.constantFrom<unknown>('5', 5, true, 'true', [], {}, null, '1Gi', 0.5)).map(([p, value]): Mutation => ({ kind: 'type', env, path: p, value })) },
        { weight: 2, arbitrary: pick(keyPaths[env]).map((p): Mutation => ({ kind: 'delete', env, path: p })) },
        { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'yml', env }) },
        { weight: 1, arbitrary: pick(blockLines[env]).map((line): Mutation => ({ kind: 'merge', env, line })) },
        { weight: 1, arbitrary: fc.constantFrom('', '\n', '# yaml-language-server: $schema=./schema.json\n', '---\n').map((text): Mutation => ({ kind: 'empty', env, text })) },
      ].filter((o) => o.weight > 0),
    ),
  );

  /** The environment file's text after the mutation. */
  function mutatedText(m: Mutation): string {
    const tree = trees[m.env];
    const step = (s: Step) => yamlText(applySteps(tree, [s]));
    switch (m.kind) {
      case 'tag':
        return step({ path: m.path, kind: 'set', value: m.tag });
      case 'typo':
        return step({ path: m.path, kind: 'rename', key: m.key });
      case 'type':
        return step({ path: m.path, kind: 'set', value: m.value });
      case 'delete':
        return step({ path: m.path, kind: 'delete' });
      case 'yml':
        return texts[m.env];
      case 'merge': {
        // An anchor on the environment block and a merge of it into another block mapping.
        const lines = texts[m.env].replace(/^environment:$/m, 'environment: &base').split('\n');
        const indent = /^\s*/.exec(lines[m.line])![0];
        lines.splice(m.line + 1, 0, `${indent}  <<: *base`);
        return lines.join('\n');
      }
      case 'empty':
        return m.text;
    }
  }

  const counts: Record<string, { rejected: number; rendered: number }> = {};

  function check(m: Mutation): void {
    const file = path.join(dir, `${m.env}.yaml`);
    const yml = path.join(dir, `${m.env}.yml`);
    const tally = (outcome: 'rejected' | 'rendered') => {
      counts[m.kind] ??= { rejected: 0, rendered: 0 };
      counts[m.kind][outcome]++;
    };
    const text = mutatedText(m);
    fs.rmSync(file);
    fs.writeFileSync(m.kind === 'yml' ? yml : file, text);
    try {
      let render: Render;
      try {
        // What synth does: list the environments, load one, build and resolve its charts.
        listEnvironments({ dir, root: work });
        const cfg = loadEnvironment(m.env, { dir, root: work });
        render = renderOf(cfg, systemOf(m));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw new Error(`${JSON.stringify(m)}: not a located config error: ${(e as Error).stack}`);
        const lines = e.message.split('\n');
        for (const l of lines) if (!LINE.test(l)) throw new Error(`${JSON.stringify(m)}: badly formed line: ${JSON.stringify(l)}`);
        if (m.kind === 'yml' && !lines[0].startsWith(`environments/${m.env}.yml:`)) throw new Error(`.yml not named: ${lines[0]}`);
        if (m.kind === 'merge' && !lines[0].includes('["<<"]: YAML merge keys')) throw new Error(`merge key not named: ${lines[0]}`);
        if (m.kind === 'empty' && !lines[0].startsWith(`environments/${m.env}.yaml:1:1 (file): the environment file is empty`)) throw new Error(`empty file not named: ${lines[0]}`);
        tally('rejected');
        return;
      }
      if (m.kind === 'yml' || m.kind === 'merge' || m.kind === 'empty') throw new Error(`${JSON.stringify(m)} was accepted`);
      const before = baselineOf(m.env);
      const diffs: Array<[string, string, unknown, unknown]> = [];
      for (const [system, files] of render) {
        const old = before.get(system) ?? new Map<string, unknown>();
        for (const f of new Set([...files.keys(), ...old.keys()])) for (const [p, a, b] of leafDiff(old.get(f), files.get(f))) diffs.push([`${system}/${f}`, p, a, b]);
      }
      if (m.kind === 'tag') {
        const oldTag = (nodeAt(trees[m.env], m.path) as { value: unknown }).value;
        // Exactly the strings that carried the old tag change, to the new tag; nothing else.
        for (const [f, p, a, b] of diffs) {
          if (typeof a !== 'string' || typeof b !== 'string' || b !== a.split(String(oldTag)).join(m.tag)) throw new Error(`${JSON.stringify(m)}: ${f} ${p} changed from ${JSON.stringify(a)} to ${JSON.stringify(b)}, not by the tag`);
        }
        if (m.tag !== oldTag && diffs.length === 0) throw new Error(`${JSON.stringify(m)}: accepted, and the new tag renders nowhere`);
      }
      if (m.kind === 'typo') {
        // A renamed key that is accepted must mean something: it shows in the render.
        const rendered = JSON.stringify([...render.values()].map((fs_) => [...fs_.values()]));
        if (!rendered.includes(m.key)) throw new Error(`${JSON.stringify(m)}: accepted, and "${m.key}" renders nowhere`);
      }
      tally('rendered');
    } finally {
      fs.rmSync(yml, { force: true });
      fs.rmSync(file, { force: true });
      fs.writeFileSync(file, texts[m.env]);
    }
  }

  test('GIVEN sixty mutated environment files WHEN loaded and rendered THEN each is rejected at file:line or renders only what was edited', () => {
    fc.assert(fc.property(mutation, (m) => check(m)), fuzz({ numRuns: Math.max(10, Math.round(60 * scale)), seed: 20261206 }));
    if (process.env.MISTAKES_FUZZ_REPORT) process.stdout.write(`mistakes fuzz: ${JSON.stringify(counts)}\n`);
    const total = (o: 'rejected' | 'rendered') => Object.values(counts).reduce((n, c) => n + c[o], 0);
    // Both outcomes occur, or the generator is not exercising the app.
    expect(total('rejected')).toBeGreaterThan(0);
    expect(total('rendered')).toBeGreaterThan(0);
  });
});
