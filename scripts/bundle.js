'use strict';
// Bundles entry points for Node with esbuild, each as `<out>/<name>.bundle.js`
// plus the launcher `<out>/<name>.js` (app/fast/launch.js) that runs it through
// V8's code cache. `node <out>/<name>.js ...` is the command either way.
// SYNTH_REFERENCE=1 builds without the bundle-time speed-ups of
// app/fast/bundle-plugins.js (the launcher then skips the code cache too).
//
//   node scripts/bundle.js --outdir build [--define require.main=undefined] ENTRY...
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { bindingsPlugin, sharedYaml } = require('../app/fast/bundle-plugins.js');

const FAST_DIR = path.join(__dirname, '..', 'app', 'fast');
const reference = process.env.SYNTH_REFERENCE === '1';

async function main(argv) {
  let outdir = 'build';
  const define = {};
  const entries = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--outdir') outdir = argv[++i];
    else if (a === '--define') {
      const [k, v] = argv[++i].split('=');
      define[k] = v;
    } else if (a.startsWith('--')) throw new Error(`bundle.js: unknown option ${a} (valid: --outdir DIR, --define KEY=VALUE)`);
    else entries.push(a);
  }
  if (!entries.length) throw new Error('bundle.js: name at least one entry file');
  const result = await esbuild.build({
    entryPoints: entries.map((e) => ({ in: e, out: `${path.basename(e, path.extname(e))}.bundle` })),
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: ['typescript'],
    define,
    plugins: reference ? [] : [bindingsPlugin, sharedYaml],
    outdir,
    logLevel: 'warning',
    write: false,
  });
  // An unchanged bundle keeps its mtime, so the launcher's V8 code cache
  // (keyed by size and mtime) stays valid across `npm run synth` calls.
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
  const launcher = fs.readFileSync(path.join(FAST_DIR, 'launch.js'));
  for (const e of entries) writeIfChanged(path.join(outdir, `${path.basename(e, path.extname(e))}.js`), launcher);
}

function writeIfChanged(file, bytes) {
  let old;
  try {
    old = fs.readFileSync(file);
  } catch {
    old = undefined;
  }
  if (old && old.equals(bytes)) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e.message ?? e}\n`);
    process.exitCode = 1;
  });
}
