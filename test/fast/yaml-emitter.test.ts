import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import { parse, stringify } from 'yaml';
import { emitConfigYaml, emitYaml } from '../../app/fast/yaml-emitter';
import { withShortcuts } from '../../app/fast';
import { configYaml as referenceConfigYaml, sortKeys, YAML_OPTIONS } from '../../lib/synth/serialize';

/** configYaml as the app writes it: the emitter where it covers the value. */
const configYaml = (o: object) => withShortcuts(() => referenceConfigYaml(o));

/** What toYaml gave before the fast path: the library on sorted keys. */
const reference = (o: unknown) => stringify(sortKeys(o), YAML_OPTIONS);

/** Strings that sit on the library's quoting rules: YAML 1.1 booleans, numbers, timestamps, indicators. */
const TRICKY = [
  '', ' ', 'a ', ' a', 'y', 'Y', 'n', 'N', 'yes', 'No', 'ON', 'off', 'true', 'False', 'null', 'Null', '~', '<<', '-', '?', '- x', '? x',
  ':', 'a:', 'a: b', 'a:b', 'http://x:80/y', '#', 'a #b', 'a#b', '*', '&a', '!t', '|', '>', '%x', '@x', '`x', '"', "'", 'a"b', "a'b", `a'"b`,
  '[x]', '{x}', 'a,b', '0', '00', '007', '08', '0x1F', '0b101', '1_000', '1e3', '1E-3', '.5', '5.', '.inf', '-.Inf', '.NaN', '+1', '-1',
  '190:20:30', '1:2', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '100m', '128Mi', '1.2.3', 'v1.0.0', '---', '--- x', '...', 'x\ny',
  'x\n', 'a\nb\n', 'a\n\nb', 'a\n  b\n', '{\n  "a": 1\n}', 'a\nb ', 'a\n\n', ' a\nb', '\na', 'a\n---\nb', 'a\n \n', 'a \nb', 'a\tb\nc', 'a\n#b', 'tab\there', 'ctl\u0001', 'del\u007f', 'é', '日本', '😀', '\ud800', '=', 'a=b', '$(VAR)', '${x}', '\\', 'a\\b', '-4', '*/5 * * * *',
];

/** Up to three committed objects of every kind (parsing all of dist/ would slow the suite down). */
function renderedObjects(): unknown[] {
  const root = path.resolve(__dirname, '../../dist');
  const byKind = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.yaml')) {
        const kind = e.name.split('--')[1] ?? e.name;
        const files = byKind.get(kind) ?? [];
        if (files.length < 3) byKind.set(kind, [...files, abs]);
      }
    }
  };
  if (fs.existsSync(root)) walk(root);
  return [...byKind.values()].flat().map((f) => parse(fs.readFileSync(f, 'utf8'), { version: '1.1' }));
}

describe('emitYaml', () => {
  test('GIVEN every object in the committed dist/ WHEN emitted THEN the text equals the library output, and most objects take the fast path', () => {
    const objects = renderedObjects();
    let fast = 0;
    for (const o of objects) {
      const text = emitYaml(o);
      if (text === undefined) continue;
      fast++;
      expect(text).toBe(reference(o));
    }
    expect(fast).toBeGreaterThanOrEqual(objects.length * 0.8);
  });

  test('GIVEN strings on the quoting rules WHEN used as keys and values THEN the text equals the library output or the emitter declines', () => {
    for (const s of TRICKY) {
      for (const o of [{ k: s }, { [s]: 1 }, { k: [s, { [s]: s }] }, { a: { b: [[s]] } }]) {
        const text = emitYaml(o);
        if (text !== undefined) expect(text).toBe(reference(o));
      }
    }
    expect(emitYaml({ k: '100m', l: 'v1.0.0', m: '"', n: '' })).toBe(reference({ k: '100m', l: 'v1.0.0', m: '"', n: '' }));
  });

  test('GIVEN generated JSON-like objects WHEN emitted THEN the text equals the library output whenever the emitter takes them', () => {
    const line = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 6 }));
    const lines = fc.array(line, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('\n'));
    const key = fc.oneof(fc.constantFrom(...TRICKY, '1', '42', '4294967294', '4294967295'), fc.string(), fc.string({ unit: 'grapheme' }));
    const str = fc.oneof(key, lines);
    const leaf = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constantFrom(0.1, 1e21, 5e-324, -0, 1.5));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
    }));
    const doc = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 });
    let taken = 0;
    fc.assert(
      fc.property(doc, (o) => {
        const text = emitYaml(o);
        if (text === undefined) return;
        taken++;
        expect(text).toBe(reference(o));
      }),
      fuzz({ numRuns: 1000 }),
    );
    expect(taken).toBeGreaterThan(100);
  });

  test('GIVEN a "__proto__" key holding a map WHEN written by the emitter and by the library path THEN both keep it as a key (found by the property above)', () => {
    const o = JSON.parse('{"__proto__": {"y": [1]}, "z": 2}');
    expect(Object.keys(sortKeys(o) as object)).toEqual(['__proto__', 'z']);
    expect(reference(o)).toBe('__proto__:\n  "y":\n    - 1\nz: 2\n');
    expect(emitYaml(o)).toBe(reference(o));
  });

  test('GIVEN shapes the emitter does not cover WHEN emitted THEN it declines', () => {
    expect(emitYaml([1])).toBeUndefined();
    expect(emitYaml({})).toBeUndefined();
    expect(emitYaml({ a: undefined })).toBeUndefined();
    expect(emitYaml({ a: 'x\n\n' })).toBeUndefined();
    expect(emitYaml({ 'x\ny': 1 })).toBeUndefined();
    expect(emitYaml({ a: [undefined] })).toBeUndefined();
    expect(emitYaml({ a: new Date(0) })).toBeUndefined();
    expect(emitYaml({ a: Infinity })).toBeUndefined();
    expect(emitYaml({ '<<': 1 })).toBeUndefined();
    expect(emitYaml({ ['k'.repeat(1001)]: 1 })).toBeUndefined();
  });
});

