/**
 * Cross-checks the catalog derived from the typed bindings against the
 * upstream documents in ../shared (Kubernetes 1.27 definitions, pinned CRDs):
 * field by field for every kind, and object by object for the fixtures and
 * dist/. Needs the shared folder (SHARED_DIR, default ../shared; test/helpers/shared.ts).
 */
import { HAND_WRITTEN } from '../../lib/validate/schema/hand-written';
import * as path from 'path';
import { ManifestDocument, SchemaCatalog, ValidationReport, findProjectRoot, loadSchemaCatalog, loadManifestDir } from '../../lib/validate';
import { crdExamples } from './crd-examples';
import { Obj, toDocs, validDocs, validObjects } from './fixtures';
import { validate } from './helpers';
import { describeShared } from '../helpers/shared';
import { compareKinds, loadReferenceCatalog } from './reference-schema';

/**
 * Known places where the bindings are stricter than the definitions file
 * (cdk8s-plus-27 marks these required). The charts never render either kind.
 */
const KNOWN_STRICTER = new Set([
  'discovery.k8s.io/v1/EndpointSlice.ports[].port',
  'apiregistration.k8s.io/v1/APIService.spec.service.name',
  'apiregistration.k8s.io/v1/APIService.spec.service.namespace',
]);


function schemaFindings(report: ValidationReport): string[] {
  return report.violations
    .filter((v) => v.rule.startsWith('schema/'))
    .map((v) => `${v.file} ${v.rule} ${v.path}`)
    .sort();
}

describeShared('derived catalog vs upstream schemas in ../shared', () => {
  let derived: SchemaCatalog;
  let reference: SchemaCatalog;
  beforeAll(() => {
    derived = loadSchemaCatalog();
    reference = loadReferenceCatalog();
  });

  test('GIVEN every kind of the derived catalog WHEN compared field by field with upstream THEN it never rejects what upstream accepts', () => {
    const stricter: string[] = [];
    // Hand-written kinds (lib/validate/schema/hand-written.ts) have no upstream copy in ../shared to compare with.
    for (const key of Object.keys(derived.kinds).filter((k) => !k.endsWith('List') && !HAND_WRITTEN.kinds[k])) {
      for (const d of compareKinds(derived, reference, key)) {
        if (d.kind === 'stricter' && !KNOWN_STRICTER.has(d.at)) stricter.push(`${d.at}: ${d.what}`);
      }
    }
    expect(stricter).toEqual([]);
  });

  test('GIVEN every kind WHEN compared THEN the only lenient spots are integers typed as numbers, wider enums, free-form subtrees and extra fields', () => {
    const kinds = new Set<string>();
    for (const key of Object.keys(derived.kinds).filter((k) => !k.endsWith('List') && !HAND_WRITTEN.kinds[k])) {
      for (const d of compareKinds(derived, reference, key)) {
        if (d.kind === 'lenient') kinds.add(d.what.replace(/enum\([^)]*\)/g, 'enum'));
      }
    }
    const allowed = new Set([
      'derived number vs reference integer', 'derived enum vs reference enum', 'derived any vs reference ref',
      'derived any vs reference int-or-string', 'derived string vs reference enum', 'field only in derived',
    ]);
    expect([...kinds].filter((k) => !allowed.has(k))).toEqual([]);
  });

  test('GIVEN custom resource kinds WHEN comparing scope with the CRDs THEN namespaced/cluster scope agrees', () => {
    const mismatched = Object.entries(derived.kinds)
      .filter(([key, k]) => reference.kinds[key]?.source.startsWith('crds/') && reference.kinds[key].namespaced !== k.namespaced)
      .map(([key]) => key);
    expect(mismatched).toEqual([]);
  });

  test('GIVEN the valid fixtures and one example per CRD kind WHEN validated against upstream THEN there is no schema violation', () => {
    const docs = [...validDocs(), ...toDocs(crdExamples(), 'dist/dev/crds')];
    expect(schemaFindings(validate(docs, { catalog: reference }))).toEqual([]);
    expect(schemaFindings(validate(docs))).toEqual([]);
  });

  test.each<[string, (objects: Obj[]) => void]>([
    ['a wrong type', (os) => { os.find((o) => o.kind === 'Deployment')!.spec.replicas = 'two'; }],
    ['an unknown field', (os) => { os.find((o) => o.kind === 'Service')!.spec.selectors = {}; }],
    ['a 1.28+ field', (os) => { os.find((o) => o.kind === 'Deployment')!.spec.template.spec.initContainers = [{ name: 'x', image: 'x:1.0.0', restartPolicy: 'Always' }]; }],
    ['a missing required field', (os) => { delete os.find((o) => o.kind === 'Deployment')!.spec.selector; }],
    ['an unknown CRD field', (os) => { os.find((o) => o.kind === 'ServiceMonitor')!.spec.endpoint = []; }],
  ])('GIVEN %s WHEN validated against both catalogs THEN both report the same schema findings', (_what, corrupt) => {
    const objects = validObjects();
    corrupt(objects);
    const docs = toDocs(objects);
    const fromReference = schemaFindings(validate(docs, { catalog: reference }));
    expect(fromReference.length).toBeGreaterThan(0);
    expect(schemaFindings(validate(docs))).toEqual(fromReference);
  });

  const dist = path.join(findProjectRoot(), 'dist');
  test('GIVEN the rendered dist/ WHEN validated against both catalogs THEN they agree on every schema finding', () => {
    const docs: ManifestDocument[] = loadManifestDir(dist, findProjectRoot()).docs;
    expect(schemaFindings(validate(docs))).toEqual(schemaFindings(validate(docs, { catalog: reference })));
  });
});
