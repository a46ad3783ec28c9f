// The app reads environment files with js-yaml (app/fast/yaml-read.ts) and
// falls back to the `yaml` library (app/config/yaml-source.ts) for anything
// js-yaml might read differently.
// These tests hold it to the reference, `yaml` alone, on the real files,
// on edited files as the fuzz test makes them, on texts with YAML-significant
// characters inserted anywhere, and on the scalar forms where YAML 1.1 and 1.2
// parsers differ: the same data, the same offset and line:column for every
// node and key, or the same syntax error.
import * as fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../app/config';
import { readYamlFast } from '../../app/fast/yaml-read';
import { readYamlReference, YamlSource } from '../../app/config/yaml-source';
import { applySteps, dataOf, nodePaths, stepArb, treeOf, yamlText } from '../config/yaml-edits';

/** What the app reads with: the fast reader, else the reference. */
const readYaml = (text: string, file: string): YamlSource => readYamlFast(text, file) ?? readYamlReference(text, file);

const DIR = path.resolve(__dirname, '../../environments');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const TEXTS = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));

type Outcome = { error: string } | { source: YamlSource };

function outcome(read: (text: string, file: string) => YamlSource, text: string): Outcome {
  try {
    return { source: read(text, 'environments/x.yaml') };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { error: e.message };
  }
}

/** Every path into the data, and an absent child of each collection (a missing field is located at its parent). */
function pathsOf(data: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(data)) {
    out.push([...prefix, data.length]);
    data.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  } else if (data !== null && typeof data === 'object') {
    out.push([...prefix, 'absent-key']);
    for (const [k, v] of Object.entries(data)) out.push(...pathsOf(v, [...prefix, k]));
  }
  return out;
}

/**
 * What the loader sees of a file: its data, where each node and key is, and
 * the line:column of those offsets and of every line break and the character
 * after it (which pins down where each line starts), as text, which compares fast.
 */
function observed(source: YamlSource, text: string) {
  const probes = new Set<number>([0, text.length]);
  const offsets = pathsOf(source.data)
    .map((p) => {
      const [at, key] = [source.offsetOf(p, false), source.offsetOf(p, true)];
      if (at !== undefined) probes.add(at);
      if (key !== undefined) probes.add(key);
      return `${JSON.stringify(p)}=${at}/${key}`;
    })
    .join('\n');
  for (let i = 0; i < text.length; i++) if (text[i] === '\n' || text[i] === '\r') probes.add(i).add(i + 1);
  const positions = [...probes]
    .sort((a, b) => a - b)
    .map((i) => {
      const { line, col } = source.linePos(i);
      return `${i}@${line}:${col}`;
    })
    .join(' ');
  return { offsets, positions };
}

/** Reads `text` both ways and expects the same; returns which parser the loader used. */
function expectSameAsReference(text: string): YamlSource['parser'] | 'error' {
  const fast = outcome(readYaml, text);
  const reference = outcome(readYamlReference, text);
  if ('error' in reference) {
    expect(fast).toEqual(reference);
    return 'error';
  }
  expect('source' in fast).toBe(true);
  const { source } = fast as { source: YamlSource };
  // isDeepStrictEqual first: jest's toEqual is slow on whole files, and is only needed for a readable diff.
  if (!isDeepStrictEqual(source.data, reference.source.data)) expect(source.data).toEqual(reference.source.data);
  const [mine, theirs] = [observed(source, text), observed(reference.source, text)];
  if (mine.offsets !== theirs.offsets) expect(mine.offsets).toBe(theirs.offsets);
  if (mine.positions !== theirs.positions) expect(mine.positions).toBe(theirs.positions);
  return source.parser;
}

// Small documents of every shape: mostly well-formed, with one in thirty odd
// scalars and keys (indicators, tags, anchors, quotes, collections as keys).
type Gen =
  | { kind: 'scalar'; text: string }
  | { kind: 'flow-seq'; items: Gen[] }
  | { kind: 'block-seq'; items: Gen[] }
  | { kind: 'flow-map'; entries: [string, Gen | null][] }
  | { kind: 'block-map'; entries: [string, Gen, string][] };
