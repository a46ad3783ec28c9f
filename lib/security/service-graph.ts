import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { ExternalPeer, Peer, protocolOf } from './peer';

/** Why two peers talk; decides the arrow in diagrams, never what is allowed. */
export type ConnectionKind = 'call' | 'expose' | 'scrape' | 'log' | 'platform';

/** One declared edge: `from` opens connections to the named port `port` of `to`. */
export interface Connection {
  readonly from: Peer;
  readonly to: Peer;
  /** Port name on `to`. */
  readonly port: string;
  readonly kind: ConnectionKind;
}

/** Called for every peer added to the graph (now and later), e.g. by the mesh. */
export type PeerListener = (peer: Peer) => void;

export interface ServiceGraphProps {
  /** The cluster DNS every pod may query, or `false` for none. @default ExternalPeer.kubeDns() */
  readonly dns?: Peer | false;
  /** Render NetworkPolicies (default deny, DNS, one allow policy per peer). @default true */
  readonly networkPolicies?: boolean;
}

const graphs = new WeakMap<Chart, ServiceGraph>();

/**
 * Who talks to whom, declared once per chart; the NetworkPolicies (and the
 * mesh's authorization policies) are derived from it, so nothing talks unless
 * declared. Rendered per namespace of the added peers:
 *
 * - `default-deny`: every pod, ingress and egress, no rule;
 * - `allow-<peer>` for each peer every pod reaches (`kube-dns` by default);
 * - `<peer>`: one policy per added peer with its ingress (who may call it, on
 *   which named port) and egress (whom it calls).
 *
 * Rules are computed when the chart is synthesized, so connections may be
 * declared in any order after the peers exist.
 */
export class ServiceGraph extends Construct {
  /** The graph of the chart `scope` is in; throws when the chart has none. */
  public static of(scope: Construct): ServiceGraph {
    const graph = ServiceGraph.tryOf(scope);
    if (!graph) throw new PropsError(scope, 'service graph', undefined, 'a ServiceGraph in the chart (new ServiceGraph(chart, "ServiceGraph")) before declaring connections');
    return graph;
  }

  /** The graph of the chart `scope` is in, if any. */
  public static tryOf(scope: Construct): ServiceGraph | undefined {
    return graphs.get(Chart.of(scope));
  }

  private readonly internal: Peer[] = [];
  private readonly edges: Connection[] = [];
  private readonly everywhere: { to: Peer; port: string; kind: ConnectionKind }[] = [];
  private readonly listeners: PeerListener[] = [];
  private readonly namespaces = new Map<string, Construct>();
  private readonly renderPolicies: boolean;

  constructor(scope: Construct, id: string, props: ServiceGraphProps = {}) {
    super(scope, id);
    const chart = Chart.of(this);
    if (graphs.has(chart)) throw new PropsError(this, 'ServiceGraph', id, `one graph per chart (${graphs.get(chart)!.node.path} exists)`);
    graphs.set(chart, this);
    this.renderPolicies = props.networkPolicies ?? true;
    const dns = props.dns ?? ExternalPeer.kubeDns();
    if (dns !== false) for (const port of Object.keys(dns.ports)) this.connectAll(dns, port);
  }

  /** Adds pods we render; they get a policy of their own and count as "ours". Idempotent. */
  public add(peer: Peer): this {
    if (this.internal.includes(peer)) return this;
    if (!peer.namespace || !peer.selectorLabels || Object.keys(peer.selectorLabels).length === 0) {
      throw new PropsError(this, `peer ${peer.name}`, peer.selectorLabels, 'a peer with a namespace and non-empty selectorLabels (an address range cannot be rendered)');
    }
    const clash = this.internal.find((p) => p.namespace === peer.namespace && p.name === peer.name);
    if (clash) throw new PropsError(this, `peer ${peer.name}`, peer.namespace, 'a name unique in its namespace (policies are named after peers)');
    this.internal.push(peer);
    if (this.renderPolicies) {
      const ns = this.namespaceScope(peer.namespace);
      this.policy(ns, `Peer-${peer.name}`, peer.name, peer.namespace, { ...peer.selectorLabels }, () => this.rulesOf(peer));
    }
    for (const l of this.listeners) l(peer);
    return this;
  }

