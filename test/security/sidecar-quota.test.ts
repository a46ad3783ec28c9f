// Istio sidecars count against a namespace's ResourceQuota: every pod of an
// injected namespace gets istio-proxy and an init container (istio-init, or
// istio-validation with the CNI plugin), at the resources istiod is given.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { parse } from 'yaml';
import { environmentTargets, SYSTEMS } from '../../charts';
import { withPlatform } from '../../charts/platform';
import { sidecarInjectionOf, sidecarResourcesOf } from '../../app/adapters/mesh';
import { ConfigError, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { ManifestObject, namespaceUsage, quotaFindings } from '../../lib/security/shared-cluster';
import { DEFAULT_SIDECAR_RESOURCES, injectedPod, podAmounts, SidecarInjection } from '../../lib/security/sidecar-injection';
import { MESH_NATIVE_SIDECARS_ANNOTATION } from '../../lib/security/system-namespace';
import { ROOT } from '../helpers/project';

const PROXY = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const classic: SidecarInjection = { proxy: PROXY, nativeSidecars: false };
const native: SidecarInjection = { proxy: PROXY, nativeSidecars: true };
const Mi = 2 ** 20;

const container = (cpu: string, memory: string, limitCpu: string, limitMemory: string, restartPolicy?: string) => ({
  resources: { requests: { cpu, memory }, limits: { cpu: limitCpu, memory: limitMemory } }, ...(restartPolicy ? { restartPolicy } : {}),
});

function deployment(name: string, replicas: number, template: object, extra: object = {}): ManifestObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ns' }, spec: { replicas, template, ...extra } };
}

function objectsOf(chart: { node: { findAll(): unknown[] } }): ManifestObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson() as ManifestObject);
}

const stagingEcosystem = (env: EnvironmentConfig) => objectsOf(SYSTEMS.ecosystem(new App(), 'ecosystem', env, env.systems.ecosystem!));

describe('what a pod counts against a quota', () => {
  test('GIVEN an init container larger than the app containers THEN the pod counts the init container (effective request = max(largest init, sum of containers))', () => {
    const pod = { spec: { initContainers: [container('2', '1Gi', '4', '2Gi')], containers: [container('100m', '128Mi', '200m', '256Mi'), container('100m', '128Mi', '200m', '256Mi')] } };
    expect(podAmounts(pod)).toEqual({ requests: { cpuMillis: 2000, memoryBytes: 1024 * Mi }, limits: { cpuMillis: 4000, memoryBytes: 2048 * Mi } });
    // Per resource: a small init container does not hide the containers' sum.
    const mixed = { spec: { initContainers: [container('1', '10Mi', '1', '10Mi')], containers: [container('200m', '512Mi', '400m', '1Gi')] } };
    expect(podAmounts(mixed)).toEqual({ requests: { cpuMillis: 1000, memoryBytes: 512 * Mi }, limits: { cpuMillis: 1000, memoryBytes: 1024 * Mi } });
  });

  test('GIVEN sidecar init containers (restartPolicy Always) THEN they run alongside the containers and the init containers after them', () => {
    const pod = { spec: {
      initContainers: [container('100m', '64Mi', '500m', '256Mi', 'Always'), container('300m', '64Mi', '300m', '64Mi')],
      containers: [container('100m', '64Mi', '100m', '64Mi')],
    } };
    // The regular init runs with the sidecar before it: 100m + 300m; the containers with it: 100m + 100m.
    expect(podAmounts(pod)).toEqual({ requests: { cpuMillis: 400, memoryBytes: 128 * Mi }, limits: { cpuMillis: 800, memoryBytes: 320 * Mi } });
  });
});

