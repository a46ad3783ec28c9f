// Every object a strategy renders, for every backend and router, checked by
// the project's validation gate: once against the schemas it derives from the
// typed bindings, once against the upstream documents in ../shared (the
// Kubernetes 1.27 definitions and the pinned CRDs), unknown fields rejected.
import { Chart } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { ManifestDocument, validateManifests } from '../../lib/validate';
import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { DeploymentStrategy } from '../../lib/strategies/strategy';
import { TrafficRouter } from '../../lib/strategies/traffic-router';
import { HAS_SHARED, testShared } from '../helpers/shared';
import { loadReferenceCatalog } from '../validate/reference-schema';
import { Obj, render, stableIngress } from './render';

const STAGES = [{ weight: 5, pause: '10m' }, { weight: 25, pause: 'manual' }, { weight: 100 }];
const EVEN = [{ weight: 10, pause: '5m' }, { weight: 50, pause: '5m' }];
// The default Prometheus (prometheus-operated.monitoring) is not rendered here: declared as the cluster's (ref/analysis-provider).
const SLO = { success: { errorRatePercent: 0.1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 1, latencyP95Ms: 1000 }, prometheusProvidedBy: 'kube-prometheus-stack in monitoring' };
const GATEWAY = { gateway: { name: 'public', namespace: 'gateway' } };
const routers = (): Array<[string, TrafficRouter]> => [
  ['istio subset', TrafficRouter.istio()],
  ['istio host', TrafficRouter.istio({ mode: 'host' })],
  ['nginx', TrafficRouter.nginx({ ingress: 'user-service' })],
  ['traefik', TrafficRouter.traefik()],
  ['gateway-api', TrafficRouter.gatewayApi(GATEWAY)],
  ['replicas', TrafficRouter.replicas()],
];

const CASES: Array<[string, DeploymentStrategy]> = [
  ['blue-green plain', BlueGreenStrategy.plain({ activeColor: 'green', tags: { blue: 'v1.1.0' }, standby: 'scale-to-zero' })],
  ['blue-green argo-rollouts', BlueGreenStrategy.argoRollouts({ analysis: SLO, previewReplicas: 2 })],
  ...routers().map(([n, r]): [string, DeploymentStrategy] => [`canary argo-rollouts ${n}`, CanaryStrategy.argoRollouts({ stages: STAGES, router: r, analysis: SLO })]),
  ...routers().filter(([n]) => n !== 'replicas').map(([n, r]): [string, DeploymentStrategy] => [`canary flagger ${n}`, CanaryStrategy.flagger({ stages: EVEN, router: r, analysis: SLO })]),
  ...routers().map(([n, r]): [string, DeploymentStrategy] => [`canary plain ${n}`, CanaryStrategy.plain({ stages: STAGES, router: r, canaryTag: 'v1.3.0', stage: 1 })]),
];

function docs(objects: Obj[]): ManifestDocument[] {
  return objects.map((o) => ({ file: `dist/test/shop/${o.kind}-${o.metadata.name}.yaml`, object: o }));
}

const reference = HAS_SHARED ? loadReferenceCatalog() : undefined;

describe.each(CASES)('%s', (_name, strategy) => {
  // 20 replicas so the replica ratio can carry 5%; every object of the service is checked.
  const { objects } = render(strategy, { replicas: 20 }, (c: Chart) => {
    stableIngress(c);
    // The gate wants every namespace with pods to start from default-deny.
    new k8s.KubeNetworkPolicy(c, 'DefaultDeny', { metadata: { name: 'default-deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    // ... and the controllers of its routes let in (the gate evaluates their required flows).
    new k8s.KubeNetworkPolicy(c, 'AllowControllers', {
      metadata: { name: 'allow-border', namespace: 'shop' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: ['ingress-nginx', 'traefik', 'gateway'].map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })) }],
      },
    });
  });

  test('WHEN validated by the gate THEN there is no violation', () => {
    const report = validateManifests(docs(objects), { environment: 'test' });
    // This fixture has no mesh (no injected namespace): whether callers reach
    // an Istio split through sidecars is the border's concern, checked on
    // dist/ (test/validate/flows.test.ts), not the strategy's.
    const violations = report.violations.filter((v) => v.rule !== 'network/mesh-bypass');
    expect(violations.map((v) => `${v.object.kind}/${v.object.name} ${v.path}: ${v.message}`)).toEqual([]);
  });

  testShared('WHEN checked against the upstream Kubernetes and CRD schemas THEN there is no schema violation', () => {
    const report = validateManifests(docs(objects), { environment: 'test', catalog: reference });
    const schema = report.violations.filter((v) => v.rule.startsWith('schema/'));
    expect(schema.map((v) => `${v.object.kind}/${v.object.name} ${v.path}: ${v.message}`)).toEqual([]);
  });
});

testShared('GIVEN a Rollout with a field its CRD does not have WHEN checked THEN the upstream schema check rejects it (the check has teeth)', () => {
  const { objects } = render(CanaryStrategy.argoRollouts({ stages: STAGES, router: TrafficRouter.istio() }));
  const rollout = objects.find((o) => o.kind === 'Rollout')!;
  rollout.spec.strategy.canary.trafficWeight = 5;
  const report = validateManifests(docs([rollout]), { environment: 'test', catalog: reference });
  expect(report.violations.map((v) => `${v.rule} ${v.path}`)).toContain('schema/unknown-field spec.strategy.canary.trafficWeight');
});
