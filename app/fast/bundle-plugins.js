'use strict';
// Bundle-time speed-ups (esbuild plugins), used by scripts/bundle.js unless
// SYNTH_REFERENCE=1 asks for the reference build. Neither changes what a
// synth renders: test/fast/bundle.test.ts compares the rewritten converters
// with the generated ones, and test/fast/reference.test.ts renders every
// environment both ways.
const fs = require('fs');
const path = require('path');

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
    const root = path.resolve(__dirname, '../..');
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

module.exports = { bindingsPlugin, fastBindings, sharedYaml, SLOW_FILTER };
