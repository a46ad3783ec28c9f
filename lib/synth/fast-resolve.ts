// A faster `ApiObject.prototype.toJson` for the duration of a render, with the
// same result.
//
// cdk8s resolves an object in two generic passes: `resolve()` visits every
// value with a fresh ResolutionContext, a copied key path and a walk up the
// construct tree to find the App's resolvers (`App.of`) per value, then
// `sanitizeValue()` copies the result again to drop empty values and sort
// keys. That was the costliest step of a synth after start-up. When the App
// uses only cdk8s's built-in resolvers (Lazy, implicit tokens, number/string
// unions), the same result comes out of one pass that applies those three
// rules inline. Anything else (custom resolvers, an error on the way) runs
// cdk8s's own code, so results and error messages stay cdk8s's.
//
// The L1 classes' `toJson()` calls `super.toJson()` and then converts the
// resolved props to Kubernetes field names; only the super call is replaced.
import { ApiObject, App, ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver, Lazy } from 'cdk8s';

type Json = unknown;

/** What cdk8s's resolve + sanitizeValue give for `value`, in one pass (built-in resolvers only). */
function clean(value: unknown, sortKeys: boolean, filterEmpty: boolean): Json {
  if (value == null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') return value;
  // The built-in resolvers, in App order: Lazy, implicit token, number/string union.
  if (value instanceof Lazy) return clean(value.produce(), sortKeys, filterEmpty);
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
  if (typeof v.resolve === 'function') return clean((v.resolve as () => unknown).call(value), sortKeys, filterEmpty);
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) return clean({ value: v.value }, sortKeys, filterEmpty);
  if (typeof value === 'function') return value;
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) return undefined;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clean(value[i], sortKeys, filterEmpty);
    return out;
  }
  if (v.constructor !== Object) throw new NotPlain();
  const keys = Object.keys(value);
  if (sortKeys) keys.sort();
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const k of keys) {
    const c = clean((value as Record<string, unknown>)[k], sortKeys, filterEmpty);
    if (c != null) {
      out[k] = c;
      n++;
    }
  }
  return filterEmpty && n === 0 ? undefined : out;
}

/** A value cdk8s would refuse ("can't render non-simple object"): cdk8s's own path reports it. */
class NotPlain extends Error {}

interface ApiObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: ReadonlyArray<unknown>;
}

interface MetadataInternals {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations?: Record<string, string>;
  readonly finalizers?: string[];
  readonly ownerReferences?: unknown[];
  readonly labels?: Record<string, string>;
}

const resolverClasses = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];
const defaultApps = new WeakMap<App, boolean>();

/** True when the App resolves with cdk8s's three built-in resolvers only, in their order. */
function usesBuiltInResolvers(app: App): boolean {
  let known = defaultApps.get(app);
  if (known === undefined) {
    const r = app.resolvers;
    known = r.length === resolverClasses.length && r.every((x, i) => x.constructor === resolverClasses[i]);
    defaultApps.set(app, known);
  }
  return known;
}

/** `o.metadata.toJson()` in one pass: dropping empty lists and maps, keys sorted. */
function cleanMetadata(o: ApiObject): Json {
  const md = o.metadata as unknown as MetadataInternals;
  return clean(
    { ...md._additionalAttributes, name: md.name, namespace: md.namespace, annotations: md.annotations, finalizers: md.finalizers, ownerReferences: md.ownerReferences, labels: md.labels },
    true,
    true,
  );
}

/** The same as `o.metadata.toJson() ?? {}`, in one pass where cdk8s's built-in resolvers are all the App uses. */
export function metadataJson(o: ApiObject): { annotations?: Record<string, string>; labels?: Record<string, string>; name?: string; namespace?: string } {
  if (usesBuiltInResolvers(App.of(o))) {
    try {
      return (cleanMetadata(o) ?? {}) as ReturnType<typeof metadataJson>;
    } catch {
      // cdk8s's path reports it
    }
  }
  return o.metadata.toJson() ?? {};
}

/**
 * `ApiObject.prototype.toJson` in one pass, or undefined when this object
 * needs cdk8s's own path (custom resolvers, JSON patches, anything unusual).
 */
function fastJson(o: ApiObject): Record<string, unknown> | undefined {
  const internals = o as unknown as ApiObjectInternals;
  if (internals.patches.length > 0 || !usesBuiltInResolvers(App.of(o))) return undefined;
  try {
    const metadata = cleanMetadata(o);
    const sortKeys = !process.env.CDK8S_DISABLE_SORT;
    const json = clean({ ...internals.props, metadata }, sortKeys, false) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (k in json) result[k] = json[k];
    return result;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` with `ApiObject.prototype.toJson` replaced by the one-pass
 * version (falling back to cdk8s's for any object it does not cover), and
 * restores cdk8s's method afterwards, also when `fn` throws.
 */
export function withFastResolve<T>(fn: () => T): T {
  const proto = ApiObject.prototype as { toJson(): unknown };
  const original = proto.toJson;
  if ((original as { fast?: boolean }).fast) return fn();
  const fast = function (this: ApiObject): unknown {
    return fastJson(this) ?? original.call(this);
  };
  (fast as { fast?: boolean }).fast = true;
  proto.toJson = fast;
  try {
    return fn();
  } finally {
    proto.toJson = original;
  }
}
