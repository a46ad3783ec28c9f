'use strict';
// Launcher copied next to every bundle by scripts/bundle.js: `build/main.js`
// runs `build/main.bundle.js` through V8's code cache.
//
// Compiling the 3 MB bundle, and then every function it calls for the first
// time, is a third of a synth's wall time. V8 can serialize the compiled code
// after a run and accept it back on the next: this file compiles the bundle
// with the cache of the previous run (build/.v8-cache/), and after a run
// without a usable cache writes one. The cache is keyed by the bundle's size
// and modification time (every build writes a new bundle) and V8 checks its own
// version and flags, rejecting a cache made by another Node. Writing is
// best-effort and atomic (temp file + rename): a read-only build/ or two runs
// at once only cost the speed-up, never correctness.
//
// LAUNCH_DEBUG=1 reports on stderr whether the cache was used. The reference
// path (SYNTH_REFERENCE=1 or `--reference`) neither reads nor writes a cache.
//
// The bundle runs as this module: `require.main === module`, `require`,
// `__filename` and `__dirname` are this launcher's, which sits in the same
// directory.
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const bundle = __filename.replace(/\.js$/, '.bundle.js');
const source = fs.readFileSync(bundle, 'utf8');
const stat = fs.statSync(bundle);
const cacheDir = path.join(__dirname, '.v8-cache');
const base = path.basename(bundle, '.bundle.js');
const stem = path.join(cacheDir, `${base}-${stat.size}-${Math.round(stat.mtimeMs)}`);
// A cache holds the functions its run compiled. One written after a run that
// only printed help or stopped at a config error would leave the main path
// compiling from source until the next build, so the app marks a run that
// went all the way (globalThis[Symbol.for('launch.fullRun')] = true): other
// runs write a `.partial.bin`, which the next full run replaces once.
const FULL_RUN = Symbol.for('launch.fullRun');
const fullFile = `${stem}.bin`;
const partialFile = `${stem}.partial.bin`;

const read = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};
const reference = process.env.SYNTH_REFERENCE === '1' || process.argv.includes('--reference');
let cacheFile = fullFile;
let cachedData = reference ? undefined : read(fullFile);
if (!cachedData && !reference) {
  cachedData = read(partialFile);
  if (cachedData) cacheFile = partialFile;
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  cachedData,
});
const state = reference ? 'off' : !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
if (process.env.LAUNCH_DEBUG) process.stderr.write(`launch: code cache ${state} (${path.relative(process.cwd(), cacheFile)})\n`);
// After the run, so that the functions the run compiled are in the cache too.
process.once('exit', () => {
  const full = globalThis[FULL_RUN] === true;
  if (state === 'off' || (state === 'accepted' && (cacheFile === fullFile || !full))) return;
  try {
    const data = script.createCachedData();
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const old of fs.readdirSync(cacheDir)) if (old.startsWith(`${base}-`) && old.endsWith('.bin')) fs.rmSync(path.join(cacheDir, old), { force: true });
    const target = full ? fullFile : partialFile;
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch {
    // best effort: the next run compiles from source again
  }
});
script.runInThisContext()(module.exports, require, module, __filename, __dirname);
