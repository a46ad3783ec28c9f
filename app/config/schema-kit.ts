// Small helpers around zod that every config schema uses: each leaf says in
// words what it accepts ("an integer >= 0"), so that error messages can say
// "expected an integer >= 0, got "five"" instead of zod's generic text.
import { z } from 'zod';

const expectations = new WeakMap<z.ZodType, string>();

/** Attaches the human description of what `schema` accepts, used in errors and JSON Schema. */
export function expects<T extends z.ZodType>(schema: T, text: string): T {
  const described = schema.meta({ description: `Expected: ${text}.` });
  expectations.set(described, text);
  expectations.set(schema, text);
  return described;
}

/** The description attached by `expects`, looking through optional/default wrappers. */
export function expectationOf(schema: z.ZodType | undefined): string | undefined {
  let s: z.ZodType | undefined = schema;
  while (s) {
    const text = expectations.get(s);
    if (text) return text;
    s = unwrap(s);
  }
  return undefined;
}

type Def = { type: string; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; discriminator?: string; shape?: Record<string, z.ZodType> };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType | undefined {
  const def = defOf(schema);
  if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'readonly') {
    return def.innerType;
  }
  return undefined;
}

function strip(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let inner = unwrap(s); inner; inner = unwrap(s)) s = inner;
  return s;
}

/**
 * The schema that governs the value at `path` inside `data`, or undefined when
 * the path leaves the schema. Unions are resolved against the data itself.
 */
export function schemaAt(root: z.ZodType, path: ReadonlyArray<PropertyKey>, data: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  let value: unknown = data;
  for (const key of path) {
    if (!schema) return undefined;
    schema = resolveUnion(strip(schema), value);
    const def = defOf(schema);
    if (def.type === 'object') schema = (schema as z.ZodObject).shape[String(key)] as z.ZodType | undefined;
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'array') schema = def.element;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[String(key)] : undefined;
  }
  return schema && resolveUnion(schema, value);
}

function resolveUnion(schema: z.ZodType, value: unknown): z.ZodType {
  const def = defOf(strip(schema));
  if (def.type !== 'union' || !def.options) return schema;
  if (def.discriminator && value !== null && typeof value === 'object') {
    const tag = (value as Record<string, unknown>)[def.discriminator];
    const match = def.options.find((o) => {
      const field = (strip(o) as z.ZodObject).shape?.[def.discriminator!];
      return field !== undefined && field.safeParse(tag).success;
    });
    if (match) return match;
  }
  return schema;
}

/** Keys an object schema at `path` accepts (for "did you mean" hints). */
export function knownKeys(root: z.ZodType, path: ReadonlyArray<PropertyKey>, data: unknown): string[] {
  const s = schemaAt(root, path, data);
  if (!s) return [];
  const obj = strip(s);
  return defOf(obj).type === 'object' ? Object.keys((obj as z.ZodObject).shape) : [];
}

/** Values of the discriminator of a discriminated union at `path`, if it is one. */
export function discriminatorOf(root: z.ZodType, path: ReadonlyArray<PropertyKey>, data: unknown): { key: string; values: string[] } | undefined {
  const s = schemaAt(root, path, data);
  if (!s) return undefined;
  const def = defOf(strip(s));
  if (def.type !== 'union' || !def.discriminator || !def.options) return undefined;
  const key = def.discriminator;
  const values = def.options.flatMap((o) => {
    const field = (strip(o) as z.ZodObject).shape[key] as z.ZodType | undefined;
    const lit = field && (defOf(field) as { values?: unknown[] }).values;
    return (lit ?? []).map(String);
  });
  return { key, values };
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate within a distance that still reads as a typo, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
