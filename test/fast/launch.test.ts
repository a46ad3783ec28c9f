// app/fast/launch.js: a bundle run through V8's code cache behaves exactly like
// the bundle run directly, whatever state the cache is in.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const LAUNCHER = path.resolve(__dirname, '../../app/fast/launch.js');

function project(bundleSource: string): { dir: string; run(...args: string[]): { status: number | null; stdout: string; stderr: string }; cacheFiles(): string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-test-'));
  fs.copyFileSync(LAUNCHER, path.join(dir, 'app.js'));
  fs.writeFileSync(path.join(dir, 'app.bundle.js'), bundleSource);
  return {
    dir,
    run: (...args) => {
      const r = spawnSync(process.execPath, [path.join(dir, 'app.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LAUNCH_DEBUG: '' } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    cacheFiles: () => (fs.existsSync(path.join(dir, '.v8-cache')) ? fs.readdirSync(path.join(dir, '.v8-cache')).sort() : []),
  };
}

// A bundle that reports what a CommonJS entry module sees, and its exit code.
const bundle = (word: string) => `
const path = require('path');
function shout(s) { return s.toUpperCase(); }
if (require.main === module) {
  if (process.argv.includes('full')) globalThis[Symbol.for('launch.fullRun')] = true;
  process.stdout.write(JSON.stringify({ word: shout(${JSON.stringify(word)}), args: process.argv.slice(2), dir: path.basename(__dirname) === path.basename(process.cwd()) }) + '\\n');
  process.exitCode = Number(process.argv[2] ?? 0);
}
module.exports = { shout };
`;

describe('app/fast/launch.js', () => {
  test('GIVEN no cache WHEN run twice THEN the first run writes one cache file, the second uses it, and both behave as the bundle', () => {
    const p = project(bundle('one'));
    const first = p.run('3', 'full');
    expect(first).toEqual({ status: 3, stdout: '{"word":"ONE","args":["3","full"],"dir":true}\n', stderr: '' });
    const written = p.cacheFiles();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^app-\d+-\d+\.bin$/);
    const size = fs.statSync(path.join(p.dir, '.v8-cache', written[0])).size;
    expect(size).toBeGreaterThan(0);
    const second = p.run('0');
    expect(second).toEqual({ status: 0, stdout: '{"word":"ONE","args":["0"],"dir":true}\n', stderr: '' });
    expect(p.cacheFiles()).toEqual(written);
    const debug = spawnSync(process.execPath, [path.join(p.dir, 'app.js')], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, LAUNCH_DEBUG: '1' } });
    expect(debug.stderr).toBe(`launch: code cache accepted (.v8-cache/${written[0]})\n`);
  });

  test('GIVEN the reference path (SYNTH_REFERENCE=1 or --reference) WHEN run THEN the bundle runs with no code cache read or written', () => {
    const p = project(bundle('one'));
    const env = { ...process.env, LAUNCH_DEBUG: '1', SYNTH_REFERENCE: '1' };
    const r = spawnSync(process.execPath, [path.join(p.dir, 'app.js'), '0', 'full'], { cwd: p.dir, encoding: 'utf8', env });
    expect(r.stdout).toBe('{"word":"ONE","args":["0","full"],"dir":true}\n');
    expect(r.stderr).toMatch(/^launch: code cache off /);
    const flag = spawnSync(process.execPath, [path.join(p.dir, 'app.js'), '--reference'], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, LAUNCH_DEBUG: '1' } });
    expect(flag.stderr).toMatch(/^launch: code cache off /);
    expect(p.cacheFiles()).toEqual([]);
  });

  test('GIVEN a rebuilt bundle of the same length WHEN run THEN it runs the new code and replaces the old cache', () => {
    const p = project(bundle('one'));
    p.run();
    const old = p.cacheFiles();
    const bundlePath = path.join(p.dir, 'app.bundle.js');
    fs.writeFileSync(bundlePath, bundle('two'));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(bundlePath, later, later);
    expect(p.run().stdout).toBe('{"word":"TWO","args":[],"dir":true}\n');
    const now = p.cacheFiles();
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(old);
  });

  test('GIVEN a corrupt cache file WHEN run THEN V8 rejects it, the bundle still runs, and a good cache replaces it', () => {
    const p = project(bundle('one'));
    p.run();
    const [file] = p.cacheFiles();
    const cachePath = path.join(p.dir, '.v8-cache', file);
    fs.writeFileSync(cachePath, Buffer.alloc(4096, 7));
    const debug = spawnSync(process.execPath, [path.join(p.dir, 'app.js')], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, LAUNCH_DEBUG: '1' } });
    expect(debug.stderr).toBe(`launch: code cache rejected (.v8-cache/${file})\n`);
    fs.writeFileSync(cachePath, Buffer.alloc(4096, 7));
    expect(p.run('0').stdout).toBe('{"word":"ONE","args":["0"],"dir":true}\n');
    expect(fs.readFileSync(cachePath).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  test('GIVEN a cache directory that cannot be written WHEN run THEN the bundle runs normally', () => {
    const p = project(bundle('one'));
    fs.writeFileSync(path.join(p.dir, '.v8-cache'), 'a file where the directory would go');
    expect(p.run('0')).toEqual({ status: 0, stdout: '{"word":"ONE","args":["0"],"dir":true}\n', stderr: '' });
  });

  test('GIVEN a first run that is not a full run (help, an error) WHEN a full run follows THEN the partial cache is used once and replaced by a full one, which later runs keep', () => {
    const p = project(bundle('one'));
    p.run('0');
    const [partial] = p.cacheFiles();
    expect(partial).toMatch(/^app-\d+-\d+\.partial\.bin$/);
    const debug = (...args: string[]) => spawnSync(process.execPath, [path.join(p.dir, 'app.js'), ...args], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, LAUNCH_DEBUG: '1' } });
    expect(debug('0').stderr).toBe(`launch: code cache accepted (.v8-cache/${partial})\n`);
    expect(p.cacheFiles()).toEqual([partial]);
    const second = debug('0', 'full');
    expect(second.status).toBe(0);
    expect(second.stderr).toBe(`launch: code cache accepted (.v8-cache/${partial})\n`);
    const [full] = p.cacheFiles();
    expect(p.cacheFiles()).toEqual([partial.replace('.partial.bin', '.bin')]);
    const fullStat = fs.statSync(path.join(p.dir, '.v8-cache', full));
    expect(debug('0').stderr).toBe(`launch: code cache accepted (.v8-cache/${full})\n`);
    expect(debug('0', 'full').stderr).toBe(`launch: code cache accepted (.v8-cache/${full})\n`);
    expect(p.cacheFiles()).toEqual([full]);
    expect(fs.statSync(path.join(p.dir, '.v8-cache', full)).mtimeMs).toBe(fullStat.mtimeMs);
  });

  test('GIVEN the launcher required by another module THEN the bundle is not the main module and its exports are returned', () => {
    const p = project(bundle('one'));
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(path.join(p.dir, 'app.js'))}).shout('ok'))`], { encoding: 'utf8' });
    expect(r.stdout).toBe('OK');
  });
});
