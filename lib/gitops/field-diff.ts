// Field-level differences between two versions of a Kubernetes object, with
// paths a reviewer can read: `spec.template.spec.containers[name=api].image`.

/** One changed field; `before`/`after` undefined means absent on that side. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function child(path: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A list whose items have unique names (`name`, or `metadata.name` for embedded objects) is compared by name, not by position. */
function namedItems(list: unknown[]): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  for (const item of list) {
    const name = isObject(item) ? (typeof item.name === 'string' ? item.name : isObject(item.metadata) ? item.metadata.name : undefined) : undefined;
    if (typeof name !== 'string' || out.has(name)) return undefined;
    out.set(name, item);
  }
  return out;
}

/** Every leaf that differs between `before` and `after`, in a stable order. */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffFields(before[k], after[k], child(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = namedItems(before);
    const b = namedItems(after);
    if (a && b && (a.size > 0 || b.size > 0)) {
      const names = [...new Set([...a.keys(), ...b.keys()])];
      return names.flatMap((n) => diffFields(a.get(n), b.get(n), `${path}[name=${n}]`));
    }
    if (before.every((x) => !isObject(x) && !Array.isArray(x)) && after.every((x) => !isObject(x) && !Array.isArray(x))) {
      return equal(before, after) ? [] : [{ path, before, after }];
    }
    const n = Math.max(before.length, after.length);
    return Array.from({ length: n }, (_, i) => diffFields(before[i], after[i], `${path}[${i}]`)).flat();
  }
  if (equal(before, after)) return [];
  return [{ path, before, after }];
}

/** Deep equality of JSON values. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

/** The value at a dotted path of plain keys (`spec.selector`). */
export function valueAt(o: unknown, dotted: string): unknown {
  let v: unknown = o;
  for (const k of dotted.split('.')) v = isObject(v) ? v[k] : undefined;
  return v;
}

/** A value as one short line: `"v1.2.0"`, `5`, `(absent)`, `{"app":"x"}`. */
export function formatValue(v: unknown, max = 120): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
