/**
 * Scaling that works on a cluster, not only in the schema:
 * - an HPA metric other than `Resource`/`ContainerResource` (which the
 *   metrics server always serves) must be served by something rendered: a
 *   ServiceMonitor/PodMonitor scraping the target's pods (for `Pods` and
 *   `Object` metrics) and a prometheus-adapter rule naming the metric;
 *   otherwise the HPA reports `FailedGetPodsMetric` and never scales;
 * - a Service selector flip (blue-green colours) must not land on a workload
 *   with fewer replicas than the one it leaves (or its HPA's minimum);
 * - the two sides of such a flip are scaled alike (each the target of its
 *   own HPA, or neither; both state `spec.replicas`, or neither), so that a
 *   switch moves no HPA and removes `replicas` from no manifest.
 */
import { K8sObject, ObjectSet, PodTemplate, Reporter, arr, rec, str, strMap } from '../model';

export interface ScalingStats {
  /** HPAs looked at */
  readonly hpas: number;
  /** metrics of those HPAs */
  readonly metrics: number;
  /** Services with a selector, looked at for flips */
  readonly services: number;
  /** (Service, alternative workload) pairs a one-label flip could land on */
  readonly flips: number;
}

const ALWAYS_SERVED = new Set(['Resource', 'ContainerResource']);

