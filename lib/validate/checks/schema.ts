import { K8sObject, Reporter, isRecord, rec, str } from '../model';
import { checkAgainstStruct, closest, listSome } from '../schema/check';
import { SchemaCatalog, groupOf, kindKey } from '../schema/types';
import { deprecationOf } from './deprecated';

/** Per catalog: group -> kinds/versions known, for "did you mean" hints. */
const groupIndexCache = new WeakMap<SchemaCatalog, Map<string, string[]>>();

function groupIndex(catalog: SchemaCatalog): Map<string, string[]> {
  let idx = groupIndexCache.get(catalog);
  if (!idx) {
    idx = new Map();
    for (const k of Object.values(catalog.kinds)) {
      const g = groupOf(k.apiVersion);
      const list = idx.get(g) ?? [];
      list.push(`${k.apiVersion} ${k.kind}`);
      idx.set(g, list);
    }
    for (const list of idx.values()) list.sort();
    groupIndexCache.set(catalog, idx);
  }
  return idx;
}

/**
 * Type meta, deprecated APIs, known kinds and the schema of each object.
 * Returns whether the object is well-formed enough for the cross-object rules.
 */
export function checkObjectSchema(o: K8sObject, catalog: SchemaCatalog, r: Reporter): boolean {
  const raw = o.raw;
  if (typeof raw.apiVersion !== 'string' || raw.apiVersion === '') {
    r.add(o, 'schema/object-shape', 'apiVersion', `apiVersion must be a non-empty string, got ${JSON.stringify(raw.apiVersion ?? null)}`);
    return false;
  }
  if (typeof raw.kind !== 'string' || raw.kind === '') {
    r.add(o, 'schema/object-shape', 'kind', `kind must be a non-empty string, got ${JSON.stringify(raw.kind ?? null)}`);
    return false;
  }
  if (!isRecord(raw.metadata) || typeof rec(raw.metadata).name !== 'string' || str(rec(raw.metadata).name) === '') {
    r.add(o, 'schema/object-shape', 'metadata.name', 'metadata.name must be a non-empty string (generateName is not usable with GitOps)');
  }

  const deprecated = deprecationOf(o.apiVersion, o.kind);
  if (deprecated) {
    r.add(o, 'structure/deprecated-api', 'apiVersion', `${o.apiVersion} ${o.kind} is ${deprecated.status}; use ${deprecated.replacement}`, o.apiVersion);
    return false;
  }

  const entry = catalog.kinds[kindKey(o.apiVersion, o.kind)];
  if (!entry) {
    const group = groupOf(o.apiVersion);
    const inGroup = groupIndex(catalog).get(group);
    let hint: string;
    if (inGroup) {
      const kindsOnly = inGroup.map((s) => s.slice(s.indexOf(' ') + 1));
      const near = closest(o.kind, kindsOnly);
      const sameKind = inGroup.filter((s) => s.endsWith(` ${o.kind}`));
      hint = sameKind.length > 0
        ? `kind ${o.kind} exists as: ${sameKind.join(', ')}`
        : `${near ? `did you mean ${near}? ` : ''}known kinds of group ${group || 'core'}: ${listSome(inGroup, 25)}`;
    } else {
      const groups = [...groupIndex(catalog).keys()].map((g) => g || 'core (v1)').sort();
      hint = `group ${JSON.stringify(group || 'core')} is not known; known groups: ${listSome(groups, 40)}`;
    }
    r.add(o, 'schema/unknown-kind', 'kind', `unknown apiVersion/kind ${o.apiVersion} ${o.kind}: ${hint}`, `${o.apiVersion} ${o.kind}`);
    return false;
  }

  const { apiVersion: _a, kind: _k, ...body } = raw;
  for (const issue of checkAgainstStruct(catalog, entry.struct, body, '')) {
    r.add(o, issue.rule, issue.path, `${issue.message} [schema: ${entry.source}]`, issue.value);
  }
  return true;
}