  /** Declares that `from` opens connections to `to` on `to`'s named port `port`; adds our side(s) when needed. */
  public connect(from: Peer, to: Peer, port: string, kind: ConnectionKind = 'call'): this {
    if (!(port in to.ports)) {
      throw new PropsError(this, `connection ${from.name} -> ${to.name}`, port, `a port name of ${to.name} (${Object.keys(to.ports).join(', ') || 'it has none'})`);
    }
    if (from === to) throw new PropsError(this, `connection ${from.name} -> ${to.name}`, port, 'two different peers (pods of one cluster talking to each other: connectWithin)');
    if (!this.isInternal(from) && !this.isInternal(to)) {
      if (from instanceof ExternalPeer && to instanceof ExternalPeer) {
        throw new PropsError(this, `connection ${from.name} -> ${to.name}`, port, 'at least one end rendered in this chart');
      }
    }
    for (const p of [from, to]) if (!(p instanceof ExternalPeer)) this.add(p);
    if (!this.edges.some((e) => e.from === from && e.to === to && e.port === port)) this.edges.push({ from, to, port, kind });
    return this;
  }

  /**
   * The pods of one clustered peer talk to each other on `ports` (Elasticsearch
   * transport, Kafka quorum): the rule joins the peer's own policy, and the
   * mesh sees the edge like any other. `connect` refuses a peer to itself,
   * because a single-pod peer needs no rule; a cluster does.
   */
  public connectWithin(peer: Peer, ports: readonly string[], kind: ConnectionKind = 'call'): this {
    if (peer instanceof ExternalPeer) throw new PropsError(this, `connectWithin ${peer.name}`, peer.name, 'pods rendered in this chart (an external peer gets no policy of ours)');
    for (const port of ports) {
      if (!(port in peer.ports)) throw new PropsError(this, `connectWithin ${peer.name}`, port, `a port name of ${peer.name} (${Object.keys(peer.ports).join(', ') || 'it has none'})`);
    }
    this.add(peer);
    for (const port of ports) if (!this.edges.some((e) => e.from === peer && e.to === peer && e.port === port)) this.edges.push({ from: peer, to: peer, port, kind });
    return this;
  }

  /** Every pod we render (now and later) may reach `to` on `port` (DNS, the mesh control plane). */
  public connectAll(to: Peer, port: string, kind: ConnectionKind = 'platform'): this {
    if (!(port in to.ports)) throw new PropsError(this, `connectAll ${to.name}`, port, `a port name of ${to.name}`);
    this.everywhere.push({ to, port, kind });
    if (this.renderPolicies) for (const [ns, scope] of this.namespaces) this.allowEverywherePolicy(scope, ns, to);
    return this;
  }

  /** The border controller forwards external traffic to `peer`'s port. */
  public expose(peer: Peer, port: string, controller: Peer): this {
    return this.connect(controller, peer, port, 'expose');
  }

  /** Prometheus scrapes `peer`'s port. */
  public scrape(peer: Peer, port: string, prometheus: Peer): this {
    return this.connect(prometheus, peer, port, 'scrape');
  }

  /** Runs `listener` for every peer already added and every peer added later. */
  public onPeer(listener: PeerListener): void {
    this.listeners.push(listener);
    for (const p of this.internal) listener(p);
  }

  /** The pods rendered in this chart, in the order added. */
  public peers(): readonly Peer[] {
    return [...this.internal];
  }

  public isInternal(peer: Peer): boolean {
    return this.internal.includes(peer);
  }

  /** Every declared edge, with the "every pod" ones expanded per peer. */
  public connections(): readonly Connection[] {
    const all: Connection[] = [...this.edges];
    for (const e of this.everywhere) for (const p of this.internal) all.push({ from: p, to: e.to, port: e.port, kind: e.kind });
    return all;
  }

