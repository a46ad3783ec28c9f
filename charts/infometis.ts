// InfoMetis: ../shared/seeds/000_b6a2db994fa10b80.txt ("InfoMetis Deployment Strategy").
//
// "Core Service Layer": NiFi, Kafka, Elasticsearch and Grafana are
// environment-agnostic: this chart renders them from the same code with the
// same settings everywhere, and `npm run parity` proves the objects identical
// across environments except at the border ("Border Adaptation Layer":
// ingress, TLS, authentication, resource limits and scaling), which is all an
// environment file may change.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as st from '../imports/traefik-serverstransport-traefik.io';
import { EnvironmentConfig, SystemConfig, tierRules } from '../app/config';
import { AcmeSolverAccess } from '../lib/border/acme-solver-access';
import { CertificateIssuer } from '../lib/border/certificate-issuer';
import { TraefikAuth, TraefikRoute } from '../lib/border/traefik-route';
import { PropsError } from '../lib/core/errors';
import { MANAGED_BY } from '../lib/core/labels';
import { KafkaCluster } from '../lib/data/kafka';
import { Nifi } from '../lib/data/nifi';
import { Grafana } from '../lib/platform/grafana';
import { TraefikController } from '../lib/platform/traefik';
import { ExternalPeer, Peer } from '../lib/security/peer';
import { environmentTlsIssuer } from '../app/adapters/border';
import { elasticsearchFromConfig } from '../app/adapters/elasticsearch';
import { callsKubeApi, componentPeer, scrape, storedSecret, SystemBase } from '../app/adapters/system';
import { SystemScaffold } from './system-scaffold';

export interface InfoMetisChartProps {
  readonly env: EnvironmentConfig;
  readonly system: SystemConfig;
}

export class InfoMetisChart extends Chart {
  constructor(scope: Construct, id: string, props: InfoMetisChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { env, system } = props;
    // "Production Environments": independent-cluster mode owns its namespace;
    // shared-cluster mode renders only inside the assigned one (SystemScaffold).
    const base = new SystemScaffold(this, id, env, system);
    const c = base.components;
    const g = base.graph;

    // "Internal Networking": clear text inside, standard service discovery.
    const { es, peer: esPeer } = elasticsearchFromConfig(base, this);

    // Kafka in KRaft mode (no ZooKeeper); the cluster id comes from the secret store.
    storedSecret(base, this, 'kafka-cluster-id', { 'cluster-id': { key: 'kafka', property: 'cluster-id' } });
    const kafka = c.kafka ?? {};
    new KafkaCluster(this, 'kafka', {
      name: 'kafka',
      namespace: base.namespace,
      partOf: id,
      roles: { type: 'combined', replicas: kafka.replicas ?? 1 },
      clusterId: { secret: 'kafka-cluster-id', key: 'cluster-id' },
      image: kafka.image,
      resources: kafka.resources,
      storage: kafka.storage,
      settings: kafka.retention ? { 'log.retention.ms': retentionMillis(kafka.retention) } : undefined,
      metrics: { serviceMonitor: base.prometheus !== undefined },
    });
    const kafkaPeer = componentPeer(base, 'kafka', { client: 9092, controller: 9093, metrics: 5556 }, 'broker');
    g.add(kafkaPeer);
    g.connectWithin(kafkaPeer, ['client', 'controller']);
    scrape(base, kafkaPeer);

    // NiFi: the data flows between Kafka and Elasticsearch. One node (a
    // cluster needs a shared keystore); its login and flow-encryption key come
    // from the secret store; the public host is its web proxy host.
    const nifiCfg = c.nifi ?? {};
    storedSecret(base, this, 'nifi-admin', { username: { key: 'nifi', property: 'username' }, password: { key: 'nifi', property: 'password' } });
    storedSecret(base, this, 'nifi-sensitive-key', { key: { key: 'nifi', property: 'sensitive-properties-key' } });
    new Nifi(this, 'nifi', {
      name: 'nifi',
      namespace: base.namespace,
      partOf: id,
      replicas: nifiCfg.replicas,
      sensitivePropertiesKey: { secret: 'nifi-sensitive-key', key: 'key' },
      adminCredentials: { secret: 'nifi-admin' },
      proxyHosts: nifiCfg.expose ? [nifiCfg.expose.host] : undefined,
      image: nifiCfg.image,
      resources: nifiCfg.resources,
      storage: nifiCfg.storage,
      metrics: { serviceMonitor: base.prometheus !== undefined },
    });
    const nifiPeer = componentPeer(base, 'nifi', { https: 8443, metrics: 5556 });
    g.connect(nifiPeer, kafkaPeer, 'client').connect(nifiPeer, esPeer, 'http');
    scrape(base, nifiPeer);

    // Grafana: dashboards over the Elasticsearch data.
    const grafanaCfg = c.grafana ?? {};
    storedSecret(base, this, 'grafana-admin', { username: { key: 'grafana', property: 'username' }, password: { key: 'grafana', property: 'password' } });
    new Grafana(this, 'grafana', {
      name: 'grafana',
      namespace: base.namespace,
      partOf: id,
      adminCredentials: { secret: 'grafana-admin' },
      datasources: [{ type: 'elasticsearch', name: 'Elasticsearch', url: es.url, index: '*', isDefault: true }],
      rootUrl: grafanaCfg.expose ? `${env.border?.tls ? 'https' : 'http'}://${grafanaCfg.expose.host}/` : undefined,
      image: grafanaCfg.image,
      resources: grafanaCfg.resources,
      storage: grafanaCfg.storage,
      metrics: { serviceMonitor: base.prometheus !== undefined },
    });
    const grafanaPeer = componentPeer(base, 'grafana', { http: 3000 });
    g.connect(grafanaPeer, esPeer, 'http');
    scrape(base, grafanaPeer, 'http');

    // "Border Security": all external traffic through Traefik, TLS and
    // authentication outside development.
    this.border(base, [
      { name: 'nifi', peer: nifiPeer, port: 'https', host: nifiCfg.expose?.host, tlsBackend: true },
      { name: 'grafana', peer: grafanaPeer, port: 'http', host: grafanaCfg.expose?.host },
    ]);
    base.finish();
  }