describe('the injected pod', () => {
  const app = { metadata: { labels: { app: 'x' } }, spec: { initContainers: [container('1', '256Mi', '1', '256Mi')], containers: [container('200m', '256Mi', '1', '1Gi')] } };

  test('GIVEN classic sidecars THEN the proxy joins the containers and its init container runs first, both at the proxy\'s resources', () => {
    const pod = injectedPod(app, classic);
    expect(pod.spec!.initContainers!.map((c) => [c.resources, c.restartPolicy])).toEqual([[PROXY, undefined], [app.spec.initContainers[0].resources, undefined]]);
    expect(pod.spec!.containers!.map((c) => c.resources)).toEqual([app.spec.containers[0].resources, PROXY]);
    // The app's 1-CPU init container runs alone: max(1000m, 200m + 100m).
    expect(podAmounts(pod).requests.cpuMillis).toBe(1000);
    expect(podAmounts(pod).limits).toEqual({ cpuMillis: 2000, memoryBytes: 1536 * Mi });
  });

  test('GIVEN native sidecars THEN the proxy is a sidecar init container, so the app\'s init container runs beside it', () => {
    const pod = injectedPod(app, native);
    expect(pod.spec!.initContainers!.map((c) => c.restartPolicy)).toEqual([undefined, 'Always', undefined]);
    expect(pod.spec!.containers).toHaveLength(1);
    // The app's init container now shares the pod with the running proxy: 1000m + 100m, not 1000m.
    expect(podAmounts(pod).requests.cpuMillis).toBe(1100);
    expect(podAmounts(injectedPod(app, classic)).requests.cpuMillis).toBe(1000);
    // A pod may ask for the other mode.
    const optedOut = { ...app, metadata: { annotations: { 'sidecar.istio.io/nativeSidecar': 'false' } } };
    expect(injectedPod(optedOut, native).spec!.containers).toHaveLength(2);
  });

  test('GIVEN a pod that opts out of injection THEN nothing is added; GIVEN proxy annotations THEN they replace the mesh\'s values, unset ones staying unset', () => {
    const out = { ...app, metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } };
    expect(injectedPod(out, classic)).toBe(out);
    const sized = { ...app, metadata: { annotations: { 'sidecar.istio.io/proxyCPU': '10m', 'sidecar.istio.io/proxyMemoryLimit': '64Mi' } } };
    const proxy = injectedPod(sized, classic).spec!.containers![1];
    expect(proxy.resources).toEqual({ requests: { cpu: '10m' }, limits: { memory: '64Mi' } });
  });
});

describe('the quota check with and without the mesh', () => {
  const web = { spec: { containers: [container('250m', '256Mi', '1', '512Mi')] } };
  // 4 replicas, HPA up to 6, maxSurge 25% -> 2 more: 8 pods at the peak.
  const objects: ManifestObject[] = [
    deployment('web', 4, web, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } }),
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 6 } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api', namespace: 'ns' }, spec: { replicas: 2, template: web } },
  ];
  const budget = { requests: { cpu: '6', memory: '8Gi' }, limits: { cpu: '12', memory: '16Gi' } };

  test('GIVEN a quota that fits the workloads alone THEN it passes without the mesh and fails with it, for every pod at the peak (HPA maximum, surge, blue-green second set)', () => {
    expect(quotaFindings(objects, 'ns', budget)).toEqual([]);
    const plain = namespaceUsage(objects, 'ns');
    const meshed = namespaceUsage(objects, 'ns', classic);
    // 8 Deployment pods + 4 Rollout pods, each with a 1-CPU-limit proxy.
    expect(plain.pods).toBe(12);
    expect(meshed.limits.cpuMillis - plain.limits.cpuMillis).toBe(12 * 1000);
    expect(meshed.requests.memoryBytes - plain.requests.memoryBytes).toBe(12 * 128 * Mi);
    const findings = quotaFindings(objects, 'ns', budget, classic);
    expect(findings.map((f) => f.field)).toEqual(['limits.cpu']);
    expect(findings[0].message).toBe('namespace ns: CPU limit at peak is 24000m (12000m of it for the Istio sidecars of 12 pods), over the quota of 12000m');
    expect(findings[0].sidecars).toEqual({ amount: 12000, share: '12000m', pods: 12 });
  });

  test('GIVEN native sidecars THEN steady pods count the same as with classic ones, and a pod with a larger init container counts it beside the proxy', () => {
    expect(namespaceUsage(objects, 'ns', native)).toEqual(namespaceUsage(objects, 'ns', classic));
    const withInit = [deployment('db', 1, { spec: { initContainers: [container('2', '1Gi', '2', '1Gi')], containers: [container('100m', '128Mi', '100m', '128Mi')] } }, { strategy: { type: 'Recreate' } })];
    expect(namespaceUsage(withInit, 'ns').requests.cpuMillis).toBe(2000);
    expect(namespaceUsage(withInit, 'ns', classic).requests.cpuMillis).toBe(2000);
    expect(namespaceUsage(withInit, 'ns', native).requests.cpuMillis).toBe(2100);
  });
});

