// The app entry: `npm run synth [-- --env NAME ...]`, also run by `npx cdk8s synth`.
// Renders every environment in environments/ into dist/<env>/<system>/, checks
// the whole render, and only then swaps it into dist/ (a failure leaves dist/ as it was).
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { REFERENCE_FLAG, referenceRequested, renderWith } from './app/fast';
import { validationGate } from './app/fast/validation-thread';
import { environmentTargets } from './charts';
import { withGitOps } from './charts/gitops';
import { clusterFacts, withPlatform } from './charts/platform';
import { ClusterFacts, ClusterGate } from './lib/platform/cluster-gate';
import { runParity } from './charts/parity';
import { formatParity } from './app/parity/parity';
import { ConfigError, EnvironmentConfig, listEnvironments, loadEnvironment, namespaceClaims } from './app/config';
import { environmentReadme } from './app/diagram/environment-readme';
import { DestructiveChangeGuard } from './lib/gitops/destructive-change-guard';
import { environmentTiers } from './lib/validate/environment-tiers';
import { CheckFailedError, RenderError, RenderTarget, synthesize, SynthRequest, SynthResult, toYaml } from './lib/synth';

export interface CliOptions {
  readonly envs: string[];
  /** Print where the time went, phase by phase, to stderr (`--timings`). */
  readonly timings?: boolean;
  /** Render through plain cdk8s and the `yaml` package, without app/fast's shortcuts (`--reference`, SYNTH_REFERENCE=1). */
  readonly reference?: boolean;
  readonly outDir: string;
  /** Objects (`Kind/namespace/name`) whose destructive change this run accepts (docs/gitops.md). */
  readonly allowDestructive?: readonly string[];
  /** `--help`: print the options and render nothing. */
  readonly help?: boolean;
}

export class UsageError extends Error {}

const USAGE = 'npm run synth -- [--env NAME]... [--out DIR] [--allow-destructive KIND/NAMESPACE/NAME[,...]]... [--reference] [--timings] [--help]';

/** `--help`: every option with what it does. */
export const HELP = `usage: ${USAGE}
       npm run parity -- [--verbose]

Renders environments/<env>.yaml into <out>/<env>/<system>/, validates the whole
render, and only then replaces <out> (a failing run leaves it as it was).

  --env NAME                 render only this environment (repeatable; also SYNTH_ENV=a,b)
  --out DIR                  output folder (default: dist)
  --allow-destructive K/N/N  accept the destructive change of this object (Kind/namespace/name, repeatable)
  --reference                render through plain cdk8s and the yaml package, without the speed
                             shortcuts of app/fast/ (same bytes, slower; also SYNTH_REFERENCE=1)
  --timings                  print milliseconds per phase to stderr
  --help, -h                 print this help
`;

export function parseArgs(argv: readonly string[]): CliOptions {
  const envs: string[] = [];
  const allowDestructive: string[] = [];
  let outDir = 'dist';
  let timings = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--env') envs.push(value());
    else if (a.startsWith('--env=')) envs.push(a.slice('--env='.length));
    else if (a === '--out') outDir = value();
    else if (a === '--timings') timings = true;
    else if (a === REFERENCE_FLAG) continue;
    else if (a === '--allow-destructive') allowDestructive.push(...value().split(',').filter(Boolean));
    else if (a.startsWith('--allow-destructive=')) allowDestructive.push(...a.slice('--allow-destructive='.length).split(',').filter(Boolean));
    else if (a === '--help' || a === '-h') return { envs: [], outDir, help: true };
    else throw new UsageError(`unknown argument ${JSON.stringify(a)} (usage: ${USAGE})`);
  }
  if (process.env.SYNTH_ENV) envs.push(...process.env.SYNTH_ENV.split(',').filter(Boolean));
  return { envs, outDir, allowDestructive, timings, reference: referenceRequested(argv) };
}

/** Loads and renders the requested environments (all when none named), through app/fast's shortcuts unless `reference`. */
export function run(opts: CliOptions): SynthResult {
  return renderWith(opts.reference ?? false, () => {
    const all = listEnvironments();
    const envs = opts.envs.length ? [...new Set(opts.envs)] : all;
    // Each environment file is loaded once per run: the namespace check, the render and the cluster gate share it.
    const loaded = checkNamespaceClaims(all, envs);
    const load = (env: string) => loaded.get(env) ?? loadEnvironment(env);
    return synthesize({
      ...synthHooks({ ...opts, environments: envs.length }, (env) => clusterFacts(load(env)), (env) => loaded.get(env)?.environment.tier),
      render: (env, lap) => {
        const config = load(env);
        lap?.('config');
        return renderEnvironment(config);
      },
      outDir: opts.outDir,
      environments: envs,
      complete: opts.envs.length === 0,
    });
  });
}

/**
 * Refuses two environments of one cluster claiming one namespace, when one of
 * them is being rendered. Environments whose files do not load are left to
 * their own render to report.
 */
