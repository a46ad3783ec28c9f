/**
 * The gate on a dist-sized set (about 1000 objects). Correctness only: the
 * timing lives in bench/validate.ts, never in a test assertion.
 */
import { scaledObjects, toDocs } from './fixtures';
import { summary, validate, violationsOf } from './helpers';

describe('a thousand objects', () => {
  test('GIVEN 56 valid namespaces WHEN validated THEN all objects are checked and none violates', () => {
    const docs = toDocs(scaledObjects(56));
    const report = validate(docs);
    expect(report.objects).toBeGreaterThanOrEqual(1000);
    expect(summary(report)).toEqual([]);
  });

  test('GIVEN one broken namespace among 56 WHEN validated THEN only its objects are reported', () => {
    const objects = scaledObjects(56);
    objects.find((o) => o.kind === 'Service' && o.metadata.namespace === 'shop-33' && o.metadata.name === 'api')!.spec.selector = { app: 'gone' };
    const hits = validate(toDocs(objects)).violations;
    expect(hits.map((v) => `${v.rule} ${v.object.namespace}/${v.object.name}`)).toEqual(['ref/service-selector shop-33/api']);
    expect(violationsOf(validate(toDocs(objects)), 'ref/service-selector')).toHaveLength(1);
  });
});
