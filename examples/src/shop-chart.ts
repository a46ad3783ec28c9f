import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { BlueGreenStrategy, CanaryStrategy, ExternalPeer, ExternalSecret, Microservice, Probe, SecretBackend, SecretStore, ServiceGraph, TrafficRouter } from '@platform/manifests';
import { ShopEnvironment } from './environments';

/** The shop system: the same two services in every environment, sized and switched by the environment's values. */
export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, env: ShopEnvironment) {
    super(scope, id, { namespace: env.namespace });

    // Who talks to whom: a default-deny NetworkPolicy for the namespace, DNS for every pod, one policy per service.
    const graph = new ServiceGraph(this, 'ServiceGraph');
    // The database URL lives in Vault; Git holds only the reference, the External Secrets Operator makes the Secret.
    const store = new SecretStore(this, 'SecretStore', {
      namespace: env.namespace,
      backend: SecretBackend.vault({ server: 'https://vault.example.com:8200', path: 'secret', role: 'shop' }),
      keyPrefix: `${env.name}/shop`,
    });
    const ordersDb = new ExternalSecret(this, 'orders-db', { name: 'orders-db', store, data: { url: { key: 'orders-db', property: 'url' } } });

    const orders = new Microservice(this, 'orders', {
      namespace: env.namespace,
      partOf: 'shop',
      image: { repository: 'registry.example.com/shop/orders', tag: env.orders.tag },
      replicas: env.replicas,
      port: 8080,
      metricsPort: 9090,
      readiness: Probe.http('/ready'),
      config: { LOG_LEVEL: 'info' },
      secretEnv: { DATABASE_URL: { secret: ordersDb.secretName, key: 'url' } },
      // Argo Rollouts shifts traffic stage by stage through Istio; with SLO analysis it rolls back on its own.
      strategy: CanaryStrategy.argoRollouts({ stages: env.orders.stages, router: TrafficRouter.istio(), analysis: env.orders.analysis }),
    });

    const payments = new Microservice(this, 'payments', {
      namespace: env.namespace,
      partOf: 'shop',
      image: { repository: 'registry.example.com/shop/payments', tag: env.payments.tags[env.payments.activeColor] },
      replicas: env.replicas,
      port: 8080,
      // Switching colour is a one-line change of activeColor; the idle colour stays up for an instant rollback.
      strategy: BlueGreenStrategy.plain({ activeColor: env.payments.activeColor, tags: env.payments.tags }),
    });

    // orders is the shop's entry point, called by the platform's ingress controller (its Ingress is not in this
    // example); orders charges through payments. A service no one may call is a network/unreachable violation.
    const ingress = ExternalPeer.pods({ name: 'ingress-controller', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } });
    graph.add(orders).add(payments).connect(ingress, orders, 'http').connect(orders, payments, 'http');
  }
}
