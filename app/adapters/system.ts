// What every system adapter reads: the system's namespace, components, secret
// store, service graph and the platform peers of its environment, plus the
// small helpers the component adapters share (a component as a graph peer, a
// stored secret, a scrape, a call to the Kubernetes API).
import { Construct } from 'constructs';
import { ComponentsConfig, EnvironmentConfig, ExternalEndpointConfig, SystemConfig } from '../config';
import { selectorLabels } from '../../lib/core/labels';
import { ExternalSecret, RemoteValue } from '../../lib/security/external-secret';
import { ExternalPeer, Peer } from '../../lib/security/peer';
import { SecretBackend, SecretStore } from '../../lib/security/secret-store';
import { ServiceGraph } from '../../lib/security/service-graph';

/** What a system chart builds on. */
export interface SystemBase {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
  /** The system's key under `systems:` (used as `app.kubernetes.io/part-of`). */
  readonly partOf: string;
  readonly namespace: string;
  readonly components: ComponentsConfig;
  /** True in shared-cluster mode: nothing cluster-scoped is rendered. */
  readonly shared: boolean;
  readonly graph: ServiceGraph;
  readonly store: SecretStore;
  /** The ingress controller's pods, when the environment names them. */
  readonly ingressController?: Peer;
  /** Prometheus' pods, when the environment names them. */
  readonly prometheus?: Peer;
}

/** The environment's secret backend with this system's identity: its override, or the environment's (with "{namespace}" per system). */
export function secretBackendOf(env: EnvironmentConfig, system: SystemConfig): SecretBackend {
  const s = env.security?.secretStore;
  const own = system.secretStoreIdentity;
  if (!s || s.kind === 'local') return SecretBackend.local();
  if (s.kind === 'vault') return SecretBackend.vault({ server: s.server, path: s.path, version: s.version, role: own ?? s.role, authMountPath: s.authMountPath });
  return SecretBackend.awsSecretsManager({ region: s.region, roleArn: own ?? s.roleArn });
}

/** A Secret the External Secrets Operator fills from the system's store (`<env>/<system>/<key>`). */
export function storedSecret(base: SystemBase, scope: Construct, name: string, data: Record<string, RemoteValue>, id: string = name): ExternalSecret {
  return new ExternalSecret(scope, id, { name, store: base.store, data });
}

/** Pods of a catalog component as a service-graph peer (components select their pods by name and instance). */
export function componentPeer(base: SystemBase, name: string, ports: Record<string, number>, component?: string): Peer {
  const labels = { ...selectorLabels({ name }), ...(component ? { 'app.kubernetes.io/component': component } : {}) };
  return { name: component && component !== 'primary' ? `${name}-${component}` : name, namespace: base.namespace, selectorLabels: labels, ports };
}

/** A managed endpoint outside the cluster as a peer: its port, anywhere (the address is the provider's). */
export function managedPeer(name: string, portName: string, e: ExternalEndpointConfig, defaultPort: number): Peer {
  return ExternalPeer.addresses({ name: `${name}-managed`, cidrs: ['0.0.0.0/0'], ports: { [portName]: e.port ?? defaultPort } });
}

/** The SecretStore reference external mode hands to ExternalService. */
export function storeRef(base: SystemBase) {
  return { name: base.store.name, kind: 'SecretStore' as const };
}

/** Prometheus scrapes the peer's `metrics` port, when the environment names Prometheus. */
export function scrape(base: SystemBase, peer: Peer, port = 'metrics'): void {
  if (base.prometheus) base.graph.scrape(peer, port, base.prometheus);
}

/**
 * The Kubernetes API server as a peer: `cluster.apiServer` where the
 * environment names its addresses, otherwise any address on the usual API
 * ports (443 managed control planes, 6443 kubeadm, kind, k0s), since a policy
 * cannot name the API server otherwise.
 */
export function kubeApiPeer(env: EnvironmentConfig): Peer {
  const a = env.cluster.apiServer;
  const ports = a?.ports ?? [443, 6443];
  return ExternalPeer.addresses({ name: 'kube-apiserver', cidrs: a?.cidrs ?? ['0.0.0.0/0'], ports: Object.fromEntries(ports.map((p) => [`api-${p}`, p])) });
}

/** Lets `peer` (which reads the API with its ServiceAccount) reach the API server. */
export function callsKubeApi(base: SystemBase, peer: Peer): void {
  const api = kubeApiPeer(base.env);
  for (const port of Object.keys(api.ports)) base.graph.connect(peer, api, port, 'platform');
}
