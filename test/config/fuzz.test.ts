// Property: whatever a person or a bot does to an environment file, synth ends
// in a valid render or in clean "file:line:col path: message" lines, never in
// a stack trace or a construct error that does not point at the file.
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
import { withShortcuts } from '../../app/fast';
import { applySteps, nodePaths, Step, stepArb, treeOf, yamlText } from './yaml-edits';

const ROOT = path.resolve(__dirname, '../..');
// file:line:col, then a field path whose odd keys are quoted in brackets, then the message.
const LINE = /^environments\/[a-z0-9-]+\.yaml:\d+:\d+ (?:[^\s[\]]|\[(?:\d+|"(?:[^"\\]|\\.)*")\])+: \S.*$/;

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
  const read = (name: string) => fs.readFileSync(path.join(ROOT, 'environments', `${name}.yaml`), 'utf8');
  // Each file is parsed once; an edit applies to a copy of its tree, which is written back as YAML
  // with the file's comments and flow maps (test/config/yaml-edits.ts).
  const trees = Object.fromEntries(envs.map((e) => [e, treeOf(parseDocument(read(e)))]));
  const pathsOf = Object.fromEntries(envs.map((e) => [e, nodePaths(trees[e])]));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
  const dir = path.join(work, 'environments');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'defaults.yaml'), read('defaults'));
  // A new file each time: rewriting one in place makes ext4 flush it (~2 ms a write).
  const write = (env: string, text: string) => {
    fs.rmSync(path.join(dir, `${env}.yaml`), { force: true });
    fs.writeFileSync(path.join(dir, `${env}.yaml`), text);
  };

  const edit = fc.constantFrom(...envs).chain((env) => fc.tuple(fc.constant(env), fc.array(stepArb(pathsOf[env]), { minLength: 1, maxLength: 3 })));

  test('GIVEN each environment file written back from its tree WHEN loaded THEN it is the same environment', () => {
    // The writer is faithful: with no edit, the fuzzed files are the real ones in other words.
    for (const env of envs) {
      write(env, yamlText(trees[env]));
      expect(loadEnvironment(env, { dir, root: work })).toEqual(loadEnvironment(env, { dir: path.join(ROOT, 'environments'), root: ROOT }));
    }
  });

  /** One mutated file: load it, and render the systems it touches when `render` is set. */
  const runOnce = (render: boolean, counts: { rejected: number; accepted: number }) =>
    fc.property(edit, ([env, steps]) => {
      write(env, yamlText(applySteps(trees[env], steps)));
      try {
        // as synth runs: with app/fast's reader and resolve (their differential tests hold them to the reference)
        withShortcuts(() => {
          const cfg = loadEnvironment(env, { dir, root: work });
          if (render) renderTargets(environmentTargets(onlyTouchedSystems(cfg, steps), new App()));
        });
        counts.accepted++;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw new Error(`not a located config error: ${(e as Error).stack}`);
        for (const line of e.message.split('\n')) if (!LINE.test(line)) throw new Error(`badly formed line: ${JSON.stringify(line)}`);
        counts.rejected++;
      }
    });

  // Two properties with fixed seeds (reproducible in CI; FUZZ_SEED replaces both,
  // test/helpers/fuzz.ts): thousands of edits
  // through the loader, where most mistakes are caught, and a smaller share
  // rendered in full, where a construct error would escape unlocated (a render
  // costs 10-130 ms). The default (FUZZ_RUNS=600: 900 loads, 180 renders)
  // keeps npm test fast; FUZZ_RUNS=20000 is a deep run (30,000 and 6,000).
  const scale = Number(process.env.FUZZ_RUNS ?? 600) / 1000;

  test('GIVEN mutated files (900 by default) WHEN loaded THEN each is accepted or rejected with clean located lines', () => {
    const counts = { rejected: 0, accepted: 0 };
    fc.assert(runOnce(false, counts), fuzz({ numRuns: Math.round(1500 * scale), seed: 20261122 }));
    // Both outcomes must actually occur, or the generator is not exercising the loader.
    expect(counts.rejected).toBeGreaterThan(500 * scale);
    expect(counts.accepted).toBeGreaterThan(75 * scale);
  });

  test('GIVEN mutated files (180 by default) WHEN loaded and rendered THEN each renders or fails with clean located lines', () => {
    const counts = { rejected: 0, accepted: 0 };
    fc.assert(runOnce(true, counts), fuzz({ numRuns: Math.round(300 * scale), seed: 20261123 }));
    expect(counts.rejected).toBeGreaterThan(75 * scale);
    expect(counts.accepted).toBeGreaterThan(15 * scale);
  });
});
