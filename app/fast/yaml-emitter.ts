// A fast path for `toYaml`: emits the YAML text that `yaml`'s stringify gives
// for our options (YAML 1.1, no line folding, keys sorted), for the plain JSON
// shapes Kubernetes objects have; and, in a second mode, for `configYaml`
// (the library's defaults: YAML 1.2, insertion order, 80-column folding and
// aliases, which that mode declines rather than ports). It declines (returns undefined) whenever an
// object holds anything whose rendering depends on more of the library's
// rules than ported here: multi-line or control-character strings, document
// markers, very long keys, `<<`, non-finite numbers, undefined in lists, or
// non-plain objects. The caller then uses the library, so the output is the
// same bytes either way (test/fast/yaml-emitter.test.ts compares the two on
// every rendered object and on generated data).
//
// Why: the generic stringifier builds a node tree per object and was the
// largest single cost of a synth (about 0.4 ms per object).
import { Document } from 'yaml';

const STR_TAG = 'tag:yaml.org,2002:str';

/** The patterns by which a YAML version reads a plain scalar as something other than a string (1.1: bool, null, int, float, timestamp; 1.2: null, bool, int, float). */
function implicitPatterns(version: '1.1' | '1.2'): readonly RegExp[] {
  const schema = new Document(null, { version }).schema;
  const out: RegExp[] = [];
  for (const t of [...schema.tags, ...(schema.compat ?? [])]) {
    const test = (t as { test?: RegExp }).test;
    if (t.default && t.tag !== STR_TAG && test) out.push(test);
  }
  return out;
}

/** Characters and sequences that keep a string from being written plain (the library's rule, verbatim). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Strings the library escapes or renders as blocks: left to it. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found here
const DECLINE = /[\n\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]|^(?:%|---|\.\.\.)|^<<$/u;

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** Longest key written as a simple key; longer ones become explicit `? key` entries. */
const MAX_KEY = 1000;

/**
 * What differs between the two ways this project stringifies YAML: manifests
 * (YAML 1.1, keys sorted, no line folding, no aliases) and configuration files
 * embedded in ConfigMaps (the library's defaults: YAML 1.2, keys in insertion
 * order, lines folded at 80 columns, repeated objects as anchors/aliases).
 */
interface Mode {
  readonly implicit: readonly RegExp[];
  readonly sortKeys: boolean;
  /** 0: never fold. Otherwise the emitter declines any scalar the library might fold. */
  readonly lineWidth: number;
  /** Decline when an object or array appears twice (the library would write an alias). */
  readonly aliases: boolean;
  /** Rendered scalars by string: label keys and values repeat across thousands of objects. */
  readonly scalars: Map<string, string | null>;
}

const MANIFEST: Mode = { implicit: implicitPatterns('1.1'), sortKeys: true, lineWidth: 0, aliases: false, scalars: new Map() };
const CONFIG: Mode = { implicit: implicitPatterns('1.2'), sortKeys: false, lineWidth: 80, aliases: true, scalars: new Map() };

function stringScalar(s: string, mode: Mode): string | undefined {
  const cached = mode.scalars.get(s);
  if (cached !== undefined) return cached ?? undefined;
  let out: string | null;
  if (DECLINE.test(s)) out = null;
  else if (!NOT_PLAIN.test(s) && !mode.implicit.some((re) => re.test(s))) out = s;
  else if (s.includes('"') && !s.includes("'")) out = `'${s}'`;
  else out = JSON.stringify(s);
  if (mode.scalars.size < 100_000) mode.scalars.set(s, out);
  return out ?? undefined;
}

/** Multi-line strings the library writes as a literal block without indentation indicator or kept trailing lines. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found here
const BLOCK_DECLINE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]|\n[\t ]+$|^[ \n]|[\t ]$|[\n\t ]\n$/u;
/** A line starting like a document marker makes the library indent differently. */
const MARKER_LINE = /^(?:%|---|\.\.\.)/m;

/**
 * A multi-line string as the library writes it in block context with
 * lineWidth 0: `|-` (no final newline) or `|` (exactly one), lines indented,
 * empty lines left empty.
 */
function literalBlock(s: string, indent: string, lineWidth: number): string | undefined {
  if (BLOCK_DECLINE.test(s) || MARKER_LINE.test(s)) return undefined;
  // Over the line width the library writes a folded block (`>`) instead; the limit is taken two columns short to be safe.
  if (lineWidth > 0 && s.split('\n').some((line) => line.length > lineWidth - indent.length - 2)) return undefined;
  const clip = s.endsWith('\n');
  const body = clip ? s.slice(0, -1) : s;
  return `|${clip ? '' : '-'}\n${indent}${body.replace(/\n+/g, `$&${indent}`)}`;
}

