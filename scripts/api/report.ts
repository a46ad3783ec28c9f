/**
 * The API report: every name `lib/index.ts` exports, with its declaration as
 * a consumer's type checker sees it (doc comments included, private members
 * and bodies left out), plus the declarations that are not exported but
 * appear in exported signatures (base interfaces, aliased unions).
 *
 * It is built syntactically, one source file at a time, with TypeScript's
 * `transpileDeclaration`: no type checker and no program over the 7 MB of
 * generated bindings, so building it takes about a second and a test can
 * rebuild it on every run. Values whose type is inferred (zod schemas) show as
 * their declared alias (`z.infer<typeof serviceSchema>`), which is what the
 * report needs: a name, its kind, and a signature a reviewer can diff.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export const REPORT_FILE = 'api/manifests.api.md';
export const ENTRY = 'lib/index.ts';

/** One exported name. */
export interface ApiEntry {
  readonly name: string;
  /** class, interface, type, function, const, ... */
  readonly kind: string;
  /** Source file relative to the project root, e.g. `lib/workloads/microservice.ts`. */
  readonly file: string;
  /** `export type { X }`: usable only in type positions. */
  readonly typeOnly: boolean;
  /** Declaration text as in a `.d.ts`, with its doc comment. */
  readonly declaration: string;
}

export interface ApiReport {
  readonly packageName: string;
  readonly version: string;
  readonly entries: readonly ApiEntry[];
  /** Declarations reached from exported signatures that are not themselves exported. */
  readonly referenced: readonly ApiEntry[];
}

const COMPILER: ts.CompilerOptions = {
  declaration: true,
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
};

class DeclarationFiles {
  private readonly cache = new Map<string, ts.SourceFile>();

  constructor(private readonly root: string) {}

  /** The `.d.ts` view of a source file (relative path), parsed. */
  public get(file: string): ts.SourceFile {
    let sf = this.cache.get(file);
    if (!sf) {
      const text = fs.readFileSync(path.join(this.root, file), 'utf8');
      const out = ts.transpileDeclaration(text, { fileName: file, compilerOptions: COMPILER, reportDiagnostics: false });
      sf = ts.createSourceFile(file.replace(/\.ts$/, '.d.ts'), out.outputText, ts.ScriptTarget.ES2022, true);
      this.cache.set(file, sf);
    }
    return sf;
  }

  /** `./x` from `lib/a/b.ts` -> `lib/a/x.ts` or `lib/a/x/index.ts`; undefined for packages. */
  public resolve(from: string, specifier: string): string | undefined {
    if (!specifier.startsWith('.')) return undefined;
    const base = path.posix.join(path.posix.dirname(from), specifier);
    for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
      if (fs.existsSync(path.join(this.root, candidate))) return candidate;
    }
    throw new Error(`${from}: cannot resolve ${JSON.stringify(specifier)}`);
  }
}

interface Found {
  readonly file: string;
  readonly statements: ts.Statement[];
}

function nameOf(s: ts.Statement): string | undefined {
  if (ts.isVariableStatement(s)) {
    const d = s.declarationList.declarations[0];
    return d && ts.isIdentifier(d.name) ? d.name.text : undefined;
  }
  const named = s as ts.Statement & { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? named.name.text : undefined;
}

function kindOf(s: ts.Statement): string {
  if (ts.isClassDeclaration(s)) return s.modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword) ? 'abstract class' : 'class';
  if (ts.isInterfaceDeclaration(s)) return 'interface';
  if (ts.isTypeAliasDeclaration(s)) return 'type';
  if (ts.isFunctionDeclaration(s)) return 'function';
  if (ts.isEnumDeclaration(s)) return 'enum';
  if (ts.isModuleDeclaration(s)) return 'namespace';
  if (ts.isVariableStatement(s)) return s.declarationList.flags & ts.NodeFlags.Const ? 'const' : 'let';
  return ts.SyntaxKind[s.kind];
}

