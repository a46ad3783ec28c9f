/**
 * Loads the schema catalog once per process. Deriving it reads ~200k lines
 * of generated bindings (about 1 s), so the result is cached on disk, keyed
 * by a hash of the input files: the cache rebuilds itself whenever
 * `imports/` or cdk8s-plus-27 change. In a checkout the cache is
 * `build/validate-schema.json`; for the installed library package (inside
 * node_modules) it goes to the system temp directory.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { projectBindingSources, readCoreScopes, deriveCatalog } from './derive';
import { SchemaCatalog } from './types';

/** bump when derive.ts changes the catalog's shape or meaning */
const DERIVATION_VERSION = '6';

let loaded: { root: string; catalog: SchemaCatalog } | undefined;

/** Forget the catalog held in memory (tests of the disk cache). */
export function resetSchemaCatalogMemo(): void {
  loaded = undefined;
}

/**
 * The directory whose `imports/` holds the CRD bindings that define the
 * custom resource schemas: $VALIDATE_PROJECT_ROOT if set, else the nearest
 * ancestor of this module (the checkout, or `lib-dist/` of the installed
 * package), else of the working directory.
 */
export function findProjectRoot(start: string = __dirname): string {
  const fromEnv = process.env.VALIDATE_PROJECT_ROOT;
  if (fromEnv) return path.resolve(fromEnv);
  return ancestorWithBindings(start) ?? ancestorWithBindings(process.cwd()) ?? process.cwd();
}

function hasBindings(dir: string): boolean {
  const imports = path.join(dir, 'imports');
  try {
    return fs.readdirSync(imports).some((f) => f.endsWith('.ts'));
  } catch {
    return false;
  }
}

function ancestorWithBindings(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (hasBindings(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function cacheFileFor(root: string, key: string): string {
  return root.split(path.sep).includes('node_modules')
    ? path.join(os.tmpdir(), `platform-validate-schema-${key.slice(0, 16)}.json`)
    : path.join(root, 'build', 'validate-schema.json');
}

interface CacheFile {
  /** sha256 of the derivation version and every binding file's module, path and content */
  readonly key?: string;
  /** path, size and mtime of every binding file when `key` was last confirmed */
  readonly stats?: string;
  readonly catalog?: SchemaCatalog;
}

/**
 * The catalog for the project's bindings: from memory, else from the disk
 * cache, else derived. The cache is valid when its content hash matches the
 * binding files; hashing them (several MB) is skipped when their sizes and
 * modification times are exactly those recorded when the hash last matched.
 */
export function loadSchemaCatalog(projectRoot: string = findProjectRoot()): SchemaCatalog {
  if (loaded && loaded.root === projectRoot) return loaded.catalog;
  const sources = projectBindingSources(projectRoot);
  const files = sources.flatMap((s) => s.files.map((f) => ({ module: s.module, file: f })));
  const stats = [`v${DERIVATION_VERSION}`, ...files.map(({ file }) => {
    const st = fs.statSync(file, { bigint: true });
    return `${file}:${st.size}:${st.mtimeNs}`;
  })].join('|');
  const inTmp = projectRoot.split(path.sep).includes('node_modules');
  const contentKey = (): string => {
    const hash = createHash('sha256').update(DERIVATION_VERSION);
    for (const { module, file } of files) hash.update(module).update(file).update(fs.readFileSync(file));
    return hash.digest('hex');
  };
  // In a checkout the cache file has a fixed name; in node_modules its name carries the key.
  let key = inTmp ? contentKey() : undefined;
  const cacheFile = cacheFileFor(projectRoot, key ?? '');
  let cached: CacheFile = {};
  try {
    cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheFile;
  } catch {
    // no cache yet, or a torn/foreign file: derive below
  }
  let catalog: SchemaCatalog | undefined;
  if (cached.catalog && cached.key !== undefined && cached.stats === stats && (key ?? cached.key) === cached.key) catalog = cached.catalog;
  if (!catalog) {
    key ??= contentKey();
    catalog = cached.catalog && cached.key === key ? cached.catalog : deriveCatalog(sources, readCoreScopes(projectRoot));
    writeAtomically(cacheFile, JSON.stringify({ key, stats, catalog }));
  }
  loaded = { root: projectRoot, catalog };
  return catalog;
}

function writeAtomically(file: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    // a read-only checkout still validates, it just derives again next time
  }
}
