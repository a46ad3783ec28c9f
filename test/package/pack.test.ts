// The library as another team gets it: packed with `npm pack`, installed from
// the tarball into a copy of examples/ with no network (the npm cache has
// every dependency because this project installed them), then the example's
// own snapshot test and its synth run against the installed package.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { libraryMetafile, transpileLibrary } from './build-package';

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
  return execFileSync('npm', args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Mirrors the project's working tree into `to` with hard links (cheap; npm
 * pack only reads them; copies where links are not possible, e.g. /tmp on
 * another file system), leaving out `skip` names at any depth. Entries that
 * vanish meanwhile (a concurrent synth swapping dist/) are skipped.
 */
let canLink = true;
function linkTree(from: string, to: string, skip: ReadonlySet<string>): void {
  fs.mkdirSync(to, { recursive: true });
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(from, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (skip.has(e.name)) continue;
    const [a, b] = [path.join(from, e.name), path.join(to, e.name)];
    try {
      if (e.isDirectory()) linkTree(a, b, skip);
      else if (e.isFile()) {
        if (canLink) {
          try {
            fs.linkSync(a, b);
            continue;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
            canLink = false;
          }
        }
        fs.copyFileSync(a, b);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
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

// GIVEN the project's files (its package.json "files" decide what is packed)
// with lib-dist/ built afresh, packed once: the contents tests read the
// tarball's file list, the consumer tests install the tarball.
let tmp: string;
let files: string[];
let tarball: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-pack-'));
  const project = path.join(tmp, 'project');
  // node_modules and .git are never packed (npm excludes them); lib-dist/ is built below.
  linkTree(root, project, new Set(['node_modules', '.git', 'lib-dist']));
  transpileLibrary(root, project);
  const out = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], project));
  files = (out[0].files as PackedFile[]).map((f) => f.path);
  tarball = path.join(tmp, out[0].filename as string);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('package contents (npm pack of the project)', () => {
  test('holds README, LICENSE, CHANGELOG and package.json, and nothing from tests, dist, environments, charts, bench or examples', () => {
    for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) expect(files).toContain(f);
    const stray = files.filter((f) => /^(test|dist|environments|charts|bench|examples|scripts|docs|build|api)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    expect(stray).toEqual([]);
  });

  test('ships only compiled output under lib-dist/ besides the four top-level files', () => {
    const other = files.filter((f) => !f.startsWith('lib-dist/') && !['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'].includes(f));
    expect(other).toEqual([]);
  });

  test('the tarball holds the entry points package.json names and the generated bindings they load', () => {
    expect(files).toContain(pkg.main);
    expect(files).toContain(pkg.types);
    expect(files).toContain('lib-dist/imports/k8s.js');
    expect(files).toContain('lib-dist/imports/rollouts-rollout-argoproj.io.js');
  });
});

describe('runtime dependencies', () => {
  test('every package the library imports is a dependency or peer dependency (not only a devDependency)', () => {
    // GIVEN the modules lib/index.ts reaches WHEN collecting their bare imports
    const imported = new Set<string>();
    for (const input of Object.values(libraryMetafile(root).inputs)) {
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
  let example: string;
  let scripts: Record<string, string>;

  beforeAll(() => {
    // WHEN a copy of examples/ installs it offline. Optional dependencies are
    // left out: cdk8s-plus-27 names `backport` (a release tool: ~190 packages,
    // 6000 files) as one, and the example runs without it. The copy gets a
    // lock of the example's own dependencies (see the test below), so npm
    // resolves only the tarball and what it needs instead of ~200 packuments.
    example = path.join(tmp, 'example');
    copyDir(path.join(root, 'examples'), example, new Set(['node_modules', 'build', 'dist', 'package-lock.json']));
    fs.copyFileSync(path.join(__dirname, 'example-lock.json'), path.join(example, 'package-lock.json'));
    npm(['install', '--offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts', tarball], example);
    scripts = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8')).scripts;
  });

  test('the lock given to the copy pins exactly the dependencies examples/package.json names', () => {
    // Regenerate after changing them: cd examples && npm install --package-lock-only --offline --ignore-scripts
    //   && mv package-lock.json ../test/package/example-lock.json
    const lock = JSON.parse(fs.readFileSync(path.join(__dirname, 'example-lock.json'), 'utf8')).packages[''];
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'package.json'), 'utf8'));
    expect({ dependencies: lock.dependencies, devDependencies: lock.devDependencies }).toEqual({ dependencies: manifest.dependencies, devDependencies: manifest.devDependencies });
  });

  test("the example's own snapshot test passes against the installed package", () => {
    // THEN its `npm test` script (tsc with the example's own TypeScript, then
    // node --test) succeeds; run as npm runs it, without npm's start-up
    const bin = path.join(example, 'node_modules', '.bin');
    const output = execFileSync('sh', ['-c', scripts.test], { cwd: example, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(output).toMatch(/# fail 0/);
    expect(output).toMatch(/# pass [1-9]/);
  });

  test('the example synthesizes both environments into dist/<env>/shop/', () => {
    // `npm run synth` is `tsc -p . && node build/src/main.js`; the test above already compiled
    expect(scripts.synth).toBe('tsc -p . && node build/src/main.js');
    const output = execFileSync(process.execPath, ['build/src/main.js'], { cwd: example, encoding: 'utf8' });
    expect(output).toMatch(/^staging: \d+ objects/m);
    expect(output).toMatch(/^prod: \d+ objects/m);
    const prod = fs.readdirSync(path.join(example, 'dist', 'prod', 'shop'));
    expect(prod).toContain('kustomization.yaml');
    expect(prod).toContain('shop-prod--rollout.argoproj.io--orders.yaml');
    expect(prod).toContain('shop-prod--deployment--payments-blue.yaml');
  });
});
