// The validation gate on its worker thread (app/fast/validation-thread.ts)
// against lib/validate's ValidationGate on this thread: the same lines for
// every environment, violations included, and the main thread's answer
// whenever the worker cannot give one.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { ValidationOnWorker, VALIDATE_WORKER } from '../../app/fast/validation-thread';
import type { RenderedObject } from '../../lib/synth/render';
import type { EnvironmentCheckInput, EnvironmentProblems, SynthCheck } from '../../lib/synth/pipeline';
import { synthesize, CheckFailedError } from '../../lib/synth';
import { ValidationGate } from '../../lib/validate/synth-check';
import { ROOT } from '../helpers/project';
import { synthHooks } from '../../main';

const WORKER = path.join(ROOT, 'build', VALIDATE_WORKER);
const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];
const TIERS: Record<string, string> = { dev: 'development', staging: 'staging', prod: 'production', 'prod-failover': 'production', 'prod-shared': 'production' };
const HEADER = '# construct: ';

const renders = new Map<string, RenderedObject[]>();

/** The committed render of one environment, as synth hands it to its checks (parsed once per file; callers clone before editing). */
function rendered(env: string): RenderedObject[] {
  let objects = renders.get(env);
  if (!objects) renders.set(env, (objects = readRender(env)));
  return objects;
}

function readRender(env: string): RenderedObject[] {
  const root = path.join(ROOT, 'dist');
  const out: RenderedObject[] = [];
  for (const rel of (fs.readdirSync(path.join(root, env), { recursive: true }) as string[]).sort()) {
    const file = path.join(root, env, rel);
    if (!rel.endsWith('.yaml') || rel.endsWith('kustomization.yaml')) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (!text.startsWith(HEADER)) continue;
    const nl = text.indexOf('\n');
    const dir = path.posix.dirname(`${env}/${rel.split(path.sep).join('/')}`);
    out.push({ dir, file: path.basename(rel), constructPath: text.slice(HEADER.length, nl), object: parse(text.slice(nl + 1), { version: '1.1' }) });
  }
  return out;
}

/** A render with mistakes several rules catch: an unpinned image, no resources, a dangling ConfigMap reference, a duplicate. */
function broken(env: string): RenderedObject[] {
  const objects = structuredClone(rendered(env));
  const workload = objects.find((o) => o.object.kind === 'Deployment')!;
  const pod = (workload.object as unknown as { spec: { template: { spec: { containers: Array<Record<string, unknown>>; volumes?: unknown[] } } } }).spec.template.spec;
  pod.containers[0].image = 'nginx:latest';
  delete pod.containers[0].resources;
  pod.volumes = [...(pod.volumes ?? []), { name: 'ghost', configMap: { name: 'no-such-config' } }];
  objects.push(structuredClone(objects[objects.length - 1]));
  return objects;
}

const input = (env: string, objects: RenderedObject[]): EnvironmentCheckInput => ({ env, objects, files: new Map() });
const settle = (p: EnvironmentProblems): readonly string[] => (typeof p === 'function' ? p() : p);