const SCALARS = ['a', 'b c', 'x:y', 'a#b', '~', 'null', 'Null', 'nUll', '', 'true', 'False', 'yes', 'on', '1', '-1', '+1', '0x1F', '0o7', '0b1', '1_0', '1.5', '.5', '1.', '1e3', '-.inf', '.NaN', '2001-01-01', '"q"', "'s'", '"a\\nb"', "'it''s'", '<<', '='];
const ODD_SCALARS = ['x: y', '#c', '- x', '? x', '@x', '`x', '%x', '&x', '*x', '!x', '!!str 1', '|', '>', '[', '}', ',', 'a,b', '---', '...', '"\\q"', "'a", '\ta'];
const KEYS = ['a', 'b', 'key', '"k"', "'k'", '1', '0x1', 'true', 'a b', 'a:b', '"a: b"', '<<', '.inf', 'c'];
const ODD_KEYS = ['~', 'null', '""', '[a]', '{a: 1}', '? a', '-a', '__proto__', '&k a', '*k'];
const mostlyUsual = (usual: string[], odd: string[]) => fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
const scalarGen = mostlyUsual(SCALARS, ODD_SCALARS).map((text): Gen => ({ kind: 'scalar', text }));
const keyGen = mostlyUsual(KEYS, ODD_KEYS);
const { node: nodeGen } = fc.letrec<{ node: Gen; flow: Gen }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalarGen,
    tie('flow'),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((items): Gen => ({ kind: 'block-seq', items })),
    fc.uniqueArray(fc.tuple(keyGen, tie('node'), fc.constantFrom('', '', ' # c')), { minLength: 1, maxLength: 3, selector: ([k]) => k }).map((entries): Gen => ({ kind: 'block-map', entries })),
  ),
  flow: fc.oneof(
    { depthSize: 'small' },
    scalarGen,
    fc.array(tie('flow'), { maxLength: 3 }).map((items): Gen => ({ kind: 'flow-seq', items })),
    fc.uniqueArray(fc.tuple(keyGen, fc.option(tie('flow'))), { maxLength: 3, selector: ([k]) => k }).map((entries): Gen => ({ kind: 'flow-map', entries })),
  ),
}));

function flowText(g: Gen): string {
  if (g.kind === 'scalar') return g.text;
  if (g.kind === 'flow-seq' || g.kind === 'block-seq') return `[${g.items.map(flowText).join(', ')}]`;
  if (g.kind === 'flow-map') return `{${g.entries.map(([k, v]) => (v === null ? k : `${k}: ${flowText(v)}`)).join(', ')}}`;
  return `{${g.entries.map(([k, v]) => `${k}: ${flowText(v)}`).join(', ')}}`;
}

/** After `key:` or `-`: a scalar or flow collection on the line (or nothing), a block collection below. */
function valueText(g: Gen, indent: number): string {
  if (g.kind === 'block-seq') return `\n${g.items.map((it) => `${' '.repeat(indent)}-${valueText(it, indent + 2)}`).join('\n')}`;
  if (g.kind === 'block-map') return `\n${g.entries.map(([k, v, c]) => `${' '.repeat(indent)}${k}:${valueText(v, indent + 2)}${c}`).join('\n')}`;
  const text = flowText(g);
  return text === '' ? '' : ` ${text}`;
}

const documentArb = fc
  .tuple(fc.uniqueArray(fc.tuple(keyGen, nodeGen, fc.constantFrom('', ' # c')), { minLength: 1, maxLength: 4, selector: ([k]) => k }), fc.constantFrom('\n', '', '\n# end\n'))
  .map(([entries, end]) => entries.map(([k, v, c]) => `${k}:${valueText(v, 2)}${c}`).join('\n') + end);