function scalar(v: unknown, mode: Mode): string | undefined {
  switch (typeof v) {
    case 'string':
      return stringScalar(v, mode);
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? JSON.stringify(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return v === null ? 'null' : undefined;
  }
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Thrown (and caught in emitYaml) when an object needs the library. */
const DECLINED = new Error('declined');

class Emitter {
  public text = '';
  /** Objects and arrays met so far (modes that decline aliases). */
  private readonly seen?: Set<object>;

  private constructor(private readonly mode: Mode) {
    if (mode.aliases) this.seen = new Set();
  }

  /**
   * A map's defined keys in the order the library meets them in sortKeys()'s
   * copy: sorted, except that JavaScript enumerates array-index keys ("0",
   * "42") first, in numeric order.
   */
  private keysOf(o: Record<string, unknown>): string[] {
    if (!this.mode.sortKeys) return Object.keys(o).filter((k) => o[k] !== undefined);
    const keys: string[] = [];
    let indices: string[] | undefined;
    for (const k of Object.keys(o)) {
      if (o[k] === undefined) continue;
      if (ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1) (indices ??= []).push(k);
      else keys.push(k);
    }
    keys.sort();
    return indices ? [...indices.sort((a, b) => Number(a) - Number(b)), ...keys] : keys;
  }

  /** Pairs on their own lines at `indent`; the first without indent when it follows `- `. */
  public map(o: Record<string, unknown>, keys: readonly string[], indent: string, inline: boolean): void {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const key = k.length > MAX_KEY ? undefined : stringScalar(k, this.mode);
      if (key === undefined) throw DECLINED;
      this.text += i === 0 && inline ? `${key}:` : `${indent}${key}:`;
      this.value(o[k], indent, ' ', true);
    }
  }

  /** Items on their own lines at `indent`; the first without indent when it follows `- `. */
  public seq(a: readonly unknown[], indent: string, inline: boolean): void {
    for (let i = 0; i < a.length; i++) {
      this.text += i === 0 && inline ? '-' : `${indent}-`;
      this.value(a[i], indent, ' ', false);
    }
  }

  /** A value after `key:` or `-`, ending its last line. */
  private value(v: unknown, indent: string, sep: string, inMap: boolean): void {
    if (typeof v === 'string' && v.includes('\n')) {
      const block = literalBlock(v, `${indent}  `, this.mode.lineWidth);
      if (block === undefined) throw DECLINED;
      this.text += `${sep}${block}\n`;
      return;
    }
    if (v === null || typeof v !== 'object') {
      const s = scalar(v, this.mode);
      if (s === undefined) throw DECLINED;
      // The library folds a flow scalar longer than max(21, 81 - its indent); the indent is taken two columns deeper than it can be, to be safe.
      if (this.mode.lineWidth > 0 && s.length > Math.max(21, this.mode.lineWidth + 1 - (indent.length + 4))) throw DECLINED;
      this.text += `${sep}${s}\n`;
      return;
    }
    if (this.seen) {
      if (this.seen.has(v)) throw DECLINED;
      this.seen.add(v);
    }
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.text += `${sep}[]\n`;
      } else if (inMap) {
        this.text += '\n';
        this.seq(v, inner, false);
      } else {
        this.text += sep;
        this.seq(v, inner, true);
      }
      return;
    }
    if (!isPlainObject(v)) throw DECLINED;
    const keys = this.keysOf(v);
    if (keys.length === 0) {
      this.text += `${sep}{}\n`;
    } else if (inMap) {
      this.text += '\n';
      this.map(v, keys, inner, false);
    } else {
      this.text += sep;
      this.map(v, keys, inner, true);
    }
  }

  public static document(o: Record<string, unknown>, mode: Mode): string {
    const e = new Emitter(mode);
    e.seen?.add(o);
    e.map(o, e.keysOf(o), '', false);
    return e.text;
  }
}

/**
 * `stringify(sortKeys(value), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })`
 * for a non-empty plain object of JSON data, or undefined when this emitter
 * does not cover something in it.
 */
export function emitYaml(value: unknown): string | undefined {
  return emit(value, MANIFEST);
}

/**
 * `stringify(value)` with the library's defaults (YAML 1.2, insertion order,
 * 80-column folding, aliases for repeated objects) for a non-empty plain
 * object of JSON data, or undefined when this emitter does not cover
 * something in it: any scalar long enough to be folded, a multi-line string
 * with a line over the width, an object met twice.
 */
export function emitConfigYaml(value: unknown): string | undefined {
  return emit(value, CONFIG);
}

function emit(value: unknown, mode: Mode): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) return undefined;
  if (Object.keys(value).every((k) => value[k] === undefined)) return undefined;
  try {
    return Emitter.document(value, mode);
  } catch (e) {
    if (e === DECLINED) return undefined;
    throw e;
  }
}
