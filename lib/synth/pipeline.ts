import * as fs from 'fs';
import * as path from 'path';
import { RenderedObject, RenderError, RenderTarget, renderTargets } from './render';
import { FileSet, readFileSet, swapIn, toFileSet, writeFileSet } from './output';

/** What a check sees: the new render, and what is committed for the same entries. */
export interface CheckInput {
  readonly objects: readonly RenderedObject[];
  readonly files: FileSet;
  /** The current contents of the output directory for the entries being replaced. */
  readonly previous: FileSet;
}

/** What an environment-scoped check sees: one environment's render. */
export interface EnvironmentCheckInput {
  readonly env: string;
  readonly objects: readonly RenderedObject[];
  /** The environment's files (objects, kustomizations and extra files). */
  readonly files: FileSet;
}

/** A gate the render must pass before it replaces the output directory. */
export interface SynthCheck {
  readonly name: string;
  /** Problems found, one line each; empty when the render may be written. */
  run(input: CheckInput): readonly string[];
  /**
   * When present, the pipeline calls this once per environment, in
   * environment order and possibly on a worker thread, instead of `run`; the
   * problems of all environments then fail the check together. For checks
   * that look at one environment at a time (validation): they then run in
   * parallel with the rendering of other environments.
   */
  runEnvironment?(input: EnvironmentCheckInput): readonly string[];
}

/**
 * Render environments on worker threads as well as on the main thread. The
 * worker script is a module that, on a worker thread, builds the same
 * SynthRequest (from `data`) and calls `serveSynthWorker(request)`; see main.ts.
 */
export interface WorkerPlan {
  /** Threads in all, the main thread included; 1 renders everything on the main thread. */
  readonly threads: number;
  /** Path of the worker script. */
  readonly script: string;
  /** Passed to the worker script (structured-cloneable), e.g. the CLI options. */
  readonly data?: unknown;
  /** Expected relative cost per environment (e.g. its object count last time) to balance threads. @default 1 each */
  readonly weights?: Readonly<Record<string, number>>;
  /**
   * Error classes whose instances keep their class when thrown on a worker
   * (matched by `name`); others arrive as plain Errors with the same name,
   * message and stack. RenderError is always known.
   */
  readonly errorTypes?: ReadonlyArray<new (...args: never[]) => Error>;
}

export interface SynthRequest {
  /** Output root, e.g. `dist`. */
  readonly outDir: string;
  /** Environments to render, in order. */
  readonly environments: readonly string[];
  /**
   * True when `environments` is every environment: then every top-level entry
   * of `outDir` that is not rendered again (a deleted environment) is removed.
   */
  readonly complete: boolean;
  /**
   * Builds the charts of one environment; each target's `dir` must start with
   * `<env>/`. `lap(phase)` books the time since the render started (or since
   * the previous lap) to `phase` in the timings, e.g. `lap('config')` after
   * loading the environment's configuration.
   */
  readonly render: (env: string, lap?: (phase: string) => void) => readonly RenderTarget[];
  /** Extra files per environment (e.g. `<env>/README.md`), given the rendered objects. */
  readonly extraFiles?: (env: string, objects: readonly RenderedObject[]) => Readonly<Record<string, string>>;
  /** Gates run on the whole render before anything is written. */
  readonly checks?: readonly SynthCheck[];
  /** Render some environments on worker threads (the output is the same as without). @default main thread only */
  readonly workers?: WorkerPlan;
}

export interface EnvironmentSummary {
  readonly env: string;
  readonly objects: number;
  /** Objects per kind, sorted by kind. */
  readonly kinds: Readonly<Record<string, number>>;
  readonly millis: number;
}

export interface SynthResult {
  readonly environments: readonly EnvironmentSummary[];
  /** Milliseconds spent per phase of the whole run (construct, resolve, extra files, serialize, read previous, each check by name, write), for `--timings`. */
  readonly timings: Readonly<Record<string, number>>;
  readonly objects: readonly RenderedObject[];
  readonly files: FileSet;
}

