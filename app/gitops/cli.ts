// The `npm run diff | drift | promote | rollback` commands. Rendering is passed in
// (scripts/gitops.ts hands over main.ts' synth), so tests drive the same code
// against temporary project copies.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, listEnvironments } from '../config';
import { CheckFailedError, readFileSet, RenderError } from '../../lib/synth';
import { fieldHistory } from './git-history';
import { Direction, planPromotion, PromotionError } from './promotion';
import { formatMarkdown, formatText, semanticDiff } from './semantic-diff';
import { detectDrift, formatDriftMarkdown, formatDriftText, Kubectl, LiveInputError, readClusterObjects, readLiveObjects } from './drift';
import { YamlEditError } from './yaml-edit';

export interface CliContext {
  /** Renders the environments (all when empty) into `outDir`, like `npm run synth -- --out outDir`. */
  readonly render: (envs: string[], outDir: string) => void;
  /** Project root: holds environments/ and dist/. @default process.cwd() */
  readonly root?: string;
  readonly stdout?: (s: string) => void;
  readonly stderr?: (s: string) => void;
  /** Runs kubectl for `drift --context`. @default the kubectl on PATH */
  readonly kubectl?: Kubectl;
}

class UsageError extends Error {}

const USAGE = `usage:
  npm run diff -- [--env NAME]... [--markdown] [--exit-code]
  npm run drift -- --env NAME (--live FILE_OR_DIR | --context KUBE_CONTEXT) [--system NAME] [--markdown] [--exit-code]
  npm run promote -- --env NAME --service NAME [--tag VERSION] [--system NAME] [--no-render]
  npm run rollback -- --env NAME --service NAME [--tag VERSION] [--abort] [--system NAME] [--no-render]`;

interface Args {
  readonly command: string;
  readonly envs: string[];
  readonly flags: Set<string>;
  readonly values: Map<string, string>;
}

const VALUE_OPTIONS = new Set(['--env', '--service', '--tag', '--system', '--live', '--context']);
const FLAG_OPTIONS = new Set(['--markdown', '--exit-code', '--abort', '--no-render']);

function parse(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  const envs: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const [name, inline] = rest[i].includes('=') ? [rest[i].slice(0, rest[i].indexOf('=')), rest[i].slice(rest[i].indexOf('=') + 1)] : [rest[i], undefined];
    if (FLAG_OPTIONS.has(name)) flags.add(name);
    else if (VALUE_OPTIONS.has(name)) {
      const v = inline ?? rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      if (name === '--env') envs.push(...v.split(',').filter(Boolean));
      else values.set(name, v);
    } else throw new UsageError(`unknown argument ${JSON.stringify(rest[i])}`);
  }
  return { command: command ?? '', envs, flags, values };
}