export function checkScaling(set: ObjectSet, r: Reporter): ScalingStats {
  const hpas = set.objects.filter((o) => o.group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler');
  let metrics = 0;
  const adapterText = adapterRules(set);
  for (const h of hpas) {
    const spec = rec(h.raw.spec);
    const target = targetOf(set, h);
    arr(spec.metrics).forEach((m, i) => {
      metrics++;
      const type = str(rec(m).type) ?? '';
      if (ALWAYS_SERVED.has(type)) return;
      const source = rec(rec(m)[type.charAt(0).toLowerCase() + type.slice(1)]);
      const name = str(rec(source.metric).name) ?? '';
      const missing: string[] = [];
      if (!adapterText.some((t) => t.includes(name))) missing.push(`a prometheus-adapter rule exposing "${name}" (a ConfigMap whose rules name it)`);
      if (type === 'Pods' || type === 'Object') {
        const scraped = target !== undefined && scrapedBy(set, target).length > 0;
        if (!scraped) missing.push(`a ServiceMonitor or PodMonitor scraping ${target ? `${target.owner.kind} ${target.owner.name}` : 'the target'}'s pods`);
      }
      if (missing.length > 0) {
        r.add(h, 'ref/hpa-metric', `spec.metrics[${i}]`,
          `${type} metric "${name}" is served by nothing rendered: missing ${missing.join(' and ')}; the HPA would never get a value. Render those, or scale on a Resource metric (cpu/memory)`, name);
      }
    });
  }

  let services = 0;
  let flips = 0;
  const hpaMin = new Map<string, number>();
  const hpaOf = new Map<string, string>();
  for (const h of hpas) {
    const ref = rec(rec(h.raw.spec).scaleTargetRef);
    const min = rec(h.raw.spec).minReplicas;
    const target = `${h.namespace}/${str(ref.kind)}/${str(ref.name)}`;
    hpaMin.set(target, typeof min === 'number' ? min : 1);
    hpaOf.set(target, h.name);
  }
  const scaling = (t: PodTemplate): { hpa?: string; replicas?: number } => {
    const replicas = rec(t.owner.raw.spec).replicas;
    return { hpa: hpaOf.get(`${t.owner.namespace}/${t.owner.kind}/${t.owner.name}`), replicas: typeof replicas === 'number' ? replicas : undefined };
  };
  const describe = (t: PodTemplate): string => {
    const { hpa, replicas } = scaling(t);
    return `${t.owner.kind} ${t.owner.name} ${hpa ? `is the target of HPA ${hpa}` : 'is no HPA\'s target'} and ${replicas === undefined ? 'states no replicas' : `states replicas: ${replicas}`}`;
  };
  const floorOf = (t: PodTemplate): number | undefined => {
    const min = hpaMin.get(`${t.owner.namespace}/${t.owner.kind}/${t.owner.name}`);
    const replicas = rec(t.owner.raw.spec).replicas;
    if (typeof replicas === 'number') return Math.max(replicas, min ?? 0);
    return min ?? 1;
  };
  for (const s of set.objects.filter((o) => o.group === '' && o.kind === 'Service')) {
    const selector = strMap(rec(s.raw.spec).selector);
    const keys = Object.keys(selector);
    if (keys.length < 2) continue;
    services++;
    const active = set.templatesSelectedByMap(s.namespace, selector).filter(replicated);
    if (active.length !== 1) continue;
    const current = active[0];
    const need = floorOf(current) ?? 1;
    for (const key of keys) {
      const rest = Object.fromEntries(keys.filter((k) => k !== key).map((k) => [k, selector[k]]));
      for (const alt of set.templatesSelectedByMap(s.namespace, rest)) {
        if (alt === current || !replicated(alt) || alt.labels[key] === undefined || alt.labels[key] === selector[key]) continue;
        // A canary track is smaller on purpose and gets a weighted share, never a selector flip.
        if (alt.labels[key] === 'canary' || selector[key] === 'canary') continue;
        // Colours run the same pods in another version; a primary and its read replicas do not.
        if (shapeOf(alt, key) !== shapeOf(current, key)) continue;
        flips++;
        const [a, b] = [scaling(current), scaling(alt)];
        const replicasDiffer = (a.replicas === undefined) !== (b.replicas === undefined);
        if (replicasDiffer || (a.hpa === undefined) !== (b.hpa === undefined)) {
          const effect = replicasDiffer
            ? 'A switch then removes spec.replicas from the manifest of one colour, and Argo CD or Flux drop the field to the Deployment default of 1 pod'
              + ' (kubectl last-applied three-way merge, server-side apply field ownership)'
            : 'A switch then moves the HPA\'s scaleTargetRef, and Argo CD\'s ignoreDifferences entry for the HPA-owned replicas moves with it in a separate'
              + ' Application sync, so whether a sync keeps or resets each colour\'s live replicas depends on which of the two runs first';
          r.add(alt.owner, 'gitops/switch-replicas', 'spec.replicas',
            `Service ${s.name} switches by its selector ${key}=${selector[key]}; ${describe(current)}, but ${describe(alt)}. ${effect}.`
            + ' Give each colour its own HPA and state spec.replicas on both colours or on neither', b.replicas);
        }
        const replicas = rec(alt.owner.raw.spec).replicas;
        if (replicas === 0) continue; // a standby scaled to zero on purpose is scaled up before a flip (docs/strategies.md)
        const has = floorOf(alt) ?? 1;
        if (has < need) {
          r.add(alt.owner, 'ref/standby-replicas', 'spec.replicas',
            `Service ${s.name} switches by its selector ${key}=${selector[key]}; a flip to ${key}=${alt.labels[key]} lands on ${alt.owner.kind} ${alt.owner.name} with ${has} replica(s)`
            + `${typeof replicas === 'number' ? '' : ' (no replicas field: the default 1)'}, fewer than ${current.owner.kind} ${current.owner.name}'s ${need}; set spec.replicas to at least ${need}`, replicas);
        }
      }
    }
  }
  return { hpas: hpas.length, metrics, services, flips };
}

/**
 * A pod template without what differs between two versions of one service:
 * the flip label, the version label, annotations (config checksums) and
 * container images.
 */
function shapeOf(t: PodTemplate, key: string): string {
  const labels = { ...t.labels };
  delete labels[key];
  delete labels['app.kubernetes.io/version'];
  const spec = JSON.parse(JSON.stringify(t.spec)) as Record<string, unknown>;
  for (const list of ['containers', 'initContainers']) {
    for (const c of arr(spec[list])) delete rec(c).image;
  }
  return JSON.stringify([t.owner.kind, labels, spec]);
}

/** Workloads with a replica count (a flip target); Jobs and DaemonSets are not. */
function replicated(t: PodTemplate): boolean {
  return ['Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout'].includes(t.owner.kind);
}

function targetOf(set: ObjectSet, h: K8sObject): PodTemplate | undefined {
  const ref = rec(rec(h.raw.spec).scaleTargetRef);
  return set.templatesIn(h.namespace).find((t) => t.owner.kind === str(ref.kind) && t.owner.name === str(ref.name));
}

function scrapedBy(set: ObjectSet, t: PodTemplate): K8sObject[] {
  const out: K8sObject[] = [];
  for (const m of set.objects) {
    if (m.group !== 'monitoring.coreos.com' || (m.kind !== 'ServiceMonitor' && m.kind !== 'PodMonitor')) continue;
    const spec = rec(m.raw.spec);
    const nsSel = rec(spec.namespaceSelector);
    const nss = nsSel.any === true ? undefined : arr(nsSel.matchNames).map(String);
    const inNs = nss === undefined || (nss.length === 0 ? m.namespace === t.owner.namespace : nss.includes(t.owner.namespace));
    if (!inNs) continue;
    if (m.kind === 'PodMonitor') {
      if (set.templatesSelectedAcross([t.owner.namespace], spec.selector).includes(t)) out.push(m);
      continue;
    }
    for (const svc of set.servicesSelectedAcross([t.owner.namespace], spec.selector)) {
      const sel = strMap(rec(svc.raw.spec).selector);
      if (Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => t.labels[k] === v)) out.push(m);
    }
  }
  return out;
}

/** Text of every prometheus-adapter rule set rendered (ConfigMaps holding `rules:`/`externalRules:`). */
function adapterRules(set: ObjectSet): string[] {
  const out: string[] = [];
  for (const o of set.objects) {
    if (o.group !== '' || o.kind !== 'ConfigMap') continue;
    for (const v of Object.values(rec(o.raw.data))) {
      if (typeof v === 'string' && /^(rules|externalRules|resourceRules):/m.test(v) && /seriesQuery:/.test(v)) out.push(v);
    }
  }
  return out;
}
