// The synthetic workload of the benchmark: one environment, one namespace,
// N Microservices calling each other in a chain. Each service brings what a
// real one brings: ServiceAccount, Deployment, Service, ConfigMap, HPA, PDB,
// a ServiceMonitor and a NetworkPolicy; the namespace gets a default-deny
// policy. Shared by the fast path (bench/synth-app.ts) and the stock cdk8s
// path (the generated main.ts under ts-node), so both render the same objects.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { ServiceMonitor } from '../lib/observability/service-monitor';
import { RenderTarget } from '../lib/synth';
import { Microservice } from '../lib/workloads/microservice';

export const BENCH_ENV = 'bench';
export const BENCH_NAMESPACE = 'bench';

export interface SyntheticChartProps {
  /** Number of Microservices. */
  readonly services: number;
}

/** N chained services in one namespace. */
export class SyntheticChart extends Chart {
  constructor(scope: Construct, id: string, props: SyntheticChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const ns = BENCH_NAMESPACE;
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const width = String(props.services).length;
    const name = (i: number) => `svc-${String(i).padStart(width, '0')}`;
    for (let i = 0; i < props.services; i++) {
      const svc = new Microservice(this, name(i), {
        namespace: ns,
        partOf: 'bench',
        image: { repository: `registry.example.com/bench/${name(i)}`, tag: 'v1.0.0' },
        metricsPort: 9090,
        autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
        config: { LOG_LEVEL: 'info', UPSTREAM: i + 1 < props.services ? `http://${name(i + 1)}:8080` : '' },
      });
      new ServiceMonitor(svc, 'Monitor', {
        name: svc.name,
        namespace: ns,
        selector: svc.selectorLabels,
        endpoints: [{ port: 'metrics' }],
      });
      // Plain L1 object: the service graph constructs (lib/security) derive
      // these from declared connections; here the shape is what matters.
      const from = i > 0 ? [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name(i - 1) } } }] : [];
      const to = i + 1 < props.services ? [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name(i + 1) } } }] : [];
      new k8s.KubeNetworkPolicy(svc, 'NetworkPolicy', {
        metadata: { name: svc.name, namespace: ns, labels: { 'app.kubernetes.io/name': svc.name } },
        spec: {
          podSelector: { matchLabels: svc.selectorLabels },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            ...(from.length ? [{ from, ports: [{ port: k8s.IntOrString.fromString('http'), protocol: 'TCP' }] }] : []),
            {
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
              ports: [{ port: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
            },
          ],
          egress: [
            ...(to.length ? [{ to, ports: [{ port: k8s.IntOrString.fromNumber(8080), protocol: 'TCP' }] }] : []),
            {
              to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
              ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' }],
            },
          ],
        },
      });
    }
  }
}

/** The render targets of the synthetic environment: everything under `bench/app/`. */
export function syntheticTargets(services: number, app: App = new App()): RenderTarget[] {
  return [{ dir: `${BENCH_ENV}/app`, chart: new SyntheticChart(app, 'app', { services }) }];
}