describe('the reference environments', () => {
  const staging = loadEnvironment('staging');

  test('GIVEN staging\'s mesh THEN the sidecar resources are the documented defaults, and istiod is given exactly those for the proxy and its init container', () => {
    expect(sidecarResourcesOf(staging)).toBe(DEFAULT_SIDECAR_RESOURCES);
    expect(DEFAULT_SIDECAR_RESOURCES).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(istiodGlobal(staging)).toEqual({ proxy: { resources: DEFAULT_SIDECAR_RESOURCES }, proxy_init: { resources: DEFAULT_SIDECAR_RESOURCES } });
  });

  test('GIVEN mesh.proxy in the environment THEN istiod and the quota check read the same numbers', () => {
    const proxy = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } };
    const env = editedStaging((t) => t.replace('  nativeSidecars: true\nborder:', '  nativeSidecars: true\n  proxy:\n    requests: { cpu: 50m, memory: 64Mi }\n    limits: { cpu: "1", memory: 512Mi }\nborder:'));
    expect(env.mesh!.proxy).toEqual(proxy);
    expect(istiodGlobal(env)).toEqual({ proxy: { resources: proxy }, proxy_init: { resources: proxy } });
    expect(sidecarInjectionOf(env, true)).toEqual({ proxy, nativeSidecars: true });
    const objects = stagingEcosystem(env);
    const plain = namespaceUsage(objects, 'ecosystem-staging');
    expect(namespaceUsage(objects, 'ecosystem-staging', sidecarInjectionOf(env, true)).limits.cpuMillis - plain.limits.cpuMillis).toBe(plain.pods * 1000);
    // 13 pods at 1 CPU of limits each no longer fit staging's 20: the chart refuses to render, at the quota.
    expect(() => SYSTEMS.ecosystem(new App(), 'ecosystem', env, env.systems.ecosystem!).toJson()).toThrow(
      /^environments\/staging\.yaml:\d+:\d+ systems\.ecosystem\.quota\.limits\.cpu: expected at least the peak of namespace ecosystem-staging's workloads \(22600m of limits\.cpu: HPA maxima plus rollout surge, 13000m of it for the Istio sidecars of 13 pods at mesh\.proxy\.limits\.cpu "1" each\), got "20"; raise systems\.ecosystem\.quota\.limits\.cpu$/,
    );
  });

  test('GIVEN staging\'s former quota (12 CPUs of limits) THEN it fits without the mesh but not with it, and the error names namespace, resource, peak, quota and the field to raise', () => {
    const former = (t: string) => t.replace('limits: { cpu: "20", memory: 18Gi }', 'limits: { cpu: "12", memory: 18Gi }');
    const env = editedStaging(former);
    const unmeshed = editedStaging((t) => former(t).replace('mesh:\n  enabled: true', 'mesh:\n  enabled: false'));
    expect(() => SYSTEMS.ecosystem(new App(), 'ecosystem', unmeshed, unmeshed.systems.ecosystem!).toJson()).not.toThrow();
    const line = fs.readFileSync(path.join(ROOT, 'environments', 'staging.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('limits: { cpu: "20"')) + 1;
    expect(() => SYSTEMS.ecosystem(new App(), 'ecosystem', env, env.systems.ecosystem!).toJson()).toThrow(
      new RegExp(`^environments/staging\\.yaml:${line}:\\d+ systems\\.ecosystem\\.quota\\.limits\\.cpu: expected at least the peak of namespace ecosystem-staging's workloads \\(16100m of limits\\.cpu: HPA maxima plus rollout surge, 6500m of it for the Istio sidecars of 13 pods at mesh\\.proxy\\.limits\\.cpu "500m" \\(the default\\) each\\), got "12"; raise systems\\.ecosystem\\.quota\\.limits\\.cpu$`),
    );
  });

  test('GIVEN the CNI plugin on or off THEN the quota counts the same: istio-validation replaces istio-init at the proxy\'s resources', () => {
    const off = { ...staging, mesh: { ...staging.mesh!, cni: false } };
    expect(sidecarInjectionOf(off, true)).toEqual(sidecarInjectionOf(staging, true));
    expect(namespaceUsage(stagingEcosystem(off), 'ecosystem-staging', sidecarInjectionOf(off, true)))
      .toEqual(namespaceUsage(stagingEcosystem(staging), 'ecosystem-staging', sidecarInjectionOf(staging, true)));
    expect(istiodGlobal(off)).toEqual(istiodGlobal(staging));
  });

  test('GIVEN istiod\'s sidecar resources set through platform.addons THEN the environment is refused at that field (mesh.proxy is the one source)', () => {
    // under staging's own top-level platform block (its ClusterIssuers stay)
    const env = editedStaging((t) => t.replace('\nplatform:\n', '\nplatform:\n  addons:\n    istiod:\n      values:\n        global:\n          proxy:\n            resources: { limits: { cpu: "2" } }\n'));
    let error: unknown;
    try {
      withPlatform(env, environmentTargets(env, new App()), new App());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^environments\/staging\.yaml:\d+:\d+ platform\.addons\.istiod\.values\.global\.proxy\.resources: .*come from mesh\.proxy/);
    expect((error as Error).message).not.toMatch(/:1:1 /);
  });

  test('GIVEN the committed dist THEN every quota holds the peak of its namespace, counting the sidecars istiod is told to inject there', () => {
    const checked: string[] = [];
    for (const envName of fs.readdirSync(path.join(ROOT, 'dist'))) {
      const envDir = path.join(ROOT, 'dist', envName);
      if (!fs.statSync(envDir).isDirectory()) continue;
      const objects: ManifestObject[] = [];
      for (const f of fs.readdirSync(envDir, { recursive: true }) as string[]) {
        if (f.endsWith('.yaml') && !f.endsWith('kustomization.yaml')) objects.push(parse(fs.readFileSync(path.join(envDir, f), 'utf8'), { version: '1.1' }) as ManifestObject);
      }
      const istiod = objects.find((o) => o.kind === 'Application' && o.metadata.name === `istiod-${envName}`) as { spec: { source: { helm: { valuesObject: { global?: { proxy?: { resources?: SidecarInjection['proxy'] } } } } } } } | undefined;
      for (const quota of objects.filter((o) => o.kind === 'ResourceQuota')) {
        const ns = quota.metadata.namespace!;
        const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === ns) as { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
        let injection: SidecarInjection | undefined;
        if (namespace?.metadata.labels?.['istio-injection'] === 'enabled') {
          // Injected: istiod must be rendered with stated resources (not the chart's 2 CPU / 1Gi).
          const proxy = istiod?.spec.source.helm.valuesObject.global?.proxy?.resources;
          expect([ns, proxy]).toEqual([ns, expect.objectContaining({ requests: expect.anything(), limits: expect.anything() })]);
          injection = { proxy: proxy!, nativeSidecars: namespace.metadata.annotations?.[MESH_NATIVE_SIDECARS_ANNOTATION] === 'true' };
        }
        const hard = (quota as unknown as { spec: { hard: Record<string, string> } }).spec.hard;
        const budget = { requests: { cpu: hard['requests.cpu'], memory: hard['requests.memory'] }, limits: { cpu: hard['limits.cpu'], memory: hard['limits.memory'] }, pods: hard.pods ? Number(hard.pods) : undefined };
        expect([ns, quotaFindings(objects, ns, budget, injection).map((f) => f.message)]).toEqual([ns, []]);
        checked.push(`${envName}/${ns}${injection ? ' (meshed)' : ''}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['staging/ecosystem-staging (meshed)', 'prod/ecosystem-prod (meshed)', 'dev/ecosystem-dev']));
  });
});

/** staging loaded from a copy of environments/ with staging.yaml edited, so errors still point at its lines. */
function editedStaging(edit: (text: string) => string): EnvironmentConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-quota-'));
  try {
    fs.mkdirSync(path.join(root, 'environments'));
    for (const f of fs.readdirSync(path.join(ROOT, 'environments'))) fs.copyFileSync(path.join(ROOT, 'environments', f), path.join(root, 'environments', f));
    const file = path.join(root, 'environments', 'staging.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error('the edit of staging.yaml changed nothing');
    fs.writeFileSync(file, after);
    return loadEnvironment('staging', { dir: path.join(root, 'environments'), root });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** istiod's `global` values in the environment's rendered add-ons. */
function istiodGlobal(env: EnvironmentConfig): unknown {
  const targets = withPlatform(env, environmentTargets(env, new App()), new App());
  const platform = targets.find((t) => t.dir.endsWith('/_platform'))!;
  const app = platform.chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson() as { kind: string; metadata: { name: string }; spec: { source: { helm: { valuesObject: { global?: unknown } } } } })
    .find((o) => o.kind === 'Application' && o.metadata.name === `istiod-${env.name}`)!;
  return app.spec.source.helm.valuesObject.global;
}