/** Thrown when a check fails; the output directory was not touched. */
export class CheckFailedError extends Error {
  constructor(public readonly check: string, public readonly problems: readonly string[]) {
    super(`${check}: ${problems.length} problem(s); dist/ left unchanged\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'CheckFailedError';
  }
}

/** One environment rendered, serialized and checked by its environment-scoped checks. */
export interface EnvironmentOutput {
  readonly summary: EnvironmentSummary;
  readonly objects: readonly RenderedObject[];
  /** The environment's files, sorted by path. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  /** Problems per environment-scoped check (by check name). */
  readonly problems: Readonly<Record<string, readonly string[]>>;
  readonly timings: Readonly<Record<string, number>>;
}

/** A stopwatch adding laps to named phases. */
function stopwatch(timings: Record<string, number>): (phase: string) => void {
  let mark = process.hrtime.bigint();
  return (phase) => {
    const now = process.hrtime.bigint();
    timings[phase] = (timings[phase] ?? 0) + Number(now - mark) / 1e6;
    mark = now;
  };
}

/**
 * Renders one environment: builds its charts, resolves them, adds its extra
 * files, serializes its file set and runs the environment-scoped checks.
 * Throws what the render throws; check problems are returned, not thrown.
 */
export function renderEnvironmentOutput(req: SynthRequest, env: string): EnvironmentOutput {
  const timings: Record<string, number> = {};
  const lap = stopwatch(timings);
  const start = process.hrtime.bigint();
  const targets = req.render(env, lap);
  lap('construct');
  const objects = renderTargets(targets);
  lap('resolve');
  for (const o of objects) {
    if (!o.dir.startsWith(`${env}/`) && o.dir !== env) throw new Error(`render target ${o.dir} of environment ${env} must be under "${env}/"`);
  }
  const extras = req.extraFiles?.(env, objects) ?? {};
  lap('extra files');
  const files = toFileSet(objects, extras);
  lap('serialize');
  const problems: Record<string, readonly string[]> = {};
  for (const check of req.checks ?? []) {
    if (!check.runEnvironment) continue;
    problems[check.name] = check.runEnvironment({ env, objects, files });
    lap(`check: ${check.name}`);
  }
  const kinds: Record<string, number> = {};
  for (const o of objects) kinds[o.object.kind] = (kinds[o.object.kind] ?? 0) + 1;
  const summary: EnvironmentSummary = {
    env,
    objects: objects.length,
    kinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b))),
    millis: Number(process.hrtime.bigint() - start) / 1e6,
  };
  return { summary, objects, files: [...files], problems, timings };
}

/**
 * Renders, checks, then swaps the result into the output directory. Nothing
 * under `outDir` changes unless every environment rendered and every check
 * passed: files are staged next to it and moved in with renames at the end.
 * With `workers`, some environments render on worker threads; the result,
 * the files and the first error reported are the same as without.
 */
export function synthesize(req: SynthRequest): SynthResult {
  const outDir = path.resolve(req.outDir);
  const entries = new Set<string>(req.environments);
  let previous: FileSet = new Map();
  let readMillis = 0;
  // What is in the output directory now: read while workers still render (or after the render on one thread).
  const readPrevious = () => {
    const start = process.hrtime.bigint();
    if (req.complete && fs.existsSync(outDir)) for (const e of fs.readdirSync(outDir)) entries.add(e);
    previous = new Map([...readFileSet(outDir)].filter(([p]) => entries.has(p.split('/')[0])));
    readMillis = Number(process.hrtime.bigint() - start) / 1e6;
  };
  const outputs = renderAllEnvironments(req, readPrevious);
  const timings: Record<string, number> = {};
  for (const o of outputs) for (const [phase, ms] of Object.entries(o.timings)) timings[phase] = (timings[phase] ?? 0) + ms;
  timings['read previous'] = readMillis;
  const lap = stopwatch(timings);
  const objects = outputs.flatMap((o) => o.objects);
  const files: FileSet = new Map(outputs.flatMap((o) => o.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  lap('merge');
  for (const check of req.checks ?? []) {
    const problems = check.runEnvironment ? outputs.flatMap((o) => o.problems[check.name] ?? []) : check.run({ objects, files, previous });
    if (!check.runEnvironment) lap(`check: ${check.name}`);
    if (problems.length) throw new CheckFailedError(check.name, problems);
  }
  // Top-level entries (environments) whose files are all the same as before stay as they are: nothing staged, nothing renamed.
  const changed = changedEntries(entries, files, previous);
  if (changed.size > 0) {
    const staging = path.join(path.dirname(outDir), `.synth-${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      writeFileSet(staging, new Map([...files].filter(([p]) => changed.has(topLevel(p)))), { root: outDir, files: previous });
      swapIn(staging, outDir, [...changed].sort());
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  lap('write');
  return { environments: outputs.map((o) => o.summary), timings, objects, files };
}

const topLevel = (p: string): string => {
  const slash = p.indexOf('/');
  return slash < 0 ? p : p.slice(0, slash);
};

/** The entries whose files (paths and contents) differ between the new render and the output directory. */
function changedEntries(entries: ReadonlySet<string>, files: FileSet, previous: FileSet): Set<string> {
  const changed = new Set<string>();
  const counts = new Map<string, number>();
  for (const [p, text] of files) {
    const top = topLevel(p);
    counts.set(top, (counts.get(top) ?? 0) + 1);
    if (previous.get(p) !== text) changed.add(top);
  }
  for (const p of previous.keys()) {
    const top = topLevel(p);
    counts.set(top, (counts.get(top) ?? 0) - 1);
  }
  for (const [top, n] of counts) if (n !== 0) changed.add(top);
  // Listed entries with no file at all, before or now (an environment that renders nothing, a stray empty folder).
  for (const e of entries) if (!counts.has(e)) changed.add(e);
  return new Set([...changed].filter((e) => entries.has(e)));
}

/**
 * Every environment's output, in environment order; the first error in that
 * order is thrown. `meanwhile` runs once every environment rendered without
 * error on this thread: before waiting for the workers, or at the end.
 */
function renderAllEnvironments(req: SynthRequest, meanwhile: () => void): EnvironmentOutput[] {
  const plan = req.workers;
  const groups = plan && plan.threads > 1 && req.environments.length > 1 ? partition(req.environments, Math.min(plan.threads, req.environments.length), plan.weights) : [req.environments];
  if (groups.length === 1) {
    const outputs = req.environments.map((env) => renderEnvironmentOutput(req, env));
    meanwhile();
    return outputs;
  }
  const [mine, ...theirs] = groups;
  const pending = theirs.map((envs) => startWorker(plan!, envs));
  const outcomes = new Map<string, Outcome>();
  const order = new Map(req.environments.map((e, i) => [e, i]));
  const firstFailure = () => Math.min(...[...outcomes].filter(([, o]) => 'error' in o).map(([e]) => order.get(e)!));
  for (const env of mine) {
    // An environment after one that already failed cannot change what is reported: skip it.
    for (const w of pending) for (const [e, outcome] of w.poll()) outcomes.set(e, outcome);
    if (order.get(env)! > firstFailure()) break;
    const outcome = attempt(() => renderEnvironmentOutput(req, env));
    outcomes.set(env, outcome);
  }
  if (firstFailure() === Infinity) meanwhile();
  for (const w of pending) for (const [env, outcome] of w.collect()) outcomes.set(env, outcome);
  const failed = firstFailure();
  if (failed < Infinity) throw (outcomes.get(req.environments[failed]) as { error: unknown }).error;
  return req.environments.map((env) => {
    const o = outcomes.get(env);
    if (!o || 'error' in o) throw new Error(`synth worker returned no result for environment ${env}`);
    return o.output;
  });
}

type Outcome = { readonly output: EnvironmentOutput } | { readonly error: unknown };

function attempt(fn: () => EnvironmentOutput): Outcome {
  try {
    return { output: fn() };
  } catch (error) {
    return { error };
  }
}

/**
 * Environments split into `n` groups of about equal weight (largest first, each
 * to the lightest group). The first group stays on the main thread, which
 * starts rendering at once while workers still load, so it gets a head start
 * of weight.
 */
export function partition(envs: readonly string[], n: number, weights: Readonly<Record<string, number>> = {}): string[][] {
  const weightOf = (e: string) => Math.max(weights[e] ?? 1, 0);
  const total = envs.reduce((sum, e) => sum + weightOf(e), 0);
  const groups = Array.from({ length: n }, (_, i) => ({ envs: [] as string[], load: i === 0 ? 0 : total * WORKER_START_SHARE }));
  for (const e of [...envs].sort((a, b) => weightOf(b) - weightOf(a) || a.localeCompare(b))) {
    const lightest = groups.reduce((best, g) => (g.load < best.load ? g : best));
    lightest.envs.push(e);
    lightest.load += weightOf(e);
  }
  return groups.filter((g) => g.envs.length > 0).map((g) => envs.filter((e) => g.envs.includes(e)));
}

/**
 * Render threads to use by default on a machine with `cores` available cores:
 * one per two cores. A render thread keeps about 1.3 cores busy on its own (V8
 * compiles and collects garbage on helper threads), and every extra thread
 * pays the bundle's start-up and its own JIT warm-up again. Measured on 2
 * cores: two synths side by side finish in 1.3x the time of one (not 1x), and
 * two threads took as long as one, with 30-40% more CPU.
 */
export function defaultJobs(cores: number): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** A worker's start-up (loading the bundle) as a share of the whole render's weight. */
const WORKER_START_SHARE = 0.1;

// ---- worker threads -------------------------------------------------------

const WORKER_KEY = 'synthWorker';

interface WorkerRequest {
  readonly envs: readonly string[];
  readonly data: unknown;
  /** [0]: messages posted, [1]: 1 once the worker stopped */
  readonly signal: SharedArrayBuffer;
  readonly port: import('worker_threads').MessagePort;
}

type WorkerMessage = { readonly env: string; readonly output: EnvironmentOutput } | { readonly env: string; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly props: Record<string, unknown>;
}

function startWorker(plan: WorkerPlan, envs: readonly string[]): { poll(): Array<[string, Outcome]>; collect(): Array<[string, Outcome]> } {
  // Loaded here, not at the top: only the CLI's parallel path needs them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('worker_threads') as typeof import('worker_threads');
  const signal = new SharedArrayBuffer(8);
  const flags = new Int32Array(signal);
  const { port1, port2 } = new wt.MessageChannel();
  const request: WorkerRequest = { envs, data: plan.data, signal, port: port2 };
  const worker = new wt.Worker(plan.script, { workerData: { [WORKER_KEY]: request }, transferList: [port2] });
  worker.unref();
  let received = 0;
  const take = (): [string, Outcome] | undefined => {
    const m = wt.receiveMessageOnPort(port1);
    if (!m) return undefined;
    received++;
    const msg = m.message as WorkerMessage;
    return [msg.env, 'output' in msg ? { output: msg.output } : { error: reviveError(msg.error, plan.errorTypes ?? []) }];
  };
  return {
    poll: () => {
      const out: Array<[string, Outcome]> = [];
      for (let m = take(); m; m = take()) out.push(m);
      return out;
    },
    collect: () => {
      const out: Array<[string, Outcome]> = [];
      // The main thread blocks here (synthesize is synchronous); the worker posts one message per environment.
      while (received < envs.length) {
        // Read the counter before looking for a message, so a message posted in between wakes the wait at once.
        const posted = Atomics.load(flags, 0);
        const m = take();
        if (m) {
          out.push(m);
          continue;
        }
        if (Atomics.load(flags, 1) === 1 && Atomics.load(flags, 0) === posted) {
          throw new Error(`synth worker for ${envs.join(', ')} stopped after ${received} of ${envs.length} environment(s)`);
        }
        Atomics.wait(flags, 0, posted, 1000);
      }
      port1.close();
      void worker.terminate();
      return out;
    },
  };
}

/** On a worker thread started by synthesize(): the data its WorkerPlan passed, else undefined. */
export function synthWorkerData(): { readonly data: unknown } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('worker_threads') as typeof import('worker_threads');
  const request = !wt.isMainThread ? (wt.workerData as Record<string, WorkerRequest> | undefined)?.[WORKER_KEY] : undefined;
  return request ? { data: request.data } : undefined;
}

/** On a worker thread started by synthesize(): renders the environments it was given with `req` and reports each. */
export function serveSynthWorker(req: SynthRequest): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('worker_threads') as typeof import('worker_threads');
  const request = (wt.workerData as Record<string, WorkerRequest>)[WORKER_KEY];
  const flags = new Int32Array(request.signal);
  const stopped = () => {
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 0);
  };
  process.once('exit', stopped);
  try {
    for (const env of request.envs) {
      let msg: WorkerMessage;
      try {
        msg = { env, output: renderEnvironmentOutput(req, env) };
      } catch (e) {
        msg = { env, error: serializeError(e) };
      }
      request.port.postMessage(msg);
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0);
    }
  } finally {
    request.port.close();
    stopped();
  }
}

/** An error as it crosses to the main thread (exported for tests). */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    try {
      props[k] = structuredClone(v);
    } catch {
      // a property that cannot cross threads is left behind
    }
  }
  return { name: e.name, message: e.message, stack: e.stack, props };
}

/** The error a worker threw, rebuilt on the main thread with its class where known (exported for tests). */
export function reviveError(s: SerializedError, types: ReadonlyArray<new (...args: never[]) => Error>): Error {
  const type = [RenderError, CheckFailedError, ...types].find((t) => t.name === s.name || t.prototype.name === s.name);
  const e: Error = Object.create((type ?? Error).prototype);
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  Object.defineProperty(e, 'stack', { value: s.stack, writable: true, configurable: true });
  if (!type || e.name !== s.name) Object.defineProperty(e, 'name', { value: s.name, writable: true, configurable: true });
  Object.assign(e, s.props);
  return e;
}
