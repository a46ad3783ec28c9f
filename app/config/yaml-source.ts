// Reads one YAML file into plain data, with the positions error messages need,
// using the `yaml` library. An app may plug in a faster reader that gives the
// same data and offsets (withYamlReader; app/fast/yaml-read.ts is one).
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node as YamlNode, Pair, parseDocument, visit, YAMLMap } from 'yaml';
import { ConfigError } from './errors';

/** One parsed file: its data, and where each node of it is written. */
export interface YamlSource {
  /** The file name used in messages. */
  readonly file: string;
  /** Which parser read the data: `yaml` (the reference) or a faster reader's name. */
  readonly parser: string;
  /** The document's data (null for an empty document). Shared by every load of the file: never edit it. */
  readonly data: unknown;
  /**
   * Offset of the node at `path` (`undefined` when absent). With `atKey`, the
   * offset of its key (of the item itself in a list), which is how parents are
   * pointed at.
   */
  offsetOf(path: ReadonlyArray<PropertyKey>, atKey: boolean): number | undefined;
  /** 1-based line and column of an offset. */
  linePos(offset: number): { line: number; col: number };
}

/** Parses `text`; a syntax error throws a ConfigError naming `file` and the parser's position. */
export function readYaml(text: string, file: string): YamlSource {
  return reader?.(text, file) ?? new DocSource(text, file);
}

/** The same with the `yaml` library alone, whatever reader is plugged in: the reference a faster reader must agree with. */
export function readYamlReference(text: string, file: string): YamlSource {
  return new DocSource(text, file);
}

/** A faster reader: the same data and offsets as readYamlReference, or undefined to leave the text to it (syntax errors included). */
export type YamlReader = (text: string, file: string) => YamlSource | undefined;

let reader: YamlReader | undefined;

/** Runs `fn` with `r` reading the YAML it takes. */
export function withYamlReader<T>(r: YamlReader | undefined, fn: () => T): T {
  const previous = reader;
  reader = r;
  try {
    return fn();
  } finally {
    reader = previous;
  }
}

// ---------------------------------------------------------------------------
// The `yaml` library: the reference, used for everything a faster reader declines.

class DocSource implements YamlSource {
  readonly parser: string = 'yaml';
  readonly data: unknown;
  private readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();
  /** Each mapping's pairs by key, built on the first lookup (the first pair wins, as a search would find it). */
  private readonly pairs = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    text: string,
    readonly file: string,
  ) {
    // logLevel 'error': a collection used as a key becomes its text without a warning on stderr; the schema then reports it as an unknown key, located.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
    if (this.doc.errors.length > 0) {
      throw new ConfigError(
        this.doc.errors.map((e) => {
          const pos = e.linePos?.[0] ?? this.lines.linePos(e.pos[0]);
          return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${firstLine(e.message)}` };
        }),
      );
    }
    try {
      this.data = this.doc.toJS();
    } catch (e) {
      // An alias to no earlier anchor (or aliases multiplying past yaml's limit) is not among
      // the document's errors: toJS throws. It is a mistake in the file like the others.
      const pos = this.lines.linePos(this.badAlias() ?? 0);
      throw new ConfigError([{ file, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${firstLine((e as Error).message)}` }]);
    }
  }

  offsetOf(p: ReadonlyArray<PropertyKey>, atKey: boolean): number | undefined {
    let node: unknown = this.doc.contents;
    let keyOffset: number | undefined;
    if (p.length === 0) return (node as YamlNode | null)?.range?.[0];
    for (const k of p) {
      if (isMap(node)) {
        const pair = this.pairsOf(node).get(String(k));
        if (!pair) return undefined;
        keyOffset = (pair.key as YamlNode).range?.[0];
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(k)];
        keyOffset = (node as YamlNode | undefined)?.range?.[0];
      } else {
        return undefined;
      }
    }
    if (atKey) return keyOffset;
    return (node as YamlNode | null)?.range?.[0] ?? keyOffset;
  }

  linePos(offset: number): { line: number; col: number } {
    return this.lines.linePos(offset);
  }

  /** Offset of the first alias with no anchor before it, else of the first alias. */
  private badAlias(): number | undefined {
    let first: number | undefined;
    let unresolved: number | undefined;
    visit(this.doc, {
      Alias: (_key, alias) => {
        first ??= alias.range?.[0];
        if (alias.resolve(this.doc) !== undefined) return undefined;
        unresolved = alias.range?.[0];
        return visit.BREAK;
      },
    });
    return unresolved ?? first;
  }

  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let byKey = this.pairs.get(map);
    if (!byKey) {
      byKey = new Map();
      for (const it of map.items) if (isPair(it) && isScalar(it.key) && !byKey.has(String(it.key.value))) byKey.set(String(it.key.value), it);
      this.pairs.set(map, byKey);
    }
    return byKey;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
