// Environments rendered on worker threads (`--jobs`, lib/synth/pipeline.ts):
// the same files, the same errors and exit codes as on one thread.
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config';
import { CheckFailedError, RenderError } from '../../lib/synth';
import { defaultJobs, partition, reviveError, serializeError } from '../../lib/synth/pipeline';
import { ROOT, runSynth, scratchProject, snapshotTree } from '../helpers/project';

describe('partition', () => {
  test('GIVEN weights WHEN split in two THEN the groups are balanced, the main thread takes the heavier share and each keeps environment order', () => {
    const weights = { dev: 310, prod: 395, 'prod-failover': 62, 'prod-shared': 57, staging: 405 };
    const groups = partition(['dev', 'prod', 'prod-failover', 'prod-shared', 'staging'], 2, weights);
    expect(groups).toEqual([['dev', 'staging'], ['prod', 'prod-failover', 'prod-shared']]);
  });

  test('GIVEN more threads than environments THEN no group is empty', () => {
    expect(partition(['a', 'b'], 5)).toEqual([['a'], ['b']]);
  });

  test('GIVEN no weights THEN every environment counts the same', () => {
    expect(partition(['a', 'b', 'c', 'd'], 2).map((g) => g.length)).toEqual([2, 2]);
  });
});

describe('defaultJobs', () => {
  test.each([[1, 1], [2, 1], [3, 1], [4, 2], [8, 4], [16, 8]])('GIVEN %i available cores THEN %i render thread(s)', (cores, threads) => {
    expect(defaultJobs(cores)).toBe(threads);
  });
});

describe('errors crossing threads', () => {
  test('GIVEN a ConfigError WHEN serialized and revived THEN it is a ConfigError with the same problems and message', () => {
    const original = new ConfigError([{ file: 'environments/prod.yaml', line: 3, column: 5, path: 'a.b', message: 'expected x, got y' }]);
    const revived = reviveError(structuredClone(serializeError(original)), [ConfigError]);
    expect(revived).toBeInstanceOf(ConfigError);
    expect(revived.message).toBe(original.message);
    expect((revived as ConfigError).problems).toEqual(original.problems);
    expect(revived.name).toBe('ConfigError');
  });

  test('GIVEN a RenderError or CheckFailedError THEN their classes are known without being listed', () => {
    expect(reviveError(structuredClone(serializeError(new RenderError(['x: bad']))), [])).toBeInstanceOf(RenderError);
    const check = reviveError(structuredClone(serializeError(new CheckFailedError('validate', ['p']))), []);
    expect(check).toBeInstanceOf(CheckFailedError);
    expect((check as CheckFailedError).problems).toEqual(['p']);
  });

  test('GIVEN an unknown error class THEN it arrives as an Error with its name, message and the worker\'s stack', () => {
    class Odd extends Error {
      constructor() {
        super('odd thing');
        this.name = 'Odd';
      }
    }
    const original = new Odd();
    const revived = reviveError(structuredClone(serializeError(original)), []);
    expect(revived).toBeInstanceOf(Error);
    expect(revived.name).toBe('Odd');
    expect(revived.message).toBe('odd thing');
    expect(revived.stack).toBe(original.stack);
  });
});

describe('synth --jobs', () => {
  test('GIVEN --jobs 2 WHEN every environment renders into an empty dist/ THEN the files equal the committed dist/ byte for byte (one thread, the default on 2 cores, is test/synth/dist.test.ts)', () => {
    const dir = scratchProject();
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    const r = runSynth(dir, ['--jobs', '2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(snapshotTree(path.join(dir, 'dist'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
  });

  test('GIVEN --jobs 3 for three environments WHEN rendered (two workers) THEN each environment equals the committed one', () => {
    const dir = scratchProject();
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    const envs = ['dev', 'prod-failover', 'prod-shared'];
    const r = runSynth(dir, ['--jobs', '3', ...envs.flatMap((e) => ['--env', e])]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'dist')).sort()).toEqual(envs);
    for (const env of envs) expect(snapshotTree(path.join(dir, 'dist', env))).toEqual(snapshotTree(path.join(ROOT, 'dist', env)));
  });

  const breakReplicas = (dir: string, env: string) => {
    const file = path.join(dir, 'environments', `${env}.yaml`);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/replicas: \d+/, 'replicas: many'));
  };
  // With two threads staging (the heavier) renders on the main thread and prod on the worker.
  const pair = ['--env', 'staging', '--env', 'prod'];

  test.each(['prod', 'staging'])('GIVEN a broken %s.yaml WHEN run on one thread and on two THEN stderr and exit code are the same and dist/ is untouched', (env) => {
    const dir = scratchProject();
    breakReplicas(dir, env);
    const before = snapshotTree(path.join(dir, 'dist'));
    const one = runSynth(dir, ['--jobs', '1', ...pair]);
    const two = runSynth(dir, ['--jobs', '2', ...pair]);
    expect(one.status).toBe(1);
    expect(one.stderr).toMatch(new RegExp(`^environments/${env}\\.yaml:\\d+:\\d+ .*replicas: expected an integer >= 0, got "many"\\n$`));
    expect(two).toEqual(one);
    expect(snapshotTree(path.join(dir, 'dist'))).toEqual(before);
  });

  test('GIVEN broken files on both threads WHEN run THEN the first environment in order is reported, as on one thread', () => {
    const dir = scratchProject();
    breakReplicas(dir, 'staging');
    breakReplicas(dir, 'prod');
    const one = runSynth(dir, ['--jobs', '1', ...pair]);
    expect(one.stderr).toMatch(/^environments\/staging\.yaml:/);
    expect(runSynth(dir, ['--jobs', '2', ...pair])).toEqual(one);
  });

  test.each([['--jobs', '0'], ['--jobs=two']])('GIVEN %s WHEN run THEN it exits 2 naming the option and the value', (...args) => {
    const r = runSynth(scratchProject(), args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synth: --jobs must be a whole number of threads >= 1, got "(0|two)"\n$/);
  });
});
