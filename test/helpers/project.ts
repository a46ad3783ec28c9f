import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
export const MAIN_JS = path.join(ROOT, 'build', 'main.js');

/** A scratch copy of environments/ and dist/ in a temp dir, the shape the CLI expects in its cwd. */
export function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-test-'));
  fs.cpSync(path.join(ROOT, 'environments'), path.join(dir, 'environments'), { recursive: true });
  if (fs.existsSync(path.join(ROOT, 'dist'))) fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  return dir;
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

export function kubectlKustomize(dir: string): string {
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
}
