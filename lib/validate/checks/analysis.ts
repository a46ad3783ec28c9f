/**
 * `ref/analysis-provider`: the Prometheus an automated analysis queries is
 * there. Argo Rollouts (AnalysisTemplate, ClusterAnalysisTemplate:
 * `spec.metrics[].provider.prometheus.address`) and Flagger (MetricTemplate
 * of type prometheus: `spec.provider.address`) send the queries from their
 * controller's pods. An address that cannot be answered is not a failed
 * measurement but an error; Argo Rollouts aborts the rollout after
 * `consecutiveErrorLimit` (default 4) of them, so no canary is ever promoted.
 *
 * An in-cluster address (`<service>.<namespace>.svc[.<cluster domain>]`, or
 * `<service>.<namespace>` for a namespace with rendered objects) must name a
 * rendered Service with that port, or, in a namespace this render does not
 * touch, one the template declares external with
 * `validate.platform.dev/external-provider: "<who runs it>"`. A one-label
 * host resolves in the controller's namespace, not the template's, and is
 * refused. Addresses outside the cluster are not judged. That the policies
 * let the controller in is `network/required-flow` (checks/flows.ts, flows of
 * kind `analysis`).
 */
import { K8sObject, ObjectSet, Reporter, arr, rec, str } from '../model';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../rules';
import type { AnalysisControllerId } from '../types';
export type { AnalysisControllerId } from '../types';
import { ADDONS } from '../../platform/addons';

/** One Prometheus address an analysis object queries. */
export interface AnalysisQuery {
  readonly via: K8sObject;
  /** Field path of the address in `via`. */
  readonly path: string;
  readonly address: string;
  readonly controller: AnalysisControllerId;
}

/** What an address's host names, seen from the cluster. */
export type AddressTarget =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'outside' }
  | { readonly kind: 'short'; readonly name: string; readonly port: number }
  | { readonly kind: 'service'; readonly name: string; readonly namespace: string; readonly port: number };

const ANALYSIS_TEMPLATE_KINDS = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']);

/** Every Prometheus address of the set's AnalysisTemplates, ClusterAnalysisTemplates and Flagger MetricTemplates. */
export function analysisQueries(set: ObjectSet): AnalysisQuery[] {
  const out: AnalysisQuery[] = [];
  for (const o of set.objects) {
    const spec = rec(o.raw.spec);
    if (o.group === 'argoproj.io' && ANALYSIS_TEMPLATE_KINDS.has(o.kind)) {
      arr(spec.metrics).forEach((m, i) => {
        const address = str(rec(rec(rec(m).provider).prometheus).address);
        if (address !== undefined) out.push({ via: o, path: `spec.metrics[${i}].provider.prometheus.address`, address, controller: 'argo-rollouts' });
      });
    } else if (o.group === 'flagger.app' && o.kind === 'MetricTemplate') {
      const provider = rec(spec.provider);
      const address = str(provider.address);
      if (str(provider.type) === 'prometheus' && address !== undefined) out.push({ via: o, path: 'spec.provider.address', address, controller: 'flagger' });
    }
  }
  return out;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespaces the set renders objects in (or renders the Namespace of). */
export function renderedNamespaces(set: ObjectSet): Set<string> {
  const out = new Set<string>();
  for (const o of set.objects) {
    if (o.namespace) out.add(o.namespace);
    if (o.group === '' && o.kind === 'Namespace') out.add(o.name);
  }
  return out;
}

/** Resolves an address's host the way cluster DNS would for a pod (search path `<ns>.svc`, `svc`, the cluster domain). */
export function addressTarget(address: string, namespaces: ReadonlySet<string>): AddressTarget {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { kind: 'invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'invalid' };
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[')) return { kind: 'outside' };
  const labels = host.split('.');
  if (labels.length === 1) return LABEL.test(host) ? { kind: 'short', name: host, port } : { kind: 'invalid' };
  const [name, namespace] = labels;
  if (labels.length >= 3 && labels[2] === 'svc') return { kind: 'service', name, namespace, port };
  if (labels.length === 2 && namespaces.has(namespace)) return { kind: 'service', name, namespace, port };
  return { kind: 'outside' };
}

/** The rendered Service an in-cluster address names, if any. */
export function addressedService(set: ObjectSet, t: AddressTarget): K8sObject | undefined {
  return t.kind === 'service' ? set.find('', 'Service', t.namespace, t.name) : undefined;
}

function servicePortNumbers(svc: K8sObject): number[] {
  return arr(rec(svc.raw.spec).ports).map((p) => rec(p).port).filter((p): p is number => typeof p === 'number');
}

/** Rendered Services that look like a Prometheus, as addresses to suggest. */
function prometheusCandidates(set: ObjectSet): string[] {
  const out: string[] = [];
  for (const o of set.objects) {
    if (o.group !== '' || o.kind !== 'Service' || !/prometheus/.test(o.name) || str(rec(o.raw.spec).clusterIP) === 'None') continue;
    const port = servicePortNumbers(o)[0];
    if (port !== undefined) out.push(`http://${o.name}.${o.namespace}.svc:${port}`);
  }
  return out.sort();
}

export function checkAnalysisProviders(set: ObjectSet, r: Reporter): void {
  const queries = analysisQueries(set);
  if (queries.length === 0) return;
  const namespaces = renderedNamespaces(set);
  const candidates = prometheusCandidates(set);
  const suggest = candidates.length > 0 ? `a rendered Prometheus (${candidates.join(', ')})` : 'a Prometheus you render';
  const seen = new Set<string>();
  for (const q of queries) {
    const key = `${q.via.doc.file}|${q.via.doc.index ?? 0}|${q.address}`;
    const t = addressTarget(q.address, namespaces);
    const controllerNs = ADDONS[q.controller].namespace;
    const what = `${q.via.kind} ${q.via.name} queries ${JSON.stringify(q.address)}`;
    const consequence = 'the controller gets connection errors instead of measurements and aborts the rollout';
    let message: string | undefined;
    if (t.kind === 'invalid') {
      message = `${what}, which is not an http(s) URL; expected e.g. "http://prometheus.<namespace>.svc:9090"`;
    } else if (t.kind === 'short') {
      message = `${what}: a one-label host resolves in the controller's namespace (${controllerNs}), not in the template's; expected a fully qualified Service address such as "http://${t.name}.${q.via.namespace || '<namespace>'}.svc:${t.port}"`;
    } else if (t.kind === 'service') {
      const svc = addressedService(set, t);
      const declared = (q.via.annotations[EXTERNAL_PROVIDER_ANNOTATION] ?? '').trim();
      if (svc) {
        const ports = servicePortNumbers(svc);
        if (!ports.includes(t.port)) message = `${what}, but Service ${t.namespace}/${t.name} has no port ${t.port} (ports: ${ports.join(', ') || 'none'}); ${consequence}`;
      } else if (namespaces.has(t.namespace)) {
        message = `${what}, which names Service ${t.name} in namespace ${t.namespace}; this render owns that namespace and has no such Service, so ${consequence}; expected ${suggest}`;
      } else if (!declared) {
        message = `${what}, which names Service ${t.name} in namespace ${t.namespace}: not rendered here and not declared external, so on a cluster without it ${consequence}; expected ${suggest}, or the annotation ${EXTERNAL_PROVIDER_ANNOTATION}: "<who runs it>" on the ${q.via.kind} when the cluster provides it`;
      }
    }
    if (message === undefined || seen.has(key)) continue;
    seen.add(key);
    r.add(q.via, 'ref/analysis-provider', q.path, message, q.address);
  }
}
