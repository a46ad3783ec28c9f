import { ApiObject, Chart, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as net from '../../imports/istio-networking.istio.io';
import * as sec from '../../imports/istio-security.istio.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { Peer, principalOf } from '../security/peer';
import { Connection, ServiceGraph } from '../security/service-graph';
import { ExternalPeer } from '../security/peer';

/** Circuit breaking applied to every service's DestinationRule. */
export interface CircuitBreakerOptions {
  /** Max TCP connections to one service from one client proxy. @default 100 */
  readonly maxConnections?: number;
  /** Max requests waiting for a connection. @default 100 */
  readonly maxPendingRequests?: number;
  /** Consecutive 5xx before a pod is ejected. @default 5 */
  readonly consecutive5xxErrors?: number;
  /** How often pods are checked for ejection. @default "10s" */
  readonly interval?: string;
  /** Minimum ejection time. @default "30s" */
  readonly baseEjectionTime?: string;
  /** At most this share of pods ejected at once. @default 50 */
  readonly maxEjectionPercent?: number;
}

export interface MeshPoliciesProps {
  /** The service graph the authorization policies mirror. */
  readonly graph: ServiceGraph;
  /** @default the defaults of CircuitBreakerOptions */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** Istio trust domain of the principals. @default "cluster.local" */
  readonly trustDomain?: string;
  /** The Istio control plane sidecars reach (xDS on 15012). @default istiod in istio-system */
  readonly istiod?: Peer | false;
  /**
   * Namespaces whose pods run sidecars. Peers elsewhere (a log collector's
   * privileged namespace without injection) get no policies; calls from them
   * count as calls from outside the mesh.
   * @default every namespace of the graph's peers
   */
  readonly namespaces?: readonly string[];
}

/**
 * Istio policies derived from the service graph, per namespace of its peers:
 *
 * - PeerAuthentication `default`: STRICT mTLS for the namespace;
 * - AuthorizationPolicy `allow-nothing`: the mesh's default deny;
 * - per peer an ALLOW AuthorizationPolicy: callers in the mesh by principal
 *   (their ServiceAccount), on the ports they were declared on. Callers
 *   outside the mesh (ingress controller, Prometheus) cannot present an
 *   identity, so their ports are PERMISSIVE for that workload and allowed by
 *   port; the NetworkPolicy is what restricts who reaches them;
 * - per peer with a Service a DestinationRule with connection pool limits and
 *   outlier detection (merged into the strategy's DestinationRule when a
 *   canary already renders one for the host).
 *
 * The graph also gets an egress allowance to istiod for every pod.
 */
export class MeshPolicies extends Construct {
  private readonly graph: ServiceGraph;
  private readonly trustDomain: string;
  private readonly breaker: Required<CircuitBreakerOptions>;
  private readonly namespaces = new Map<string, Construct>();
  private readonly meshed?: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: MeshPoliciesProps) {
    super(scope, id);
    this.graph = props.graph;
    this.trustDomain = props.trustDomain ?? 'cluster.local';
    this.meshed = props.namespaces ? new Set(props.namespaces) : undefined;
    const cb = props.circuitBreaker ?? {};
    this.breaker = {
      maxConnections: cb.maxConnections ?? 100,
      maxPendingRequests: cb.maxPendingRequests ?? 100,
      consecutive5xxErrors: cb.consecutive5xxErrors ?? 5,
      interval: cb.interval ?? '10s',
      baseEjectionTime: cb.baseEjectionTime ?? '30s',
      maxEjectionPercent: cb.maxEjectionPercent ?? 50,
    };
    for (const f of ['maxConnections', 'maxPendingRequests', 'consecutive5xxErrors'] as const) {
      if (!Number.isInteger(this.breaker[f]) || this.breaker[f] < 1) throw new PropsError(this, `circuitBreaker.${f}`, this.breaker[f], 'an integer >= 1');
    }
    if (!(this.breaker.maxEjectionPercent > 0 && this.breaker.maxEjectionPercent <= 100)) {
      throw new PropsError(this, 'circuitBreaker.maxEjectionPercent', this.breaker.maxEjectionPercent, 'a percentage from 1 to 100');
    }
    const istiod =
      props.istiod ??
      ExternalPeer.pods({ name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' }, ports: { xds: 15012 } });
    if (istiod !== false) this.graph.connectAll(istiod, 'xds');
    this.graph.onPeer((peer) => this.addPeer(peer));
  }

  private addPeer(peer: Peer): void {
    const ns = peer.namespace!;
    if (this.meshed && !this.meshed.has(ns)) return;
    let scope = this.namespaces.get(ns);
    if (!scope) {
      scope = new Construct(this, ns);
      this.namespaces.set(ns, scope);
      new sec.PeerAuthentication(scope, 'PeerAuthentication', {
        metadata: { name: 'default', namespace: ns, labels: meshLabels() },
        spec: { mtls: { mode: sec.PeerAuthenticationSpecMtlsMode.STRICT } },
      });
      new sec.AuthorizationPolicy(scope, 'AllowNothing', {
        metadata: { name: 'allow-nothing', namespace: ns, labels: meshLabels() },
        spec: {},
      });
    }
    const selector = { matchLabels: { ...peer.selectorLabels } };
    const incoming = () => this.graph.connections().filter((c) => c.to === peer);
    const plainPorts = () => [...new Set(incoming().filter((c) => !this.principal(c.from)).map((c) => String(peer.ports[c.port])))].sort();

    new ApiObject(scope, `Authz-${peer.name}`, {
      ...sec.AuthorizationPolicy.GVK,
      metadata: { name: peer.name, namespace: ns, labels: meshLabels() },
      spec: Lazy.any({
        produce: () =>
          sec.toJson_AuthorizationPolicySpec({
            selector,
            action: sec.AuthorizationPolicySpecAction.ALLOW,
            rules: this.authorizationRules(peer, incoming()),
          }),
      }),
    });

    // Sources outside the mesh cannot do mTLS: relax exactly their ports on exactly this workload.
    new ApiObject(scope, `PeerAuthentication-${peer.name}`, {
      ...sec.PeerAuthentication.GVK,
      metadata: { name: peer.name, namespace: ns, labels: meshLabels() },
      spec: Lazy.any({
        produce: () => {
          const ports = plainPorts();
          return sec.toJson_PeerAuthenticationSpec({
            selector,
            mtls: { mode: sec.PeerAuthenticationSpecMtlsMode.STRICT },
            portLevelMtls: ports.length
              ? Object.fromEntries(ports.map((p) => [p, { mode: sec.PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE }]))
              : undefined,
          });
        },
      }),
    });

    if (peer.serviceName) this.destinationRule(scope, peer, ns);
  }

  /**
   * The caller's mesh identity; none for our pods outside the meshed
   * namespaces, which have no sidecar to present one. Pods we do not render
   * are in the mesh when they name their ServiceAccount (a meshed ingress
   * controller).
   */
  private principal(p: Peer): string | undefined {
    if (this.meshed && p.namespace && !this.meshed.has(p.namespace) && !(p instanceof ExternalPeer)) return undefined;
    return principalOf(p, this.trustDomain);
  }

  private authorizationRules(peer: Peer, incoming: readonly Connection[]): sec.AuthorizationPolicySpecRules[] {
    const meshed = new Map<string, Set<string>>();
    const plain = new Set<string>();
    for (const c of incoming) {
      const port = String(peer.ports[c.port]);
      const principal = this.principal(c.from);
      if (principal) meshed.set(principal, new Set([...(meshed.get(principal) ?? []), port]));
      else plain.add(port);
    }
    const rules: sec.AuthorizationPolicySpecRules[] = [...meshed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([principal, ports]) => ({ from: [{ source: { principals: [principal] } }], to: [{ operation: { ports: [...ports].sort() } }] }));
    if (plain.size) rules.push({ to: [{ operation: { ports: [...plain].sort() } }] });
    return rules;
  }

  private destinationRule(scope: Construct, peer: Peer, ns: string): void {
    const host = `${peer.serviceName}.${ns}.svc.cluster.local`;
    const trafficPolicy: net.DestinationRuleSpecTrafficPolicy = {
      connectionPool: {
        tcp: { maxConnections: this.breaker.maxConnections },
        http: { http1MaxPendingRequests: this.breaker.maxPendingRequests },
      },
      outlierDetection: {
        consecutive5XxErrors: this.breaker.consecutive5xxErrors,
        interval: this.breaker.interval,
        baseEjectionTime: this.breaker.baseEjectionTime,
        maxEjectionPercent: this.breaker.maxEjectionPercent,
      },
    };
    // A canary router may already own the host's DestinationRule (subsets):
    // two rules for one host conflict in Istio, so add ours to it instead.
    const existing = findDestinationRule(Chart.of(this), peer.serviceName!, ns);
    if (existing) {
      // A typed L1 object converts its JSON (patches included) from the binding's
      // field names after patching; a plain ApiObject takes the wire names.
      const value = existing instanceof net.DestinationRule ? trafficPolicy : net.toJson_DestinationRuleSpecTrafficPolicy(trafficPolicy);
      existing.addJsonPatch(JsonPatch.add('/spec/trafficPolicy', value));
      return;
    }
    new net.DestinationRule(scope, `DestinationRule-${peer.name}`, {
      metadata: { name: peer.serviceName!, namespace: ns, labels: meshLabels() },
      spec: { host, trafficPolicy },
    });
  }
}

function meshLabels(): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'mesh-policy' };
}

function findDestinationRule(chart: Chart, service: string, ns: string): ApiObject | undefined {
  const hosts = [service, `${service}.${ns}`, `${service}.${ns}.svc`, `${service}.${ns}.svc.cluster.local`];
  for (const c of chart.node.findAll()) {
    if (!(c instanceof ApiObject) || c.kind !== 'DestinationRule') continue;
    const json = c.toJson() as { metadata?: { namespace?: string }; spec?: { host?: string } };
    if (json.metadata?.namespace === ns && hosts.includes(json.spec?.host ?? '')) return c;
  }
  return undefined;
}
