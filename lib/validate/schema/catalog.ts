/**
 * Loads the schema catalog once per process. Deriving it reads ~200k lines
 * of generated bindings (about 1 s), so the result is cached on disk, keyed
 * by a hash of the input files: the cache rebuilds itself whenever
 * `imports/` or cdk8s-plus-27 change. In a checkout the cache is
 * `build/validate-schema.txt`; for the installed library package (inside
 * node_modules) it goes to the system temp directory.
 *
 * The library package carries its catalog prebuilt (`npm run build:lib`
 * writes PREBUILT_CATALOG next to this module: Kubernetes 1.27 plus every CRD
 * under imports/, not only those lib/ reaches), so a consumer validates
 * offline without TypeScript, bindings or a cache.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { projectBindingSources, readCoreScopes, deriveCatalog } from './derive';
import { HAND_WRITTEN } from './hand-written';
import { SchemaCatalog, StructSchema } from './types';

/** bump when derive.ts changes the catalog's shape or meaning */
const DERIVATION_VERSION = '7';
/** bump when the cache file's layout changes */
const CACHE_FORMAT = 2;
/** The cache file's last line. */
const END = 'end';

/** File name of the prebuilt catalog shipped beside the compiled module. */
export const PREBUILT_CATALOG = 'schema-catalog.txt';

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
    ? path.join(os.tmpdir(), `platform-validate-schema-${key.slice(0, 16)}.txt`)
    : path.join(root, 'build', 'validate-schema.txt');
}

interface CacheFile {
  /** sha256 of the derivation version and every binding file's module, path and content */
  readonly key?: string;
  /** path, size and mtime of every binding file when `key` was last confirmed */
  readonly stats?: string;
  readonly catalog?: SchemaCatalog;
}

/**
 * The cache file: a JSON header line (format, key, stats, kinds, unresolved),
 * then one line per struct, `name<TAB>json`. A synth checks objects of a few
 * dozen kinds against a few hundred of the ~3800 structs, so each struct is
 * parsed on first use: reading the file costs ~7 ms instead of the ~30 ms of
 * parsing it whole as one JSON document.
 */
function formatCache(key: string, stats: string, catalog: SchemaCatalog): string {
  const names = Object.keys(catalog.structs);
  const header = JSON.stringify({ format: CACHE_FORMAT, key, stats, structs: names.length, kinds: catalog.kinds, unresolved: catalog.unresolved });
  return [header, ...names.map((name) => `${name}\t${JSON.stringify(catalog.structs[name])}`), END].join('\n');
}

/** The cache file's content, or {} for a missing, torn, foreign or older-format file. */
function parseCache(text: string): CacheFile {
  const lines = text.split('\n');
  const header = JSON.parse(lines[0]) as { format?: number; key?: string; stats?: string; structs?: number; kinds?: SchemaCatalog['kinds']; unresolved?: SchemaCatalog['unresolved'] };
  if (header.format !== CACHE_FORMAT || !header.kinds || !header.unresolved) return {};
  // Written atomically, but a file cut short must never pass for a catalog with fewer structs (their checks would be skipped).
  if (lines.length !== (header.structs ?? -1) + 2 || lines[lines.length - 1] !== END) return {};
  const texts = new Map<string, string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i];
    const tab = line.indexOf('\t');
    if (tab <= 0) return {};
    texts.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return { key: header.key, stats: header.stats, catalog: { structs: lazyStructs(texts), kinds: header.kinds, unresolved: header.unresolved } };
}

/**
 * A read-only record of structs backed by their JSON texts, each parsed on
 * first lookup and then kept. (3800 accessor properties defined up front cost
 * more than the parse they saved.)
 */
function lazyStructs(texts: ReadonlyMap<string, string>): Record<string, StructSchema> {
  const parsed = new Map<string, StructSchema>();
  const lookup = (name: string | symbol): StructSchema | undefined => {
    if (typeof name !== 'string') return undefined;
    let struct = parsed.get(name);
    if (struct === undefined) {
      const text = texts.get(name);
      if (text === undefined) return undefined;
      struct = JSON.parse(text) as StructSchema;
      parsed.set(name, struct);
    }
    return struct;
  };
  return new Proxy({}, {
    get: (_, name) => lookup(name),
    has: (_, name) => typeof name === 'string' && texts.has(name),
    ownKeys: () => [...texts.keys()],
    getOwnPropertyDescriptor: (_, name) => {
      const value = lookup(name);
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/**
 * The catalog for the project's bindings: from memory, else from the disk
 * cache, else derived. The cache is valid when its content hash matches the
 * binding files; hashing them (several MB) is skipped when their sizes and
 * modification times are exactly those recorded when the hash last matched.
 */
export function loadSchemaCatalog(root?: string): SchemaCatalog {
  const prebuilt = path.join(__dirname, PREBUILT_CATALOG);
  if (root === undefined && !process.env.VALIDATE_PROJECT_ROOT && fs.existsSync(prebuilt)) {
    if (loaded && loaded.root === prebuilt) return loaded.catalog;
    const catalog = parseCache(fs.readFileSync(prebuilt, 'utf8')).catalog;
    if (!catalog) throw new Error(`${prebuilt}: not a schema catalog of format ${CACHE_FORMAT} (rebuild the package with npm run build:lib)`);
    loaded = { root: prebuilt, catalog };
    return catalog;
  }
  const projectRoot = root ?? findProjectRoot();
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
    cached = parseCache(fs.readFileSync(cacheFile, 'utf8'));
  } catch {
    // no cache yet, or a torn/foreign file: derive below
  }
  let catalog: SchemaCatalog | undefined;
  if (cached.catalog && cached.key !== undefined && cached.stats === stats && (key ?? cached.key) === cached.key) catalog = cached.catalog;
  if (!catalog) {
    key ??= contentKey();
    catalog = cached.catalog && cached.key === key ? cached.catalog : deriveCatalog(sources, readCoreScopes(projectRoot), HAND_WRITTEN);
    writeAtomically(cacheFile, formatCache(key, stats, catalog));
  }
  loaded = { root: projectRoot, catalog };
  return catalog;
}

/**
 * Writes the catalog of `projectRoot`'s bindings (cdk8s-plus-27's k8s and
 * every module of imports/) to `file` in the cache format: the library
 * package's prebuilt catalog. Returns its kinds and structs.
 */
export function writePrebuiltCatalog(projectRoot: string, file: string): { kinds: number; structs: number } {
  // The same derivation as loadSchemaCatalog, hand-written kinds included.
  const catalog = deriveCatalog(projectBindingSources(projectRoot), readCoreScopes(projectRoot), HAND_WRITTEN);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, formatCache('prebuilt', 'prebuilt', catalog));
  return { kinds: Object.keys(catalog.kinds).length, structs: Object.keys(catalog.structs).length };
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
