// How traffic enters the cluster (border.controller.exposure, a system's own
// Traefik) and where persistent volumes come from (cluster.storage): the two
// facts without which a fresh k0s or EKS cluster never gets healthy.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { environmentTargets } from '../../charts';
import { clusterFacts } from '../../charts/platform';
import { renderEnvironment } from '../../main';
import { ConfigError, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { checkCluster, GateObject } from '../../lib/platform/cluster-gate';
import { setDefaultStorageClass } from '../../lib/core/stateful';
import { RedisCache } from '../../lib/data/redis';
import { renderTargets } from '../../lib/synth';
import { ROOT } from '../helpers/project';
import { withShortcuts } from '../../app/fast';

const ENV_DIR = path.join(ROOT, 'environments');

/** Loads `env` from a copy of environments/ whose `<env>.yaml` went through `change`. */
function loadEdited(env: string, change: (text: string) => string): EnvironmentConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k0s-env-'));
  const dir = path.join(root, 'environments');
  fs.mkdirSync(dir);
  for (const f of ['defaults.yaml', `${env}.yaml`]) fs.copyFileSync(path.join(ENV_DIR, f), path.join(dir, f));
  const file = path.join(dir, `${env}.yaml`);
  const before = fs.readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${env}.yaml changed nothing`);
  fs.writeFileSync(file, after);
  try {
    return loadEnvironment(env, { dir, root });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Renders an environment as synth does (systems, _platform, _gitops; synth's renderTargets with its shortcuts) into gate objects. */
function gateObjects(cfg: EnvironmentConfig): GateObject[] {
  return withShortcuts(() => renderTargets(renderEnvironment(cfg, new App()))).map((o) => ({ dir: o.dir, file: o.file, object: o.object }));
}

const staging = () => loadEnvironment('staging', { dir: ENV_DIR, root: ROOT });
const nginxValues = (objects: readonly GateObject[]) => {
  const app = objects.find((o) => o.object.kind === 'Application' && o.object.metadata.labels?.['platform.dev/addon'] === 'ingress-nginx')!;
  return app.object.spec as { source: { helm: { valuesObject: { controller: Record<string, unknown> } } }; syncPolicy: { managedNamespaceMetadata?: { labels: Record<string, string> } } };
};

describe('traffic into the cluster', () => {
  test('GIVEN staging on k0s THEN ingress-nginx runs as a DaemonSet on host ports 80/443 in a privileged namespace, its Service ClusterIP', () => {
    const spec = nginxValues(gateObjects(staging()));
    expect(spec.source.helm.valuesObject.controller).toMatchObject({
      kind: 'DaemonSet',
      hostPort: { enabled: true, ports: { http: 80, https: 443 } },
      service: { type: 'ClusterIP' },
      publishService: { enabled: false },
    });
    expect(spec.syncPolicy.managedNamespaceMetadata!.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('GIVEN prod on EKS THEN the controller Service is a LoadBalancer and the namespace baseline', () => {
    const spec = nginxValues(gateObjects(loadEnvironment('prod', { dir: ENV_DIR, root: ROOT })));
    expect(spec.source.helm.valuesObject.controller).toMatchObject({ service: { type: 'LoadBalancer' } });
    expect(spec.source.helm.valuesObject.controller.kind).toBeUndefined();
    expect(spec.syncPolicy.managedNamespaceMetadata!.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('GIVEN NodePort exposure THEN fixed node ports go into the chart values', () => {
    const cfg = loadEdited('staging', (t) => t.replace('exposure: { type: hostPort }', 'exposure: { type: NodePort, httpNodePort: 31080, httpsNodePort: 31443 }'));
    expect(nginxValues(gateObjects(cfg)).source.helm.valuesObject.controller).toMatchObject({ service: { type: 'NodePort', nodePorts: { http: 31080, https: 31443 } } });
  });

  test('GIVEN a LoadBalancer kept on k0s WHEN the gate runs THEN it refuses the ingress-nginx Application and names the fix', () => {
    const cfg = loadEdited('staging', (t) => t.replace('exposure: { type: hostPort }', 'exposure: { type: LoadBalancer }'));
    const r = checkCluster('staging', gateObjects(cfg), clusterFacts(cfg));
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatch(/^cluster\/load-balancer: dist\/staging\/_platform\/argocd--application\.argoproj\.io--ingress-nginx-staging\.yaml \(Application argocd\/ingress-nginx-staging\): the ingress-nginx controller Service \(controller\.service\.type\) is type LoadBalancer, but cluster\.distribution k0s has no LoadBalancer provider/);
    expect(r.violations[0]).toContain('in environments/staging.yaml set border.controller.exposure.type: hostPort');
  });

  test('GIVEN values that leave the Service type to the chart on k0s THEN the gate reads the chart default (LoadBalancer) and refuses', () => {
    const cfg = staging();
    const objects = gateObjects(cfg).map((o) => (o.object.metadata.labels?.['platform.dev/addon'] === 'ingress-nginx'
      ? { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), source: { chart: 'ingress-nginx', helm: { valuesObject: {} } } } } }
      : o));
    expect(checkCluster('staging', objects, clusterFacts(cfg)).violations.join('\n')).toContain("controller.service.type unset: the chart's default");
  });

  test('GIVEN a system Traefik with a LoadBalancer Service on k0s THEN the gate refuses the Service; WITH cluster.loadBalancerProvider THEN it passes', () => {
    const lb = (t: string) => t.replace('traefik: { replicas: 2, exposure: { type: NodePort, httpNodePort: 30080, httpsNodePort: 30443 } }', 'traefik: { replicas: 2, exposure: LoadBalancer }');
    const cfg = loadEdited('staging', lb);
    const v = checkCluster('staging', gateObjects(cfg), clusterFacts(cfg)).violations;
    expect(v).toEqual([expect.stringMatching(/^cluster\/load-balancer: dist\/staging\/infometis\/infometis-staging--service--traefik\.yaml \(Service infometis-staging\/traefik\): the Service is type LoadBalancer.*components\.traefik\.exposure/)]);
    const withMetalLb = loadEdited('staging', (t) => lb(t).replace('  distribution: k0s\n', '  distribution: k0s\n  loadBalancerProvider: "MetalLB, pool 192.0.2.0/28"\n'));
    expect(checkCluster('staging', gateObjects(withMetalLb), clusterFacts(withMetalLb)).violations).toEqual([]);
  });

  test('GIVEN a system Traefik on NodePort without fixed ports THEN the file is refused at the value', () => {
    const e = configError(() => loadEdited('staging', (t) => t.replace('exposure: { type: NodePort, httpNodePort: 30080, httpsNodePort: 30443 }', 'exposure: NodePort')));
    expect(e.message).toMatch(/^environments\/staging\.yaml:\d+:\d+ systems\.infometis\.components\.traefik\.exposure: .*fixed node ports/);
  });

  test('GIVEN border.controller.exposure NodePort without node ports, or hostPort with one THEN each is refused at its field', () => {
    const e = configError(() => loadEdited('staging', (t) => t.replace('exposure: { type: hostPort }', 'exposure: { type: NodePort }')));
    expect(e.message).toMatch(/border\.controller\.exposure\.httpNodePort: .*fixed node port/);
    const h = configError(() => loadEdited('staging', (t) => t.replace('exposure: { type: hostPort }', 'exposure: { type: hostPort, httpNodePort: 30080 }')));
    expect(h.message).toMatch(/border\.controller\.exposure\.httpNodePort: .*only type NodePort takes one/);
  });
});

describe('storage class of every claim', () => {
  const claimsOf = (objects: readonly GateObject[]) => objects.flatMap((o) => {
    const spec = o.object.spec as { storageClassName?: string; volumeClaimTemplates?: Array<{ spec: { storageClassName?: string } }> } | undefined;
    if (o.object.kind === 'PersistentVolumeClaim') return [spec?.storageClassName];
    if (o.object.kind === 'StatefulSet') return (spec?.volumeClaimTemplates ?? []).map((t) => t.spec.storageClassName);
    return [];
  });

  test('GIVEN staging (cluster.storage.storageClass openebs-hostpath) THEN every claim names it', () => {
    const classes = claimsOf(gateObjects(staging()));
    expect(classes.length).toBeGreaterThan(10);
    expect(new Set(classes)).toEqual(new Set(['openebs-hostpath']));
  });

  test('GIVEN a component naming its own class THEN it wins over the cluster\'s', () => {
    const cfg = loadEdited('staging', (t) => t.replace('redis: { mode: statefulset, storage: { size: 5Gi } }', 'redis: { mode: statefulset, storage: { size: 5Gi, storageClass: fast-ssd } }'));
    const redis = gateObjects(cfg).find((o) => o.dir === 'staging/ecosystem' && o.object.kind === 'StatefulSet' && o.object.metadata.name === 'redis')!;
    expect((redis.object.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName: string } }> }).volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
  });

  test('GIVEN an environment with claims and no cluster.storage THEN the render is refused at cluster, naming the claims', () => {
    const cfg = loadEdited('staging', (t) => t.replace(/ {2}storage:\n {4}storageClass: openebs-hostpath\n {4}provisionedBy: .*\n/, ''));
    const e = configError(() => renderTargets(environmentTargets(cfg, new App())));
    expect(e.message).toMatch(/^environments\/staging\.yaml:\d+:\d+ cluster: expected cluster\.storage: \{ storageClass: <name>, provisionedBy: .* renders \d+ persistent volume claim\(s\) naming no class \(StatefulSet /);
  });

  test('GIVEN clusterDefault: true THEN claims name no class and the render passes', () => {
    const cfg = loadEdited('staging', (t) => t.replace('    storageClass: openebs-hostpath\n', '    clusterDefault: true\n'));
    expect(new Set(claimsOf(gateObjects(cfg)))).toEqual(new Set([undefined]));
  });

  test('GIVEN both storageClass and clusterDefault, or neither THEN the file is refused at the field', () => {
    const both = configError(() => loadEdited('staging', (t) => t.replace('    storageClass: openebs-hostpath\n', '    storageClass: openebs-hostpath\n    clusterDefault: true\n')));
    expect(both.message).toMatch(/cluster\.storage\.clusterDefault: .*not both/);
    const neither = configError(() => loadEdited('staging', (t) => t.replace('    storageClass: openebs-hostpath\n', '')));
    expect(neither.message).toMatch(/cluster\.storage\.storageClass: .*clusterDefault: true/);
  });

  test('GIVEN setDefaultStorageClass on a chart THEN a library construct\'s claims take it; a bad name is refused', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    setDefaultStorageClass(chart, 'gp3');
    new RedisCache(chart, 'redis', { namespace: 'n', mode: { type: 'statefulset' }, storage: { size: '1Gi' }, password: { secret: 'redis', key: 'password' } });
    const sts = (Testing.synth(chart) as Array<{ kind: string; spec: { volumeClaimTemplates?: Array<{ spec: { storageClassName?: string } }> } }>).find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.volumeClaimTemplates![0].spec.storageClassName).toBe('gp3');
    expect(() => setDefaultStorageClass(new Chart(app, 'd'), 'GP3')).toThrow(/storageClass: expected a StorageClass name.*"GP3"/);
  });
});