  /**
   * Traefik: our own controller where we own the cluster (`components.traefik`),
   * the cluster's otherwise; an IngressRoute per exposed service with the
   * environment's TLS issuer and authentication.
   */
  private border(base: SystemBase, routes: { name: string; peer: Peer; port: string; host?: string; tlsBackend?: boolean }[]): void {
    const env = base.env;
    const tc = base.components.traefik;
    const tls = environmentTlsIssuer(env);
    let controller: Peer;
    let ingressClassName: string;
    if (tc) {
      const traefik = new TraefikController(this, 'traefik', {
        name: 'traefik',
        namespace: base.namespace,
        partOf: base.partOf,
        replicas: tc.replicas,
        // The class is named after the namespace: another controller on the
        // cluster never picks these routes up, and the cluster-scoped
        // IngressClass never collides with another environment's.
        ingressClassName: `${base.namespace}-traefik`,
        exposure: typeof tc.exposure === 'object' ? tc.exposure : { type: tc.exposure ?? 'LoadBalancer' },
        redirectToHttps: tls !== undefined,
        image: tc.image,
        resources: tc.resources,
        metrics: { serviceMonitor: base.prometheus !== undefined },
      });
      ingressClassName = traefik.ingressClassName;
      controller = componentPeer(base, 'traefik', { web: 8000, websecure: 8443, metrics: 9100 });
      base.graph.add(controller);
      // Its LoadBalancer/NodePort Service is the system's front door: clients
      // (SNAT'ed to node addresses, or with their own) come from anywhere.
      const clients = ExternalPeer.addresses({ name: 'clients', cidrs: ['0.0.0.0/0'], ports: {} });
      base.graph.connect(clients, controller, 'web', 'expose').connect(clients, controller, 'websecure', 'expose');
      scrape(base, controller);
      // It watches Ingresses, IngressRoutes and endpoints through the API.
      callsKubeApi(base, controller);
    } else {
      // Shared cluster: the owners' controller (environment `border.controller`).
      const b = env.border;
      controller = ExternalPeer.pods({
        name: 'ingress-controller',
        namespace: b?.controller?.namespace ?? 'traefik',
        labels: b?.controller?.labels ?? { 'app.kubernetes.io/name': 'traefik' },
      });
      ingressClassName = b?.className ?? 'traefik';
    }
    const t = env.border?.tls;
    if (t?.issuerKind === 'Issuer' && t.acme) {
      // A namespaced Issuer lives with the Certificates that use it: nobody
      // else creates it in our namespace. HTTP-01 through the controller that
      // serves the routes.
      new CertificateIssuer(this, 'tls-issuer', {
        name: t.issuer,
        namespace: base.namespace,
        source: { kind: 'acme', email: t.acme.email, server: t.acme.server, solver: { kind: 'http01', ingressClassName } },
      });
    }
    if (!tls && tierRules(env.environment.tier).tlsRequired && routes.some((r) => r.host)) {
      throw new PropsError(this, 'border.tls', undefined, `a cert-manager issuer in the environment's border: TLS is required outside development (tier ${env.environment.tier})`);
    }
    const auth = this.auth(base);
    for (const r of routes) {
      if (!r.host) continue;
      if (r.tlsBackend) {
        // NiFi serves only HTTPS with the certificate it generates itself; the
        // hop from the controller stays inside the namespace's policies.
        new st.ServersTransport(this, `${r.name}-transport`, {
          metadata: { name: r.name, namespace: base.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY }, annotations: { 'kubernetes.io/ingress.class': ingressClassName } },
          spec: { insecureSkipVerify: true, serverName: `${r.name}.${base.namespace}.svc` },
        });
      }
      new TraefikRoute(this, `Border-${r.name}`, {
        name: r.name,
        namespace: base.namespace,
        host: r.host,
        serviceName: r.name,
        servicePortName: r.port,
        servicePort: r.peer.ports[r.port],
        tls,
        auth,
        rateLimit: env.border?.rateLimit,
        ingressClassName,
        upstream: r.tlsBackend ? { scheme: 'https', serversTransport: r.name } : undefined,
      });
      base.graph.expose(r.peer, r.port, controller);
      // cert-manager proves the host over HTTP-01 through the same controller.
      if (tls) AcmeSolverAccess.ensure(this, { namespace: base.namespace, controller });
    }
  }

  /** `borderAuth`: basic auth from the secret store's htpasswd lines, or an auth service. */
  private auth(base: SystemBase): TraefikAuth | undefined {
    const a = base.system.borderAuth;
    if (!a) return undefined;
    if (a.type === 'forward') return { forwardAuthUrl: a.url };
    storedSecret(base, this, 'border-auth', { users: { key: 'border-auth', property: 'users' } });
    return { basicAuthSecret: 'border-auth' };
  }
}

/** Milliseconds of a duration such as "7d" or "12h" (Kafka's log.retention.ms). */
function retentionMillis(d: string): number {
  const unit: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)([smhdwy])/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