/** Finds the declaration of `name` in `file`, following `export { name } from` and `export * from`. */
function findDeclaration(files: DeclarationFiles, file: string, name: string, seen = new Set<string>()): Found | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const sf = files.get(file);
  const own = sf.statements.filter((s) => nameOf(s) === name && !ts.isImportDeclaration(s));
  if (own.length) return { file, statements: own };
  for (const s of sf.statements) {
    if (!ts.isExportDeclaration(s) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const target = files.resolve(file, s.moduleSpecifier.text);
    if (!target) continue;
    if (!s.exportClause) {
      const found = findDeclaration(files, target, name, seen);
      if (found) return found;
    } else if (ts.isNamedExports(s.exportClause)) {
      const spec = s.exportClause.elements.find((e) => e.name.text === name);
      if (spec) return findDeclaration(files, target, (spec.propertyName ?? spec.name).text, seen);
    }
  }
  // `import { X } from './y'; export { X }` and `export type { X }` of an import
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const bindings = s.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const spec = bindings.elements.find((e) => e.name.text === name);
    const target = spec && files.resolve(file, s.moduleSpecifier.text);
    if (spec && target) return findDeclaration(files, target, (spec.propertyName ?? spec.name).text, seen);
  }
  return undefined;
}

const PRINTER = ts.createPrinter({ removeComments: false, newLine: ts.NewLineKind.LineFeed });

/** Drops private members except a private constructor (which tells users to use the factories). */
function withoutPrivateMembers(s: ts.Statement): ts.Statement {
  if (!ts.isClassDeclaration(s)) return s;
  const members = s.members.filter((m) => ts.isConstructorDeclaration(m) || !(ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Private));
  return ts.factory.updateClassDeclaration(s, s.modifiers, s.name, s.typeParameters, s.heritageClauses, members);
}

function print(statements: readonly ts.Statement[], sf: ts.SourceFile): string {
  return statements
    .map((s) => PRINTER.printNode(ts.EmitHint.Unspecified, withoutPrivateMembers(s), sf))
    .map((text) => text.replace(/^(export )?(declare )?(?=abstract |class |interface |type |function |const |let |enum |namespace )/m, ''))
    .join('\n');
}

/** Identifiers in type positions of a declaration (heritage, members, aliases), excluding its own name. */
function typeReferences(statements: readonly ts.Statement[]): Set<string> {
  const refs = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
      const e = ts.isTypeReferenceNode(n) ? n.typeName : n.expression;
      // `k8s.KubeService`: a namespace import of generated bindings or a package, not ours
      if (ts.isIdentifier(e)) refs.add(e.text);
    }
    // `(typeof COLORS)[number]`: the const's literal tuple is the type
    if (ts.isTypeQueryNode(n) && ts.isIdentifier(n.exprName)) refs.add(n.exprName.text);
    ts.forEachChild(n, visit);
  };
  for (const s of statements) visit(s);
  return refs;
}

/** Where `name`, used in `file`, is declared: locally or through a relative import. */
function declarationOfReference(files: DeclarationFiles, file: string, name: string): Found | undefined {
  const sf = files.get(file);
  const local = sf.statements.filter((s) => nameOf(s) === name && !ts.isImportDeclaration(s) && !ts.isExportDeclaration(s));
  if (local.length) return { file, statements: local };
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const bindings = s.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const spec = bindings.elements.find((e) => e.name.text === name);
    if (!spec) continue;
    const target = files.resolve(file, s.moduleSpecifier.text);
    // generated bindings (imports/) and packages are not part of our report
    if (!target || !target.startsWith('lib/')) return undefined;
    return findDeclaration(files, target, (spec.propertyName ?? spec.name).text);
  }
  return undefined;
}

