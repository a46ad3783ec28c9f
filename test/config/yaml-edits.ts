// Edits of environment files as a person or a bot makes them, for the fuzz and
// parser tests: a file is parsed once into a plain tree that keeps what makes
// it look hand-written (comments, flow `{ cpu: 500m }` maps, key order,
// duplicate keys after a rename), edits apply to a copy of that tree, and the
// result is written back as YAML text. Cloning and writing a tree costs a few
// microseconds where cloning and printing a `yaml` Document cost ~5 ms.
import * as fc from 'fast-check';
import { Document, isMap, isPair, isScalar, isSeq, Node as YamlNode } from 'yaml';

export type Scalar = null | boolean | number | string;
export interface ScalarNode {
  readonly kind: 'scalar';
  value: Scalar;
  comment?: string;
}
export interface Pair {
  key: string | number;
  value: TreeNode;
  /** Comment lines above the pair (without `#`). */
  before?: string;
}
export interface MapNode {
  readonly kind: 'map';
  flow: boolean;
  items: Pair[];
  /** Comment lines above the first pair, and below the last. */
  before?: string;
  after?: string;
}
export interface SeqNode {
  readonly kind: 'seq';
  flow: boolean;
  items: TreeNode[];
  before?: string;
  after?: string;
}
export type TreeNode = ScalarNode | MapNode | SeqNode;
export type Path = (string | number)[];

export type Step =
  | { path: Path; kind: 'set'; value: unknown }
  | { path: Path; kind: 'delete' }
  | { path: Path; kind: 'add'; key: string; value: unknown }
  | { path: Path; kind: 'rename'; key: string };

/** The tree of a parsed document, comments included. */
export function treeOf(doc: Document): MapNode {
  const root = fromNode(doc.contents);
  if (root.kind !== 'map') throw new Error('expected a mapping at the top level');
  return root;
}

function fromNode(node: YamlNode | null): TreeNode {
  if (isMap(node)) {
    const items = node.items.filter(isPair).map((p): Pair => {
      const key = p.key as YamlNode;
      return { key: isScalar(key) ? (key.value as string | number) : String(key), value: fromNode(p.value as YamlNode | null), before: key.commentBefore ?? undefined };
    });
    return { kind: 'map', flow: !!node.flow, items, before: node.commentBefore ?? undefined, after: node.comment ?? undefined };
  }
  if (isSeq(node)) return { kind: 'seq', flow: !!node.flow, items: node.items.map((it) => fromNode(it as YamlNode)), before: node.commentBefore ?? undefined, after: node.comment ?? undefined };
  if (isScalar(node)) return { kind: 'scalar', value: node.value as Scalar, comment: node.comment ?? undefined };
  return { kind: 'scalar', value: null };
}

/** A new node for a generated value, as `yaml`'s createNode makes it: block collections. */
export function nodeOf(value: unknown): TreeNode {
  if (Array.isArray(value)) return { kind: 'seq', flow: false, items: value.map(nodeOf) };
  if (value !== null && typeof value === 'object') return { kind: 'map', flow: false, items: Object.entries(value).map(([key, v]) => ({ key, value: nodeOf(v) })) };
  return { kind: 'scalar', value: value === undefined ? null : (value as Scalar) };
}

