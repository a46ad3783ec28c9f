import { SelectorIndex } from '../../core/label-index';
import {
  K8sObject, ObjectSet, PodTemplate, Reporter, arr, containersOf, formatSelector, isEmptySelector,
  parsedSelectorMatches, rec, str, strMap,
} from '../model';
import { POD_SECURITY_REASON_ANNOTATION } from '../rules';
import { groupOf } from '../schema/types';
import { NamespacePolicy, PodSecurityLevel } from '../types';
import { credentialProblem } from './credentials';
import { checkPodSecurity } from './pss';
import { RELEASE_TAG, type TierRules } from '../../core/tier';

export interface PolicyContext {
  /** The tier rules of the environment a file belongs to (lib/core/tier.ts). */
  readonly rulesOf: (file: string) => TierRules;
  readonly namespacePolicies: Readonly<Record<string, NamespacePolicy>>;
}

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export function checkPolicies(set: ObjectSet, ctx: PolicyContext, r: Reporter): void {
  const levels = namespaceLevels(set, ctx, r);
  for (const t of set.podTemplates) {
    const level = levels.get(t.owner.namespace) ?? 'restricted';
    if (level !== 'privileged') {
      for (const f of checkPodSecurity(t, level)) {
        r.add(t.owner, level === 'restricted' ? 'policy/pss-restricted' : 'policy/pss-baseline', f.path,
          `[${f.control}] ${f.message} (namespace ${JSON.stringify(t.owner.namespace)} enforces ${level})`, f.value);
      }
    }
    checkResources(t, r);
    if (t.longRunning) checkProbes(t, r);
    checkImages(t, ctx.rulesOf(t.owner.doc.file).releaseImagesOnly, r);
    checkEnvLiterals(t, r);
  }
  checkDisruptionBudgets(set, r);
  for (const o of set.objects) {
    if (o.group === 'autoscaling' && o.kind === 'HorizontalPodAutoscaler') checkHpaRange(o, r);
    if (o.group === '' && o.kind === 'Secret') checkInlineSecret(o, r);
    if (o.group === '' && o.kind === 'ConfigMap') checkConfigMapLiterals(o, r);
  }
  checkDefaultDeny(set, r);
}

/** The enforced level per namespace: rendered Namespace labels first, then the caller's policies. */
function namespaceLevels(set: ObjectSet, ctx: PolicyContext, r: Reporter): Map<string, PodSecurityLevel> {
  const levels = new Map<string, PodSecurityLevel>();
  for (const [ns, p] of Object.entries(ctx.namespacePolicies)) levels.set(ns, p.level);
  for (const ns of set.ofKind('', 'Namespace', '')) {
    const label = ns.labels[ENFORCE_LABEL];
    if (label === undefined || label === 'restricted') {
      levels.set(ns.name, 'restricted');
      continue;
    }
    if (label !== 'baseline' && label !== 'privileged') {
      levels.set(ns.name, 'restricted');
      continue; // the schema does not check label values; the API server's admission plugin rejects it
    }
    const reason = (ns.annotations[POD_SECURITY_REASON_ANNOTATION] ?? '').trim();
    if (reason === '') {
      r.add(ns, 'policy/pss-exemption-reason', `metadata.annotations[${JSON.stringify(POD_SECURITY_REASON_ANNOTATION)}]`,
        `namespace enforces ${label} (label ${ENFORCE_LABEL}) without a reason: add annotation ${POD_SECURITY_REASON_ANNOTATION}: "<why>"; until then its pods are held to restricted`);
      levels.set(ns.name, 'restricted');
    } else {
      levels.set(ns.name, label);
    }
  }
  return levels;
}

function checkResources(t: PodTemplate, r: Reporter): void {
  for (const c of containersOf(t, ['containers', 'initContainers'])) {
    const res = rec(c.c.resources);
    const missing: string[] = [];
    for (const kind of ['requests', 'limits']) {
      for (const name of ['cpu', 'memory']) if (rec(res[kind])[name] === undefined) missing.push(`${kind}.${name}`);
    }
    if (missing.length > 0) {
      r.add(t.owner, 'policy/resources', `${c.path}.resources`, `container ${JSON.stringify(c.name)} lacks ${missing.join(', ')}; set requests and limits for cpu and memory`);
    }
  }
}

