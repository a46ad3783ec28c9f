// The library as another team gets it: packed with `npm pack`, unpacked into
// a copy of examples/ whose other dependencies come from this project's own
// install (no npm cache, no network), then the example's own snapshot test and
// its synth run against the installed package, and the package's own
// validation gate (`manifests-validate`) checks the consumer's output offline.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
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

  test('the tarball holds the validation gate: the bin package.json names and the prebuilt schema catalog', () => {
    const bin = (pkg as unknown as { bin: Record<string, string> }).bin;
    expect(Object.keys(bin)).toEqual(['manifests-validate']);
    expect(files).toContain(bin['manifests-validate']);
    expect(files).toContain('lib-dist/lib/validate/schema/schema-catalog.txt');
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
        if (!builtinModules.includes(name)) imported.add(name);
      }
    }
    // THEN an installed package can resolve each of them
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    expect([...imported].filter((n) => !declared.has(n)).sort()).toEqual([]);
  });

  test('the scan below finds require and require.resolve of packages, not relative paths or Node built-ins', () => {
    const source = "const a = require('yaml');\nconst b = require(\"@scope/pkg/sub/path\");\nrequire.resolve('cdk8s-plus-27', { paths: [root] });\nrequire('./local'); require('node:fs'); require('path'); require('fs/promises');";
    expect(requiredPackages(source)).toEqual(['yaml', '@scope/pkg', 'cdk8s-plus-27']);
  });

  test('the packed JavaScript requires exactly the dependencies and peer dependencies package.json declares, nothing more and nothing unused', () => {
    // GIVEN every .js file the tarball holds WHEN collecting the packages they require at run time
    const required = new Map<string, string>();
    for (const f of files.filter((p) => p.endsWith('.js'))) {
      for (const name of requiredPackages(fs.readFileSync(path.join(tmp, 'project', f), 'utf8'))) if (!required.has(name)) required.set(name, f);
    }
    // THEN that set is exactly dependencies + peerDependencies: an undeclared one fails on install,
    // a declared one nothing requires (zod, the app's schema validator, once was) is a download for nothing
    const declared = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)].sort();
    expect({ undeclared: [...required].filter(([n]) => !declared.includes(n)).map(([n, f]) => `${n} (required by ${f})`), unused: declared.filter((n) => !required.has(n)) }).toEqual({ undeclared: [], unused: [] });
  });
});

/** Package names a compiled CommonJS source requires (or resolves) at run time: bare specifiers only, `@scope/name/sub` as `@scope/name`, Node built-ins left out. */
function requiredPackages(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\brequire(?:\.resolve)?\(\s*(['"])([^'"]+)\1/g)) {
    const spec = m[2];
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!builtinModules.includes(name)) names.add(name);
  }
  return [...names];
}

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
    // dist/ comes along: it is committed, and the example's own test compares it with a fresh render
    copyDir(path.join(root, 'examples'), example, new Set(['node_modules', 'build', 'package-lock.json']));
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
    // what npm does for a dependency's `bin`: a link in .bin, the target made executable
    for (const [name, target] of Object.entries((JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin)) {
      fs.chmodSync(path.join(installed, target), 0o755);
      fs.symlinkSync(path.join('..', ...pkg.name.split('/'), target), path.join(modules, '.bin', name));
    }
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

  test("the example's own test passes against the installed package (a fresh render equals its committed dist/)", () => {
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

  /** Runs `argv` in the example as npm runs a script: .bin first on PATH; TMPDIR fresh, so a catalog derived and cached there would show. */
  function inExample(argv: string[], cwd = example): { code: number; stdout: string; stderr: string; tmpFiles: string[] } {
    const tmpdir = fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(example, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, TMPDIR: tmpdir, NO_COLOR: '1' };
    delete env.VALIDATE_PROJECT_ROOT;
    const r = spawnSync(argv[0], argv.slice(1), { cwd, env, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, tmpFiles: fs.readdirSync(tmpdir) };
  }

  test('the installed manifests-validate passes the example\'s output with 0 violations, offline, from the catalog built into the package', () => {
    // GIVEN the example's dist/ as its synth wrote it WHEN its `npm run validate` script runs the package's bin
    expect(manifest.scripts.validate).toBe('manifests-validate dist');
    const r = inExample(['sh', '-c', manifest.scripts.validate]);
    // THEN every object passes, and no catalog was derived (nothing cached in TMPDIR, no imports/ or TypeScript needed)
    expect(r.stdout).toMatch(/^OK: 0 violations/m);
    expect(r.stderr).toMatch(/validate: (\d+) objects/);
    expect(Number(/validate: (\d+) objects/.exec(r.stderr)![1])).toBeGreaterThan(40);
    expect(r.code).toBe(0);
    expect(r.tmpFiles).toEqual([]);
  });

  test('the installed gate has teeth: broken objects in any directory are rejected, custom resources the example never uses included', () => {
    // GIVEN a directory outside the example holding its prod output plus three broken objects
    const broken = path.join(tmp, 'broken');
    copyDir(path.join(example, 'dist', 'prod'), path.join(broken, 'prod'), new Set());
    const shop = path.join(broken, 'prod', 'shop');
    fs.writeFileSync(path.join(shop, 'typo.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: typo, namespace: shop-prod}\nspec:\n  replicaz: 2\n  selector: {matchLabels: {app: typo}}\n  template:\n    metadata: {labels: {app: typo}}\n    spec: {containers: [{name: app, image: "registry.example.com/typo:v1.0.0"}]}\n');
    fs.writeFileSync(path.join(shop, 'certificate.yaml'), 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: shop-tls, namespace: shop-prod}\nspec: {secretName: shop-tls, issuerRef: {name: letsencrypt}, dnsNamez: [shop.example.com]}\n');
    fs.rmSync(path.join(shop, 'shop-prod--networkpolicy--default-deny.yaml'));
    // WHEN the installed bin checks that directory
    const r = inExample(['manifests-validate', broken, '--json'], tmp);
    // THEN it fails, naming each broken object and field
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { violations: Array<{ rule: string; file: string; path: string }> };
    const seen = report.violations.map((v) => `${v.rule} ${path.basename(v.file)} ${v.path}`);
    expect(seen).toEqual(expect.arrayContaining([
      expect.stringMatching(/^schema\/\S+ typo\.yaml spec\.replicaz$/),
      expect.stringMatching(/^schema\/\S+ certificate\.yaml spec\.dnsNamez$/),
      expect.stringMatching(/^policy\/default-deny /),
    ]));
    expect(r.tmpFiles).toEqual([]);
  });
});
