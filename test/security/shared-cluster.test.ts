import { App, Chart, Testing } from 'cdk8s';
import { EcosystemChart } from '../../charts/ecosystem';
import { loadEnvironment } from '../../app/config';
import { isClusterScoped, quotaProblems, sharedClusterProblems } from '../../lib/security/shared-cluster';
import { Obj } from './fixtures';

describe('shared-cluster mode', () => {
  test('GIVEN prod switched to shared-cluster mode WHEN the ecosystem renders THEN there is no cluster-scoped object and nothing outside its namespace', () => {
    const prod = loadEnvironment('prod');
    const env = { ...prod, cluster: { ...prod.cluster, mode: 'shared' as const } };
    const chart = new EcosystemChart(new App(), 'ecosystem', { env, system: env.systems.ecosystem! });
    const objs = Testing.synth(chart) as Obj[];
    expect(objs.length).toBeGreaterThan(10);
    expect(objs.filter((o) => isClusterScoped(o)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(sharedClusterProblems(objs, ['ecosystem-prod'])).toEqual([]);
    // The same environment in independent mode owns its Namespace, the Velero
    // Schedule, and Fluent Bit's privileged namespace with its read-only ClusterRole.
    const own = Testing.synth(new EcosystemChart(new App(), 'ecosystem', { env: prod, system: prod.systems.ecosystem! })) as Obj[];
    expect(own.filter((o) => isClusterScoped(o)).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/ecosystem-prod-logging-fluent-bit', 'ClusterRoleBinding/ecosystem-prod-logging-fluent-bit', 'Namespace/ecosystem-prod', 'Namespace/ecosystem-prod-logging',
    ]);
    expect(sharedClusterProblems(own, ['ecosystem-prod'])).toEqual(expect.arrayContaining([
      'Namespace ecosystem-prod: cluster-scoped objects are not allowed in shared-cluster mode (the cluster\'s owners provide them)',
      'Schedule velero/ecosystem-prod: namespace velero is not assigned to us (assigned: ecosystem-prod)',
    ]));
  });

  test('GIVEN cluster-scoped kinds WHEN checked THEN each is reported, as is an object in a foreign namespace', () => {
    const o = (kind: string, name: string, namespace?: string) => ({ apiVersion: 'v1', kind, metadata: { name, namespace } });
    const problems = sharedClusterProblems([o('ClusterIssuer', 'le'), o('ClusterRole', 'r'), o('IngressClass', 'nginx'), o('ConfigMap', 'c', 'other'), o('ConfigMap', 'ok', 'mine')], ['mine']);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['ClusterIssuer le', 'ClusterRole r', 'IngressClass nginx', 'ConfigMap other/c']);
  });

  test('GIVEN a quota too small for the peak of a rollout WHEN checked THEN the overshoot is named; the chart refuses to render', () => {
    const prod = loadEnvironment('prod');
    const system = { ...prod.systems.ecosystem!, quota: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '16', memory: '32Gi' } } };
    const chart = new EcosystemChart(new App(), 'ecosystem', { env: prod, system });
    const objs = chart.node.findAll().filter((c): c is import('cdk8s').ApiObject => (c as any).toJson && (c as any).kind).map((c) => c.toJson()) as Obj[];
    const problems = quotaProblems(objs, 'ecosystem-prod', system.quota);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^namespace ecosystem-prod: requested CPU at peak is \d+m, over the quota of 2000m$/);
    expect(() => Testing.synth(chart as Chart)).toThrow(/^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.quota\.requests\.cpu: expected at least the peak of namespace ecosystem-prod's workloads \(\d+m of requests\.cpu: HPA maxima plus rollout surge, \d+m of it for the Istio sidecars of 23 pods at mesh\.proxy\.requests\.cpu "50m" \(the default\) each\), got "2"; raise systems\.ecosystem\.quota\.requests\.cpu$/);
  });
});
