// Surgical edits of YAML text: change one scalar, add or remove one key, and
// leave every other byte (comments, blank lines, quoting, flow maps) alone.
// A Document round-trip would re-indent sequences and re-fold long lines;
// here only the characters of the edited node change, so an edit followed by
// its inverse restores the file byte for byte.
import { isMap, isPair, isScalar, parseDocument, Scalar, stringify, YAMLMap } from 'yaml';

export type YamlPath = readonly (string | number)[];
export type YamlScalar = string | number | boolean;

/** One change: set a scalar (creating missing maps on the way) or delete a key. */
export type YamlEdit = { readonly path: YamlPath; readonly value: YamlScalar } | { readonly path: YamlPath; readonly delete: true };

/** Thrown when a path cannot be edited without rewriting the file (e.g. it runs through a list or a scalar). */
export class YamlEditError extends Error {
  constructor(file: string, path: YamlPath, why: string) {
    super(`${file}: cannot edit ${path.join('.')}: ${why}`);
    this.name = 'YamlEditError';
  }
}

/** Applies the edits in order; `file` names the text in errors. */
export function editYaml(text: string, edits: readonly YamlEdit[], file = 'document'): string {
  let out = text;
  for (const e of edits) {
    const before = parseDocument(out).toJS();
    out = 'delete' in e ? deleteKey(out, e.path, file) : setScalar(out, e.path, e.value, file);
    const expected = applyToJs(before, e);
    if (JSON.stringify(parseDocument(out).toJS()) !== JSON.stringify(expected)) {
      throw new YamlEditError(file, e.path, 'the edit would change more than the one value; edit the file by hand');
    }
  }
  return out;
}

/** The value at `path` in the text, or undefined. */
export function readYaml(text: string, path: YamlPath): unknown {
  const v = parseDocument(text).getIn(path);
  return isScalar(v) ? v.value : v && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
}

function applyToJs(root: unknown, e: YamlEdit): unknown {
  const copy = JSON.parse(JSON.stringify(root ?? {}));
  let o = copy;
  for (const k of e.path.slice(0, -1)) {
    if (o[k] === undefined || o[k] === null) o[k] = {};
    o = o[k];
  }
  const last = e.path[e.path.length - 1];
  if (!('delete' in e)) o[last] = e.value;
  else {
    delete o[last];
    if (e.path.length > 1 && Object.keys(o).length === 0) return applyToJs(copy, { path: e.path.slice(0, -1), delete: true });
  }
  return copy;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i + 1;
}

/** The scalar as YAML, in the original node's quoting style when it had one. */
function renderScalar(value: YamlScalar, like?: Scalar): string {
  if (typeof value === 'string' && like?.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (typeof value === 'string' && like?.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  return stringify(value).trimEnd();
}

function setScalar(text: string, path: YamlPath, value: YamlScalar, file: string): string {
  const doc = parseDocument(text);
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    if (node.value === value) return text;
    return text.slice(0, node.range[0]) + renderScalar(value, node) + text.slice(node.range[1]);
  }
  if (node !== undefined && node !== null) throw new YamlEditError(file, path, 'it holds a map or list, not a single value');
  // Find the deepest map that exists and add the missing keys below it.
  let depth = path.length - 1;
  let parent: unknown = doc.getIn(path.slice(0, depth), true);
  while (parent === undefined && depth > 0) parent = doc.getIn(path.slice(0, --depth), true);
  if (depth === 0) parent = doc.contents;
  if (!isMap(parent) || !parent.range) throw new YamlEditError(file, path, `${path.slice(0, depth).join('.') || 'the top level'} is not a map`);
  const missing = path.slice(depth).map(String);
  return parent.flow ? insertFlow(text, parent, missing, value) : insertBlock(text, parent, missing, value);
}

function insertBlock(text: string, map: YAMLMap, keys: string[], value: YamlScalar): string {
  const first = map.items.find(isPair)?.key as Scalar | undefined;
  const column = first?.range ? first.range[0] - lineStart(text, first.range[0]) : 0;
  const at = lineEnd(text, Math.max(map.range![0], map.range![1] - 1));
  const lines = keys.map((k, i) => `${' '.repeat(column + 2 * i)}${renderScalar(k)}:${i === keys.length - 1 ? ` ${renderScalar(value)}` : ''}`);
  const prefix = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  return `${text.slice(0, at)}${prefix}${lines.join('\n')}\n${text.slice(at)}`;
}

function insertFlow(text: string, map: YAMLMap, keys: string[], value: YamlScalar): string {
  // Missing maps below a flow map are written as flow maps too: `tags: { green: v2 }`.
  const entry = keys.reduceRight<string>((inner, k, i) => `${renderScalar(k)}: ${i === keys.length - 1 ? renderScalar(value) : `{ ${inner} }`}`, '');
  const close = text.lastIndexOf('}', map.range![1]);
  const body = text.slice(map.range![0] + 1, close);
  const sep = map.items.length ? (body.trimEnd().endsWith(',') ? ' ' : ', ') : ' ';
  const trimmedEnd = map.range![0] + 1 + body.trimEnd().length;
  return `${text.slice(0, trimmedEnd)}${sep}${entry} ${text.slice(close)}`;
}

function deleteKey(text: string, path: YamlPath, file: string): string {
  const doc = parseDocument(text);
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return text;
  const index = parent.items.findIndex((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
  if (index < 0) return text;
  // Removing the only key of a map removes the map's own key too (the inverse
  // of an insert that created it), instead of leaving `key:` = null or `{}`.
  if (parent.items.length === 1 && path.length > 1) return deleteKey(text, path.slice(0, -1), file);
  const pair = parent.items[index];
  const key = pair.key as Scalar;
  const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? key.range![1];
  if (!parent.flow) return text.slice(0, lineStart(text, key.range![0])) + text.slice(lineEnd(text, end - 1 < key.range![0] ? key.range![0] : end - 1));
  if (parent.items.length === 1) throw new YamlEditError(file, path, 'it is the only entry of the top-level flow map');
  // Flow map: drop the entry and the comma that separated it from a neighbour.
  const start = key.range![0];
  if (index < parent.items.length - 1) {
    const next = (parent.items[index + 1].key as Scalar).range![0];
    return text.slice(0, start) + text.slice(next);
  }
  const prevEnd = text.lastIndexOf(',', start);
  return text.slice(0, prevEnd) + text.slice(end);
}