function checkProbes(t: PodTemplate, r: Reporter): void {
  for (const c of containersOf(t, ['containers'])) {
    const missing = ['readinessProbe', 'livenessProbe'].filter((p) => c.c[p] === undefined);
    if (missing.length > 0) {
      r.add(t.owner, 'policy/probes', `${c.path}.${missing[0]}`, `long-running container ${JSON.stringify(c.name)} has no ${missing.join(' and no ')}`);
    } else if (stableJson(c.c.readinessProbe) === stableJson(c.c.livenessProbe)) {
      r.add(t.owner, 'policy/probes', `${c.path}.livenessProbe`,
        `container ${JSON.stringify(c.name)} has identical readiness and liveness probes: a dependency outage would restart it instead of taking it out of rotation; give liveness a cheaper endpoint or a longer threshold`);
    }
  }
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// The production tag rule is the tier's (lib/core/tier.ts), shared with the environment schema.
const SEMVER = RELEASE_TAG;

export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return { tag: colon >= 0 ? lastPart.slice(colon + 1) : undefined, digest };
}

function checkImages(t: PodTemplate, production: boolean, r: Reporter): void {
  for (const c of containersOf(t)) {
    const image = str(c.c.image);
    if (image === undefined) continue;
    const { tag, digest } = parseImage(image);
    const path = `${c.path}.image`;
    if (digest !== undefined) {
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) r.add(t.owner, 'policy/image-tag', path, `image ${JSON.stringify(image)} has a malformed digest; expected sha256:<64 hex digits>`, image);
      continue;
    }
    if (tag === undefined || tag === '') {
      r.add(t.owner, 'policy/image-tag', path, `image ${JSON.stringify(image)} has no tag (it would float to latest); pin a version tag${production ? ' (semver) or a digest' : ''}`, image);
    } else if (tag === 'latest') {
      r.add(t.owner, 'policy/image-tag', path, `image ${JSON.stringify(image)} uses the floating tag latest; pin a version tag${production ? ' (semver) or a digest' : ''}`, image);
    } else if (production && !SEMVER.test(tag)) {
      r.add(t.owner, 'policy/image-tag', path, `production image ${JSON.stringify(image)} has tag ${JSON.stringify(tag)}; production needs a semver tag (e.g. 1.4.2) or a digest (@sha256:...)`, image);
    }
  }
}

function checkEnvLiterals(t: PodTemplate, r: Reporter): void {
  for (const c of containersOf(t)) {
    arr(c.c.env).forEach((e, i) => {
      const name = str(rec(e).name) ?? '';
      const value = str(rec(e).value);
      if (value === undefined) return;
      const problem = credentialProblem(name, value);
      if (problem) {
        r.add(t.owner, 'policy/credential-literal', `${c.path}.env[${i}].value`,
          `${problem}; read it from a Secret (valueFrom.secretKeyRef) produced by an ExternalSecret`);
      }
    });
  }
}

function checkConfigMapLiterals(cm: K8sObject, r: Reporter): void {
  for (const [k, v] of Object.entries(strMap(cm.raw.data))) {
    const problem = credentialProblem(k, v);
    if (problem) r.add(cm, 'policy/credential-literal', `data[${JSON.stringify(k)}]`, `${problem}; ConfigMaps are not for credentials: use an ExternalSecret`);
  }
}

function checkInlineSecret(s: K8sObject, r: Reporter): void {
  for (const field of ['data', 'stringData']) {
    const keys = Object.keys(rec(s.raw[field]));
    if (keys.length > 0) {
      r.add(s, 'policy/secret-inline-data', field,
        `Secret carries inline ${field} (keys: ${keys.join(', ')}); rendered output is committed to Git, so produce the Secret with an ExternalSecret instead`);
    }
  }
}

function checkHpaRange(hpa: K8sObject, r: Reporter): void {
  const spec = rec(hpa.raw.spec);
  const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
  if (typeof spec.maxReplicas === 'number' && min > spec.maxReplicas) {
    r.add(hpa, 'policy/hpa-range', 'spec.minReplicas', `minReplicas ${min} exceeds maxReplicas ${spec.maxReplicas}; minReplicas must be <= maxReplicas`, min);
  }
}

/** Disruptions a PDB allows for `n` pods, following the controller's rounding (percentages round up). */
export function allowedDisruptions(pdbSpec: Record<string, unknown>, n: number): number | undefined {
  const scaled = (v: unknown): number | undefined => {
    if (typeof v === 'number') return v;
    const m = typeof v === 'string' ? /^(\d+)%$/.exec(v) : null;
    return m ? Math.ceil((Number(m[1]) * n) / 100) : undefined;
  };
  if (pdbSpec.maxUnavailable !== undefined) return scaled(pdbSpec.maxUnavailable);
  if (pdbSpec.minAvailable !== undefined) {
    const min = scaled(pdbSpec.minAvailable);
    return min === undefined ? undefined : n - min;
  }
  return undefined;
}

const REPLICATED = [['apps', 'Deployment'], ['apps', 'StatefulSet'], ['apps', 'ReplicaSet'], ['argoproj.io', 'Rollout']] as const;