describe('emitConfigYaml (configuration files: the library defaults)', () => {
  /** Words, so that long strings have spaces where the library could fold them. */
  const word = fc.oneof(fc.constantFrom(...TRICKY.filter((t) => !t.includes('\n'))), fc.string({ maxLength: 12 }), fc.constantFrom('alpha', 'beta-gamma', 'x', 'http://svc:9090/metrics'));
  const sentence = fc.array(word, { minLength: 1, maxLength: 20 }).map((ws) => ws.join(' '));
  const longWord = fc.integer({ min: 15, max: 120 }).map((n) => 'w'.repeat(n));
  const multiLine = fc.array(fc.oneof(sentence, longWord, fc.constant('')), { minLength: 2, maxLength: 5 }).map((ls) => ls.join('\n'));
  const str = fc.oneof(word, sentence, longWord, multiLine);
  const key = fc.oneof(fc.constantFrom(...TRICKY, '1', '42', 'scrape_configs', 'job_name'), fc.string({ maxLength: 10 }));
  const leaf = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constantFrom(0.1, 1e21, 1.5));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
  }));
  const doc = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 });

  test('GIVEN generated objects (long sentences, long words, multi-line strings, YAML 1.2 look-alikes, deep nesting) WHEN emitted THEN the text equals stringify() whenever the emitter takes them', () => {
    let taken = 0;
    fc.assert(
      fc.property(doc, (o) => {
        const text = emitConfigYaml(o);
        if (text === undefined) return;
        taken++;
        expect(text).toBe(stringify(o));
      }),
      fuzz({ numRuns: 2000 }),
    );
    expect(taken).toBeGreaterThan(300);
  });

  test('GIVEN strings around the fold limit at every depth WHEN emitted THEN the text equals stringify() or the emitter declines', () => {
    let compared = 0;
    for (let depth = 0; depth < 8; depth++) {
      for (let n = 15; n <= 100; n++) {
        for (const s of ['a'.repeat(n), `${'ab '.repeat(Math.ceil(n / 3))}`.slice(0, n), `"${'q '.repeat(n)}`.slice(0, n), `${'l '.repeat(n).slice(0, n)}\nnext line`]) {
          // Nested in maps and in lists (fresh objects on every level: a repeated one would be declined as an alias).
          let o: unknown = { k: s, l: [s] };
          for (let d = 0; d < depth; d++) o = d % 2 ? { nested: o } : { list: [o] };
          const text = emitConfigYaml(o);
          if (text === undefined) continue;
          compared++;
          expect(text).toBe(stringify(o));
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  test('GIVEN the same object twice (the library writes an anchor and an alias) WHEN emitted THEN it declines, and configYaml gives the library text', () => {
    const shared = { a: 1 };
    const o = { x: shared, y: [shared] };
    expect(emitConfigYaml(o)).toBeUndefined();
    expect(configYaml(o)).toBe(stringify(o));
    expect(configYaml(o)).toContain('&a1');
  });

  test('GIVEN YAML 1.1-only booleans and numbers WHEN emitted THEN they stay plain (YAML 1.2 reads them as strings), as the library writes them', () => {
    const o = { a: 'yes', b: 'on', c: '0o17', d: '017', e: 'true', f: '1_000', g: '~' };
    expect(emitConfigYaml(o)).toBe(stringify(o));
    expect(emitConfigYaml(o)).toContain('a: yes\n');
    expect(emitConfigYaml(o)).toContain('e: "true"\n');
  });
});

