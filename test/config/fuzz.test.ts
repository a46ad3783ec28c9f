// Property: whatever a person or a bot does to an environment file, synth ends
// in a valid render or in clean "file:line:col path: message" lines, never in
// a stack trace or a construct error that does not point at the file.
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap } from 'yaml';
import { environmentTargets } from '../../charts';
import { ConfigError, EnvironmentConfig, listEnvironments, loadEnvironment } from '../../lib/config';
import { renderTargets } from '../../lib/synth';

const ROOT = path.resolve(__dirname, '../..');
// file:line:col, then a field path whose odd keys are quoted in brackets, then the message.
const LINE = /^environments\/[a-z0-9-]+\.yaml:\d+:\d+ (?:[^\s[\]]|\[(?:\d+|"(?:[^"\\]|\\.)*")\])+: \S.*$/;

type Step = { path: (string | number)[]; kind: 'set'; value: unknown } | { path: (string | number)[]; kind: 'delete' } | { path: (string | number)[]; kind: 'add'; key: string; value: unknown } | { path: (string | number)[]; kind: 'rename'; key: string };

/** Every path to a node of the document, parents before children. */
function nodePaths(node: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (isMap(node)) for (const it of node.items) if (isScalar(it.key)) out.push(...nodePaths(it.value, [...prefix, String(it.key.value)]));
  if (isSeq(node)) node.items.forEach((it, i) => out.push(...nodePaths(it, [...prefix, i])));
  return out;
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('500m', '1Gi', '0', 'latest', 'v1.2.3', '25%', '0%', 'rolling', 'Production', '-1', '1e3', 'on', 'yes'),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'type', 'tag', 'cpu'), scalar, { maxKeys: 2 }));

function apply(text: string, steps: Step[]): string {
  const doc = parseDocument(text);
  for (const step of steps) {
    // A step may no longer apply after an earlier one replaced its parent: skip it.
    const target = step.path.length ? doc.getIn(step.path, true) : doc.contents;
    if (step.path.length > 1 && !isMap(doc.getIn(step.path.slice(0, -1), true)) && !isSeq(doc.getIn(step.path.slice(0, -1), true))) continue;
    if (step.kind === 'set' && step.path.length) doc.setIn(step.path, doc.createNode(step.value));
    if (step.kind === 'delete' && step.path.length) doc.deleteIn(step.path);
    if (step.kind === 'add' && isMap(target)) (target as YAMLMap).set(step.key, doc.createNode(step.value));
    if (step.kind === 'rename' && step.path.length) {
      const parent = doc.getIn(step.path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(step.path[step.path.length - 1]));
        if (pair) (pair.key as Scalar).value = step.key;
      }
    }
  }
  return doc.toString();
}

/**
 * A chart reads its own `systems.<name>` block and the environment-wide keys,
 * nothing of other systems: an edit inside one system's block can only break
 * that system's render, so only it is rendered (keeps thousands of runs fast
 * with five systems). Any other edit renders every system.
 */
function onlyTouchedSystems(cfg: EnvironmentConfig, steps: Step[]): EnvironmentConfig {
  const touched = new Set<string>();
  for (const s of steps) {
    if (s.path[0] !== 'systems' || s.path.length < 2) return cfg;
    touched.add(String(s.path[1]));
    if (s.kind === 'rename' && s.path.length === 2) touched.add(s.key);
  }
  const systems = Object.fromEntries(Object.entries(cfg.systems).filter(([name]) => touched.has(name)));
  return { ...cfg, systems };
}

describe('environment files under random edits', () => {
  const envs = listEnvironments({ dir: path.join(ROOT, 'environments') });
  const sources = Object.fromEntries(envs.map((e) => [e, fs.readFileSync(path.join(ROOT, 'environments', `${e}.yaml`), 'utf8')]));
  const defaults = fs.readFileSync(path.join(ROOT, 'environments', 'defaults.yaml'), 'utf8');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
  fs.mkdirSync(path.join(work, 'environments'));
  fs.writeFileSync(path.join(work, 'environments', 'defaults.yaml'), defaults);

  const stepFor = (paths: (string | number)[][]) =>
    fc.integer({ min: 0, max: paths.length - 1 }).chain((i) =>
      fc.oneof(
        value.map((v): Step => ({ path: paths[i], kind: 'set', value: v })),
        fc.constant<Step>({ path: paths[i], kind: 'delete' }),
        fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), value).map(([key, v]): Step => ({ path: paths[i], kind: 'add', key, value: v })),
        fc.string({ minLength: 1, maxLength: 10 }).map((key): Step => ({ path: paths[i], kind: 'rename', key })),
      ),
    );

  const edit = fc.constantFrom(...envs).chain((env) => {
    const paths = nodePaths(parseDocument(sources[env]).contents);
    return fc.tuple(fc.constant(env), fc.array(stepFor(paths), { minLength: 1, maxLength: 3 }));
  });

  // 1000 mutated files per run (a fixed seed keeps CI reproducible); FUZZ_RUNS=20000 for a deep run.
  test('GIVEN a thousand mutated files WHEN loaded and rendered THEN each run renders or fails with clean located lines', () => {
    let rejected = 0;
    let rendered = 0;
    fc.assert(
      fc.property(edit, ([env, steps]) => {
        fs.writeFileSync(path.join(work, 'environments', `${env}.yaml`), apply(sources[env], steps));
        try {
          const cfg = loadEnvironment(env, { dir: path.join(work, 'environments'), root: work });
          renderTargets(environmentTargets(onlyTouchedSystems(cfg, steps), new App()));
          rendered++;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw new Error(`not a located config error: ${(e as Error).stack}`);
          for (const line of e.message.split('\n')) if (!LINE.test(line)) throw new Error(`badly formed line: ${JSON.stringify(line)}`);
          rejected++;
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 1000), seed: 20261122 },
    );
    // Both outcomes must actually occur, or the generator is not exercising the loader.
    expect(rejected).toBeGreaterThan(200);
    expect(rendered).toBeGreaterThan(50);
  });
});
