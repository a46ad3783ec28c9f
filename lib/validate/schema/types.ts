/**
 * A compact structural schema: the subset of OpenAPI that decides whether the
 * API server accepts an object under strict field validation (known fields,
 * JSON types, required fields, enums, int-or-string, free-form subtrees).
 *
 * Both schema sources map onto it: the typed bindings the project already
 * depends on (see derive.ts, used at run time) and the upstream OpenAPI
 * documents (used by the tests to cross-check the derivation).
 */
export type SchemaNode =
  | { readonly t: 'string' }
  | { readonly t: 'number' }
  | { readonly t: 'integer' }
  | { readonly t: 'boolean' }
  /** free-form: x-kubernetes-preserve-unknown-fields, RawExtension, JSON */
  | { readonly t: 'any' }
  | { readonly t: 'int-or-string' }
  /**
   * `loose`: derived from generated TS enums, which drop the value "" and
   * one of two values differing only in case; such enums accept "" and
   * compare strings case-insensitively so they never reject a valid value
   */
  | { readonly t: 'enum'; readonly values: ReadonlyArray<string | number>; readonly loose?: boolean }
  | { readonly t: 'array'; readonly items: SchemaNode }
  | { readonly t: 'map'; readonly values: SchemaNode }
  /** a named struct in SchemaCatalog.structs */
  | { readonly t: 'ref'; readonly name: string };

export interface StructSchema {
  /** JSON property name -> schema */
  readonly props: Readonly<Record<string, SchemaNode>>;
  readonly required: readonly string[];
}

export interface KindSchema {
  readonly apiVersion: string;
  readonly kind: string;
  /** the struct describing the whole object except apiVersion and kind */
  readonly struct: string;
  readonly namespaced: boolean;
  /** where the schema came from, for messages ("cdk8s-plus-27 k8s", "imports/...") */
  readonly source: string;
}

export interface SchemaCatalog {
  readonly structs: Readonly<Record<string, StructSchema>>;
  /** keyed by `${apiVersion}/${kind}` (core group: `v1/Pod`) */
  readonly kinds: Readonly<Record<string, KindSchema>>;
  /** type references the derivation could not resolve (treated as free-form); expected empty */
  readonly unresolved: readonly string[];
}

export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** The API group of an apiVersion ('' for the core group). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
