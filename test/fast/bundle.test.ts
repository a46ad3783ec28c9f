// app/fast/bundle-plugins.js rewrites (at bundle time) the generated L1 bindings' undefined-filter (an
// object copy per defined field) into one loop. The rewritten converter must
// give the same object for every input: same own keys, same order, same values.
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { seeded } from '../helpers/fuzz';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fastBindings, SLOW_FILTER } = require('../../app/fast/bundle-plugins.js') as { fastBindings(text: string): string | undefined; SLOW_FILTER: string };
const ROOT = path.resolve(__dirname, '../..');

/** A converter written the way the generated bindings write them, as slow (original) and fast (rewritten) functions. */
function converters(): { slow: (o: object) => object; fast: (o: object) => object } {
  const source = `function convert(result) {\n  ${SLOW_FILTER}\n}\nthis.convert = convert;`;
  const slow: { convert?: (o: object) => object } = {};
  const fast: { convert?: (o: object) => object } = {};
  vm.runInNewContext(source, slow);
  vm.runInNewContext(fastBindings(source)!, fast);
  return { slow: slow.convert!, fast: fast.convert! };
}

/** Deterministic pseudo-random numbers from a seed (seeded(): fixed by default, FUZZ_SEED replaces it). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['apiVersion', 'kind', 'metadata', 'spec', '0', '10', '2', '__proto__', 'constructor', 'toString', 'a-b', '', 'x'];
const VALUES = [undefined, null, 0, false, '', 'text', [1, undefined], { nested: undefined }, Number.NaN];

describe('bundle.js: the L1 bindings undefined-filter', () => {
  const { slow, fast } = converters();

  test('GIVEN 2000 generated objects (integer-like, __proto__ and prototype-named keys; undefined, null, falsy and nested values) WHEN converted THEN the rewritten filter gives the same keys, order and values', () => {
    seeded(42, (seed) => {
      const next = rng(seed);
      for (let n = 0; n < 2000; n++) {
        const input: Record<string, unknown> = {};
        for (const k of KEYS) {
          if (next() < 0.6) Object.defineProperty(input, k, { value: VALUES[Math.floor(next() * VALUES.length)], enumerable: true, writable: true, configurable: true });
        }
        const a = slow(input);
        const b = fast(input);
        expect(Object.getOwnPropertyNames(b)).toEqual(Object.getOwnPropertyNames(a));
        for (const k of Object.keys(a)) expect(Object.is((b as Record<string, unknown>)[k], (a as Record<string, unknown>)[k])).toBe(true);
      }
    });
  });

  test('GIVEN a source without the pattern THEN it is left alone', () => {
    expect(fastBindings('export const x = 1;')).toBeUndefined();
  });

  test('GIVEN the shipped bundle THEN no converter keeps the slow filter', () => {
    const bundle = fs.readFileSync(path.join(ROOT, 'build', 'main.bundle.js'), 'utf8');
    expect(bundle).toContain('__withoutUndefined(result)');
    expect(bundle).not.toContain('Object.entries(result).reduce(');
  });
});

describe('bundle.js: one copy of yaml', () => {
  test('GIVEN cdk8s bundles the same yaml version as the project THEN the shipped bundle holds only the project\'s copy', () => {
    const version = (dir: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;
    const bundle = fs.readFileSync(path.join(ROOT, 'build', 'main.bundle.js'), 'utf8');
    expect(bundle).toContain('// node_modules/yaml/dist/');
    const same = version('node_modules/yaml') === version('node_modules/cdk8s/node_modules/yaml');
    expect(bundle.includes('// node_modules/cdk8s/node_modules/yaml/')).toBe(!same);
  });
});
