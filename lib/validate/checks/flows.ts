/**
 * Required flows: the connections a cluster needs for the rendered objects to
 * work, evaluated through every NetworkPolicy and Istio policy on the way.
 *
 * Which flows are required (derived from the objects, not from what the
 * policies were meant to allow):
 *
 * - entry: a LoadBalancer or NodePort Service is reached from outside the
 *   cluster on each of its target ports;
 * - route: an Ingress, Traefik IngressRoute or Gateway API HTTPRoute backend
 *   is reached from its controller's pods (the class's rendered controller,
 *   else the platform's, see PlatformPeers in ../types.ts);
 * - scrape: every ServiceMonitor / PodMonitor endpoint from Prometheus;
 * - analysis: the rendered Prometheus Service an AnalysisTemplate or Flagger
 *   MetricTemplate queries, from the controller that sends the queries
 *   (Argo Rollouts, Flagger; see PlatformPeers);
 * - acme: cert-manager's HTTP-01 solver pods (label
 *   `acme.cert-manager.io/http01-solver: "true"`, port 8089, created in the
 *   Certificate's namespace) from the controller serving the certificate's
 *   host, for every Certificate (or Ingress annotated for cert-manager) whose
 *   issuer is not rendered as DNS-01-only or non-ACME;
 * - mesh: every pod with a sidecar reaches istiod (xDS, 15012);
 * - probe: the kubelet reaches HTTP, TCP and gRPC probe ports. NetworkPolicy
 *   does not apply (Kubernetes allows traffic between a node and its own
 *   pods, which every common CNI implements); in a sidecar pod Istio rewrites
 *   probes to its agent (port 15020, outside mTLS and authorization), so a
 *   probe is blocked only where that rewrite is switched off
 *   (`sidecar.istio.io/rewriteAppHTTPProbers: "false"`) and the port is STRICT
 *   or not authorized.
 *
 * How a flow is evaluated: the source's egress policies (when its pods are
 * rendered), the destination's ingress policies, and, when the destination
 * runs a sidecar, its PeerAuthentication (STRICT refuses plaintext from a
 * source without a sidecar) and AuthorizationPolicies (DENY first; then, if
 * any ALLOW policy applies, one of its rules must match source identity and
 * port). A blocked flow is a `network/required-flow` violation naming source,
 * destination, port and the policies that drop it.
 *
 * Also here: `network/mesh-bypass` (a weighted VirtualService route whose
 * callers do not pass a sidecar, so the split never happens) and
 * `network/mesh-inert` (Istio policies for pods that run no sidecar).
 */
import { K8sObject, ObjectSet, PodTemplate, Reporter, arr, containersOf, labelSelectorMatches, rec, str, strMap } from '../model';
import { ADDONS } from '../../platform/addons';
import { PlatformPeers, PlatformPods } from '../types';
import { AnalysisControllerId, addressTarget, addressedService, analysisQueries, renderedNamespaces } from './analysis';

function addonPods(id: AnalysisControllerId): PlatformPods {
  return { namespace: ADDONS[id].namespace, labels: { ...ADDONS[id].controllerLabels } };
}

