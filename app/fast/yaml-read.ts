// A faster reader for app/config/yaml-source.ts: the same data and positions
// as its `yaml`-based reference, for the texts it takes.
//
// Parsing is the hot path of a config load, and positions are needed only
// when something is reported. So files are read with js-yaml (about 6x faster
// than the `yaml` library here), and `yaml` runs only when js-yaml cannot be
// trusted to give what `yaml` would:
//
// - The semantics are those of `yaml` with its defaults (YAML 1.2, core
//   schema): the js-yaml schema below uses `yaml`'s own patterns and
//   conversions, so `yes`/`on` are strings, `1_000`, `0b101` and timestamps
//   are strings, `0o17`/`0x1F`/`.inf`/`.nan` are numbers, `<<` is a plain key.
// - Forms where the two parsers could disagree, or where `yaml` is stricter,
//   go to `yaml` instead: tags, anchors and aliases, explicit `?` keys,
//   directives, block scalars, scalars or flow collections spanning lines,
//   collection or null keys, `#` right after a token, very long lines, a BOM
//   or a lone CR. Any js-yaml exception also goes to `yaml`, so every syntax
//   error is reported with `yaml`'s message and position, exactly as before.
// - Positions come from js-yaml's parse events (every node's start offset);
//   they are the offsets `yaml` gives its nodes (test/fast/yaml-read.test.ts
//   compares both on generated files). Where the events cannot tell (a
//   sequence item with no node, such as `-` alone), `yaml` parses the file.
import { load, Schema, Type, type State } from 'js-yaml';
import { readYamlReference, YamlSource } from '../config/yaml-source';

