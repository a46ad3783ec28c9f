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
import { K8sObject, ObjectSet, Reporter, rec, str } from '../model';

const INSTANCE = 'app.kubernetes.io/instance';
const KEY = 'application.resourceTrackingMethod';
const SAFE = new Set(['annotation', 'annotation+label']);
const HEALTH = 'resource.customizations.health.argoproj.io_Application';
const WAVE = 'argocd.argoproj.io/sync-wave';

export function checkArgoCdSettings(set: ObjectSet, r: Reporter): void {
  const apps = set.objects.filter((o) => o.group === 'argoproj.io' && o.kind === 'Application');
  if (apps.length === 0) return;
  checkApplicationHealth(set, apps, r);
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

/**
 * Applications ordered by sync waves (an app of apps: add-ons before the
 * systems that use them) wait for each other only when argocd-cm gives
 * Applications a health check; Argo CD has none for them since 1.8, so a
 * child counts as healthy as soon as it exists and the next wave starts.
 */
function checkApplicationHealth(set: ObjectSet, apps: readonly K8sObject[], r: Reporter): void {
  const byNamespace = new Map<string, K8sObject[]>();
  for (const a of apps) byNamespace.set(a.namespace, [...(byNamespace.get(a.namespace) ?? []), a]);
  for (const [ns, group] of byNamespace) {
    const waves = new Set(group.map((a) => a.annotations[WAVE] ?? '0'));
    if (waves.size < 2) continue;
    const cm = set.find('', 'ConfigMap', ns, 'argocd-cm');
    const script = cm ? str(rec(cm.raw.data)[HEALTH]) : undefined;
    if (script && /obj\.status\.health/.test(script)) continue;
    const first = [...group].sort((a, b) => Number(a.annotations[WAVE] ?? 0) - Number(b.annotations[WAVE] ?? 0) || a.name.localeCompare(b.name))[0];
    r.add(first, 'gitops/argocd-tracking', 'metadata.annotations',
      `Applications in ${ns} are ordered by sync waves (${[...waves].sort((a, b) => Number(a) - Number(b)).join(', ')}), but ${cm ? `argocd-cm has no ${HEALTH}` : `no argocd-cm is rendered in ${ns}`}: ` +
      'without it Argo CD counts a child Application healthy as soon as it exists, so a later wave starts before the earlier one is ready. ' +
      `Valid: argocd-cm with ${HEALTH} returning the Application's status.health`,
      script);
  }
}