/** The plain data a YAML parser should read from the tree's text. */
export function dataOf(node: TreeNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(dataOf);
  const out: Record<string, unknown> = {};
  for (const p of node.items) Object.defineProperty(out, String(p.key), { value: dataOf(p.value), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Every path to a node of the tree, parents before children. */
export function nodePaths(node: TreeNode, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (node.kind === 'map') for (const p of node.items) out.push(...nodePaths(p.value, [...prefix, p.key]));
  if (node.kind === 'seq') node.items.forEach((it, i) => out.push(...nodePaths(it, [...prefix, i])));
  return out;
}

// ---------------------------------------------------------------------------
// Edits, with the semantics of the `yaml` Document methods the fuzz test used
// before (getIn/setIn/deleteIn, YAMLMap.set): a key is found by its value,
// setting an absent key appends it, a step that no longer fits is skipped.

/** The tree with the steps applied; the original is left as it was (nodes an edit changes are copied first). */
export function applySteps(tree: MapNode, steps: readonly Step[]): MapNode {
  return steps.reduce(applyStep, tree);
}

function shallowCopy<T extends TreeNode>(node: T): T {
  if (node.kind === 'map') return { ...node, items: node.items.map((p) => ({ ...p })) };
  if (node.kind === 'seq') return { ...node, items: [...node.items] };
  return { ...node };
}

/** A new root whose nodes down to `path` are copies (so they can be edited), and the copy at `path`. */
function copyDownTo(root: MapNode, path: Path): { root: MapNode; node: TreeNode | undefined } {
  const copy = shallowCopy(root);
  let node: TreeNode = copy;
  for (const k of path) {
    if (node.kind === 'map') {
      const pair: Pair | undefined = node.items.find((p) => p.key === k);
      if (!pair) return { root, node: undefined };
      node = pair.value = shallowCopy(pair.value);
    } else if (node.kind === 'seq' && typeof k === 'number' && k < node.items.length) {
      const items: TreeNode[] = node.items;
      node = items[k] = shallowCopy(items[k]);
    } else {
      return { root, node: undefined };
    }
  }
  return { root: copy, node };
}

function setKey(map: MapNode, key: string | number, value: TreeNode): void {
  const pair = map.items.find((p) => p.key === key);
  if (pair) pair.value = value;
  else map.items.push({ key, value });
}

function applyStep(root: MapNode, step: Step): MapNode {
  const { path } = step;
  const at = copyDownTo(root, path.slice(0, -1));
  const parent = at.node;
  if (path.length === 0) {
    if (step.kind === 'add' && parent?.kind === 'map') setKey(parent, step.key, nodeOf(step.value));
    return at.root;
  }
  const last = path[path.length - 1];
  if (parent?.kind === 'seq') {
    // A list takes only item numbers; a position past the end is skipped.
    if (typeof last !== 'number' || last >= parent.items.length) return root;
    const item = parent.items[last];
    if (step.kind === 'set') parent.items[last] = nodeOf(step.value);
    if (step.kind === 'delete') parent.items.splice(last, 1);
    if (step.kind === 'add' && item.kind === 'map') setKey((parent.items[last] = shallowCopy(item)), step.key, nodeOf(step.value));
    return at.root;
  }
  if (parent?.kind !== 'map') return root;
  const pair = parent.items.find((p) => p.key === last);
  if (step.kind === 'set') setKey(parent, last, nodeOf(step.value));
  if (step.kind === 'delete' && pair) parent.items.splice(parent.items.indexOf(pair), 1);
  if (step.kind === 'add' && pair?.value.kind === 'map') setKey((pair.value = shallowCopy(pair.value)), step.key, nodeOf(step.value));
  // A rename may repeat a key: the file then has a duplicate key, as a person can write.
  if (step.kind === 'rename' && pair) pair.key = step.key;
  return at.root;
}

// ---------------------------------------------------------------------------
// Writing YAML: block style with two-space indents, flow style where the
// original used it, comments where they were. Strings are plain when that
// reads back as the same string, else single- or double-quoted.

/** `yaml`'s core schema patterns: a plain scalar matching one is not a string. */
const NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** Plain in block and flow context: no indicator first, no `: ` or ` #`, no flow punctuation. */
const PLAIN = /^[A-Za-z0-9_/](?:[A-Za-z0-9_./@+=%()~-]|:(?=[A-Za-z0-9_./@+=%()~-])| (?=[A-Za-z0-9_./@+=%()~-]))*$/;

export function scalarText(v: Scalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (PLAIN.test(v) && !NOT_STRING.some((re) => re.test(v))) return v;
  // Both quoting styles, chosen by the text so that a run is reproducible.
  if (/^[\x20-\x7e]*$/.test(v) && v.length % 2 === 0) return `'${v.replace(/'/g, "''")}'`;
  return `"${[...v].map(escapeChar).join('')}"`;
}

function escapeChar(ch: string): string {
  if (ch === '"' || ch === '\\') return `\\${ch}`;
  const code = ch.codePointAt(0)!;
  if (code >= 0x20 && code <= 0x7e) return ch;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

function comments(text: string | undefined, pad: string): string {
  return text === undefined ? '' : text.split('\n').map((l) => `${pad}#${l}\n`).join('');
}

function flowText(node: TreeNode): string {
  if (node.kind === 'scalar') return scalarText(node.value);
  if (node.kind === 'seq') return `[${node.items.map(flowText).join(', ')}]`;
  return node.items.length ? `{ ${node.items.map((p) => `${scalarText(p.key)}: ${flowText(p.value)}`).join(', ')} }` : '{}';
}

function inline(node: TreeNode): boolean {
  return node.kind === 'scalar' || node.flow || node.items.length === 0;
}

/** After `key:` or `- `: a scalar or flow collection on the same line, a block collection below. */
function valueText(node: TreeNode, indent: number): string {
  if (node.kind === 'scalar') return ` ${scalarText(node.value)}${node.comment ? ` #${node.comment}` : ''}\n`;
  if (inline(node)) return ` ${flowText(node)}\n`;
  return `\n${blockText(node, indent)}`;
}

/**
 * Text of the block collections already written, by node: an edited tree
 * shares every untouched subtree with the original (applySteps copies only the
 * nodes down to an edit), so writing it costs about the edited lines.
 */
const written = new WeakMap<TreeNode, { readonly indent: number; readonly text: string }>();

function blockText(node: MapNode | SeqNode, indent: number): string {
  const hit = written.get(node);
  if (hit?.indent === indent) return hit.text;
  const text = blockTextOf(node, indent);
  written.set(node, { indent, text });
  return text;
}

function blockTextOf(node: MapNode | SeqNode, indent: number): string {
  const pad = ' '.repeat(indent);
  let out = comments(node.before, pad);
  if (node.kind === 'map') {
    for (const p of node.items) out += `${comments(p.before, pad)}${pad}${scalarText(p.key)}:${valueText(p.value, indent + 2)}`;
  } else {
    for (const it of node.items) {
      if (it.kind === 'scalar' || inline(it)) out += `${pad}-${valueText(it, indent + 2)}`;
      // A mapping in a list starts on the dash's line: `- name: x`.
      else if (it.kind === 'map') out += `${pad}- ${blockText(it, indent + 2).slice(indent + 2)}`;
      else out += `${pad}-\n${blockText(it, indent + 2)}`;
    }
  }
  return out + comments(node.after, pad);
}

/** The YAML text of a tree whose root is a block mapping. */
export function yamlText(tree: MapNode): string {
  return inline(tree) ? `${flowText(tree)}\n` : blockText(tree, 0);
}

// ---------------------------------------------------------------------------
// Generators.

/** Odd and ordinary scalars: what a typo, a bot or a copy-paste puts in a file. */
export const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('500m', '1Gi', '0', 'latest', 'v1.2.3', '25%', '0%', 'rolling', 'Production', '-1', '1e3', 'on', 'yes'),
);
export const valueArb: fc.Arbitrary<unknown> = fc.oneof(scalarArb, fc.array(scalarArb, { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'type', 'tag', 'cpu'), scalarArb, { maxKeys: 2 }));

/** One edit at one of `paths`: set a value, delete, add a key below, rename. */
export function stepArb(paths: readonly Path[]): fc.Arbitrary<Step> {
  return fc.integer({ min: 0, max: paths.length - 1 }).chain((i) =>
    fc.oneof(
      valueArb.map((v): Step => ({ path: paths[i], kind: 'set', value: v })),
      fc.constant<Step>({ path: paths[i], kind: 'delete' }),
      fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), valueArb).map(([key, v]): Step => ({ path: paths[i], kind: 'add', key, value: v })),
      fc.string({ minLength: 1, maxLength: 10 }).map((key): Step => ({ path: paths[i], kind: 'rename', key })),
    ),
  );
}
