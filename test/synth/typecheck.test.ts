// Issue 19 item 5: a typo in chart code (`metricPort` for `metricsPort`)
// rendered silently, because synth bundles with esbuild, which does not type
// check. Every command that renders now runs scripts/typecheck.js --app
// first; a check that passed is remembered, so an unchanged tree pays nothing.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyTree, removeScratch, ROOT } from '../helpers/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { typecheck } = require('../../scripts/typecheck.js') as {
  typecheck: (root: string, scope: 'app' | 'all', run?: (root: string, tsconfig: string) => { ok: boolean; output: string }) => { ok: boolean; cached: false | 'stat' | 'content'; output?: string };
};

/** The sources a render bundles, copied, with the project's node_modules linked. */
function appCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typecheck-'));
  for (const p of ['main.ts', 'app', 'lib', 'charts', 'imports', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.check.json', 'tsconfig.app.json']) copyTree(path.join(ROOT, p), path.join(dir, p));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A small tree shaped like the app, for the caching logic (the compiler is faked there). */
function smallTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typecheck-'));
  for (const [p, text] of Object.entries({ 'main.ts': 'export {};\n', 'lib/a.ts': 'export const a = 1;\n', 'charts/idp.ts': 'export const b = 2;\n', 'imports/k8s.ts': 'export {};\n', 'tsconfig.app.json': '{}\n' })) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

describe('type check before rendering', () => {
  let dir: string | undefined;
  afterEach(() => removeScratch(dir));

  test('GIVEN metricPort instead of metricsPort in charts/fediflow.ts WHEN the render check runs THEN it fails naming the file, line and property, and records no pass', () => {
    dir = appCopy();
    const file = path.join(dir, 'charts/fediflow.ts');
    const text = fs.readFileSync(file, 'utf8');
    const line = text.slice(0, text.indexOf('metricsPort:')).split('\n').length;
    fs.writeFileSync(file, text.replace('metricsPort:', 'metricPort:'));

    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/typecheck.js'), '--app', '--root', dir], { encoding: 'utf8' });

    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`charts/fediflow.ts(${line},`);
    expect(r.stderr).toMatch(/'metricPort' does not exist/);
    expect(r.stderr).toMatch(/nothing was rendered/);
    expect(fs.existsSync(path.join(dir, 'build/.typecheck.json'))).toBe(false);
  });

  test('GIVEN a passed check WHEN the tree is unchanged, touched, or edited THEN the compiler runs only for the edit', () => {
    dir = smallTree();
    const calls: string[] = [];
    const run = (_root: string, tsconfig: string) => {
      calls.push(tsconfig);
      return { ok: true, output: '' };
    };
    expect(typecheck(dir, 'app', run)).toEqual({ ok: true, cached: false });
    expect(typecheck(dir, 'app', run)).toEqual({ ok: true, cached: 'stat' });
    // A checkout rewrites files without changing them: the contents decide.
    const file = path.join(dir, 'charts/idp.ts');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(typecheck(dir, 'app', run)).toEqual({ ok: true, cached: 'content' });
    fs.appendFileSync(file, '\n// edited\n');
    expect(typecheck(dir, 'app', run)).toEqual({ ok: true, cached: false });
    expect(calls).toEqual(['tsconfig.app.json', 'tsconfig.app.json']);
  });

  test('GIVEN a failed check WHEN run again on the same tree THEN the compiler runs again (a failure is never cached)', () => {
    dir = smallTree();
    let calls = 0;
    const failing = () => {
      calls++;
      return { ok: false, output: 'charts/x.ts(1,1): error TS2322' };
    };
    expect(typecheck(dir, 'app', failing).ok).toBe(false);
    expect(typecheck(dir, 'app', failing).ok).toBe(false);
    expect(calls).toBe(2);
  });

  test('GIVEN the commands that render WHEN read from package.json and cdk8s.yaml THEN each type checks the app first', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const s of ['synth', 'parity', 'diff', 'promote', 'rollback']) {
      const expanded = scripts[s].replace('npm run --silent build:tools', scripts['build:tools']);
      expect(expanded.startsWith('node scripts/typecheck.js --app && ')).toBe(true);
    }
    expect(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: node scripts\/typecheck\.js --app && /m);
  });
});
