'use strict';
// Bundles entry points for Node with esbuild, each as `<out>/<name>.bundle.js`
// plus the launcher `<out>/<name>.js` (scripts/launch.js) that runs it through
// V8's code cache. `node <out>/<name>.js ...` is the command either way.
//
//   node scripts/bundle.js --outdir build [--define require.main=undefined] ENTRY...
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

// The generated L1 bindings (cdk8s-plus-27's k8s module and `cdk8s import`'s
// imports/*.ts) end every `toJson_*` converter with
//   return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
// which copies the object once per defined field (quadratic in the fields,
// and garbage for the collector) on every level of every object a synth
// resolves. The bundle replaces it with one loop that gives the same object:
// the same own keys, in the same order, without the undefined ones.
const SLOW_FILTER = 'return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';
const FAST_FILTER = 'return __withoutUndefined(result);';
const FILTER_HELPER = `
function __withoutUndefined(o) {
  const r = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    if (k === '__proto__') Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
    else r[k] = v;
  }
  return r;
}
`;
// cdk8s ships its own copy of `yaml` (a bundled dependency). When it is the
// same version as the project's, the bundle carries and loads one copy.
const sharedYaml = {
  name: 'shared-yaml',
  setup(build) {
    const version = (dir) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
      } catch {
        return undefined;
      }
    };
    const root = path.resolve(__dirname, '..');
    const own = path.join(root, 'node_modules', 'yaml');
    const cdk8s = path.join(root, 'node_modules', 'cdk8s', 'node_modules', 'yaml');
    const same = version(own) !== undefined && version(own) === version(cdk8s);
    build.onResolve({ filter: /^yaml(\/.*)?$/ }, (args) => {
      if (!same || !args.importer.startsWith(path.join(root, 'node_modules', 'cdk8s') + path.sep)) return undefined;
      return { path: require.resolve(args.path, { paths: [root] }) };
    });
  },
};

/** The source with every slow filter replaced, or undefined when it has none. */
function fastBindings(text) {
  if (!text.includes(SLOW_FILTER)) return undefined;
  return text.split(SLOW_FILTER).join(FAST_FILTER) + FILTER_HELPER;
}
const bindingsPlugin = {
  name: 'l1-bindings',
  setup(build) {
    build.onLoad({ filter: /(cdk8s-plus-27[\\/]lib[\\/]imports[\\/]k8s\.js|[\\/]imports[\\/][^\\/]+\.ts)$/ }, (args) => {
      const contents = fastBindings(fs.readFileSync(args.path, 'utf8'));
      return contents === undefined ? undefined : { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

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
    plugins: [bindingsPlugin, sharedYaml],
    outdir,
    logLevel: 'warning',
    write: false,
  });
  // An unchanged bundle keeps its mtime, so the launcher's V8 code cache
  // (keyed by size and mtime) stays valid across `npm run synth` calls.
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
  const launcher = fs.readFileSync(path.join(__dirname, 'launch.js'));
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

module.exports = { fastBindings, SLOW_FILTER };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e.message ?? e}\n`);
    process.exitCode = 1;
  });
}
