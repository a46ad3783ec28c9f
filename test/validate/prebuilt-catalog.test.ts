// The schema catalog the library package ships (written by `npm run
// build:lib`): every custom resource the project has bindings for and every
// kind the rendered output uses, so an installed `manifests-validate` never
// meets a kind it cannot check. (test/package/pack.test.ts proves the
// installed gate loads this file and derives nothing.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSchemaCatalog, PREBUILT_CATALOG, writePrebuiltCatalog } from '../../lib/validate/schema/catalog';
import { kindKey } from '../../lib/validate/schema/types';
import { loadManifestDir } from '../../lib/validate/load';
import { ROOT } from '../helpers/project';

let dir: string;
let header: { kinds: Record<string, unknown>; structs: number };
let written: { kinds: number; structs: number };
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prebuilt-catalog-'));
  written = writePrebuiltCatalog(ROOT, path.join(dir, PREBUILT_CATALOG));
  header = JSON.parse(fs.readFileSync(path.join(dir, PREBUILT_CATALOG), 'utf8').split('\n', 1)[0]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('GIVEN the bindings in imports/ WHEN the package catalog is written THEN it holds a schema for every custom resource kind they define', () => {
  const gvks = fs.readdirSync(path.join(ROOT, 'imports')).filter((f) => f.endsWith('.ts') && f !== 'k8s.ts').flatMap((f) => {
    const text = fs.readFileSync(path.join(ROOT, 'imports', f), 'utf8');
    return [...text.matchAll(/GVK: GroupVersionKind = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)'/g)].map((m) => kindKey(m[1], m[2]));
  });
  expect(gvks.length).toBeGreaterThan(25);
  expect(gvks.filter((k) => !(k in header.kinds))).toEqual([]);
  expect(written.kinds).toBe(Object.keys(header.kinds).length);
});

test('it holds every apiVersion/kind the committed dist/ renders, and Kubernetes 1.27 core kinds the charts do not use', () => {
  const used = new Set(loadManifestDir(path.join(ROOT, 'dist'), ROOT).docs.map((d) => {
    const o = d.object as { apiVersion: string; kind: string };
    return kindKey(o.apiVersion, o.kind);
  }));
  expect(used.size).toBeGreaterThan(30);
  expect([...used].filter((k) => !(k in header.kinds))).toEqual([]);
  for (const k of ['batch/v1/Job', 'v1/PersistentVolume', 'storage.k8s.io/v1/StorageClass']) expect(header.kinds).toHaveProperty([k]);
});

test('it is the same catalog the checkout derives (same kinds and struct count)', () => {
  const derived = loadSchemaCatalog(ROOT);
  expect(Object.keys(header.kinds).sort()).toEqual(Object.keys(derived.kinds).sort());
  expect(header.structs).toBe(Object.keys(derived.structs).length);
});
