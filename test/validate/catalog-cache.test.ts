// The schema catalog's disk cache (build/validate-schema.txt): reused without
// hashing the bindings while their sizes and mtimes are unchanged, reused after
// a touch that leaves their content alone, derived again when content changes.
import * as fs from 'fs';
import * as path from 'path';
import { loadSchemaCatalog, resetSchemaCatalogMemo } from '../../lib/validate/schema/catalog';

const ROOT = path.resolve(__dirname, '../..');

describe('schema catalog disk cache', () => {
  let root: string;
  let cacheFile: string;
  let binding: string;
  /** The cache file's header line. */
  const cache = () => JSON.parse(fs.readFileSync(cacheFile, 'utf8').split('\n')[0]) as { key: string; stats: string; kinds: Record<string, unknown> };
  const load = () => {
    resetSchemaCatalogMemo();
    return loadSchemaCatalog(root);
  };
  beforeAll(() => {
    // A project root inside the checkout (so cdk8s-plus-27 resolves) with one CRD binding.
    fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true });
    root = fs.mkdtempSync(path.join(ROOT, 'build', 'catalog-test-'));
    fs.mkdirSync(path.join(root, 'imports'));
    binding = path.join(root, 'imports', 'velero-schedule-velero.io.ts');
    fs.copyFileSync(path.join(ROOT, 'imports', 'velero-schedule-velero.io.ts'), binding);
    cacheFile = path.join(root, 'build', 'validate-schema.txt');
  });

  afterAll(() => {
    resetSchemaCatalogMemo();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('GIVEN no cache WHEN loaded THEN the catalog is derived and written with the content key and the files\' stats', () => {
    const catalog = load();
    expect(Object.keys(catalog.kinds)).toContain('velero.io/v1/Schedule');
    const written = cache();
    expect(written.key).toMatch(/^[0-9a-f]{64}$/);
    expect(written.stats).toContain(`${binding}:`);
  });

  test('GIVEN the cache written WHEN loaded from it THEN it is the catalog that was derived (structs parsed on first use), and a struct is the same object on every lookup', () => {
    resetSchemaCatalogMemo();
    fs.rmSync(cacheFile, { force: true });
    const derived = load();
    const fromCache = load();
    expect(fromCache).not.toBe(derived);
    expect(Object.keys(fromCache.structs)).toEqual(Object.keys(derived.structs));
    expect(JSON.parse(JSON.stringify(fromCache))).toEqual(JSON.parse(JSON.stringify(derived)));
    const name = Object.keys(fromCache.structs)[0];
    expect(fromCache.structs[name]).toBe(fromCache.structs[name]);
  });

  test('GIVEN a cache file in the previous layout (one JSON document) or torn WHEN loaded THEN the catalog is derived again and the file rewritten in the current layout', () => {
    const { key, stats, structs } = cache() as unknown as { key: string; stats: string; structs: number };
    const text = fs.readFileSync(cacheFile, 'utf8');
    const lastLine = text.lastIndexOf('\n');
    const stale = [
      JSON.stringify({ key, stats, catalog: { structs: {}, kinds: {}, unresolved: [] } }),
      text.slice(0, 5000),
      text.slice(0, lastLine),
      text.slice(0, text.lastIndexOf('\n', lastLine - 1)) + text.slice(lastLine),
    ];
    for (const content of stale) {
      fs.writeFileSync(cacheFile, content);
      const catalog = load();
      expect(Object.keys(catalog.kinds)).toContain('velero.io/v1/Schedule');
      expect(Object.keys(catalog.structs)).toHaveLength(structs);
      expect(cache()).toMatchObject({ format: 2, key, stats, structs });
    }
  });

  test('GIVEN a touched file with the same content WHEN loaded THEN the cached catalog is kept under the same key and the stats are refreshed', () => {
    const before = cache();
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(binding, later, later);
    expect(Object.keys(load().kinds)).toContain('velero.io/v1/Schedule');
    const after = cache();
    expect(after.key).toBe(before.key);
    expect(after.stats).not.toBe(before.stats);
  });

  test('GIVEN unchanged sizes and mtimes WHEN loaded THEN the bindings are not hashed (an edit that keeps both is not seen: the documented trade-off)', () => {
    const { mtime, size } = fs.statSync(binding);
    const edited = fs.readFileSync(binding, 'utf8').replace("kind: 'Schedule'", "kind: 'Schedula'");
    expect(Buffer.byteLength(edited)).toBe(size);
    fs.writeFileSync(binding, edited);
    fs.utimesSync(binding, mtime, mtime);
    expect(Object.keys(load().kinds)).toContain('velero.io/v1/Schedule');
  });

  test('GIVEN changed content WHEN loaded THEN the catalog is derived again from the new bindings', () => {
    const before = cache();
    fs.writeFileSync(binding, fs.readFileSync(binding, 'utf8').replace(/kind: 'Schedul[ae]'/, "kind: 'Timetable'"));
    const catalog = load();
    expect(Object.keys(catalog.kinds)).toContain('velero.io/v1/Timetable');
    expect(Object.keys(catalog.kinds)).not.toContain('velero.io/v1/Schedule');
    expect(cache().key).not.toBe(before.key);
  });
});