/** `yaml`'s core schema (yaml/dist/schema/core), test by test and conversion by conversion, in its order. */
const CORE_TAGS: ReadonlyArray<readonly [RegExp, (s: string) => unknown]> = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'],
  [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
  [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
  [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
  [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
];

/** First characters of the plain scalars a core tag matches (or the empty one): others are strings at once. */
const CORE_FIRST = /^(?:$|[~nNtTfF0-9+.-])/;

/** One implicit type for all of them: js-yaml would try eight per plain scalar, most of which are strings. */
const CORE_SCALAR = (() => {
  let last: { readonly source: string; readonly value: unknown } | undefined;
  const convert = (s: string): typeof last => {
    if (last?.source === s) return last;
    if (!CORE_FIRST.test(s)) return undefined;
    for (let i = 0; i < CORE_TAGS.length; i++) if (CORE_TAGS[i][0].test(s)) return (last = { source: s, value: CORE_TAGS[i][1](s) });
    return undefined;
  };
  return new Type('tag:platform.dev/yaml-core', { kind: 'scalar', resolve: (s: string | null) => s !== null && convert(s) !== undefined, construct: (s: string) => convert(s)!.value });
})();

/**
 * Only this implicit type, and no explicit ones: any tag, even `!!str`, is
 * unknown to js-yaml, which throws, and the file goes to `yaml`.
 */
const CORE_SCHEMA = new Schema({ implicit: [CORE_SCALAR] });

/**
 * Texts the fast path declines outright: a directive (`%YAML 1.1` changes the
 * schema), `#` right after a document marker, an explicit key `? `, `#` right
 * after a quote, bracket, comma or colon (a comment for js-yaml, an error for
 * `yaml`), a BOM (js-yaml drops it, shifting offsets), a lone CR (a line break
 * `yaml`'s line counter does not count).
 */
const DECLINE = /^%|^(?:---|\.\.\.)#|(?:^|[\s,[{])\?(?:\s|$)|[\]}"',[{:]#|^\uFEFF|\r(?!\n)/m;

/** `yaml` rejects implicit keys over 1024 characters; a line that long is left to it. */
const MAX_LINE = 1024;

/** A node as js-yaml's events report it; `children` in document order. */
interface Frame {
  /** Where composing the node began (before any separating space). */
  readonly open: number;
  readonly openLine: number;
  /** Where the node's content starts (after separating space and comments). */
  start: number;
  /** Where js-yaml stopped reading it. */
  close: number;
  /** 'mapping', 'sequence', 'scalar', or null for no content (an empty value). */
  kind: string | null;
  result: unknown;
  readonly children: Frame[];
}

/** The parts of js-yaml's state its events expose beyond the typings. */
interface ParseState extends Omit<State, 'kind'> {
  kind: string | null;
  tag: string | null;
  anchor: string | null;
}

/** Thrown from the event listener when the text leaves the fast path. */
class Declined extends Error {}

/** The file read by js-yaml, or undefined where `yaml` must read it (see the top of this file). */
export function readYamlFast(text: string, file: string): YamlSource | undefined {
  if (DECLINE.test(text) || hasLongLine(text)) return undefined;
  const top: Frame = { open: 0, openLine: 0, start: 0, close: 0, kind: null, result: null, children: [] };
  const stack: Frame[] = [top];
  const listener = (event: 'open' | 'close', s: State): void => {
    const state = s as ParseState;
    if (event === 'open') {
      stack.push({ open: state.position, openLine: state.line, start: 0, close: 0, kind: null, result: null, children: [] });
      return;
    }
    const frame = stack.pop()!;
    closeFrame(frame, state);
    stack[stack.length - 1].children.push(frame);
  };
  let data: unknown;
  try {
    data = load(text, { schema: CORE_SCHEMA, listener });
  } catch {
    // Declined, or a syntax error: `yaml` reports it in its words.
    return undefined;
  }
  return new FastSource(text, file, data ?? null, top.children[0]);
}

function closeFrame(frame: Frame, state: ParseState): void {
  const input = state.input;
  frame.kind = state.kind;
  frame.result = state.result;
  frame.close = state.position;
  if (state.anchor !== null || state.tag === '!') throw new Declined();
  // The content starts after separating blanks, comments and line breaks (CR LF counts once).
  let lines = 0;
  let p = skipBlanks(input, frame.open);
  for (let c = input.charCodeAt(p); ; c = input.charCodeAt(p)) {
    if (c === 0x23 /* # */) {
      // (js-yaml's input ends with a NUL.)
      while (c !== 0x0a && c !== 0x0d && c !== 0) c = input.charCodeAt(++p);
    }
    if (c !== 0x0a && c !== 0x0d) break;
    p += c === 0x0d && input.charCodeAt(p + 1) === 0x0a ? 2 : 1;
    lines++;
    p = skipBlanks(input, p);
  }
  frame.start = p;
  const c = input.charCodeAt(p);
  const next = input.charCodeAt(skipBlanks(input, frame.close));
  if (frame.kind === null) {
    // An empty key (`: x`) reads as "null" in js-yaml, "" in `yaml`.
    if (next === 0x3a /* : */) throw new Declined();
    return;
  }
  // Tags, anchors, aliases and block scalars.
  if (c === 0x21 || c === 0x26 || c === 0x2a || c === 0x7c || c === 0x3e) throw new Declined();
  const flow = c === 0x5b /* [ */ || c === 0x7b; /* { */
  // Scalars and flow collections on one line: `yaml` has its own rules for continuation lines.
  if ((frame.kind === 'scalar' || flow) && state.line !== frame.openLine + lines) throw new Declined();
  // A collection or null as a key: js-yaml stringifies it its own way ("a,b", "[object Object]", "null").
  // (A mapping key is a flow one, or explicit `? `, declined above.)
  if ((flow || frame.result === null) && next === 0x3a) throw new Declined();
  // An item with no node (`-` and nothing after it on its line): js-yaml can then take a less
  // indented `-` below for an item of this list (yaml's reading: an item of the enclosing list).
  // Also a single-pair mapping in a flow list (`[a: 1]`), whose key and value are two nodes.
  if (frame.kind === 'sequence' && content(frame) === frame && frame.children.length !== (frame.result as unknown[]).length) throw new Declined();
  // The same for a key with no value in a flow mapping (`{ [a], ~, b: 1 }`).
  if (frame.kind === 'mapping' && content(frame) === frame) {
    const nodes = frame.children;
    for (let i = 0; i < nodes.length; i++) {
      const key = nodes[i];
      if (key.kind === null) continue;
      if (key.kind !== 'scalar' || key.result === null) throw new Declined();
      if (input.charCodeAt(skipBlanks(input, key.close)) === 0x3a) i++;
    }
  }
}

function skipBlanks(s: string, p: number): number {
  for (let c = s.charCodeAt(p); c === 0x20 || c === 0x09; c = s.charCodeAt(++p));
  return p;
}

function hasLongLine(text: string): boolean {
  for (let start = 0; ; ) {
    const nl = text.indexOf('\n', start);
    if ((nl < 0 ? text.length : nl) - start > MAX_LINE) return true;
    if (nl < 0) return false;
    start = nl + 1;
  }
}

/** A position lookup the events cannot answer: ask `yaml`. */
const UNKNOWN = -1;

class FastSource implements YamlSource {
  readonly parser: string = 'js-yaml';
  private lineStarts?: number[];
  private slow?: YamlSource;
  /** Per mapping node, its key and value nodes by key; per sequence node, whether its items map to nodes one to one. Built on the first lookup. */
  private readonly pairs = new WeakMap<Frame, Map<string, { key: Frame; value: Frame | undefined }>>();
  private readonly itemsKnown = new WeakMap<Frame, boolean>();

  constructor(
    private readonly text: string,
    readonly file: string,
    readonly data: unknown,
    private readonly root: Frame | undefined,
  ) {}

  offsetOf(p: ReadonlyArray<PropertyKey>, atKey: boolean): number | undefined {
    const offset = this.fromFrames(p, atKey);
    if (offset !== UNKNOWN) return offset;
    this.slow ??= readYamlReference(this.text, this.file);
    return this.slow.offsetOf(p, atKey);
  }

  linePos(offset: number): { line: number; col: number } {
    // `yaml`'s LineCounter: lines start at 0 and after every LF.
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (starts[mid] < offset) low = mid + 1;
      else high = mid;
    }
    if (starts[low] === offset) return { line: low + 1, col: 1 };
    return { line: low, col: offset - starts[low - 1] + 1 };
  }

  /** The offset `yaml` would give (see DocSource.offsetOf), or UNKNOWN. */
  private fromFrames(p: ReadonlyArray<PropertyKey>, atKey: boolean): number | undefined {
    // An empty document: `yaml` has no contents node either.
    if (!this.root) return undefined;
    let frame: Frame | undefined = content(this.root);
    if (p.length === 0) return frame.kind === null ? UNKNOWN : frame.start;
    let keyOffset: number | undefined;
    for (const k of p) {
      if (frame?.kind === 'mapping') {
        const pair = this.pairsOf(frame).get(String(k));
        if (!pair) return undefined;
        keyOffset = pair.key.start;
        frame = pair.value && content(pair.value);
      } else if (frame?.kind === 'sequence') {
        const items = frame.children;
        let known = this.itemsKnown.get(frame);
        if (known === undefined) {
          // Not when an item has no node (`-` alone) or is a single-pair mapping (`[a: 1]`).
          known = items.length === (frame.result as unknown[]).length && !items.some((it) => this.text.charCodeAt(skipBlanks(this.text, it.close)) === 0x3a);
          this.itemsKnown.set(frame, known);
        }
        if (!known) return UNKNOWN;
        const item = items[Number(k)];
        if (!item) return undefined;
        frame = content(item);
        if (frame.kind === null) return UNKNOWN;
        keyOffset = frame.start;
      } else {
        return undefined;
      }
    }
    if (atKey) return keyOffset;
    if (!frame) return keyOffset;
    // An empty value sits where its line's content would start: after the `:` and blanks.
    return frame.kind === null ? skipBlanks(this.text, frame.open) : frame.start;
  }

  /** The key and value nodes of a mapping by key: each key node is followed by its value's when a `:` follows it. */
  private pairsOf(mapping: Frame): Map<string, { key: Frame; value: Frame | undefined }> {
    let byKey = this.pairs.get(mapping);
    if (!byKey) {
      byKey = new Map();
      const nodes = mapping.children;
      for (let i = 0; i < nodes.length; i++) {
        const key = nodes[i];
        if (key.kind === null) continue;
        const hasValue = this.text.charCodeAt(skipBlanks(this.text, key.close)) === 0x3a;
        const value = hasValue ? nodes[++i] : undefined;
        if (!byKey.has(String(key.result))) byKey.set(String(key.result), { key, value });
      }
      this.pairs.set(mapping, byKey);
    }
    return byKey;
  }
}

/**
 * The frame holding a node's content: js-yaml composes a plain scalar or a
 * flow collection in a block context as a candidate key inside the node's own
 * frame, which then keeps that result.
 */
function content(frame: Frame): Frame {
  let f = frame;
  while (f.kind !== null && f.children.length === 1 && f.children[0].kind === f.kind && sameValue(f.children[0].result, f.result)) f = f.children[0];
  return f;
}

/** Object.is without a global lookup (slow in the vm contexts jest runs code in). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  return starts;
}
