// The library as another team gets it: packed with `npm pack`, unpacked into
// a copy of examples/ whose other dependencies come from this project's own
// install (no npm cache, no network), then the example's own snapshot test and
// its synth run against the installed package.
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

/** `version` satisfies a caret range `^x.y.z` or equals an exact `x.y.z` (the only forms package.json uses here). */
function satisfies(version: string, range: string): boolean {
  if (!range.startsWith('^')) return version === range;
  const [v, r] = [version, range.slice(1)].map((x) => x.split('.').map(Number));
  // the left-most non-zero part of the range is fixed; the whole version may not be lower
  const fixed = r.findIndex((n, i) => n !== 0 || i === 2);
  if (v.slice(0, fixed + 1).some((n, i) => n !== r[i])) return false;
  const diff = v.map((n, i) => n - r[i]).find((d) => d !== 0) ?? 0;
  return diff >= 0;
}

/** The version of `name` in the project's own install (node_modules, filled by `npm ci` from the committed lock). */
function rootVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

describe('example consumer installed from the tarball', () => {
  // The consumer's node_modules is laid out the way npm lays it out, from two
  // sources that need no cache and no network: the tarball, unpacked into
  // node_modules/@platform/manifests, and every other package linked from the
  // project's own install, which `npm ci` made from the committed lock with
  // exactly the versions examples/package.json pins (asserted below). An
  // offline `npm install` of the tarball needs registry metadata that only an
  // earlier online install leaves in the npm cache: it failed on every fresh
  // machine. The example then compiles with its own tsc and runs its tests.
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  const pinned = { ...manifest.dependencies, ...manifest.devDependencies };
  let example: string;

  beforeAll(() => {
    example = path.join(tmp, 'example');
    copyDir(path.join(root, 'examples'), example, new Set(['node_modules', 'build', 'dist', 'package-lock.json']));
    const modules = path.join(example, 'node_modules');
    const installed = path.join(modules, ...pkg.name.split('/'));
    fs.mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    for (const name of [...Object.keys(pinned), ...Object.keys(pkg.dependencies)]) {
      const link = path.join(modules, ...name.split('/'));
      fs.mkdirSync(path.dirname(link), { recursive: true });
      if (!fs.existsSync(link)) fs.symlinkSync(path.join(root, 'node_modules', name), link, 'dir');
    }
    fs.mkdirSync(path.join(modules, '.bin'));
    fs.symlinkSync('../typescript/bin/tsc', path.join(modules, '.bin', 'tsc'));
  });

  test('the project install has exactly the versions examples/package.json pins, and they meet the tarball\'s peer ranges', () => {
    // GIVEN the example's pins and the packed package.json WHEN compared with what npm ci installed
    const packed = JSON.parse(fs.readFileSync(path.join(example, 'node_modules', ...pkg.name.split('/'), 'package.json'), 'utf8')) as typeof pkg;
    const actual = Object.fromEntries(Object.keys(pinned).map((n) => [n, rootVersion(n)]));
    // THEN the consumer links the very versions it names, and npm would accept them for the peers
    expect(actual).toEqual(pinned);
    for (const [peer, range] of Object.entries(packed.peerDependencies)) {
      expect({ peer, version: pinned[peer], ok: satisfies(pinned[peer] ?? 'missing', range) }).toEqual({ peer, version: pinned[peer], ok: true });
    }
    for (const [dep, range] of Object.entries(packed.dependencies)) expect({ dep, ok: satisfies(rootVersion(dep), range) }).toEqual({ dep, ok: true });
  });

  test('the range check used above refuses what npm refuses', () => {
    expect(satisfies('2.70.106', '^2.70.0')).toBe(true);
    expect(satisfies('2.69.9', '^2.70.0')).toBe(false);
    expect(satisfies('3.0.0', '^2.70.0')).toBe(false);
    expect(satisfies('0.2.5', '^0.2.3')).toBe(true);
    expect(satisfies('0.3.0', '^0.2.3')).toBe(false);
    expect(satisfies('2.70.9', '^2.70.10')).toBe(false);
    expect(satisfies('2.71.0', '^2.70.10')).toBe(true);
    expect(satisfies('0.0.3', '^0.0.3')).toBe(true);
    expect(satisfies('0.0.4', '^0.0.3')).toBe(false);
    expect(satisfies('4.3.2', '4.3.2')).toBe(true);
    expect(satisfies('4.3.1', '4.3.2')).toBe(false);
  });

  test("the example's own snapshot test passes against the installed package", () => {
    // THEN its `npm test` script (tsc with the example's own TypeScript, then
    // node --test) succeeds; run as npm runs it, without npm's start-up
    const bin = path.join(example, 'node_modules', '.bin');
    const output = execFileSync('sh', ['-c', manifest.scripts.test], { cwd: example, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(output).toMatch(/# fail 0/);
    expect(output).toMatch(/# pass [1-9]/);
  });

  test('the example loads the library from the unpacked tarball, not from the project sources', () => {
    const resolved = execFileSync(process.execPath, ['-p', `require.resolve('${pkg.name}')`], { cwd: example, encoding: 'utf8' }).trim();
    expect(resolved).toBe(path.join(fs.realpathSync(example), 'node_modules', ...pkg.name.split('/'), pkg.main));
  });

  test('the example synthesizes both environments into dist/<env>/shop/', () => {
    // `npm run synth` is `tsc -p . && node build/src/main.js`; the test above already compiled
    expect(manifest.scripts.synth).toBe('tsc -p . && node build/src/main.js');
    const output = execFileSync(process.execPath, ['build/src/main.js'], { cwd: example, encoding: 'utf8' });
    expect(output).toMatch(/^staging: \d+ objects/m);
    expect(output).toMatch(/^prod: \d+ objects/m);
    const prod = fs.readdirSync(path.join(example, 'dist', 'prod', 'shop'));
    expect(prod).toContain('kustomization.yaml');
    expect(prod).toContain('shop-prod--rollout.argoproj.io--orders.yaml');
    expect(prod).toContain('shop-prod--deployment--payments-blue.yaml');
  });
});
