// A quick stand-in for `npm run build:lib` used by the package test: the same
// lib-dist/ layout (JS + .d.ts for lib/ and the imports/ it needs), built by
// transpiling file by file instead of type-checking (tsc over the 7 MB of
// generated bindings takes ~30 s of CPU; this takes a few). Types are checked
// by `npm run typecheck`; this checks packaging: files, entry points, install.
import * as fs from 'fs';
import * as path from 'path';
import { buildSync, Metafile } from 'esbuild';
import * as ts from 'typescript';
import { PREBUILT_CATALOG, writePrebuiltCatalog } from '../../lib/validate/schema/catalog';

/** Compiled besides lib/index.ts, as tsconfig.lib.json lists them: the package's `bin`. */
const EXTRA_ENTRIES = ['lib/validate/cli.ts'];

const metafiles = new Map<string, Metafile>();

/** esbuild's metafile of lib/index.ts bundled with packages external: every module it reaches and their imports (built once per root). */
export function libraryMetafile(root: string, entryPoints: readonly string[] = ['lib/index.ts']): Metafile {
  const key = `${root}\0${entryPoints.join('\0')}`;
  let meta = metafiles.get(key);
  if (!meta) {
    const result = buildSync({
      absWorkingDir: root,
      entryPoints: [...entryPoints],
      bundle: true,
      packages: 'external',
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    meta = result.metafile!;
    metafiles.set(key, meta);
  }
  return meta;
}

/** Source files (relative to root) that lib/index.ts reaches, as esbuild resolves them. */
export function libraryInputs(root: string): string[] {
  return Object.keys(libraryMetafile(root).inputs).filter((f) => f.endsWith('.ts')).sort();
}

/** Writes `<outDir>/lib-dist/**` (.js and .d.ts) for the library's inputs, and the prebuilt schema catalog. */
export function transpileLibrary(root: string, outDir: string): string[] {
  // The bin's own imports too, as tsc compiles every module its entry files reach.
  const binInputs = Object.keys(libraryMetafile(root, EXTRA_ENTRIES).inputs).filter((f) => f.endsWith('.ts'));
  const inputs = [...new Set([...libraryInputs(root), ...binInputs, ...EXTRA_ENTRIES])].sort();
  buildSync({
    absWorkingDir: root,
    entryPoints: inputs,
    outdir: path.join(outDir, 'lib-dist'),
    outbase: '.',
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  const options: ts.CompilerOptions = { declaration: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS };
  // Declarations of lib/ only: those of the generated bindings are 7 MB that
  // TypeScript takes seconds to print, and a consumer compiled with
  // skipLibCheck sees their types as `any` without them, which is enough here.
  for (const f of inputs.filter((i) => i.startsWith('lib/'))) {
    const out = ts.transpileDeclaration(fs.readFileSync(path.join(root, f), 'utf8'), { fileName: f, compilerOptions: options });
    fs.writeFileSync(path.join(outDir, 'lib-dist', f.replace(/\.ts$/, '.d.ts')), out.outputText);
  }
  // as scripts/write-catalog.ts does in `npm run build:lib`
  writePrebuiltCatalog(root, path.join(outDir, 'lib-dist', 'lib', 'validate', 'schema', PREBUILT_CATALOG));
  return inputs;
}
