import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import * as sec from '../../imports/istio-security.istio.io';
import { MANAGED_BY } from '../core/labels';
import { ExternalPeer, Peer } from '../security/peer';
import { peerSelectors, ServiceGraph } from '../security/service-graph';

/** Labels cert-manager puts on every HTTP-01 solver pod. */
export const ACME_HTTP01_SOLVER_LABELS: Readonly<Record<string, string>> = { 'acme.cert-manager.io/http01-solver': 'true' };
/** The port the solver pods listen on (container port `http`). */
export const ACME_HTTP01_SOLVER_PORT = 8089;

export interface AcmeSolverAccessProps {
  /** The namespace of the Certificates (cert-manager runs the solver pods there). */
  readonly namespace: string;
  /** The controller that serves the certificates' hosts, and so forwards Let's Encrypt's challenge requests. */
  readonly controller: Peer;
}

/**
 * Lets the ingress controller reach cert-manager's HTTP-01 solver pods in a
 * namespace with default-deny: a NetworkPolicy for the solver pods, the
 * controller's egress when we render it, and, where the namespace injects
 * sidecars, Istio allowances for the solver port. cert-manager annotates
 * solver pods `sidecar.istio.io/inject: "false"` by default, so the Istio part
 * only matters when an issuer's podTemplate asks for a sidecar; it is rendered
 * so the challenge works with either issuer setting.
 *
 * Use `AcmeSolverAccess.ensure`: one per namespace and controller.
 */
export class AcmeSolverAccess extends Construct {
  /** The access for `namespace` and `controller` in the chart of `scope`, created on first use. */
  public static ensure(scope: Construct, props: AcmeSolverAccessProps): AcmeSolverAccess {
    const chart = Chart.of(scope);
    const existing = chart.node.children.filter((c): c is AcmeSolverAccess => c instanceof AcmeSolverAccess);
    const same = existing.find((a) => a.namespace === props.namespace && a.controller === props.controller);
    if (same) return same;
    // Stable ids (GitOps diffs, parity): the first access of a chart is `AcmeSolverAccess`.
    return new AcmeSolverAccess(chart, existing.length === 0 ? 'AcmeSolverAccess' : `AcmeSolverAccess-${existing.length + 1}`, props);
  }

  /** The solver pods as a peer (not rendered here: cert-manager creates them per challenge). */
  public readonly solver: ExternalPeer;

  private constructor(scope: Construct, id: string, props: AcmeSolverAccessProps) {
    super(scope, id);
    const ns = props.namespace;
    this.solver = ExternalPeer.pods({ name: 'acme-http01-solver', namespace: ns, labels: ACME_HTTP01_SOLVER_LABELS, ports: { http: ACME_HTTP01_SOLVER_PORT } });
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'network-policy' };
    this.namespace = ns;
    this.controller = props.controller;
    const sameNamespace = Chart.of(this).node.children.filter((c) => c instanceof AcmeSolverAccess && c !== this && c.namespace === ns).length;
    const name = sameNamespace === 0 ? 'allow-acme-http01-solver' : `allow-acme-http01-solver-${props.controller.name}`;
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { ...ACME_HTTP01_SOLVER_LABELS } },
        policyTypes: ['Ingress'],
        ingress: [{ from: peerSelectors(props.controller, ns), ports: [{ port: k8s.IntOrString.fromNumber(ACME_HTTP01_SOLVER_PORT), protocol: 'TCP' }] }],
      },
    });
    // Our own controller (a Traefik the platform runs itself) is held by its egress policy too.
    const graph = ServiceGraph.tryOf(this);
    if (graph?.isInternal(props.controller)) graph.connect(props.controller, this.solver, 'http', 'expose');

    if (sameNamespace === 0 && namespaceInjectsSidecars(Chart.of(this), ns)) {
      const meshLabels = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'mesh-policy' };
      const selector = { matchLabels: { ...ACME_HTTP01_SOLVER_LABELS } };
      // The challenge arrives as plain HTTP from a controller that may have no sidecar.
      new sec.PeerAuthentication(this, 'PeerAuthentication', {
        metadata: { name: 'acme-http01-solver', namespace: ns, labels: meshLabels },
        spec: { selector, mtls: { mode: sec.PeerAuthenticationSpecMtlsMode.PERMISSIVE } },
      });
      new sec.AuthorizationPolicy(this, 'AuthorizationPolicy', {
        metadata: { name: 'acme-http01-solver', namespace: ns, labels: meshLabels },
        spec: { selector, action: sec.AuthorizationPolicySpecAction.ALLOW, rules: [{ to: [{ operation: { ports: [String(ACME_HTTP01_SOLVER_PORT)] } }] }] },
      });
    }
  }

  private readonly namespace: string;
  private readonly controller: Peer;
}

/** Whether the chart renders `namespace` with sidecar injection. */
function namespaceInjectsSidecars(chart: Chart, namespace: string): boolean {
  return chart.node.findAll().some((c) => {
    if (!(c instanceof ApiObject) || c.kind !== 'Namespace' || c.metadata.name !== namespace) return false;
    return c.metadata.getLabel('istio-injection') === 'enabled';
  });
}