/** Runs one command; returns the exit code (0 ok, 1 refused or failed, 2 usage). */
export function gitopsCli(argv: readonly string[], ctx: CliContext): number {
  const out = ctx.stdout ?? ((s: string) => process.stdout.write(s));
  const err = ctx.stderr ?? ((s: string) => process.stderr.write(s));
  const root = ctx.root ?? process.cwd();
  try {
    if (argv.slice(1).some((a) => a === '--help' || a === '-h')) {
      out(`${USAGE}\n`);
      return 0;
    }
    const args = parse(argv);
    switch (args.command) {
      case 'diff': {
        for (const option of ['--live', '--context']) if (args.values.has(option)) throw new UsageError(`${option} belongs to drift (diff compares a fresh render with dist/)`);
        const d = diff(args, root, ctx.render);
        out(d.text);
        // --exit-code: 1 when dist/ is not what the sources render (a CI check for a forgotten synth).
        return args.flags.has('--exit-code') && d.changed ? 1 : 0;
      }
      case 'drift': {
        const d = drift(args, root, ctx.kubectl, err);
        out(d.text);
        // --exit-code: 1 when the cluster differs from dist/ (a scheduled drift check).
        return args.flags.has('--exit-code') && d.drifted ? 1 : 0;
      }
      case 'promote':
      case 'rollback':
        out(promote(args.command, args, root, ctx.render));
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(args.command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof PromotionError || e instanceof CheckFailedError || e instanceof RenderError || e instanceof YamlEditError || e instanceof LiveInputError) {
      err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function diff(args: Args, root: string, render: CliContext['render']): { text: string; changed: boolean } {
  const dist = path.join(root, 'dist');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-diff-'));
  try {
    const out = path.join(tmp, 'dist');
    render(args.envs, out);
    const envs = args.envs.length ? [...new Set(args.envs)] : [...new Set([...listEnvironments({ dir: path.join(root, 'environments') }), ...topLevel(dist)])].sort();
    const inEnvs = (files: Map<string, string>) => new Map([...files].filter(([p]) => envs.includes(p.split('/')[0])));
    const diffs = semanticDiff(inEnvs(readFileSet(dist)), inEnvs(readFileSet(out)), envs);
    const text = args.flags.has('--markdown') ? formatMarkdown(diffs) : formatText(diffs);
    return { text, changed: diffs.some((d) => d.objects.length > 0) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function drift(args: Args, root: string, kubectl: Kubectl | undefined, err: (s: string) => void): { text: string; drifted: boolean } {
  const env = args.envs[0];
  const live = args.values.get('--live');
  const context = args.values.get('--context');
  if (!env || args.envs.length > 1) throw new UsageError('drift needs exactly one --env');
  if ((live === undefined) === (context === undefined)) throw new UsageError('drift needs one of --live FILE_OR_DIR (a kubectl get -o yaml export) or --context KUBE_CONTEXT');
  for (const option of ['--service', '--tag']) if (args.values.has(option)) throw new UsageError(`${option} does not apply to drift`);
  const dist = path.join(root, 'dist');
  const rendered = topLevel(dist);
  if (!rendered.includes(env)) throw new UsageError(`--env ${env}: dist/${env} does not exist; rendered environments: ${rendered.join(', ') || 'none (run npm run synth)'}`);
  // --system: compare one rendered directory (an export of that system's namespaces) instead of the whole environment
  const system = args.values.get('--system');
  if (system !== undefined && !topLevel(path.join(dist, env)).includes(system)) throw new UsageError(`--system ${system}: dist/${env}/${system} does not exist; rendered: ${topLevel(path.join(dist, env)).join(', ')}`);
  const prefix = system === undefined ? `${env}/` : `${env}/${system}/`;
  const files = new Map([...readFileSet(dist)].filter(([p]) => p.startsWith(prefix)));
  let objects;
  if (live !== undefined) {
    const target = path.resolve(root, live);
    if (!fs.existsSync(target)) throw new UsageError(`--live ${live}: no such file or directory; give a kubectl get -o yaml export (a file, a List or a directory of them)`);
    objects = readLiveObjects(target);
  } else {
    const read = readClusterObjects(context!, files, kubectl);
    if (read.notServed.length) err(`drift: the cluster serves no ${read.notServed.join(', ')}: their objects count as missing\n`);
    objects = read.objects;
  }
  const report = detectDrift(env, files, objects);
  return { text: args.flags.has('--markdown') ? formatDriftMarkdown(report) : formatDriftText(report), drifted: report.entries.length > 0 };
}

function topLevel(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

function promote(direction: Direction, args: Args, root: string, render: CliContext['render']): string {
  const env = args.envs[0];
  const service = args.values.get('--service');
  if (!env || args.envs.length > 1) throw new UsageError(`${direction} needs exactly one --env`);
  if (!service) throw new UsageError(`${direction} needs --service`);
  if (direction === 'promote' && args.flags.has('--abort')) throw new UsageError('--abort belongs to rollback');
  const p = planPromotion({
    direction,
    env,
    service,
    system: args.values.get('--system'),
    tag: args.values.get('--tag'),
    abort: args.flags.has('--abort'),
    envDir: path.join(root, 'environments'),
    history: fieldHistory,
  });
  const rel = path.relative(root, p.file);
  fs.writeFileSync(p.file, p.after);
  if (!args.flags.has('--no-render')) {
    try {
      render([env], path.join(root, 'dist'));
    } catch (e) {
      // The edit must not outlive a render that refused it: put the file back.
      fs.writeFileSync(p.file, p.before);
      throw e;
    }
  }
  const rendered = args.flags.has('--no-render') ? 'not rendered (--no-render): run npm run synth' : `rendered dist/${env}/`;
  return `${direction} ${service} in ${env}: ${rel}\n${p.changes.map((c) => `  ${c}`).join('\n')}\n${rendered}; review with git diff, then commit both\n`;
}