  private namespaceScope(namespace: string): Construct {
    let scope = this.namespaces.get(namespace);
    if (scope) return scope;
    scope = new Construct(this, namespace);
    this.namespaces.set(namespace, scope);
    this.policy(scope, 'DefaultDeny', 'default-deny', namespace, {}, () => ({}));
    const added = new Set<Peer>();
    for (const e of this.everywhere) {
      if (added.has(e.to)) continue;
      added.add(e.to);
      this.allowEverywherePolicy(scope, namespace, e.to);
    }
    return scope;
  }

  private allowEverywherePolicy(scope: Construct, namespace: string, to: Peer): void {
    const id = `Allow-${to.name}`;
    if (scope.node.tryFindChild(id)) return;
    this.policy(scope, id, `allow-${to.name}`, namespace, {}, () => ({
      egress: [{ to: peerSelectors(to, namespace), ports: this.everywhere.filter((e) => e.to === to).map((e) => portOf(to, e.port, false)) }],
    }));
  }

  private policy(scope: Construct, id: string, name: string, namespace: string, podSelector: Record<string, string>, rules: () => Pick<k8s.NetworkPolicySpec, 'ingress' | 'egress'>): void {
    // A plain ApiObject with a lazy spec: the typed L1 class converts its
    // props eagerly, before the connections declared later are known.
    new ApiObject(scope, id, {
      apiVersion: k8s.KubeNetworkPolicy.GVK.apiVersion,
      kind: k8s.KubeNetworkPolicy.GVK.kind,
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/component': 'network-policy' },
      },
      spec: Lazy.any({
        produce: () => {
          const r = rules();
          return k8s.toJson_NetworkPolicySpec({
            podSelector: Object.keys(podSelector).length ? { matchLabels: podSelector } : {},
            policyTypes: ['Ingress', 'Egress'],
            ingress: r.ingress?.length ? r.ingress : undefined,
            egress: r.egress?.length ? r.egress : undefined,
          });
        },
      }),
    });
  }

  /** Ingress and egress of one of our peers, one rule per other peer, ports sorted by name. */
  private rulesOf(peer: Peer): Pick<k8s.NetworkPolicySpec, 'ingress' | 'egress'> {
    const ns = peer.namespace!;
    const ingress = groupByPeer(this.edges.filter((e) => e.to === peer), (e) => e.from).map(([other, edges]) => ({
      from: peerSelectors(other, ns),
      ports: edges.map((e) => portOf(peer, e.port, true)),
    }));
    const egress = groupByPeer(this.edges.filter((e) => e.from === peer), (e) => e.to).map(([other, edges]) => ({
      to: peerSelectors(other, ns),
      ports: edges.map((e) => portOf(other, e.port, this.isInternal(other))),
    }));
    return { ingress, egress };
  }
}

function groupByPeer(edges: Connection[], key: (e: Connection) => Peer): [Peer, Connection[]][] {
  const groups = new Map<Peer, Connection[]>();
  for (const e of edges) groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
  const sorted = [...groups.entries()].sort(([a], [b]) => `${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.namespace ?? ''}/${b.name}`));
  return sorted.map(([p, es]) => [p, es.sort((x, y) => x.port.localeCompare(y.port))]);
}

/** Our pods are addressed by port name (it survives renumbering); others' by number (we cannot know their names). */
function portOf(peer: Peer, port: string, named: boolean): k8s.NetworkPolicyPort {
  return {
    port: named ? k8s.IntOrString.fromString(port) : k8s.IntOrString.fromNumber(peer.ports[port]),
    protocol: protocolOf(peer, port),
  };
}

/** The `from`/`to` entries selecting `peer`, seen from a policy in `namespace`. */
export function peerSelectors(peer: Peer, namespace: string): k8s.NetworkPolicyPeer[] {
  if (peer.cidrs) return peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  const podSelector = { matchLabels: { ...peer.selectorLabels } };
  if (peer.namespace === namespace) return [{ podSelector }];
  // kubernetes.io/metadata.name is set by the API server on every namespace (1.22+).
  return [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace! } }, podSelector }];
}
