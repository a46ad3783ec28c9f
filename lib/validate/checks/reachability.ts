/**
 * `network/unreachable`: a Service whose pods nothing may call. In a
 * namespace that denies ingress by default (a NetworkPolicy selecting every
 * pod with no ingress rule), pods get traffic only through an ingress rule
 * that selects them; with an Istio sidecar and an `allow-nothing`
 * AuthorizationPolicy, only through an ALLOW rule. A service added without
 * declaring its callers renders, passes every other check, and answers no
 * one: every connection to it is dropped.
 *
 * A Service is unreachable when, for every pod template it selects and every
 * port it forwards to, the NetworkPolicies selecting those pods for ingress
 * have no rule for that port, or (sidecar pods) the ALLOW AuthorizationPolicies
 * that apply have none (FlowModel.closedTo in flows.ts; who a rule admits is
 * not asked, since callers may live outside the rendered objects). Ports
 * are judged together: a Service some port of which is open is reachable.
 *
 * Not judged: Services without a selector (ExternalName, manual Endpoints)
 * or whose selector or ports match no rendered pod (ref/service-selector and
 * ref/service-port report those), and the headless governing Service
 * (`spec.serviceName`) of a StatefulSet with at most one replica: the
 * StatefulSet API requires it for the pod's DNS identity, and one pod has no
 * peers to talk to through it. A multi-replica StatefulSet's governing
 * Service is judged: its members reach each other through it.
 */
import { K8sObject, ObjectSet, Reporter, arr, rec, str } from '../model';
import { FlowModel, describeEnd } from './flows';

/** Counts of one run, for reports and tests. */
export interface ReachabilityStats {
  /** Services judged (selecting rendered pods, not exempt). */
  services: number;
  /** Services skipped as a single-pod StatefulSet's governing headless Service. */
  exempt: number;
  unreachable: number;
}

export function checkReachability(models: readonly FlowModel[], r: Reporter): ReachabilityStats {
  const stats: ReachabilityStats = { services: 0, exempt: 0, unreachable: 0 };
  for (const model of models) {
    const set = model.set;
    for (const svc of set.objects) {
      if (svc.group !== '' || svc.kind !== 'Service') continue;
      const backends = arr(rec(svc.raw.spec).ports).map(rec).flatMap((p) => model.backends(svc, str(p.name) ?? (p.port as number)));
      if (backends.length === 0) continue;
      if (identityOnly(set, svc)) {
        stats.exempt++;
        continue;
      }
      stats.services++;
      const verdicts = backends.map((b) => ({ ...b, why: model.closedTo(b.to, b.port) }));
      if (verdicts.some((v) => v.why.length === 0)) continue;
      stats.unreachable++;
      const pods = [...new Set(verdicts.map((v) => describeEnd(v.to)))].join(', ');
      const ports = [...new Set(verdicts.map((v) => `${v.port.name ? `${v.port.name}/` : ''}${v.port.number}/${v.port.protocol}`))].join(', ');
      const why = [...new Set(verdicts.flatMap((v) => v.why))].join('; ');
      const mesh = verdicts.some((v) => v.why.some((w) => w.includes('AuthorizationPolicy')));
      r.add(svc, 'network/unreachable', 'spec.ports',
        `Service ${svc.namespace}/${svc.name} forwards to ${pods} (ports ${ports}), but nothing may connect to them: ${why} admits those ports. ` +
        `Declare its callers: a NetworkPolicy ingress rule selecting these pods that admits the callers on one of these ports${mesh ? ', and an ALLOW AuthorizationPolicy rule for them' : ''} ` +
        '(ServiceGraph.connect(caller, service, port) renders both); a Service that has no caller yet is waived with the reason');
    }
  }
  return stats;
}

/** The headless Service a StatefulSet of at most one replica names as `spec.serviceName`. */
function identityOnly(set: ObjectSet, svc: K8sObject): boolean {
  if (str(rec(svc.raw.spec).clusterIP) !== 'None') return false;
  return set.ofKind('apps', 'StatefulSet', svc.namespace).some((s) => {
    const spec = rec(s.raw.spec);
    return str(spec.serviceName) === svc.name && (typeof spec.replicas === 'number' ? spec.replicas : 1) <= 1;
  });
}