/** Builds the report from the sources under `root`. */
export function buildReport(root: string): ApiReport {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const files = new DeclarationFiles(root);
  const index = ts.createSourceFile(ENTRY, fs.readFileSync(path.join(root, ENTRY), 'utf8'), ts.ScriptTarget.ES2022, true);
  const entries: ApiEntry[] = [];
  const exported = new Set<string>();
  // declarations of the exported names, whose signatures may mention unexported types
  const queue: Found[] = [];
  for (const s of index.statements) {
    if (!ts.isExportDeclaration(s)) continue;
    if (!s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier) || !s.exportClause || !ts.isNamedExports(s.exportClause)) {
      throw new Error(`${ENTRY}: only \`export { a, b } from './x'\` and \`export type { ... } from './x'\` are allowed, so every public name is listed`);
    }
    const target = files.resolve(ENTRY, s.moduleSpecifier.text)!;
    for (const e of s.exportClause.elements) {
      const name = e.name.text;
      const found = findDeclaration(files, target, (e.propertyName ?? e.name).text);
      if (!found) throw new Error(`${ENTRY}: ${name} is not declared in ${target}`);
      if (exported.has(name)) throw new Error(`${ENTRY}: ${name} is exported twice`);
      exported.add(name);
      queue.push(found);
      const sf = files.get(found.file);
      entries.push({ name, kind: kindOf(found.statements[0]), file: found.file, typeOnly: s.isTypeOnly || e.isTypeOnly, declaration: print(found.statements, sf) });
    }
  }
  const referenced = new Map<string, ApiEntry>();
  while (queue.length) {
    const { file, statements } = queue.shift()!;
    for (const ref of typeReferences(statements)) {
      if (exported.has(ref)) continue;
      const found = declarationOfReference(files, file, ref);
      if (!found) continue;
      const key = `${found.file}#${ref}`;
      if (referenced.has(key)) continue;
      const decl = nameOf(found.statements[0]) ?? ref;
      const declaration = print(found.statements, files.get(found.file));
      // an inferred value type (a zod schema) prints as `any`, which would mislead
      if (/: any;$/.test(declaration)) continue;
      referenced.set(key, { name: decl, kind: kindOf(found.statements[0]), file: found.file, typeOnly: true, declaration });
      queue.push(found);
    }
  }
  const byName = (a: ApiEntry, b: ApiEntry) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file);
  return { packageName: pkg.name, version: pkg.version, entries: [...entries].sort(byName), referenced: [...referenced.values()].sort(byName) };
}

/** The Markdown file committed as `api/manifests.api.md`. */
export function renderReport(r: ApiReport): string {
  const lines = [
    `# API report: ${r.packageName}`,
    '',
    '<!-- Generated by `npm run api:report` from lib/index.ts; do not edit. -->',
    '',
    `version: ${r.version}`,
    '',
    'Every name the package exports, with its declaration as consumers see it. A name',
    'may disappear only with a breaking version (see CHANGELOG.md); `test/package/api-report.test.ts`',
    'checks both that this file is fresh and that rule.',
    '',
    `## Exports (${r.entries.length})`,
    '',
    '| name | kind | declared in |',
    '|---|---|---|',
    ...r.entries.map((e) => `| \`${e.name}\` | ${e.typeOnly && !/^(interface|type)$/.test(e.kind) ? `${e.kind} (type only)` : e.kind} | ${e.file} |`),
    '',
    '## Declarations',
    '',
  ];
  for (const e of r.entries) lines.push(`### ${e.name}`, '', '```ts', e.declaration, '```', '');
  lines.push(
    `## Referenced, not exported (${r.referenced.length})`,
    '',
    'Types that appear in exported signatures without being exported themselves: users',
    'meet their shape (e.g. inherited props) but cannot import them by name.',
    '',
  );
  for (const e of r.referenced) lines.push(`### ${e.name} (${e.file})`, '', '```ts', e.declaration, '```', '');
  return lines.join('\n');
}

/** Exported names and version recorded in a committed report. */
export function parseReport(text: string): { version: string; names: string[] } {
  const version = /^version: (\S+)$/m.exec(text)?.[1];
  if (!version) throw new Error(`${REPORT_FILE}: no "version:" line`);
  const section = text.split(/^## /m).find((s) => s.startsWith('Exports'));
  const names = [...(section ?? '').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  return { version, names };
}

function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`not a semantic version: ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Whether going from `from` to `to` may break users, as npm's caret ranges
 * see it: a new major; below 1.0.0 a new minor (`^0.1.0` never installs 0.2.0).
 */
export function isBreakingBump(from: string, to: string): boolean {
  const [a, b] = [parseVersion(from), parseVersion(to)];
  if (b[0] !== a[0]) return b[0] > a[0];
  return a[0] === 0 && b[1] > a[1];
}

/** Names of `before` missing from `after`, unless the version step allows breaking changes; one message per problem. */
export function semverProblems(before: { version: string; names: readonly string[] }, after: { version: string; names: readonly string[] }): string[] {
  const kept = new Set(after.names);
  const removed = before.names.filter((n) => !kept.has(n));
  if (!removed.length || isBreakingBump(before.version, after.version)) return [];
  const [major, minor] = parseVersion(before.version);
  const next = major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
  return [
    `${removed.length} exported name(s) removed without a breaking version: ${removed.join(', ')}. ` +
      `Users of ^${before.version} would break. Either export them again (lib/index.ts), or set "version" to ${next} ` +
      `in package.json, note the removal under a "${next}" heading in CHANGELOG.md and run \`npm run api:report\`.`,
  ];
}
