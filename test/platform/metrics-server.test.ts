// HPAs with resource metrics read metrics.k8s.io, which only metrics-server
// serves: without it they report FailedGetResourceMetric and Argo CD marks
// them Degraded. It is an add-on like the others, and a distribution that
// ships it (k0s, AKS, GKE) provides it.
import * as path from 'path';
import { App } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { clusterFacts, planPlatform, withPlatform } from '../../charts/platform';
import { derivedEnvironment, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { providerOf } from '../../lib/platform/addons';
import { checkCluster } from '../../lib/platform/cluster-gate';
import { testChart } from '../helpers/chart';
import { ROOT } from '../helpers/project';
import { committedGateObjects } from '../helpers/dist';

const load = (env: string) => loadEnvironment(env, { dir: path.join(ROOT, 'environments'), root: ROOT });
const hpa = (apiVersion: string, spec: Record<string, unknown>) => providerOf({ apiVersion, kind: 'HorizontalPodAutoscaler', spec });


/** A target with one CPU-scaled HPA. */
function hpaTarget() {
  const chart = testChart();
  new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
    metadata: { name: 'x', namespace: 'a' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
  });
  return { dir: 'x/a', chart };
}
const onDistribution = (env: EnvironmentConfig, distribution: string, addons?: object): EnvironmentConfig =>
  derivedEnvironment(env, { cluster: { ...env.cluster, distribution: distribution as 'kind' }, platform: addons ? { addons } : undefined });

describe('which HPAs need metrics-server', () => {
  const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } };
  test.each([
    ['autoscaling/v2 with a Resource metric', 'autoscaling/v2', { metrics: [cpu] }, ['metrics-server']],
    ['autoscaling/v2 with a ContainerResource metric', 'autoscaling/v2', { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app' } }] }, ['metrics-server']],
    ['autoscaling/v2 without metrics (defaults to 80% CPU)', 'autoscaling/v2', {}, ['metrics-server']],
    ['autoscaling/v1 (targetCPUUtilizationPercentage)', 'autoscaling/v1', { targetCPUUtilizationPercentage: 50 }, ['metrics-server']],
    ['autoscaling/v2 with only an External metric', 'autoscaling/v2', { metrics: [{ type: 'External', external: {} }] }, []],
  ])('%s', (_name, apiVersion, spec, addons) => {
    expect(hpa(apiVersion, spec)).toEqual({ addons });
  });

  test('the metrics.k8s.io group itself is metrics-server\'s', () => {
    expect(providerOf({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics' })).toEqual({ addons: ['metrics-server'] });
  });
});

describe('metrics-server per cluster distribution', () => {
  test('GIVEN prod (EKS, HPAs) THEN _platform installs metrics-server in kube-system, a destination of the project', () => {
    const objects = committedGateObjects('prod');
    const app = objects.find((o) => o.object.metadata.name === 'metrics-server-prod')!;
    expect(app.object.spec).toMatchObject({ destination: { namespace: 'kube-system' }, source: { chart: 'metrics-server', repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', targetRevision: '3.12.2' } });
    const project = objects.find((o) => o.object.kind === 'AppProject' && o.dir === 'prod/_platform')!;
    expect((project.object.spec as { destinations: Array<{ namespace: string }> }).destinations.map((d) => d.namespace)).toContain('kube-system');
  });

  test('GIVEN prod without its metrics-server Application THEN the cluster gate names every HPA', () => {
    const objects = committedGateObjects('prod').filter((o) => o.object.metadata.name !== 'metrics-server-prod');
    const violations = checkCluster('prod', objects, clusterFacts(load('prod'))).violations;
    expect(violations).toHaveLength(objects.filter((o) => o.object.kind === 'HorizontalPodAutoscaler').length);
    expect(violations[0]).toMatch(/^cluster\/unprovided: .*\(HorizontalPodAutoscaler .*\): needs Kubernetes Metrics Server \(metrics-server\)/);
  });

  test('GIVEN staging (k0s, which ships metrics-server) with HPAs THEN nothing is rendered for it and the gate accepts its HPAs', () => {
    const staging = load('staging');
    expect(staging.cluster.distribution).toBe('k0s');
    const objects = committedGateObjects('staging');
    expect(objects.some((o) => o.object.kind === 'HorizontalPodAutoscaler')).toBe(true);
    expect(objects.some((o) => o.object.metadata.labels?.['platform.dev/addon'] === 'metrics-server')).toBe(false);
    expect(clusterFacts(staging).external).toContain('metrics-server');
    expect(planPlatform(staging, [hpaTarget()])).toMatchObject({ rendered: [], external: ['metrics-server'] });
  });

  test.each(['aks', 'gke'])('GIVEN %s THEN the distribution provides it', (d) => {
    expect(planPlatform(onDistribution(load('prod'), d), [hpaTarget()])).toMatchObject({ rendered: [], external: ['metrics-server'] });
  });

  test('GIVEN k0s with metrics-server declared external: false (disabled component) THEN it is rendered', () => {
    const env = onDistribution(load('staging'), 'k0s', { 'metrics-server': { external: false } });
    expect(planPlatform(env, [hpaTarget()])).toMatchObject({ rendered: ['metrics-server'], external: [] });
    expect(clusterFacts(env).external).not.toContain('metrics-server');
  });

  test('GIVEN kind THEN metrics-server is rendered and skips verifying the kubelets\' self-signed certificates', () => {
    const env = onDistribution(load('dev'), 'kind');
    const targets = withPlatform(env, [hpaTarget()], new App());
    const app = targets[1].chart.toJson().find((o: { kind: string }) => o.kind === 'Application') as { spec: { source: { helm: { valuesObject: unknown } } } };
    expect(app.spec.source.helm.valuesObject).toEqual({ args: ['--kubelet-insecure-tls'] });
  });

  test('GIVEN EKS THEN no kind-only values', () => {
    const targets = withPlatform(load('prod'), [hpaTarget()], new App());
    const app = targets[1].chart.toJson().find((o: { kind: string; metadata: { name: string } }) => o.metadata.name === 'metrics-server-prod') as { spec: { source: { helm?: unknown } } };
    expect(app.spec.source.helm).toMatchObject({ releaseName: 'metrics-server' });
    expect((app.spec.source.helm as { valuesObject?: unknown }).valuesObject).toBeUndefined();
  });
});
