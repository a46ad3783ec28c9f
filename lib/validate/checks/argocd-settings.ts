/**
 * Argo CD settings the output relies on. With label tracking (the default
 * before Argo CD 3.0) Argo CD writes the Application name into
 * `app.kubernetes.io/instance` of every object it syncs, which our Services,
 * selectors and ServiceMonitors use for the component instance. So when an
 * Application delivers objects that carry that label, the rendered set must
 * hold the `argocd-cm` (in the Application's namespace, labelled part-of
 * argocd) that switches tracking to annotations. Flux marks objects with its
 * own `kustomize.toolkit.fluxcd.io/*` labels and needs nothing.
 */
import { ObjectSet, Reporter, rec, str } from '../model';

const INSTANCE = 'app.kubernetes.io/instance';
const KEY = 'application.resourceTrackingMethod';
const SAFE = new Set(['annotation', 'annotation+label']);

export function checkArgoCdSettings(set: ObjectSet, r: Reporter): void {
  const apps = set.objects.filter((o) => o.group === 'argoproj.io' && o.kind === 'Application');
  if (apps.length === 0) return;
  const labelled = set.objects.find((o) => o.labels[INSTANCE] !== undefined);
  if (!labelled) return;
  for (const app of apps) {
    const cm = set.find('', 'ConfigMap', app.namespace, 'argocd-cm');
    const method = cm ? str(rec(cm.raw.data)[KEY]) : undefined;
    const partOf = cm?.labels['app.kubernetes.io/part-of'];
    if (cm && method !== undefined && SAFE.has(method) && partOf === 'argocd') continue;
    const found = !cm ? 'no argocd-cm is rendered in namespace ' + JSON.stringify(app.namespace)
      : partOf !== 'argocd' ? 'the rendered argocd-cm lacks the label app.kubernetes.io/part-of: argocd, so Argo CD ignores it'
        : `argocd-cm sets ${KEY} to ${JSON.stringify(method ?? '(unset: label tracking before Argo CD 3.0)')}`;
    r.add(app, 'gitops/argocd-tracking', 'metadata.namespace',
      `Application ${app.name} syncs objects labelled ${INSTANCE} (e.g. ${labelled.kind} ${labelled.namespace}/${labelled.name}) but ${found}; ` +
      `label tracking would overwrite that label with the Application name and break the selectors and ServiceMonitors that use it. ` +
      `Valid: a ConfigMap argocd-cm in ${app.namespace} labelled app.kubernetes.io/part-of: argocd with ${KEY}: annotation`,
      method);
  }
}