/**
 * The first HPA of a namespace whose scaleTargetRef names each group, kind and
 * name (what a scan of the namespace's HPAs in set order would find first).
 */
function hpaTargets(set: ObjectSet, namespace: string): Map<string, K8sObject> {
  const byTarget = new Map<string, K8sObject>();
  for (const h of set.ofKind('autoscaling', 'HorizontalPodAutoscaler', namespace)) {
    const ref = rec(rec(h.raw.spec).scaleTargetRef);
    const kind = str(ref.kind);
    const name = str(ref.name);
    if (kind === undefined || name === undefined) continue;
    const key = JSON.stringify([groupOf(str(ref.apiVersion) ?? ''), kind, name]);
    if (!byTarget.has(key)) byTarget.set(key, h);
  }
  return byTarget;
}

function checkDisruptionBudgets(set: ObjectSet, r: Reporter): void {
  // Per namespace, built on first use: HPAs by target, and PDBs by one
  // matchLabels pair each (the pair the fewest pod templates carry).
  const hpas = new Map<string, Map<string, K8sObject>>();
  const pdbIndexes = new Map<string, SelectorIndex<K8sObject>>();
  for (const o of set.objects) {
    if (!REPLICATED.some(([g, k]) => g === o.group && k === o.kind)) continue;
    const spec = rec(o.raw.spec);
    let targets = hpas.get(o.namespace);
    if (!targets) hpas.set(o.namespace, (targets = hpaTargets(set, o.namespace)));
    const hpa = targets.get(JSON.stringify([o.group, o.kind, o.name]));
    const replicas = hpa
      ? (typeof rec(hpa.raw.spec).minReplicas === 'number' ? rec(hpa.raw.spec).minReplicas as number : 1)
      : (typeof spec.replicas === 'number' ? spec.replicas : 1);
    if (replicas <= 1) continue;
    let labels = strMap(rec(rec(spec.template).metadata).labels);
    if (o.kind === 'Rollout' && spec.workloadRef !== undefined) {
      const dep = set.find('apps', 'Deployment', o.namespace, str(rec(spec.workloadRef).name) ?? '');
      labels = dep ? strMap(rec(rec(rec(dep.raw.spec).template).metadata).labels) : labels;
    }
    const path = hpa ? 'spec' : 'spec.replicas';
    const via = hpa ? `${replicas} replicas (minReplicas of HPA ${hpa.name})` : `${replicas} replicas`;
    let pdbIndex = pdbIndexes.get(o.namespace);
    if (!pdbIndex) {
      pdbIndex = new SelectorIndex(set.ofKind('policy', 'PodDisruptionBudget', o.namespace),
        (p) => set.selector(rec(p.raw.spec).selector).matchLabels, set.templateIndex(o.namespace));
      pdbIndexes.set(o.namespace, pdbIndex);
    }
    const pdbs = pdbIndex.candidates(labels).filter((p) => parsedSelectorMatches(set.selector(rec(p.raw.spec).selector), labels));
    if (pdbs.length === 0) {
      r.add(o, 'policy/pdb-required', path, `${via} but no PodDisruptionBudget selects its pods ${formatSelector(labels)}; add one with maxUnavailable: 1`, replicas);
      continue;
    }
    if (!pdbs.some((p) => (allowedDisruptions(rec(p.raw.spec), replicas) ?? 0) >= 1)) {
      r.add(o, 'policy/pdb-required', path,
        `${via} but PodDisruptionBudget ${pdbs.map((p) => p.name).join(', ')} allows no voluntary disruption at that size (node drains would block); allow at least one`, replicas);
    }
  }
}

function checkDefaultDeny(set: ObjectSet, r: Reporter): void {
  for (const ns of set.namespacesWithPods()) {
    const ok = set.ofKind('networking.k8s.io', 'NetworkPolicy', ns).some((np) => {
      const spec = rec(np.raw.spec);
      const types = arr(spec.policyTypes);
      return isEmptySelector(spec.podSelector) && spec.podSelector !== undefined
        && types.includes('Ingress') && types.includes('Egress')
        && arr(spec.ingress).length === 0 && arr(spec.egress).length === 0;
    });
    if (ok) continue;
    const nsObj = set.find('', 'Namespace', '', ns);
    const target = nsObj ?? [...set.templatesIn(ns)].map((t) => t.owner).sort((a, b) => a.doc.file.localeCompare(b.doc.file))[0];
    r.add(target, 'policy/default-deny', nsObj ? '' : 'metadata.namespace',
      `namespace ${JSON.stringify(ns)} has pods but no default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress], no rules); add one and allow traffic with narrower policies`);
  }
}

