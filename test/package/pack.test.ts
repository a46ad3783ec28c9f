// The library as another team gets it: packed with `npm pack`, installed from
// the tarball into a copy of examples/ with no network (the npm cache has
// every dependency because this project installed them), then the example's
// own snapshot test and its synth run against the installed package.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { transpileLibrary } from './build-package';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  types: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

interface PackedFile {
  readonly path: string;
}

function npm(args: readonly string[], cwd: string): string {
  // The example compiles with the project's TypeScript (on PATH), so the
  // install leaves out its devDependencies and stays small and quick.
  const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, npm_config_update_notifier: 'false' };
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function copyDir(from: string, to: string, skip: ReadonlySet<string>): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const [a, b] = [path.join(from, e.name), path.join(to, e.name)];
    if (e.isDirectory()) copyDir(a, b, skip);
    else fs.copyFileSync(a, b);
  }
}

describe('package contents (npm pack --dry-run of the project)', () => {
  const files = (JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))[0].files as PackedFile[]).map((f) => f.path);

  test('holds README, LICENSE, CHANGELOG and package.json, and nothing from tests, dist, environments, charts, bench or examples', () => {
    for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) expect(files).toContain(f);
    const stray = files.filter((f) => /^(test|dist|environments|charts|bench|examples|scripts|docs|build|api)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    expect(stray).toEqual([]);
  });

  test('ships only compiled output under lib-dist/ besides the four top-level files', () => {
    const other = files.filter((f) => !f.startsWith('lib-dist/') && !['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'].includes(f));
    expect(other).toEqual([]);
  });
});

describe('runtime dependencies', () => {
  test('every package the library imports is a dependency or peer dependency (not only a devDependency)', () => {
    // GIVEN the modules lib/index.ts reaches WHEN collecting their bare imports
    const result = buildSync({ absWorkingDir: root, entryPoints: ['lib/index.ts'], bundle: true, packages: 'external', platform: 'node', write: false, metafile: true, logLevel: 'silent' });
    const imported = new Set<string>();
    for (const input of Object.values(result.metafile!.inputs)) {
      for (const i of input.imports) {
        if (!i.external || i.path.startsWith('node:') || !/^[@a-z]/.test(i.path)) continue;
        const name = i.path.startsWith('@') ? i.path.split('/').slice(0, 2).join('/') : i.path.split('/')[0];
        if (!require('module').builtinModules.includes(name)) imported.add(name);
      }
    }
    // THEN an installed package can resolve each of them (typescript is loaded lazily by the validator's schema derivation only)
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), 'typescript']);
    expect([...imported].filter((n) => !declared.has(n)).sort()).toEqual([]);
  });
});

describe('example consumer installed from the tarball', () => {
  let tmp: string;
  let example: string;
  let packed: string[];

  beforeAll(() => {
    // GIVEN the library built to lib-dist/ and packed
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-pack-'));
    const staging = path.join(tmp, 'package');
    fs.mkdirSync(staging);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) fs.copyFileSync(path.join(root, f), path.join(staging, f));
    transpileLibrary(root, staging);
    const out = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], staging));
    packed = (out[0].files as PackedFile[]).map((f) => f.path);
    const tarball = path.join(tmp, out[0].filename as string);
    // WHEN a copy of examples/ installs it offline
    example = path.join(tmp, 'example');
    copyDir(path.join(root, 'examples'), example, new Set(['node_modules', 'build', 'dist', 'package-lock.json']));
    npm(['install', '--offline', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', tarball], example);
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the entry points package.json names and the generated bindings they load', () => {
    expect(packed).toContain(pkg.main);
    expect(packed).toContain(pkg.types);
    expect(packed).toContain('lib-dist/imports/k8s.js');
    expect(packed).toContain('lib-dist/imports/rollouts-rollout-argoproj.io.js');
  });

  test("the example's own snapshot test passes against the installed package", () => {
    // THEN `npm test` of the example (tsc + node --test) succeeds
    const output = npm(['test'], example);
    expect(output).toMatch(/# fail 0/);
  });

  test('the example synthesizes both environments into dist/<env>/shop/', () => {
    // `npm run synth` is `tsc && node build/src/main.js`; `npm test` above already compiled
    const output = execFileSync(process.execPath, ['build/src/main.js'], { cwd: example, encoding: 'utf8' });
    expect(output).toMatch(/^staging: \d+ objects/m);
    expect(output).toMatch(/^prod: \d+ objects/m);
    const prod = fs.readdirSync(path.join(example, 'dist', 'prod', 'shop'));
    expect(prod).toContain('kustomization.yaml');
    expect(prod).toContain('shop-prod--rollout.argoproj.io--orders.yaml');
    expect(prod).toContain('shop-prod--deployment--payments-blue.yaml');
  });
});
