/**
 * The acceptance list: hand-corrupted copies of a valid rendered
 * Deployment/Service set, written to disk as dist/ would be, each rejected
 * with a report naming the rule, the object and the field.
 */
import * as path from 'path';
import { ManifestDocument, formatReport, validateDirectory } from '../../lib/validate';
import { Obj, toDocs, validDocs, validObjects, withChange, writeDist } from './fixtures';

interface Corruption {
  readonly docs: () => ManifestDocument[];
  readonly rule: string;
  readonly object: string;
  readonly field: string;
  readonly says: RegExp;
}

const api = (o: Obj): Obj => o.spec.template.spec.containers[0];

const CORRUPTIONS: Record<string, Corruption> = {
  'a wrong type': {
    docs: () => withChange('Deployment', 'api', (o) => { api(o).ports[0].containerPort = '8080'; }),
    rule: 'schema/wrong-type', object: 'apps/v1 Deployment shop/api', field: 'spec.template.spec.containers[0].ports[0].containerPort',
    says: /expected number, got string "8080"/,
  },
  'an unknown field': {
    docs: () => withChange('Service', 'api', (o) => { o.spec.ports[0].tagetPort = 'http'; }),
    rule: 'schema/unknown-field', object: 'v1 Service shop/api', field: 'spec.ports[0].tagetPort',
    says: /unknown field "tagetPort" in ServicePort \(did you mean "targetPort"\?\)/,
  },
  'a duplicate': {
    docs: () => {
      const objects = validObjects();
      const copy = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'Deployment')));
      return [...toDocs(objects), ...toDocs([copy], 'dist/dev/shop-copy')];
    },
    rule: 'structure/duplicate', object: 'apps/v1 Deployment shop/api', field: 'metadata.name',
    says: /duplicate of apps\/v1 Deployment shop\/api in dist\/dev\/shop\/shop--deployment--api\.yaml/,
  },
  'a dangling Service selector': {
    docs: () => withChange('Service', 'api', (o) => { o.spec.selector = { 'app.kubernetes.io/name': 'api-v2' }; }),
    rule: 'ref/service-selector', object: 'v1 Service shop/api', field: 'spec.selector',
    says: /selector \{app\.kubernetes\.io\/name=api-v2\} matches no pod template in namespace "shop"; pod templates there: .*Deployment api \{app\.kubernetes\.io\/name=api/,
  },
  'a privileged container': {
    docs: () => withChange('Deployment', 'api', (o) => { api(o).securityContext.privileged = true; }),
    rule: 'policy/pss-restricted', object: 'apps/v1 Deployment shop/api', field: 'spec.template.spec.containers[0].securityContext.privileged',
    says: /\[Privileged Containers\] container "api" is privileged; set privileged: false or leave it unset/,
  },
  'a latest image': {
    docs: () => withChange('Deployment', 'api', (o) => { api(o).image = 'registry.example.com/shop/api:latest'; }),
    rule: 'policy/image-tag', object: 'apps/v1 Deployment shop/api', field: 'spec.template.spec.containers[0].image',
    says: /uses the floating tag latest/,
  },
  'a Secret with data': {
    docs: () => [...validDocs(), ...toDocs([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-db', namespace: 'shop' }, type: 'Opaque', data: { password: 'aHVudGVyMg==' } }])],
    rule: 'policy/secret-inline-data', object: 'v1 Secret shop/api-db', field: 'data',
    says: /Secret carries inline data \(keys: password\); rendered output is committed to Git/,
  },
};

describe('hand-corrupted copies of rendered objects', () => {
  test('GIVEN the uncorrupted set on disk WHEN validated THEN it passes', () => {
    const root = writeDist(validDocs());
    expect(validateDirectory(path.join(root, 'dist'), {}, root).violations).toEqual([]);
  });

  test.each(Object.entries(CORRUPTIONS))('GIVEN %s WHEN the directory is validated THEN the report names the rule, the object and the field', (_name, c) => {
    const root = writeDist(c.docs());
    const report = validateDirectory(path.join(root, 'dist'), {}, root);
    expect(report.ok).toBe(false);
    const hit = report.violations.find((v) => v.rule === c.rule);
    expect(hit).toBeDefined();
    const text = formatReport(report, 'text');
    const block = `  ${c.rule}\n    ${c.object}`;
    expect(text).toContain(block);
    const after = text.slice(text.indexOf(block));
    expect(after).toMatch(new RegExp(`\\n {6}${c.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(hit!.message).toMatch(c.says);
    expect(hit!.file).toMatch(/^dist\/dev\/shop(-copy)?\/.+\.yaml$/);
    expect(hit!.constructPath).toMatch(/^shop-dev\//);
  });
});
