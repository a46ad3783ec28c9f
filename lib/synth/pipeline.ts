import * as fs from 'fs';
import * as path from 'path';
import { RenderedObject, RenderTarget, renderTargets } from './render';
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
   * environment order, right after rendering it, instead of `run`; the
   * problems of all environments then fail the check together. For checks
   * that look at one environment at a time (validation). A check may return
   * a function instead of the problems, to work on them while the next
   * environments render (on another thread, say): the pipeline calls it
   * once, after every environment has rendered and the checks that answer at
   * once have run.
   */
  runEnvironment?(input: EnvironmentCheckInput): EnvironmentProblems;
}

/** What {@link SynthCheck.runEnvironment} gives: the problems, or a function that waits for them. */
export type EnvironmentProblems = readonly string[] | (() => readonly string[]);

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
  /** Problems per environment-scoped check (by check name), or a function that waits for them. */
  readonly problems: Readonly<Record<string, EnvironmentProblems>>;
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
  const problems: Record<string, EnvironmentProblems> = {};
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
 */
export function synthesize(req: SynthRequest): SynthResult {
  const outDir = path.resolve(req.outDir);
  const entries = new Set<string>(req.environments);
  const outputs = req.environments.map((env) => renderEnvironmentOutput(req, env));
  const timings: Record<string, number> = {};
  for (const o of outputs) for (const [phase, ms] of Object.entries(o.timings)) timings[phase] = (timings[phase] ?? 0) + ms;
  const lap = stopwatch(timings);
  // What is in the output directory now, for the checks and to write only what changed.
  if (req.complete && fs.existsSync(outDir)) for (const e of fs.readdirSync(outDir)) entries.add(e);
  const previous: FileSet = new Map([...readFileSet(outDir)].filter(([p]) => entries.has(p.split('/')[0])));
  lap('read previous');
  const objects = outputs.flatMap((o) => o.objects);
  const files: FileSet = new Map(outputs.flatMap((o) => o.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  lap('merge');
  // Checks that answer at once run first, so that the ones still working
  // (another thread) get that time too; failures are reported in check order.
  const checks = req.checks ?? [];
  const deferred = (c: SynthCheck) => c.runEnvironment !== undefined && outputs.some((o) => typeof o.problems[c.name] === 'function');
  const found = new Map<SynthCheck, readonly string[]>();
  for (const check of [...checks.filter((c) => !deferred(c)), ...checks.filter(deferred)]) {
    if (check.runEnvironment) {
      found.set(check, outputs.flatMap((o) => settle(o.problems[check.name])));
      if (deferred(check)) lap(`check: ${check.name} (waiting)`);
    } else {
      found.set(check, check.run({ objects, files, previous }));
      lap(`check: ${check.name}`);
    }
  }
  for (const check of checks) {
    const problems = found.get(check) ?? [];
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

function settle(p: EnvironmentProblems | undefined): readonly string[] {
  return typeof p === 'function' ? p() : p ?? [];
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