export const DEFAULT_PLATFORM_PEERS: Required<PlatformPeers> = {
  ingressControllers: {
    nginx: { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
    traefik: { namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' } },
  },
  prometheus: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
  istiod: { namespace: 'istio-system', labels: { app: 'istiod' } },
  analysisControllers: { 'argo-rollouts': addonPods('argo-rollouts'), flagger: addonPods('flagger') },
};

export const ACME_SOLVER_LABELS: Readonly<Record<string, string>> = { 'acme.cert-manager.io/http01-solver': 'true' };
export const ACME_SOLVER_PORT = 8089;
const ISTIOD_PORT = 15012;

export type FlowKind = 'entry' | 'route' | 'scrape' | 'analysis' | 'acme' | 'mesh' | 'probe';

/** One end of a flow. `template` is set for rendered pods. */
export type FlowEnd =
  | { readonly kind: 'world' }
  | { readonly kind: 'kubelet' }
  | {
    readonly kind: 'pods'; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly template?: PodTemplate; readonly name: string;
    /** For pods we do not render: whether they ask for a sidecar (in an injected namespace). @default unknown */
    readonly sidecar?: boolean;
  };

export interface FlowPort {
  readonly number: number;
  readonly name?: string;
  readonly protocol: string;
}

export interface RequiredFlow {
  readonly kind: FlowKind;
  readonly from: FlowEnd;
  readonly to: FlowEnd & { kind: 'pods' };
  readonly port: FlowPort;
  /** The object that needs the flow (the violation is reported on it). */
  readonly via: K8sObject;
  /** The field of `via` that needs it. */
  readonly path: string;
  /** For route and analysis flows: the Service the route or the query names. */
  readonly service?: K8sObject;
}

export interface FlowVerdict {
  readonly flow: RequiredFlow;
  /** Empty when the flow passes; else one line per policy layer that drops it. */
  readonly blockedBy: readonly string[];
}

export function describeEnd(e: FlowEnd): string {
  if (e.kind === 'world') return 'outside the cluster';
  if (e.kind === 'kubelet') return 'the kubelet';
  return e.template ? `${e.namespace}/${e.template.owner.kind} ${e.template.owner.name}` : `${e.name} pods in ${e.namespace} ${labelText(e.labels)}`;
}

function labelText(l: Readonly<Record<string, string>>): string {
  return `{${Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',')}}`;
}

/** Everything needed to evaluate one environment's flows. */
export class FlowModel {
  private readonly platform: Required<PlatformPeers>;
  private readonly nsLabels = new Map<string, Record<string, string>>();
  private readonly principalsByNs = new Map<string, Set<string>>();

  constructor(readonly set: ObjectSet, platform: PlatformPeers = {}) {
    this.platform = {
      ingressControllers: { ...DEFAULT_PLATFORM_PEERS.ingressControllers, ...platform.ingressControllers },
      prometheus: platform.prometheus ?? DEFAULT_PLATFORM_PEERS.prometheus,
      istiod: platform.istiod ?? DEFAULT_PLATFORM_PEERS.istiod,
      analysisControllers: { ...DEFAULT_PLATFORM_PEERS.analysisControllers, ...platform.analysisControllers },
    };
    for (const ns of set.ofKind('', 'Namespace', '')) this.nsLabels.set(ns.name, ns.labels);
    // A caller outside the rendered namespaces is in the mesh when the
    // rendered AuthorizationPolicies name its identity (they were written
    // knowing it has a sidecar).
    for (const ap of set.objects.filter((o) => o.group === 'security.istio.io' && o.kind === 'AuthorizationPolicy')) {
      for (const rule of arr(rec(ap.raw.spec).rules)) {
        for (const f of arr(rec(rule).from)) {
          for (const p of arr(rec(rec(f).source).principals)) {
            const m = /\/ns\/([^/]+)\/sa\//.exec(String(p));
            if (m) {
              let s = this.principalsByNs.get(m[1]);
              if (!s) this.principalsByNs.set(m[1], (s = new Set()));
              s.add(String(p));
            }
          }
        }
      }
    }
  }

  // ---- which flows are required ------------------------------------------------

  public requiredFlows(): RequiredFlow[] {
    const flows: RequiredFlow[] = [];
    for (const o of this.set.objects) {
      const key = `${o.group}/${o.kind}`;
      if (key === '/Service') this.entryFlows(o, flows);
      else if (key === 'networking.k8s.io/Ingress') this.ingressFlows(o, flows);
      else if (key === 'traefik.io/IngressRoute' || key === 'traefik.containo.us/IngressRoute') this.ingressRouteFlows(o, flows);
      else if (key === 'gateway.networking.k8s.io/HTTPRoute') this.httpRouteFlows(o, flows);
      else if (key === 'monitoring.coreos.com/ServiceMonitor') this.serviceMonitorFlows(o, flows);
      else if (key === 'monitoring.coreos.com/PodMonitor') this.podMonitorFlows(o, flows);
      else if (key === 'cert-manager.io/Certificate') this.certificateFlows(o, flows);
    }
    this.analysisFlows(flows);
    for (const t of this.set.podTemplates) {
      const self = this.podsOf(t);
      if (this.hasSidecar(self)) {
        const d = this.platform.istiod;
        flows.push({ kind: 'mesh', from: self, to: { kind: 'pods', namespace: d.namespace, labels: d.labels, name: 'istiod' }, port: { number: ISTIOD_PORT, protocol: 'TCP' }, via: t.owner, path: t.path });
      }
      if (t.longRunning) this.probeFlows(t, self, flows);
    }
    return flows;
  }

  private podsOf(t: PodTemplate): FlowEnd & { kind: 'pods' } {
    return { kind: 'pods', namespace: t.owner.namespace, labels: t.labels, template: t, name: t.owner.name };
  }

  private external(p: PlatformPods, name: string): FlowEnd & { kind: 'pods' } {
    return { kind: 'pods', namespace: p.namespace, labels: p.labels, name };
  }

  /** The rendered pods a Service sends port `portRef` (its name or number) to, with the container port it lands on. */
  public backends(svc: K8sObject, portRef: string | number | undefined): { to: FlowEnd & { kind: 'pods' }; port: FlowPort }[] {
    const spec = rec(svc.raw.spec);
    const selector = strMap(spec.selector);
    if (Object.keys(selector).length === 0) return [];
    const sp = arr(spec.ports).map(rec).find((p) => portRef === undefined || p.name === portRef || p.port === portRef);
    if (!sp) return [];
    const target = sp.targetPort ?? sp.port;
    const protocol = str(sp.protocol) ?? 'TCP';
    const out: { to: FlowEnd & { kind: 'pods' }; port: FlowPort }[] = [];
    for (const t of this.set.templatesSelectedByMap(svc.namespace, selector)) {
      const cp = containerPortsOf(t).find((c) => (typeof target === 'string' ? c.name === target : c.number === target) && c.protocol === protocol);
      if (cp) out.push({ to: this.podsOf(t), port: cp });
      else if (typeof target === 'number') out.push({ to: this.podsOf(t), port: { number: target, protocol } });
    }
    return out;
  }

  private entryFlows(svc: K8sObject, flows: RequiredFlow[]): void {
    const type = str(rec(svc.raw.spec).type);
    if (type !== 'LoadBalancer' && type !== 'NodePort') return;
    arr(rec(svc.raw.spec).ports).map(rec).forEach((p, i) => {
      for (const b of this.backends(svc, str(p.name) ?? (p.port as number))) {
        flows.push({ kind: 'entry', from: { kind: 'world' }, to: b.to, port: b.port, via: svc, path: `spec.ports[${i}]` });
      }
    });
  }

  /** The pods serving an ingress class: a rendered controller whose arguments name the class, else the platform's. */
  public controllerOf(className: string | undefined): (FlowEnd & { kind: 'pods' }) | undefined {
    const name = className ?? 'nginx';
    for (const t of this.set.podTemplates) {
      for (const c of containersOf(t, ['containers'])) {
        const args = [...arr(c.c.args), ...arr(c.c.command)].map(String);
        if (args.some((a) => new RegExp(`ingress-?class(?:name)?=${escapeRe(name)}$`, 'i').test(a))) return this.podsOf(t);
      }
    }
    const p = this.platform.ingressControllers[name];
    return p ? this.external(p, `ingress controller (${name})`) : undefined;
  }

  private routeFlow(route: K8sObject, path: string, controller: FlowEnd & { kind: 'pods' } | undefined, ns: string, service: string, port: string | number | undefined, flows: RequiredFlow[]): void {
    if (!controller) return;
    const svc = this.set.find('', 'Service', ns, service);
    if (!svc) return;
    for (const b of this.backends(svc, port)) flows.push({ kind: 'route', from: controller, to: b.to, port: b.port, via: route, path, service: svc });
  }

  private ingressFlows(ing: K8sObject, flows: RequiredFlow[]): void {
    const spec = rec(ing.raw.spec);
    const controller = this.controllerOf(str(spec.ingressClassName) ?? ing.annotations['kubernetes.io/ingress.class']);
    arr(spec.rules).forEach((rule, i) => {
      arr(rec(rec(rule).http).paths).forEach((p, j) => {
        const s = rec(rec(rec(p).backend).service);
        const port = rec(s.port);
        this.routeFlow(ing, `spec.rules[${i}].http.paths[${j}].backend`, controller, ing.namespace, str(s.name) ?? '', str(port.name) ?? (port.number as number), flows);
      });
    });
    const issuer = ing.annotations['cert-manager.io/cluster-issuer'] ?? ing.annotations['cert-manager.io/issuer'];
    if (issuer !== undefined && arr(spec.tls).length > 0 && controller) {
      const kind = ing.annotations['cert-manager.io/cluster-issuer'] !== undefined ? 'ClusterIssuer' : 'Issuer';
      this.acmeFlow(ing, 'metadata.annotations', controller, ing.namespace, kind, issuer, flows);
    }
  }

  private ingressRouteFlows(ir: K8sObject, flows: RequiredFlow[]): void {
    const controller = this.controllerOf(ir.annotations['kubernetes.io/ingress.class'] ?? 'traefik');
    arr(rec(ir.raw.spec).routes).forEach((route, i) => {
      arr(rec(route).services).forEach((s, j) => {
        const sr = rec(s);
        if ((str(sr.kind) ?? 'Service') !== 'Service') return;
        this.routeFlow(ir, `spec.routes[${i}].services[${j}]`, controller, str(sr.namespace) ?? ir.namespace, str(sr.name) ?? '', sr.port as string | number | undefined, flows);
      });
    });
  }

  private httpRouteFlows(hr: K8sObject, flows: RequiredFlow[]): void {
    const spec = rec(hr.raw.spec);
    for (const parent of arr(spec.parentRefs).map(rec)) {
      if ((str(parent.kind) ?? 'Gateway') !== 'Gateway') continue;
      const gw = str(parent.name) ?? '';
      const controller = this.external({ namespace: str(parent.namespace) ?? hr.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': gw } }, `gateway ${gw}`);
      arr(spec.rules).forEach((rule, i) => {
        arr(rec(rule).backendRefs).forEach((b, j) => {
          const br = rec(b);
          if ((str(br.kind) ?? 'Service') !== 'Service') return;
          this.routeFlow(hr, `spec.rules[${i}].backendRefs[${j}]`, controller, str(br.namespace) ?? hr.namespace, str(br.name) ?? '', br.port as number | undefined, flows);
        });
      });
    }
  }

  private serviceMonitorFlows(sm: K8sObject, flows: RequiredFlow[]): void {
    const spec = rec(sm.raw.spec);
    const nsSel = rec(spec.namespaceSelector);
    const namespaces = nsSel.any === true ? undefined : arr(nsSel.matchNames).length > 0 ? arr(nsSel.matchNames).map(String) : [sm.namespace];
    const prom = this.external(this.platform.prometheus, 'prometheus');
    for (const svc of this.set.servicesSelectedAcross(namespaces, spec.selector)) {
      arr(spec.endpoints).forEach((e, i) => {
        const er = rec(e);
        if (er.port !== undefined) {
          for (const b of this.backends(svc, str(er.port))) flows.push({ kind: 'scrape', from: prom, to: b.to, port: b.port, via: sm, path: `spec.endpoints[${i}]` });
        } else if (er.targetPort !== undefined) {
          for (const t of this.set.templatesSelectedByMap(svc.namespace, strMap(rec(svc.raw.spec).selector))) {
            const cp = containerPortsOf(t).find((c) => c.name === er.targetPort || c.number === er.targetPort);
            if (cp) flows.push({ kind: 'scrape', from: prom, to: this.podsOf(t), port: cp, via: sm, path: `spec.endpoints[${i}]` });
          }
        }
      });
    }
  }

  /** The controller's queries to the rendered Prometheus Service an analysis names (unrendered ones are ref/analysis-provider's). */
  private analysisFlows(flows: RequiredFlow[]): void {
    const queries = analysisQueries(this.set);
    if (queries.length === 0) return;
    const namespaces = renderedNamespaces(this.set);
    for (const q of queries) {
      const t = addressTarget(q.address, namespaces);
      const svc = addressedService(this.set, t);
      const controller = this.platform.analysisControllers[q.controller];
      if (!svc || t.kind !== 'service' || !controller) continue;
      const from = this.external(controller, `${q.controller} controller`);
      for (const b of this.backends(svc, t.port)) flows.push({ kind: 'analysis', from, to: b.to, port: b.port, via: q.via, path: q.path, service: svc });
    }
  }

  private podMonitorFlows(pm: K8sObject, flows: RequiredFlow[]): void {
    const spec = rec(pm.raw.spec);
    const nsSel = rec(spec.namespaceSelector);
    const namespaces = nsSel.any === true ? undefined : arr(nsSel.matchNames).length > 0 ? arr(nsSel.matchNames).map(String) : [pm.namespace];
    const prom = this.external(this.platform.prometheus, 'prometheus');
    for (const t of this.set.templatesSelectedAcross(namespaces, spec.selector)) {
      arr(spec.podMetricsEndpoints).forEach((e, i) => {
        const er = rec(e);
        const cp = containerPortsOf(t).find((c) => c.name === er.port || c.number === er.targetPort || c.name === er.targetPort);
        if (cp) flows.push({ kind: 'scrape', from: prom, to: this.podsOf(t), port: cp, via: pm, path: `spec.podMetricsEndpoints[${i}]` });
      });
    }
  }

  private certificateFlows(cert: K8sObject, flows: RequiredFlow[]): void {
    const spec = rec(cert.raw.spec);
    const ref = rec(spec.issuerRef);
    const hosts = arr(spec.dnsNames).map(String);
    const controller = this.controllerServing(cert.namespace, hosts);
    if (!controller) return;
    this.acmeFlow(cert, 'spec.issuerRef', controller, cert.namespace, str(ref.kind) ?? 'Issuer', str(ref.name) ?? '', flows);
  }

  /** The controller of a route in `ns` that serves one of `hosts`. */
  private controllerServing(ns: string, hosts: readonly string[]): (FlowEnd & { kind: 'pods' }) | undefined {
    for (const ing of this.set.ofKind('networking.k8s.io', 'Ingress', ns)) {
      const spec = rec(ing.raw.spec);
      if (arr(spec.rules).some((r) => hosts.includes(str(rec(r).host) ?? ''))) return this.controllerOf(str(spec.ingressClassName) ?? ing.annotations['kubernetes.io/ingress.class']);
    }
    for (const group of ['traefik.io', 'traefik.containo.us']) {
      for (const ir of this.set.ofKind(group, 'IngressRoute', ns)) {
        const matches = arr(rec(ir.raw.spec).routes).map((r) => str(rec(r).match) ?? '');
        if (hosts.some((h) => matches.some((m) => m.includes(`Host(\`${h}\`)`)))) return this.controllerOf(ir.annotations['kubernetes.io/ingress.class'] ?? 'traefik');
      }
    }
    for (const hr of this.set.ofKind('gateway.networking.k8s.io', 'HTTPRoute', ns)) {
      const spec = rec(hr.raw.spec);
      if (!arr(spec.hostnames).some((h) => hosts.includes(String(h)))) continue;
      const parent = rec(arr(spec.parentRefs)[0]);
      const gw = str(parent.name) ?? '';
      return this.external({ namespace: str(parent.namespace) ?? hr.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': gw } }, `gateway ${gw}`);
    }
    return undefined;
  }

  /** Whether a rendered issuer could use HTTP-01; issuers we do not render are assumed to (the common Let's Encrypt setup). */
  private issuerUsesHttp01(ns: string, kind: string, name: string): boolean {
    const issuer = kind === 'ClusterIssuer' ? this.set.find('cert-manager.io', 'ClusterIssuer', '', name) : this.set.find('cert-manager.io', 'Issuer', ns, name);
    if (!issuer) return true;
    const acme = rec(rec(issuer.raw.spec).acme);
    return arr(acme.solvers).some((s) => rec(s).http01 !== undefined);
  }

  /** Solver pod annotations a rendered issuer sets through its podTemplate. */
  private solverAnnotations(ns: string, kind: string, name: string): Record<string, string> {
    const issuer = kind === 'ClusterIssuer' ? this.set.find('cert-manager.io', 'ClusterIssuer', '', name) : this.set.find('cert-manager.io', 'Issuer', ns, name);
    if (!issuer) return {};
    for (const s of arr(rec(rec(issuer.raw.spec).acme).solvers)) {
      const pt = rec(rec(rec(rec(s).http01).ingress).podTemplate);
      const a = strMap(rec(pt.metadata).annotations);
      if (Object.keys(a).length > 0) return a;
    }
    return {};
  }

  private acmeFlow(via: K8sObject, path: string, controller: FlowEnd & { kind: 'pods' }, ns: string, kind: string, issuer: string, flows: RequiredFlow[]): void {
    if (!this.issuerUsesHttp01(ns, kind, issuer)) return;
    // cert-manager annotates solver pods sidecar.istio.io/inject: "false"
    // unless the issuer's podTemplate says otherwise.
    const sidecar = this.solverAnnotations(ns, kind, issuer)['sidecar.istio.io/inject'] === 'true';
    const solver: FlowEnd & { kind: 'pods' } = { kind: 'pods', namespace: ns, labels: ACME_SOLVER_LABELS, name: 'acme-http01-solver', sidecar };
    flows.push({ kind: 'acme', from: controller, to: solver, port: { number: ACME_SOLVER_PORT, name: 'http', protocol: 'TCP' }, via, path });
  }

  private probeFlows(t: PodTemplate, self: FlowEnd & { kind: 'pods' }, flows: RequiredFlow[]): void {
    for (const c of containersOf(t, ['containers'])) {
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const p = rec(c.c[probe]);
        const action = p.httpGet ?? p.tcpSocket ?? p.grpc;
        if (action === undefined) continue;
        const ref = rec(action).port as string | number | undefined;
        const cp = containerPortsOf(t).find((x) => x.name === ref || x.number === ref) ?? (typeof ref === 'number' ? { number: ref, protocol: 'TCP' } : undefined);
        if (cp) flows.push({ kind: 'probe', from: { kind: 'kubelet' }, to: self, port: cp, via: t.owner, path: `${c.path}.${probe}` });
      }
    }
  }

  // ---- evaluation ------------------------------------------------------------

  public evaluate(flow: RequiredFlow): FlowVerdict {
    const blockedBy: string[] = [];
    if (flow.kind !== 'probe') {
      const egress = this.egressBlock(flow);
      if (egress) blockedBy.push(egress);
      const ingress = this.ingressBlock(flow);
      if (ingress) blockedBy.push(ingress);
    }
    if (this.hasSidecar(flow.to) && (flow.kind !== 'probe' || rewriteDisabled(flow.to))) {
      const mtls = this.mtlsBlock(flow);
      if (mtls) blockedBy.push(mtls);
      const authz = this.authzBlock(flow);
      if (authz) blockedBy.push(authz);
    }
    return { flow, blockedBy };
  }

  private namespaceLabels(ns: string): Record<string, string> {
    return { ...(this.nsLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns };
  }

  private policiesSelecting(end: FlowEnd & { kind: 'pods' }, type: 'Ingress' | 'Egress'): K8sObject[] {
    return this.set.ofKind('networking.k8s.io', 'NetworkPolicy', end.namespace).filter((np) => {
      const spec = rec(np.raw.spec);
      const types = arr(spec.policyTypes).length > 0 ? arr(spec.policyTypes) : spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
      return types.includes(type) && labelSelectorMatches(spec.podSelector ?? {}, { ...end.labels });
    });
  }

  /** Whether a peer entry of a policy in `policyNs` covers `end`. */
  private peerMatches(entry: Record<string, unknown>, policyNs: string, end: FlowEnd): boolean {
    if (entry.ipBlock !== undefined) {
      // Traffic from outside reaches pods with an address outside the cluster
      // (or SNAT'ed to a node): a block of everything covers it.
      const b = rec(entry.ipBlock);
      return end.kind === 'world' && (b.cidr === '0.0.0.0/0' || b.cidr === '::/0') && arr(b.except).length === 0;
    }
    if (end.kind !== 'pods') return false;
    if (entry.namespaceSelector !== undefined) {
      if (!labelSelectorMatches(entry.namespaceSelector, this.namespaceLabels(end.namespace))) return false;
    } else if (end.namespace !== policyNs) return false;
    return entry.podSelector === undefined || labelSelectorMatches(entry.podSelector, { ...end.labels });
  }

  private ruleAdmits(rule: Record<string, unknown>, peers: unknown, policyNs: string, peer: FlowEnd, port: FlowPort): boolean {
    if (!rulePortMatches(rule, port)) return false;
    return peers === undefined || arr(peers).map(rec).some((e) => this.peerMatches(e, policyNs, peer));
  }

  /**
   * Why no source at all may open a connection to `port` of `to`, or nothing
   * when some source may: the NetworkPolicies selecting it for ingress have
   * no rule for the port, or, with a sidecar, the ALLOW AuthorizationPolicies
   * that apply to it have none. A rule for the port admits some source
   * whoever it names (sources outside the rendered objects count), and
   * AuthorizationPolicy conditions (`when`) are assumed to hold.
   */
  public closedTo(to: FlowEnd & { kind: 'pods' }, port: FlowPort): string[] {
    const why: string[] = [];
    const policies = this.policiesSelecting(to, 'Ingress');
    if (policies.length > 0 && !policies.some((np) => arr(rec(np.raw.spec).ingress).map(rec).some((r) => rulePortMatches(r, port)))) {
      why.push(`no ingress rule of NetworkPolicy ${names(policies)} in ${to.namespace}`);
    }
    if (this.hasSidecar(to)) {
      const { own, namespaceWide } = this.istioPolicies('AuthorizationPolicy', to);
      const allow = [...own, ...namespaceWide].filter((p) => (str(rec(p.raw.spec).action) ?? 'ALLOW') === 'ALLOW');
      if (allow.length > 0 && !allow.some((p) => arr(rec(p.raw.spec).rules).map(rec).some((r) => authzPortMatches(r, port)))) {
        why.push(`no rule of AuthorizationPolicy ${names(allow)} in ${to.namespace}`);
      }
    }
    return why;
  }

  private egressBlock(flow: RequiredFlow): string | undefined {
    if (flow.from.kind !== 'pods' || !flow.from.template) return undefined;
    const policies = this.policiesSelecting(flow.from, 'Egress');
    if (policies.length === 0) return undefined;
    if (policies.some((np) => arr(rec(np.raw.spec).egress).map(rec).some((r) => this.ruleAdmits(r, r.to, np.namespace, flow.to, flow.port)))) return undefined;
    return `egress dropped by NetworkPolicy ${names(policies)} in ${flow.from.namespace}`;
  }

  private ingressBlock(flow: RequiredFlow): string | undefined {
    const policies = this.policiesSelecting(flow.to, 'Ingress');
    if (policies.length === 0) return undefined;
    if (policies.some((np) => arr(rec(np.raw.spec).ingress).map(rec).some((r) => this.ruleAdmits(r, r.from, np.namespace, flow.from, flow.port)))) return undefined;
    return `ingress dropped by NetworkPolicy ${names(policies)} in ${flow.to.namespace}`;
  }

  /** Whether pods run an Istio sidecar: injection on their namespace, not switched off on the pod. */
  public hasSidecar(end: FlowEnd): boolean {
    if (end.kind !== 'pods') return false;
    if (!end.template) {
      if (end.sidecar === false) return false;
      if (!this.nsLabels.has(end.namespace)) return (this.principalsByNs.get(end.namespace)?.size ?? 0) > 0;
    }
    const ns = this.nsLabels.get(end.namespace) ?? {};
    const injected = ns['istio-injection'] === 'enabled' || (ns['istio.io/rev'] !== undefined && ns['istio-injection'] !== 'disabled');
    if (!injected) return false;
    const t = end.template;
    return !t || (t.annotations['sidecar.istio.io/inject'] !== 'false' && t.labels['sidecar.istio.io/inject'] !== 'false');
  }

  private istioPolicies(kind: 'PeerAuthentication' | 'AuthorizationPolicy', end: FlowEnd & { kind: 'pods' }): { own: K8sObject[]; namespaceWide: K8sObject[] } {
    const all = this.set.ofKind('security.istio.io', kind, end.namespace);
    const own = all.filter((p) => rec(p.raw.spec).selector !== undefined && labelSelectorMatches(rec(rec(p.raw.spec).selector), { ...end.labels }));
    const namespaceWide = all.filter((p) => rec(p.raw.spec).selector === undefined);
    return { own, namespaceWide };
  }

  private mtlsBlock(flow: RequiredFlow): string | undefined {
    if (this.hasSidecar(flow.from)) return undefined;
    const { own, namespaceWide } = this.istioPolicies('PeerAuthentication', flow.to);
    const modeOf = (pa: K8sObject): string | undefined => {
      const spec = rec(pa.raw.spec);
      const portMode = str(rec(rec(spec.portLevelMtls)[String(flow.port.number)]).mode);
      const mode = portMode && portMode !== 'UNSET' ? portMode : str(rec(spec.mtls).mode);
      return mode === 'UNSET' ? undefined : mode;
    };
    const chain = [...own, ...namespaceWide];
    for (const pa of chain) {
      const mode = modeOf(pa);
      if (mode === undefined) continue;
      return mode === 'STRICT' ? `plaintext from a source without a sidecar refused by STRICT PeerAuthentication ${pa.namespace}/${pa.name} on port ${flow.port.number}` : undefined;
    }
    return undefined;
  }

  private authzBlock(flow: RequiredFlow): string | undefined {
    const { own, namespaceWide } = this.istioPolicies('AuthorizationPolicy', flow.to);
    const applicable = [...own, ...namespaceWide];
    const actionOf = (p: K8sObject) => str(rec(p.raw.spec).action) ?? 'ALLOW';
    const matches = (p: K8sObject) => arr(rec(p.raw.spec).rules).map(rec).some((r) => this.authzRuleMatches(r, flow));
    const deny = applicable.filter((p) => actionOf(p) === 'DENY' && matches(p));
    if (deny.length > 0) return `denied by AuthorizationPolicy ${names(deny)} in ${flow.to.namespace}`;
    const allow = applicable.filter((p) => actionOf(p) === 'ALLOW');
    if (allow.length === 0 || allow.some(matches)) return undefined;
    return `no rule of AuthorizationPolicy ${names(allow)} in ${flow.to.namespace} allows it`;
  }

  private authzRuleMatches(rule: Record<string, unknown>, flow: RequiredFlow): boolean {
    if (rule.when !== undefined && arr(rule.when).length > 0) return false;
    if (!authzPortMatches(rule, flow.port)) return false;
    const from = arr(rule.from).map((f) => rec(rec(f).source));
    if (from.length === 0) return true;
    return from.some((s) => this.sourceMatches(s, flow.from));
  }

  private sourceMatches(s: Record<string, unknown>, from: FlowEnd): boolean {
    const meshed = this.hasSidecar(from) && from.kind === 'pods';
    const principals = arr(s.principals).map(String);
    const namespaces = arr(s.namespaces).map(String);
    if (principals.length > 0) {
      if (!meshed) return false;
      const sa = from.template ? str(from.template.spec.serviceAccountName) ?? 'default' : undefined;
      const ok = principals.some((p) => {
        if (p === '*') return true;
        const m = /\/ns\/([^/]+)\/sa\/(.+)$/.exec(p);
        if (!m || m[1] !== from.namespace) return false;
        return sa === undefined || m[2] === sa || m[2] === '*';
      });
      if (!ok) return false;
    }
    if (namespaces.length > 0 && !(meshed && namespaces.some((n) => n === '*' || n === (from as { namespace: string }).namespace))) return false;
    if (arr(s.ipBlocks).length > 0 || arr(s.remoteIpBlocks).length > 0) return false;
    if (arr(s.notPrincipals).length > 0 || arr(s.notNamespaces).length > 0) return false;
    return true;
  }
}

/** Whether a NetworkPolicy rule's `ports` cover `port` (no ports: every port). */
function rulePortMatches(rule: Record<string, unknown>, port: FlowPort): boolean {
  return arr(rule.ports).length === 0 || arr(rule.ports).map(rec).some((rp) => {
    if ((str(rp.protocol) ?? 'TCP') !== port.protocol) return false;
    if (rp.port === undefined) return true;
    if (typeof rp.port === 'string') return rp.port === port.name;
    const end = typeof rp.endPort === 'number' ? rp.endPort : rp.port as number;
    return port.number >= (rp.port as number) && port.number <= end;
  });
}

/** Whether an AuthorizationPolicy rule's `to` operations cover `port` (none, or one without ports: every port). */
function authzPortMatches(rule: Record<string, unknown>, port: FlowPort): boolean {
  const to = arr(rule.to).map((t) => rec(rec(t).operation));
  return to.length === 0 || to.some((op) => arr(op.ports).length === 0 || arr(op.ports).map(String).includes(String(port.number)));
}

function rewriteDisabled(end: FlowEnd): boolean {
  return end.kind === 'pods' && end.template?.annotations['sidecar.istio.io/rewriteAppHTTPProbers'] === 'false';
}

function names(objects: readonly K8sObject[]): string {
  return objects.map((o) => o.name).join(', ');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const portCache = new WeakMap<PodTemplate, FlowPort[]>();
function containerPortsOf(t: PodTemplate): FlowPort[] {
  let ports = portCache.get(t);
  if (!ports) {
    ports = containersOf(t, ['containers']).flatMap((c) => arr(c.c.ports).map(rec).filter((p) => typeof p.containerPort === 'number')
      .map((p) => ({ number: p.containerPort as number, name: str(p.name), protocol: str(p.protocol) ?? 'TCP' })));
    portCache.set(t, ports);
  }
  return ports;
}

// ---- the checks ----------------------------------------------------------------

/** The flows of one environment's objects and their verdicts. */
export function evaluateFlows(set: ObjectSet, platform: PlatformPeers = {}): { model: FlowModel; verdicts: FlowVerdict[] } {
  const model = new FlowModel(set, platform);
  return { model, verdicts: verdictsOf(model) };
}

/** Every flow the cluster needs in the model's environment, with what blocks it. */
function verdictsOf(model: FlowModel): FlowVerdict[] {
  return model.requiredFlows().map((f) => model.evaluate(f));
}

/**
 * One flow model per environment (each is its own cluster), built once and
 * shared by the checks that read it (required flows, reachability).
 */
export function flowModelsByEnvironment(objects: readonly K8sObject[], envOf: (o: K8sObject) => string, platform: PlatformPeers = {}): FlowModel[] {
  const byEnv = new Map<string, K8sObject[]>();
  for (const o of objects) {
    const env = envOf(o);
    const list = byEnv.get(env);
    if (list) list.push(o); else byEnv.set(env, [o]);
  }
  return [...byEnv.values()].map((envObjects) => new FlowModel(new ObjectSet(envObjects), platform));
}

export function checkFlows(models: readonly FlowModel[], r: Reporter): void {
  for (const model of models) {
    const set = model.set;
    const verdicts = verdictsOf(model);
    const seen = new Set<string>();
    for (const v of verdicts) {
      if (v.blockedBy.length === 0) continue;
      const f = v.flow;
      const text = `required ${f.kind} flow from ${describeEnd(f.from)} to ${describeEnd(f.to)} port ${f.port.name ? `${f.port.name}/` : ''}${f.port.number}/${f.port.protocol} is blocked: ${v.blockedBy.join('; ')}; allow it in those policies`;
      const key = `${f.via.doc.file}|${f.path}|${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      r.add(f.via, 'network/required-flow', f.path, text);
    }
    checkMeshBypass(set, model, verdicts.map((v) => v.flow), r);
    checkMeshInert(set, model, r);
  }
}

/**
 * A VirtualService that splits traffic by weight acts in the caller's
 * sidecar. A caller without one (or an NGINX controller that sends to pod
 * endpoints instead of the Service, or with a Host header no VirtualService
 * host matches) never applies the split: the canary gets nothing.
 */
function checkMeshBypass(set: ObjectSet, model: FlowModel, flows: readonly RequiredFlow[], r: Reporter): void {
  for (const vs of set.objects.filter((o) => o.group === 'networking.istio.io' && o.kind === 'VirtualService')) {
    const spec = rec(vs.raw.spec);
    const split = arr(spec.http).some((h) => arr(rec(h).route).filter((d) => rec(d).weight !== undefined).length > 1);
    if (!split) continue;
    const hosts = arr(spec.hosts).map(String);
    const fqdns = new Set(hosts.map((h) => fqdn(h, vs.namespace)));
    const services = [...fqdns].map((h) => /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(h)).filter((m): m is RegExpExecArray => m !== null);
    for (const f of flows) {
      if (f.kind !== 'route' || !f.service) continue;
      if (!services.some((m) => m[1] === f.service!.name && m[2] === f.service!.namespace)) continue;
      const problems: string[] = [];
      if (!model.hasSidecar(f.from)) problems.push(`its controller (${describeEnd(f.from)}) runs no Istio sidecar`);
      if (f.via.kind === 'Ingress') {
        if (f.via.annotations['nginx.ingress.kubernetes.io/service-upstream'] !== 'true') problems.push('NGINX sends to pod endpoints, not the Service (set nginx.ingress.kubernetes.io/service-upstream: "true")');
        const vhost = f.via.annotations['nginx.ingress.kubernetes.io/upstream-vhost'];
        if (vhost === undefined || !fqdns.has(fqdn(vhost, vs.namespace))) problems.push(`the Host header is the public host, which no VirtualService host matches (set nginx.ingress.kubernetes.io/upstream-vhost to one of ${[...fqdns].join(', ')})`);
      } else if (f.via.kind === 'IngressRoute') {
        problems.push('Traefik sends to pod endpoints, not through the mesh');
      }
      if (problems.length === 0) continue;
      r.add(f.via, 'network/mesh-bypass', f.path,
        `${f.via.kind} ${f.via.name} calls ${f.service.name}, whose VirtualService ${vs.name} splits traffic by weight, but the split never applies: ${problems.join('; ')}; route callers through a sidecar (or an Istio gateway bound to the VirtualService)`);
    }
  }
}

function fqdn(host: string, ns: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${ns}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

const INERT_KINDS = [
  ['security.istio.io', 'AuthorizationPolicy'], ['security.istio.io', 'PeerAuthentication'], ['networking.istio.io', 'VirtualService'],
  ['networking.istio.io', 'DestinationRule'], ['telemetry.istio.io', 'Telemetry'],
];

/** Istio policies in a rendered namespace where no selected pod runs a sidecar do nothing. */
function checkMeshInert(set: ObjectSet, model: FlowModel, r: Reporter): void {
  for (const o of set.objects) {
    if (!INERT_KINDS.some(([g, k]) => o.group === g && o.kind === k)) continue;
    if (!set.find('', 'Namespace', '', o.namespace)) continue;
    const templates = set.templatesIn(o.namespace);
    if (templates.length === 0) continue;
    if (templates.some((t) => model.hasSidecar({ kind: 'pods', namespace: o.namespace, labels: t.labels, template: t, name: t.owner.name }))) continue;
    r.add(o, 'network/mesh-inert', 'metadata.namespace',
      `${o.kind} ${o.name} acts on sidecars, but no pod of namespace ${JSON.stringify(o.namespace)} runs one (label the Namespace istio-injection: enabled); until then it is not enforced`);
  }
}
