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

/** A gate the render must pass before it replaces the output directory. */
export interface SynthCheck {
  readonly name: string;
  /** Problems found, one line each; empty when the render may be written. */
  run(input: CheckInput): readonly string[];
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
  /** Builds the charts of one environment; each target's `dir` must start with `<env>/`. */
  readonly render: (env: string) => readonly RenderTarget[];
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

/**
 * Renders, checks, then swaps the result into the output directory. Nothing
 * under `outDir` changes unless every environment rendered and every check
 * passed: files are staged next to it and moved in with renames at the end.
 */
export function synthesize(req: SynthRequest): SynthResult {
  const summaries: EnvironmentSummary[] = [];
  const objects: RenderedObject[] = [];
  const extras: Record<string, string> = {};
  const timings: Record<string, number> = {};
  let mark = process.hrtime.bigint();
  const lap = (phase: string): void => {
    const now = process.hrtime.bigint();
    timings[phase] = (timings[phase] ?? 0) + Number(now - mark) / 1e6;
    mark = now;
  };
  for (const env of req.environments) {
    const start = process.hrtime.bigint();
    const targets = req.render(env);
    lap('construct');
    const rendered = renderTargets(targets);
    lap('resolve');
    for (const o of rendered) {
      if (!o.dir.startsWith(`${env}/`) && o.dir !== env) throw new Error(`render target ${o.dir} of environment ${env} must be under "${env}/"`);
    }
    Object.assign(extras, req.extraFiles?.(env, rendered) ?? {});
    lap('extra files');
    objects.push(...rendered);
    const kinds: Record<string, number> = {};
    for (const o of rendered) kinds[o.object.kind] = (kinds[o.object.kind] ?? 0) + 1;
    summaries.push({
      env,
      objects: rendered.length,
      kinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b))),
      millis: Number(process.hrtime.bigint() - start) / 1e6,
    });
  }
  lap('summaries');
  const files = toFileSet(objects, extras);
  lap('serialize');
  const outDir = path.resolve(req.outDir);
  const entries = new Set<string>(req.environments);
  if (req.complete && fs.existsSync(outDir)) for (const e of fs.readdirSync(outDir)) entries.add(e);
  const previous = new Map([...readFileSet(outDir)].filter(([p]) => entries.has(p.split('/')[0])));
  lap('read previous');
  for (const check of req.checks ?? []) {
    const problems = check.run({ objects, files, previous });
    lap(`check: ${check.name}`);
    if (problems.length) throw new CheckFailedError(check.name, problems);
  }
  const staging = path.join(path.dirname(outDir), `.synth-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    writeFileSet(staging, files, { root: outDir, files: previous });
    swapIn(staging, outDir, [...entries].sort());
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  lap('write');
  return { environments: summaries, timings, objects, files };
}