describe('validation on a worker thread', () => {
  const tiers = (env: string) => TIERS[env];
  const reference = new ValidationGate({ tiers });

  test('GIVEN the bundled worker WHEN every environment and a broken one are sent before any answer is read THEN each answer is the main-thread gate\'s, line for line', () => {
    expect(fs.existsSync(WORKER)).toBe(true); // npm test bundles it (test/helpers/global-setup.ts)
    const gate = new ValidationOnWorker(tiers, WORKER);
    expect(gate.threaded).toBe(true);
    const cases: Array<[string, RenderedObject[]]> = [...ENVS.map((e) => [e, rendered(e)] as [string, RenderedObject[]]), ['staging-broken', broken('staging')]];
    // all posted first, as synth does while it renders the next environments
    const pending = cases.map(([env, objects]) => gate.runEnvironment(input(env, objects)));
    expect(pending.every((p) => typeof p === 'function')).toBe(true);
    cases.forEach(([env, objects], i) => {
      const expected = reference.runEnvironment(input(env, objects));
      expect(settle(pending[i])).toEqual(expected);
    });
    // the committed environments pass; the broken one fails several rules
    expect(pending.slice(0, ENVS.length).map(settle).every((p) => p.length === 0)).toBe(true);
    const lines = settle(pending[ENVS.length]);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).toMatch(/nginx:latest/);
    expect(lines.join('\n')).toMatch(/no-such-config/);
  });

  test('GIVEN no bundled worker (ts-jest, an unbundled checkout) WHEN asked THEN the gate runs here and answers at once', () => {
    const gate = new ValidationOnWorker(tiers, path.join(os.tmpdir(), 'no-such-dir', VALIDATE_WORKER));
    expect(gate.threaded).toBe(false);
    const objects = broken('dev');
    const answer = gate.runEnvironment(input('dev', objects));
    expect(typeof answer).not.toBe('function');
    expect(answer).toEqual(reference.runEnvironment(input('dev', objects)));
  });

  const fakeWorker = (body: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-worker-'));
    const file = path.join(dir, VALIDATE_WORKER);
    fs.writeFileSync(file, `const { workerData } = require('worker_threads');\nconst { port, signal } = workerData;\n${body}\n`);
    return file;
  };

  // The states the real worker writes (app/fast/validate-worker.ts): serving now, ended on exit.
  const SERVING = "Atomics.store(signal, 1, 1); process.once('exit', () => { Atomics.store(signal, 1, 2); Atomics.notify(signal, 0); });";

  test('GIVEN a worker that ends without answering WHEN the answers are collected THEN the main thread validates what it owed, with the same lines, without waiting for a timeout', () => {
    const gate = new ValidationOnWorker(tiers, fakeWorker(`${SERVING}\nport.close();`));
    const objects = broken('prod');
    const started = Date.now();
    const answer = gate.runEnvironment(input('prod', objects));
    expect(settle(answer)).toEqual(reference.runEnvironment(input('prod', objects)));
    expect(gate.threaded).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000); // the stall limit is 60 s: the end was seen, not timed out
  });

  test('GIVEN a worker that never starts (its bundle throws on load) WHEN the answers are collected THEN after the start limit the main thread validates', () => {
    const gate = new ValidationOnWorker(tiers, fakeWorker("throw new Error('broken bundle');"), { startMs: 300, stallMs: 60_000 });
    const objects = broken('prod');
    const answer = gate.runEnvironment(input('prod', objects));
    expect(settle(answer)).toEqual(reference.runEnvironment(input('prod', objects)));
    expect(gate.threaded).toBe(false);
  });

  test('GIVEN a rule that throws on the worker WHEN its answer is collected THEN the error is raised here, naming the environment and carrying the worker\'s stack', () => {
    const gate = new ValidationOnWorker(tiers, fakeWorker(
      SERVING + "port.on('message', (m) => { if (m.end) return port.close(); port.postMessage({ env: m.env, error: 'Error: boom\\n    at rule (checks/x.ts:1:1)' }); Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); });",
    ));
    const answer = gate.runEnvironment(input('dev', rendered('dev')));
    expect(() => settle(answer)).toThrow(/validation failed on its worker thread for environment dev:\nError: boom\n {4}at rule/);
  });
});

describe('which gate synth runs', () => {
  const gateOf = (opts: Parameters<typeof synthHooks>[0]) => synthHooks(opts, () => ({ shared: true, external: [] })).checks!.find((c) => c.name === 'validate')!;

  test('GIVEN several environments THEN validation goes to the worker; GIVEN one (nothing renders beside it) or the reference path THEN it stays on this thread', () => {
    expect(gateOf({ environments: 5 })).toBeInstanceOf(ValidationOnWorker);
    expect(gateOf({ environments: 1 })).toBeInstanceOf(ValidationGate);
    expect(gateOf({})).toBeInstanceOf(ValidationGate);
    expect(gateOf({ environments: 5, reference: true })).toBeInstanceOf(ValidationGate);
  });
});

describe('checks that answer later', () => {
  const later = (calls: string[], problems: string[]): SynthCheck => ({
    name: 'later',
    run: () => [],
    runEnvironment: () => () => {
      calls.push('later settled');
      return problems;
    },
  });
  const now = (calls: string[], problems: string[]): SynthCheck => ({
    name: 'now',
    run: () => {
      calls.push('now ran');
      return problems;
    },
  });
  const synth = (checks: SynthCheck[]) => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'later-'));
    return synthesize({ outDir: path.join(outDir, 'dist'), environments: ['prod-shared'], complete: true, render: () => [], checks });
  };

  test('GIVEN a check that answers later and one that answers at once WHEN both fail THEN the one listed first is reported, and the later one was waited for after the other ran', () => {
    const calls: string[] = [];
    let error: unknown;
    try {
      synth([later(calls, ['late problem']), now(calls, ['quick problem'])]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckFailedError);
    expect((error as CheckFailedError).check).toBe('later');
    expect((error as CheckFailedError).problems).toEqual(['late problem']);
    expect(calls).toEqual(['now ran', 'later settled']);
  });

  test('GIVEN a check that answers later with nothing WHEN the render is written THEN the run succeeds and records the wait in its timings', () => {
    const calls: string[] = [];
    const result = synth([later(calls, []), now(calls, [])]);
    expect(calls).toEqual(['now ran', 'later settled']);
    expect(Object.keys(result.timings)).toEqual(expect.arrayContaining(['check: later (waiting)', 'check: now']));
  });
});
