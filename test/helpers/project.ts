import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
export const MAIN_JS = path.join(ROOT, 'build', 'main.js');

export interface ScratchOptions {
  /**
   * What of the committed dist/ to copy: all of it (the default), nothing
   * (`false`: for a fresh render, which is cheaper than copying files only to
   * replace them) or the named top-level entries (environments).
   */
  readonly dist?: boolean | readonly string[];
}

/** A scratch copy of environments/ and dist/ in a temp dir, the shape the CLI expects in its cwd. */
export function scratchProject(options: ScratchOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-test-'));
  copyTree(path.join(ROOT, 'environments'), path.join(dir, 'environments'));
  const dist = options.dist ?? true;
  const from = path.join(ROOT, 'dist');
  if (dist === false || !fs.existsSync(from)) return dir;
  const entries = dist === true ? fs.readdirSync(from) : dist;
  for (const e of entries) copyTree(path.join(from, e), path.join(dir, 'dist', e));
  return dir;
}

/**
 * Copies a file or directory tree. Real copies, not hard links: tests edit
 * files of their scratch dist/, and a link would edit the committed one.
 * (fs.cpSync takes about twice as long for the 1200 files of dist/.)
 */
export function copyTree(from: string, to: string): void {
  if (!fs.statSync(from).isDirectory()) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    return;
  }
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const [a, b] = [path.join(from, e.name), path.join(to, e.name)];
    if (e.isDirectory()) copyTree(a, b);
    else fs.copyFileSync(a, b);
  }
}

/** Removes a scratch directory (made by scratchProject or mkdtemp). */
export function removeScratch(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built app (`node build/main.js ...args`) in `cwd`. */
export function runSynth(cwd: string, args: string[] = [], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN_JS, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env, CDK8S_OUTDIR: '' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its content, for before/after comparisons. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out[path.relative(dir, abs)] = fs.readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Paths (relative to `dir`) of the files under `dir`, sorted; no contents read. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(path.relative(dir, abs));
    }
  };
  walk(dir);
  return out.sort();
}

export function kubectlKustomize(dir: string): string {
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
}

/**
 * `kubectl kustomize` of several directories in one run: builds a parent
 * kustomization (in a temp dir) whose resources are those directories, so
 * kustomize builds each of them and fails if any of them does not build, and
 * returns the combined output. Each kubectl run costs ~0.1 s of start-up, so
 * one run per environment instead of one per directory saves most of that;
 * it is async so that several builds run on both cores at once. The
 * directories must not share objects (kustomize refuses duplicate ids).
 */
export async function kustomizeTogether(dirs: readonly string[]): Promise<string> {
  if (dirs.length === 0) throw new Error('kustomizeTogether: no directories');
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-parent-'));
  try {
    // kustomize takes only relative paths to other directories.
    const resources = dirs.map((d) => `  - ${path.relative(parent, path.resolve(d))}\n`).join('');
    fs.writeFileSync(path.join(parent, 'kustomization.yaml'), `resources:\n${resources}`);
    return await new Promise<string>((resolve, reject) =>
      // GOGC=400: kustomize allocates a lot; collecting less often saves ~25% of its CPU for ~100 MB.
      execFile('kubectl', ['kustomize', parent], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GOGC: process.env.GOGC ?? '400' } }, (error, stdout, stderr) =>
        error ? reject(new Error(`kubectl kustomize of ${dirs.join(', ')} failed: ${stderr || error.message}`)) : resolve(stdout),
      ),
    );
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
}

/** Number of YAML documents in a kustomize build (kustomize separates them with `---` lines). */
export function documentCount(built: string): number {
  return built.trim() === '' ? 0 : built.split(/^---$/m).length;
}
