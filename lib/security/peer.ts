/** Transport protocol of a port, as NetworkPolicy and Service spell it. */
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * Anything that takes part in the service graph: a set of pods (or an address
 * range) with named ports. Workload constructs implement it (`Microservice`,
 * catalog StatefulSets); pods we do not render (ingress controller,
 * Prometheus, kube-dns) and endpoints outside the cluster are `ExternalPeer`s.
 *
 * To take part, a construct needs: `name` (stable, used in policy names and
 * diagrams), `namespace`, `selectorLabels` (exactly the labels its pods carry
 * and its Service selects), and `ports` keyed by the container port *names*.
 */
export interface Peer {
  /** Stable readable name, e.g. `user-service`. */
  readonly name: string;
  /** Namespace of the pods; undefined for address ranges outside the cluster. */
  readonly namespace?: string;
  /** Labels selecting the pods; undefined for address ranges. */
  readonly selectorLabels?: Readonly<Record<string, string>>;
  /** Named ports of the pods (name -> number). */
  readonly ports: Readonly<Record<string, number>>;
  /** Protocol per port name. @default TCP for every port */
  readonly portProtocols?: Readonly<Record<string, PortProtocol>>;
  /** ServiceAccount of the pods, for mesh identities. @default unknown (not in the mesh) */
  readonly serviceAccountName?: string;
  /** Name of the Service in front of the pods. @default none */
  readonly serviceName?: string;
  /** Address ranges for peers outside the cluster (instead of namespace + labels). @default none */
  readonly cidrs?: readonly string[];
}

/** Options of a peer whose pods run in the cluster but are not rendered here. */
export interface ExternalPodsOptions {
  /** Name used in policy names and diagrams, e.g. `ingress-nginx`. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Ports we connect to on those pods (numbers: we do not know how they name them). @default none */
  readonly ports?: Readonly<Record<string, number>>;
  /** @default TCP for every port */
  readonly portProtocols?: Readonly<Record<string, PortProtocol>>;
  /** ServiceAccount of the pods when they are in the mesh. @default not in the mesh */
  readonly serviceAccountName?: string;
}

/** Options of an endpoint outside the cluster (a managed database, an API). */
export interface ExternalAddressOptions {
  readonly name: string;
  /** CIDR blocks, e.g. ["10.0.100.0/24"]. */
  readonly cidrs: readonly string[];
  readonly ports: Readonly<Record<string, number>>;
}

/**
 * A peer we do not render: pods of another team or the platform, or an
 * address range. Only its side is known, so policies address it by numeric
 * port; our own pods are always addressed by named port.
 */
export class ExternalPeer implements Peer {
  /** Pods in the cluster that another chart or the platform runs. */
  public static pods(o: ExternalPodsOptions): ExternalPeer {
    return new ExternalPeer({
      name: o.name,
      namespace: o.namespace,
      selectorLabels: { ...o.labels },
      ports: { ...(o.ports ?? {}) },
      portProtocols: o.portProtocols,
      serviceAccountName: o.serviceAccountName,
    });
  }

  /** An address range outside the cluster. */
  public static addresses(o: ExternalAddressOptions): ExternalPeer {
    return new ExternalPeer({ name: o.name, cidrs: [...o.cidrs], ports: { ...o.ports } });
  }

  /** The cluster DNS (kube-system, `k8s-app: kube-dns`, 53 UDP and TCP): every pod needs it. */
  public static kubeDns(): ExternalPeer {
    return ExternalPeer.pods({
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      ports: { dns: 53, 'dns-tcp': 53 },
      portProtocols: { dns: 'UDP', 'dns-tcp': 'TCP' },
    });
  }

  public readonly name: string;
  public readonly namespace?: string;
  public readonly selectorLabels?: Readonly<Record<string, string>>;
  public readonly ports: Readonly<Record<string, number>>;
  public readonly portProtocols?: Readonly<Record<string, PortProtocol>>;
  public readonly serviceAccountName?: string;
  public readonly cidrs?: readonly string[];

  private constructor(p: Peer) {
    this.name = p.name;
    this.namespace = p.namespace;
    this.selectorLabels = p.selectorLabels;
    this.ports = p.ports;
    this.portProtocols = p.portProtocols;
    this.serviceAccountName = p.serviceAccountName;
    this.cidrs = p.cidrs;
  }
}

export function protocolOf(peer: Peer, port: string): PortProtocol {
  return peer.portProtocols?.[port] ?? 'TCP';
}

/** The Istio identity of a peer's pods, when known. */
export function principalOf(peer: Peer, trustDomain = 'cluster.local'): string | undefined {
  return peer.serviceAccountName && peer.namespace ? `${trustDomain}/ns/${peer.namespace}/sa/${peer.serviceAccountName}` : undefined;
}
