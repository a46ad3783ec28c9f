// app/fast/resolve.ts must give exactly what cdk8s's own toJson gives:
// same values, same key order, same errors.
import * as fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import { ApiObject, App, Chart, Duration, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { environmentTargets } from '../../charts';
import { withGitOps } from '../../charts/gitops';
import { listEnvironments, loadEnvironment } from '../../app/config';
import { CDK8S_LINE, fastResolveSupported, withFastResolve } from '../../app/fast/resolve';
import * as k8s from '../../imports/k8s';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = require('cdk8s/lib/resolve') as { resolve: (...args: unknown[]) => unknown };

/** JSON text keeps key order, so equal texts mean equal values in the same order. */
const text = (o: ApiObject) => JSON.stringify(o.toJson());
const outcome = (o: ApiObject): string => {
  try {
    return text(o);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
};

describe('withFastResolve', () => {
  test('GIVEN every object of every environment WHEN resolved both ways THEN the JSON texts are identical', () => {
    let compared = 0;
    for (const env of listEnvironments()) {
      const app = new App();
      const targets = withGitOps(loadEnvironment(env), environmentTargets(loadEnvironment(env), app), app);
      const objects = targets.flatMap((t) => t.chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject));
      const cdk8s = objects.map(text);
      // cdk8s's resolve() runs only for objects with JSON patches (left to cdk8s), never on the one-pass path.
      const resolve = jest.spyOn(cdk8sResolve, 'resolve');
      const fast = withFastResolve(() => objects.map(text));
      const patched = new Set(objects.filter((o) => (o as unknown as { patches: unknown[] }).patches.length > 0));
      const slow = new Set(resolve.mock.calls.map((c) => c[2] as ApiObject));
      resolve.mockRestore();
      expect([...slow].filter((o) => !patched.has(o)).map((o) => o.node.path)).toEqual([]);
      expect(slow.size).toBeLessThan(objects.length / 10);
      expect(fast).toEqual(cdk8s);
      const metadata = (o: ApiObject) => JSON.stringify(o.metadata.toJson() ?? {});
      expect(withFastResolve(() => objects.map(metadata))).toEqual(objects.map(metadata));
      compared += objects.length;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  // Values of the kinds cdk8s resolves: plain data with nulls, empty lists and
  // maps, Lazy values, implicit tokens (objects with resolve()), number/string
  // unions (IntOrString, Quantity), Durations and functions.
  const leaf = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant([]),
    fc.constant({}),
    fc.integer().map((n) => k8s.IntOrString.fromNumber(n)),
    fc.string({ maxLength: 4 }).map((s) => k8s.Quantity.fromString(s)),
    fc.string({ maxLength: 4 }).map((s) => ({ resolve: () => `token-${s}` })),
    fc.integer({ min: 0, max: 1000 }).map((n) => Duration.seconds(n)),
  );
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('b', 'a', 'C', 'value', 'z1', '0', 'resolve'), tie('node'), { maxKeys: 4 }),
      tie('node').map((v) => Lazy.any({ produce: () => v })),
    ),
  })).node;

  test('GIVEN generated props and metadata WHEN resolved both ways THEN the outcomes (JSON or error) are identical', () => {
    const resolve = jest.spyOn(cdk8sResolve, 'resolve');
    let onePass = 0;
    fc.assert(
      fc.property(tree, tree, fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 3 }), fc.boolean(), (spec, extra, labels, unsorted) => {
        const chart = new Chart(new App(), 'c');
        const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { labels, annotations: {}, finalizers: [] }, spec, extra });
        const previous = process.env.CDK8S_DISABLE_SORT;
        if (unsorted) process.env.CDK8S_DISABLE_SORT = '1';
        try {
          resolve.mockClear();
          const fast = withFastResolve(() => outcome(o));
          if (resolve.mock.calls.length === 0) onePass++;
          expect(fast).toBe(outcome(o));
        } finally {
          if (previous === undefined) delete process.env.CDK8S_DISABLE_SORT;
          else process.env.CDK8S_DISABLE_SORT = previous;
        }
      }),
      fuzz({ numRuns: 400, seed: 20261122 }),
    );
    resolve.mockRestore();
    // Many generated objects take the one-pass path (the others hold a Duration or another value cdk8s refuses).
    expect(onePass).toBeGreaterThan(100);
  });

  test('GIVEN an App with a custom resolver WHEN resolved THEN the resolver still runs (cdk8s path)', () => {
    class Upper implements IResolver {
      resolve(context: ResolutionContext): void {
        if (typeof context.value === 'string' && context.value.startsWith('x')) context.replaceValue(context.value.toUpperCase());
      }
    }
    const o = new ApiObject(new Chart(new App({ resolvers: [new Upper()] }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'xyz' } });
    expect(withFastResolve(() => o.toJson()).data).toEqual({ a: 'XYZ' });
  });

  test('GIVEN JSON patches WHEN resolved THEN they are applied as cdk8s applies them', () => {
    const o = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    o.addJsonPatch(JsonPatch.add('/data/b', '2'), JsonPatch.remove('/data/a'));
    expect(withFastResolve(() => text(o))).toBe(text(o));
    expect(o.toJson().data).toEqual({ b: '2' });
  });

  test('GIVEN a non-plain object WHEN resolved THEN the error is cdk8s\'s, naming the construct', () => {
    class Thing {}
    const o = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: new Thing() } });
    const fast = withFastResolve(() => outcome(o));
    expect(fast).toBe(outcome(o));
    expect(fast).toMatch(/Failed serializing construct at path 'c\/o'.*non-simple object of type 'Thing'/);
  });

  test('GIVEN a render that throws WHEN it ends THEN cdk8s\'s own toJson is back', () => {
    const before = ApiObject.prototype.toJson;
    expect(() => withFastResolve(() => {
      expect(ApiObject.prototype.toJson).not.toBe(before);
      throw new Error('boom');
    })).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(before);
  });

  test('GIVEN a cdk8s version WHEN asked THEN the shortcut is supported only on the cdk8s line whose internals it copies (elsewhere withFastResolve only runs its function)', () => {
    // GIVEN the installed cdk8s (pinned in package.json) and two other versions
    expect(fastResolveSupported()).toBe(true);
    expect(fastResolveSupported(`${CDK8S_LINE}999`)).toBe(true);
    expect(fastResolveSupported('2.71.0')).toBe(false);
    expect(fastResolveSupported('3.0.0')).toBe(false);
  });
});
