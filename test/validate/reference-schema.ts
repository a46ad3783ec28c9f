/**
 * Test-only: builds a schema catalog straight from the upstream documents in
 * ../shared (the Kubernetes 1.27 OpenAPI definitions and the pinned CRDs), to
 * cross-check the catalog the gate derives from the typed bindings.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { KindSchema, SchemaCatalog, SchemaNode, StructSchema } from '../../lib/validate';
import { CRD_DIR, K8S_DEFINITIONS, requireShared } from '../helpers/shared';
import { enumAccepts } from '../../lib/validate/schema/check';


type OpenApi = Record<string, any>;

export function loadReferenceCatalog(): SchemaCatalog {
  requireShared();
  const structs: Record<string, StructSchema> = {};
  const kinds: Record<string, KindSchema> = {};

  // --- Kubernetes 1.27 definitions ---
  const defs: Record<string, OpenApi> = JSON.parse(fs.readFileSync(K8S_DEFINITIONS, 'utf8')).definitions;
  const defNode = (name: string): SchemaNode => {
    const d = defs[name];
    if (!d) return { t: 'any' };
    if (name.endsWith('.IntOrString') || name.endsWith('.Quantity')) return { t: 'int-or-string' };
    if (d.properties) return { t: 'ref', name: `ref:${name}` };
    return convert(d, `ref:${name}`);
  };
  const convert = (s: OpenApi, at: string): SchemaNode => {
    if (s.$ref) return defNode(String(s.$ref).replace('#/definitions/', ''));
    if (s['x-kubernetes-int-or-string']) return { t: 'int-or-string' };
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties) return { t: 'any' };
    if (Array.isArray(s.enum) && ['string', 'integer', 'number'].includes(s.type)) return { t: 'enum', values: s.enum };
    switch (s.type) {
      case 'string': return { t: 'string' };
      case 'integer': return { t: 'integer' };
      case 'number': return { t: 'number' };
      case 'boolean': return { t: 'boolean' };
      case 'array': return { t: 'array', items: s.items ? convert(s.items, `${at}[]`) : { t: 'any' } };
      default: break;
    }
    if (s.properties) {
      structs[at] = {
        props: Object.fromEntries(Object.entries(s.properties as Record<string, OpenApi>).map(([k, v]) => [k, convert(v, `${at}.${k}`)])),
        required: Array.isArray(s.required) ? s.required : [],
      };
      return { t: 'ref', name: at };
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return { t: 'map', values: convert(s.additionalProperties, `${at}{}`) };
    return { t: 'any' };
  };
  for (const [name, d] of Object.entries(defs)) {
    if (!d.properties) continue;
    convert(d, `ref:${name}`);
    for (const gvk of (d['x-kubernetes-group-version-kind'] ?? []) as Array<{ group: string; version: string; kind: string }>) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      kinds[`${apiVersion}/${gvk.kind}`] = { apiVersion, kind: gvk.kind, struct: `ref:${name}`, namespaced: true /* the definitions do not say; scopes are compared for CRDs only */, source: 'k8s-schema v1.27.0' };
    }
  }

  // --- pinned CRDs ---
  const crdDir = CRD_DIR;
  for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of jsyaml.loadAll(fs.readFileSync(path.join(crdDir, file), 'utf8')) as OpenApi[]) {
      if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
      const { group, names, scope, versions } = doc.spec;
      for (const v of versions as OpenApi[]) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const apiVersion = `${group}/${v.name}`;
        const root = `crd:${apiVersion}/${names.kind}`;
        convert({ ...schema, properties: { ...schema.properties, metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } } }, root);
        kinds[`${apiVersion}/${names.kind}`] = { apiVersion, kind: names.kind, struct: root, namespaced: scope === 'Namespaced', source: `crds/${file}` };
      }
    }
  }
  return { structs, kinds, unresolved: [] };
}

export interface Difference {
  readonly at: string;
  readonly what: string;
  /**
   * stricter: the derived schema would reject something upstream accepts (a false positive);
   * lenient: it accepts something upstream rejects (a check we lose)
   */
  readonly kind: 'stricter' | 'lenient';
}

/**
 * Walks a derived kind and its reference in parallel and lists where they
 * disagree. At the root, apiVersion, kind and status are left out (checked
 * elsewhere, or deliberately free-form).
 */
export function compareKinds(derived: SchemaCatalog, reference: SchemaCatalog, key: string): Difference[] {
  const out: Difference[] = [];
  const seen = new Set<string>();
  const d = derived.kinds[key];
  const r = reference.kinds[key];
  if (!d || !r) return [{ at: key, what: !d ? 'kind missing in derived catalog' : 'kind missing in reference', kind: 'stricter' }];
  const ROOT_SKIP = new Set(['status', 'apiVersion', 'kind']);
  const walk = (a: SchemaNode, b: SchemaNode, at: string, root: boolean): void => {
    if (a.t === 'ref' && b.t === 'ref') {
      const pair = `${a.name}|${b.name}`;
      if (seen.has(pair)) return;
      seen.add(pair);
      const sa = derived.structs[a.name];
      const sb = reference.structs[b.name];
      if (!sa || !sb) return;
      const keep = (k: string): boolean => !(root && ROOT_SKIP.has(k));
      for (const k of Object.keys(sa.props).filter(keep)) if (!(k in sb.props)) out.push({ at: `${at}.${k}`, what: 'field only in derived', kind: 'lenient' });
      for (const k of Object.keys(sb.props).filter(keep)) {
        if (!(k in sa.props)) { out.push({ at: `${at}.${k}`, what: 'field only in reference', kind: 'stricter' }); continue; }
        walk(sa.props[k], sb.props[k], `${at}.${k}`, false);
      }
      for (const req of sa.required) {
        if (keep(req) && !sb.required.includes(req)) out.push({ at: `${at}.${req}`, what: 'required only in derived', kind: 'stricter' });
      }
      return;
    }
    if (a.t === 'array' && b.t === 'array') { walk(a.items, b.items, `${at}[]`, false); return; }
    if (a.t === 'map' && b.t === 'map') { walk(a.values, b.values, `${at}{}`, false); return; }
    const verdict = compatibility(a, b);
    if (verdict !== 'same') out.push({ at, what: `derived ${describe(a)} vs reference ${describe(b)}`, kind: verdict });
  };
  walk({ t: 'ref', name: d.struct }, { t: 'ref', name: r.struct }, key, true);
  return out;
}

function compatibility(a: SchemaNode, b: SchemaNode): 'same' | 'stricter' | 'lenient' {
  if (a.t === 'enum' && b.t === 'enum') {
    if (!b.values.every((v) => enumAccepts(a, v))) return 'stricter';
    return a.values.length === b.values.length ? 'same' : 'lenient';
  }
  if (a.t === b.t) return 'same';
  if (a.t === 'any') return 'lenient';
  if (a.t === 'string' && b.t === 'enum' && b.values.every((v) => typeof v === 'string')) return 'lenient';
  if (a.t === 'number' && (b.t === 'integer' || (b.t === 'enum' && b.values.every((v) => typeof v === 'number')))) return 'lenient';
  if (a.t === 'int-or-string' && ['string', 'integer', 'number', 'enum'].includes(b.t)) return 'lenient';
  return 'stricter';
}

function describe(n: SchemaNode): string {
  return n.t === 'enum' ? `enum(${n.values.join('|')})` : n.t;
}
