import { K8sObject, Reporter, describeRef, formatSelector, isEmptySelector, labelSelectorMatches, podTemplateOf, rec } from '../model';
import { SchemaCatalog, kindKey } from '../schema/types';

export function checkDuplicates(objects: readonly K8sObject[], r: Reporter): void {
  const seen = new Map<string, K8sObject>();
  for (const o of objects) {
    const key = `${o.group}/${o.kind}/${o.namespace}/${o.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, o);
      continue;
    }
    const where = first.doc.constructPath ? ` (construct ${first.doc.constructPath})` : '';
    r.add(o, 'structure/duplicate', 'metadata.name',
      `duplicate of ${describeRef(first.ref)} in ${first.doc.file}${where}: group, kind, namespace and name must be unique (Argo CD keeps only one of them)`,
      o.name);
  }
}

export function checkNamespaceScope(o: K8sObject, catalog: SchemaCatalog, r: Reporter): void {
  const entry = catalog.kinds[kindKey(o.apiVersion, o.kind)];
  if (!entry) return;
  if (entry.namespaced && !o.namespace) {
    r.add(o, 'structure/namespace', 'metadata.namespace', `${o.kind} is namespaced: set metadata.namespace explicitly (GitOps tools would otherwise use their default namespace)`);
  } else if (!entry.namespaced && o.namespace) {
    r.add(o, 'structure/namespace', 'metadata.namespace', `${o.kind} is cluster-scoped: remove metadata.namespace ${JSON.stringify(o.namespace)}`, o.namespace);
  }
}

const SELECTOR_REQUIRED = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet', 'apps/DaemonSet', 'argoproj.io/Rollout']);

/** The API server rejects a workload whose selector does not select its own template (or is empty). */
export function checkWorkloadSelector(o: K8sObject, r: Reporter): void {
  if (!SELECTOR_REQUIRED.has(`${o.group}/${o.kind}`)) return;
  const t = podTemplateOf(o);
  if (!t) return;
  const selector = rec(o.raw.spec).selector;
  if (selector === undefined || isEmptySelector(selector)) {
    r.add(o, 'structure/workload-selector', 'spec.selector', `${o.kind} needs a non-empty spec.selector matching its template labels ${formatSelector(t.labels)}`);
  } else if (!labelSelectorMatches(selector, t.labels)) {
    r.add(o, 'structure/workload-selector', 'spec.selector',
      `selector ${JSON.stringify(selector)} does not match the template labels ${formatSelector(t.labels)} (the API server rejects this)`, selector);
  }
}