function checkNamespaceClaims(all: readonly string[], rendered: readonly string[]): Map<string, EnvironmentConfig> {
  const loaded = new Map<string, EnvironmentConfig>();
  for (const env of all) {
    try {
      loaded.set(env, loadEnvironment(env));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
  }
  const error = namespaceClaims([...loaded.values()]);
  if (error && error.problems.some((p) => rendered.some((env) => p.file.endsWith(`/${env}.yaml`) || p.message.includes(`already ${env}'s`)))) throw error;
  return loaded;
}

/** `--timings`: milliseconds per phase, the process start-up (Node plus loading the bundle) first. */
export function formatTimings(startup: number, timings: Readonly<Record<string, number>>, wall: number): string {
  const rows: Array<[string, number]> = [['startup', startup], ...Object.entries(timings)];
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  return [...rows, ['total', total] as [string, number], ['wall clock', startup + wall] as [string, number]]
    .map(([phase, ms]) => `  ${phase.padEnd(30)}${ms.toFixed(0).padStart(6)} ms`)
    .join('\n');
}

/**
 * What synth adds around the render: extra files and the checks that gate the write (also used by bench/).
 * `tier` gives an environment's tier from its loaded file; without it the tiers are read from
 * environments/ once per run. An environment without a tier (bench's) gets production's rules.
 */
export function synthHooks(
  opts: Pick<CliOptions, 'allowDestructive' | 'reference'> & {
    /** How many environments the run renders: validation goes to a worker thread only when a next environment can render beside it. */
    readonly environments?: number;
  },
  facts: (env: string) => ClusterFacts = (env) => clusterFacts(loadEnvironment(env)),
  tier?: (env: string) => string | undefined,
): Pick<SynthRequest, 'extraFiles' | 'checks'> {
  let tiers: Record<string, string> | undefined;
  const tierOf = tier ?? ((env: string) => (tiers ??= environmentTiers(path.resolve('environments')))[env]);
  return {
    // dist/<env>/README.md: the service graph the NetworkPolicies encode, as Mermaid.
    extraFiles: (env, objects) => environmentReadme(env, objects),
    checks: [
      // Schema, structure, references and policy (lib/validate/RULES.md), per environment:
      // on a second thread while the next environments render (with one environment there is
      // nothing to overlap, so it stays here), and here on the reference path.
      validationGate(tierOf, (opts.reference ?? false) || (opts.environments ?? 1) < 2, __dirname),
      // Every kind provided by an add-on or the engine, add-ons ordered before their users, one engine per object.
      new ClusterGate(facts),
      new DestructiveChangeGuard({
        allow: opts.allowDestructive,
        onAllowed: (c) => process.stderr.write(`synth: allowed destructive change of ${c.id} in ${c.dir}: ${c.details.join('; ')}\n`),
      }),
    ],
  };
}

/** Every chart of one environment: its systems plus their GitOps objects (also used by bench/). */
export function renderEnvironment(config: EnvironmentConfig, app: App = new App()): RenderTarget[] {
  return withGitOps(config, withPlatform(config, environmentTargets(config, app), app), app);
}

function summarize(result: SynthResult, outDir: string, log: (s: string) => void): void {
  for (const s of result.environments) {
    const kinds = Object.entries(s.kinds).map(([k, n]) => `${k} ${n}`).join(', ');
    log(`${s.env}: ${s.objects} objects (${kinds}) in ${s.millis.toFixed(0)} ms -> ${path.join(outDir, s.env)}/`);
  }
}

/** `cdk8s synth` hands us CDK8S_OUTDIR: one stream per environment, documents separated by `---`. */
function writeCdk8sOut(result: SynthResult, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const s of result.environments) {
    const docs = result.objects.filter((o) => o.dir === s.env || o.dir.startsWith(`${s.env}/`));
    fs.writeFileSync(path.join(dir, `${s.env}.k8s.yaml`), docs.map((o) => `---\n${toYaml(o.object)}`).join(''));
  }
}

/** `npm run parity [-- --verbose]`: every environment rendered in-process and compared (charts/parity.ts); 1 on violations. */
function parity(argv: readonly string[], log: (s: string) => void): number {
  const unknown = argv.filter((a) => a !== '--verbose');
  if (unknown.length) throw new UsageError(`unknown argument ${JSON.stringify(unknown[0])} (usage: npm run parity -- [--verbose])`);
  const report = runParity();
  log(formatParity(report, argv.includes('--verbose')));
  return report.violations.length ? 1 : 0;
}

/**
 * Tells app/fast/launch.js that this run went through the whole synth path, so
 * the V8 code cache it writes (or rewrites, over one from a `--help` or failed
 * run) holds everything a synth compiles.
 */
function markFullRun(): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for('launch.fullRun')] = true;
}

function main(): number {
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  // Under `cdk8s synth --stdout` our stdout is the manifest stream: talk on stderr.
  const log = cdk8sOut ? (s: string) => process.stderr.write(`${s}\n`) : (s: string) => process.stdout.write(`${s}\n`);
  try {
    if (process.argv[2] === 'parity') return renderWith(referenceRequested(process.argv), () => parity(process.argv.slice(3).filter((x) => x !== REFERENCE_FLAG), log));
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const startup = performance.now();
    const start = Date.now();
    const result = run(opts);
    summarize(result, opts.outDir, log);
    if (cdk8sOut) writeCdk8sOut(result, cdk8sOut);
    log(`synth: ${result.objects.length} objects, ${result.files.size} files in ${Date.now() - start} ms`);
    if (opts.timings) process.stderr.write(`synth: timings\n${formatTimings(startup, result.timings, Date.now() - start)}\n`);
    markFullRun();
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`synth: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof RenderError || e instanceof CheckFailedError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stderr.write(`synth: internal error (dist/ left unchanged): ${(e as Error)?.stack ?? e}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main();