describe('readYaml against the yaml library', () => {
  test.each(FILES)('GIVEN environments/%s WHEN read THEN js-yaml reads it, with the same data and positions as yaml', (file) => {
    expect(expectSameAsReference(TEXTS[file])).toBe('js-yaml');
  });

  test('GIVEN edited environment files WHEN read THEN data and positions are those of yaml, and the data is what was written', () => {
    const files = FILES.filter((f) => f !== 'defaults.yaml' && TEXTS[f].length < 6000);
    const trees = Object.fromEntries(files.map((f) => [f, treeOf(parseDocument(TEXTS[f]))]));
    const edit = fc.constantFrom(...files).chain((f) => fc.tuple(fc.constant(f), fc.array(stepArb(nodePaths(trees[f])), { minLength: 1, maxLength: 4 })));
    const parsers: Record<string, number> = {};
    fc.assert(
      fc.property(edit, ([file, steps]) => {
        const tree = applySteps(trees[file], steps);
        const text = yamlText(tree);
        const parser = expectSameAsReference(text);
        parsers[parser] = (parsers[parser] ?? 0) + 1;
        // The writer is faithful (a renamed key may repeat one: a syntax error, compared above).
        if (parser !== 'error' && !isDeepStrictEqual(readYaml(text, 'x').data, dataOf(tree))) expect(readYaml(text, 'x').data).toEqual(dataOf(tree));
      }),
      fuzz({ numRuns: 150, seed: 424242 }),
    );
    // Most edited files take the fast path, or this compares little.
    expect(parsers['js-yaml']).toBeGreaterThan(120);
  });

  test('GIVEN environment files with YAML punctuation inserted anywhere WHEN read THEN data, positions or the syntax error are those of yaml', () => {
    const tokens = [
      ...[' ', '\n', '\t', ':', ': ', '-', '- ', '\n- ', '\n  ', '[', ']', '{', '}', ',', '#', ' #', '"', "'", '|', '>', '!', '!!str ', '!x ', '&a ', '*a', '? ', '%', '@', '`', '\\'],
      ...['~', 'null', 'Null', 'NULL', 'yes', 'on', 'true', 'True', 'FALSE', '0x1F', '0o17', '0b101', '1_000', '+12', '-0', '.inf', '-.Inf', '.NaN', '1e3', '1.', '2001-12-14', '<<: '],
      ...['\r\n', '\r', '---', '...', '\ufeff', '\u00a0', '\u2028', '\u0085', '\x7f', '"\\u00e9"', '"\\x41"', '"\\N"', '"\\q"', '[a]: ', '{a: 1}: ', '~: ', ':x', '"a":1'],
    ];
    const small = FILES.filter((f) => TEXTS[f].length < 4000);
    const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...tokens)), { minLength: 1, maxLength: 3 });
    const parsers: Record<string, number> = {};
    fc.assert(
      fc.property(fc.constantFrom(...small), edits, (file, steps) => {
        let text = TEXTS[file];
        for (const [n, kind, token] of steps) {
          const at = n % (text.length + 1);
          if (kind === 'insert') text = text.slice(0, at) + token + text.slice(at);
          else if (kind === 'delete') text = text.slice(0, at) + text.slice(at + 1 + (n % 5));
          else text = text.slice(0, at) + token + text.slice(at + token.length);
        }
        const parser = expectSameAsReference(text);
        parsers[parser] = (parsers[parser] ?? 0) + 1;
      }),
      fuzz({ numRuns: 250, seed: 515151 }),
    );
    // Both the fast path and syntax errors occur, or this compares little.
    expect(parsers['js-yaml']).toBeGreaterThan(100);
    expect(parsers.error).toBeGreaterThan(50);
  });

  test('GIVEN generated documents (nested block and flow collections, empty items and values, odd keys and scalars, comments) WHEN read THEN the same as yaml', () => {
    const parsers: Record<string, number> = {};
    fc.assert(
      fc.property(documentArb, (text) => {
        const parser = expectSameAsReference(text);
        parsers[parser] = (parsers[parser] ?? 0) + 1;
      }),
      fuzz({ numRuns: 400, seed: 606060 }),
    );
    // All three outcomes occur: the fast path, yaml for what it declines, and syntax errors.
    expect(parsers['js-yaml']).toBeGreaterThan(150);
    expect(parsers.yaml).toBeGreaterThan(20);
    expect(parsers.error).toBeGreaterThan(40);
  });

  test.each([
    // YAML 1.2 core schema, as `yaml` reads it: no YAML 1.1 booleans, timestamps, underscores or binary.
    ['a: yes\nb: on\nc: No\nd: off\ne: y\n', { a: 'yes', b: 'on', c: 'No', d: 'off', e: 'y' }],
    ['a: 1_000\nb: 0b101\nc: 0o17\nd: 0x1F\ne: 017\nf: +12\ng: -0\n', { a: '1_000', b: '0b101', c: 15, d: 31, e: 17, f: 12, g: -0 }],
    ['a: .inf\nb: -.Inf\nc: .NaN\nd: 1e3\ne: 1.\nf: .5\ng: 1:30\nh: 6.8523015e+5\n', { a: Infinity, b: -Infinity, c: NaN, d: 1000, e: 1, f: 0.5, g: '1:30', h: 685230.15 }],
    ['a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n', { a: '2001-12-14', b: '2001-12-14t21:59:43.10-05:00' }],
    ['a: ~\nb: null\nc: Null\nd: NULL\ne: nULL\nf:\ng: True\nh: tRUE\n', { a: null, b: null, c: null, d: null, e: 'nULL', f: null, g: true, h: 'tRUE' }],
    ['<<: { a: 1 }\nb: 2\n', { '<<': { a: 1 }, b: 2 }],
  ])('GIVEN %j WHEN read THEN it is YAML 1.2 core data, as yaml reads it', (text, expected) => {
    expect(expectSameAsReference(text)).toBe('js-yaml');
    expect(readYaml(text, 'x').data).toEqual(expected);
  });

  test.each([
    ['a tag', 'a: !!str 1\n'],
    ['a custom tag', 'a: !secret x\n'],
    ['the non-specific tag', 'a: ! 1\n'],
    ['an anchor and an alias', 'a: &x { b: 1 }\nc: *x\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a directive', '%YAML 1.1\n---\na: yes\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a plain scalar over two lines', 'a: one\n  two\n'],
    ['a quoted scalar over two lines', 'a: "one\n  two"\n'],
    ['a flow mapping over two lines', 'a: { b: 1,\n  c: 2 }\n'],
    ['a flow sequence as a key', '[a, b]: 1\n'],
    ['a flow mapping as a key', '{ a: 1 }: 2\n'],
    ['a null key', '~: 1\n'],
    ['a flow collection as a key with no value', 'a: { [b], c: 1 }\nd: {{}}\n'],
    ['a null key with no value', 'a: { ~, c: 1 }\n'],
    ['a list item with nothing after its dash', 'a:\n  -\n    -\n  - 1.5\n'],
    ['a single-pair mapping in a flow list', 'a: [b: 1, c]\n'],
    ['an empty key in a flow mapping', 'a: { : 1 }\n'],
    ['a comment right after a flow mapping', 'a: { b: 1 }#c\n'],
    ['a comment right after a document marker', '---#c\na: 1\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['a lone carriage return', 'a: 1\rb: 2\n'],
    ['a very long line', `a: ${'x'.repeat(1100)}\n`],
  ])('GIVEN %s WHEN read THEN yaml reads it (the fast path declines), as before', (_what, text) => {
    expect(expectSameAsReference(text)).not.toBe('js-yaml');
  });

  test.each([
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['an unclosed flow sequence', 'a: [1\nb: 2\n'],
    ['a tab as indentation', 'a:\n\tb: 1\n'],
    ['a flow mapping not indented enough', 'a:\n  b: { c: 1,\n  d: 2 }\n'],
    ['a quoted scalar not indented enough', 'a:\n  b: "one\n two"\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
  ])('GIVEN %s WHEN read THEN it is the syntax error yaml reports', (_what, text) => {
    expect(expectSameAsReference(text)).toBe('error');
  });

  test('GIVEN an alias to no anchor WHEN read THEN it is a located syntax error (yaml throws it from toJS, not among its errors)', () => {
    expect(() => readYaml('a: 1\nb:\n  c: *nowhere\n', 'environments/x.yaml')).toThrow(
      new ConfigError([{ file: 'environments/x.yaml', line: 3, column: 6, path: '', message: 'YAML syntax error: Unresolved alias (the anchor must be set before the alias): nowhere' }]),
    );
  });
});
