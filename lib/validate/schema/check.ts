import { SchemaCatalog, SchemaNode, StructSchema } from './types';

export type SchemaRule = 'schema/unknown-field' | 'schema/wrong-type' | 'schema/required-field' | 'schema/enum-value';

export interface SchemaIssue {
  readonly rule: SchemaRule;
  /** field path, e.g. `spec.template.spec.containers[0].image` */
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
}

/** Checks `value` (an object without apiVersion/kind) against struct `structName` of `catalog`. */
export function checkAgainstStruct(catalog: SchemaCatalog, structName: string, value: unknown, basePath: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(catalog, { t: 'ref', name: structName }, value, { base: basePath, keys: [] }, issues);
  return issues;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function joinPath(base: string, key: string): string {
  const safe = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
  if (!base) return safe.startsWith('"') ? `[${safe}]` : safe;
  return safe.startsWith('"') ? `${base}[${safe}]` : `${base}.${safe}`;
}

/**
 * Where the walk is: the base path and the keys and indexes below it, pushed
 * and popped as the walk goes. Turned into text (`a.b[0]["c d"]`) only for an
 * issue: most objects have none, and building every node's path cost more than
 * checking it.
 */
interface Cursor {
  readonly base: string;
  readonly keys: Array<string | number>;
}

function pathOf(at: Cursor, last?: string): string {
  let p = at.base;
  for (const k of at.keys) p = typeof k === 'number' ? `${p}[${k}]` : joinPath(p, k);
  return last === undefined ? p : joinPath(p, last);
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function typeName(node: SchemaNode): string {
  switch (node.t) {
    case 'ref': return `object (${shortName(node.name)})`;
    case 'array': return `array of ${typeName(node.items)}`;
    case 'map': return `map of ${typeName(node.values)}`;
    case 'enum': return `one of ${node.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'int-or-string': return 'integer or string';
    default: return node.t;
  }
}

export function shortName(structName: string): string {
  const i = structName.indexOf(':');
  return i < 0 ? structName : structName.slice(i + 1);
}

function walk(catalog: SchemaCatalog, node: SchemaNode, v: unknown, at: Cursor, out: SchemaIssue[]): void {
  if (v === null || v === undefined) return;
  const wrong = (): void => {
    out.push({ rule: 'schema/wrong-type', path: pathOf(at), value: v, message: `expected ${typeName(node)}, got ${describeValue(v)}` });
  };
  switch (node.t) {
    case 'any': return;
    case 'string': if (typeof v !== 'string') wrong(); return;
    case 'boolean': if (typeof v !== 'boolean') wrong(); return;
    case 'number': if (typeof v !== 'number' || !Number.isFinite(v)) wrong(); return;
    case 'integer': if (typeof v !== 'number' || !Number.isInteger(v)) wrong(); return;
    case 'int-or-string':
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) wrong();
      return;
    case 'enum': {
      if (typeof v !== 'string' && typeof v !== 'number') { wrong(); return; }
      if (!enumAccepts(node, v)) {
        out.push({ rule: 'schema/enum-value', path: pathOf(at), value: v, message: `${JSON.stringify(v)} is not allowed; valid values: ${node.values.map((x) => JSON.stringify(x)).join(', ')}` });
      }
      return;
    }
    case 'array':
      if (!Array.isArray(v)) { wrong(); return; }
      for (let i = 0; i < v.length; i++) {
        at.keys.push(i);
        walk(catalog, node.items, v[i], at, out);
        at.keys.pop();
      }
      return;
    case 'map':
      if (typeof v !== 'object' || Array.isArray(v)) { wrong(); return; }
      for (const k of Object.keys(v)) {
        at.keys.push(k);
        walk(catalog, node.values, (v as Record<string, unknown>)[k], at, out);
        at.keys.pop();
      }
      return;
    case 'ref': {
      const struct = catalog.structs[node.name];
      if (!struct) return;
      if (typeof v !== 'object' || Array.isArray(v)) { wrong(); return; }
      walkStruct(catalog, node.name, struct, v as Record<string, unknown>, at, out);
      return;
    }
  }
}

export function enumAccepts(node: { readonly values: ReadonlyArray<string | number>; readonly loose?: boolean }, v: string | number): boolean {
  if (node.values.includes(v)) return true;
  if (!node.loose || typeof v !== 'string') return false;
  const lower = v.toLowerCase();
  return v === '' || node.values.some((x) => typeof x === 'string' && x.toLowerCase() === lower);
}

function walkStruct(catalog: SchemaCatalog, name: string, struct: StructSchema, v: Record<string, unknown>, at: Cursor, out: SchemaIssue[]): void {
  for (const req of struct.required) {
    if (v[req] === undefined || v[req] === null) {
      out.push({ rule: 'schema/required-field', path: pathOf(at, req), message: `missing required field ${JSON.stringify(req)} of ${shortName(name)}` });
    }
  }
  for (const k of Object.keys(v)) {
    const item = v[k];
    const child = Object.prototype.hasOwnProperty.call(struct.props, k) ? struct.props[k] : undefined;
    if (child) {
      at.keys.push(k);
      walk(catalog, child, item, at, out);
      at.keys.pop();
      continue;
    }
    const known = Object.keys(struct.props);
    const close = closest(k, known);
    out.push({
      rule: 'schema/unknown-field',
      path: pathOf(at, k),
      value: item,
      message: `unknown field ${JSON.stringify(k)} in ${shortName(name)}${close ? ` (did you mean ${JSON.stringify(close)}?)` : ''}; known fields: ${listSome(known)}`,
    });
  }
}

export function listSome(items: readonly string[], max = 15): string {
  if (items.length === 0) return '(none)';
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, ... (${items.length - max} more)`;
}

/** `listSome(items.map(show), max)`, formatting only the items it shows. */
export function listSomeOf<T>(items: readonly T[], show: (item: T) => string, max = 15): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length <= max ? shown : `${shown}, ... (${items.length - max} more)`;
}

/** The candidate nearest to `word` by edit distance, if near enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lw = word.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lw ? 0 : editDistance(lw, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
