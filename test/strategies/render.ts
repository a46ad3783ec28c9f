import { Chart, Testing } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { DeploymentStrategy } from '../../lib/strategies/strategy';
import { Microservice, MicroserviceProps } from '../../lib/workloads/microservice';
import { testChart } from '../helpers/chart';

export const IMAGE = { repository: 'registry.example.com/user-service', tag: 'v1.2.0' };

export type Obj = Record<string, any>;

/** Renders one Microservice with `strategy` (and optionally a stable Ingress for NGINX routing). */
export function render(strategy: DeploymentStrategy, props: Partial<MicroserviceProps> = {}, extra?: (chart: Chart) => void) {
  const chart = testChart();
  const svc = new Microservice(chart, 'user-service', { namespace: 'shop', image: IMAGE, replicas: 5, metricsPort: 9090, ...props, strategy });
  extra?.(chart);
  const objects = Testing.synth(chart) as Obj[];
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const get = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}; have ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
    return o;
  };
  return { chart, svc, objects, all, get };
}

/** The Ingress another construct (the border) would render in front of the service. */
export function stableIngress(chart: Chart, name = 'user-service', service = 'user-service'): void {
  new k8s.KubeIngress(chart, `Ingress-${name}`, {
    metadata: { name, namespace: 'shop' },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: 'users.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 8080 } } } }] } }],
    },
  });
}

/** Runs `fn` and returns the PropsError message (fails the test if nothing is thrown). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}
