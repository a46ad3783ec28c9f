// A faster `ApiObject.prototype.toJson` (and `metadata.toJson`) for the
// duration of a render, with the same result.
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
//
// This reads cdk8s internals (ApiObject `props` and `patches`, the metadata's
// `_additionalAttributes` and `apiObject`), so it runs only on the cdk8s line
// it was written against (CDK8S_LINE) and where those fields are there;
// anywhere else cdk8s's own toJson runs, unchanged.
import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver, Lazy } from 'cdk8s';
import { version as cdk8sVersion } from 'cdk8s/package.json';

/** The cdk8s minor line whose internals this file copies. */
export const CDK8S_LINE = '2.70.';

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
  readonly apiObject?: ApiObject;
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

/** `md.toJson()` in one pass: dropping empty lists and maps, keys sorted. */
function cleanMetadata(metadata: ApiObjectMetadataDefinition): Json {
  const md = metadata as unknown as MetadataInternals;
  return clean(
    { ...md._additionalAttributes, name: md.name, namespace: md.namespace, annotations: md.annotations, finalizers: md.finalizers, ownerReferences: md.ownerReferences, labels: md.labels },
    true,
    true,
  );
}

/**
 * `ApiObjectMetadataDefinition.prototype.toJson` in one pass, or undefined
 * when it needs cdk8s's own path.
 */
function fastMetadata(md: ApiObjectMetadataDefinition): { value: Json } | undefined {
  const o = (md as unknown as MetadataInternals).apiObject;
  if (!o || !usesBuiltInResolvers(App.of(o))) return undefined;
  try {
    return { value: cleanMetadata(md) };
  } catch {
    return undefined;
  }
}

/**
 * `ApiObject.prototype.toJson` in one pass, or undefined when this object
 * needs cdk8s's own path (custom resolvers, JSON patches, anything unusual).
 */
function fastJson(o: ApiObject): Record<string, unknown> | undefined {
  const internals = o as unknown as ApiObjectInternals;
  if (!Array.isArray(internals.patches) || internals.patches.length > 0 || !usesBuiltInResolvers(App.of(o))) return undefined;
  try {
    const metadata = cleanMetadata(o.metadata);
    const sortKeys = !process.env.CDK8S_DISABLE_SORT;
    const json = clean({ ...internals.props, metadata }, sortKeys, false) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (k in json) result[k] = json[k];
    return result;
  } catch {
    return undefined;
  }
}

/** True on the cdk8s line this was written against, where the internals it reads are there. */
export function fastResolveSupported(version: string = cdk8sVersion): boolean {
  if (!version.startsWith(CDK8S_LINE)) return false;
  const md = new ApiObjectMetadataDefinition({ apiObject: undefined as unknown as ApiObject });
  return typeof (md as unknown as MetadataInternals)._additionalAttributes === 'object' && 'apiObject' in md;
}

let supported: boolean | undefined;

/**
 * Runs `fn` with `ApiObject.prototype.toJson` and
 * `ApiObjectMetadataDefinition.prototype.toJson` replaced by the one-pass
 * versions (falling back to cdk8s's for any object they do not cover), and
 * restores cdk8s's methods afterwards, also when `fn` throws. On another
 * cdk8s line it only runs `fn`.
 */
export function withFastResolve<T>(fn: () => T): T {
  supported ??= fastResolveSupported();
  const proto = ApiObject.prototype as { toJson(): unknown };
  const original = proto.toJson;
  if (!supported || (original as { fast?: boolean }).fast) return fn();
  const mdProto = ApiObjectMetadataDefinition.prototype as { toJson(): unknown };
  const originalMetadata = mdProto.toJson;
  const fast = function (this: ApiObject): unknown {
    return fastJson(this) ?? original.call(this);
  };
  (fast as { fast?: boolean }).fast = true;
  proto.toJson = fast;
  mdProto.toJson = function (this: ApiObjectMetadataDefinition): unknown {
    const r = fastMetadata(this);
    return r ? r.value : originalMetadata.call(this);
  };
  try {
    return fn();
  } finally {
    proto.toJson = original;
    mdProto.toJson = originalMetadata;
  }
}
