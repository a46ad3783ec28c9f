// Issue 17, items 6, 7, 8, 12, 13 and 15: defects a real cluster shows but
// the schema does not. Each test renders the real environments, shows the fix
// in the objects, and puts the old shape back to show that the general check
// names it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { SYSTEMS } from '../../charts';
import { ConfigError, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { ManifestDocument, RuleId, validateManifests, Violation } from '../../lib/validate';

type Obj = Record<string, any>;

const ENVIRONMENTS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];

/** Every system of a loaded environment, as the documents the gate validates. */
function render(cfg: EnvironmentConfig): Obj[] {
  const out: Obj[] = [];
  for (const [name, system] of Object.entries(cfg.systems)) {
    if (!system) continue;
    const chart = SYSTEMS[name as keyof typeof SYSTEMS](new App(), name, cfg, system);
    out.push(...(chart.toJson() as Obj[]));
  }
  return out;
}

function docs(cfg: EnvironmentConfig, objects: Obj[]): ManifestDocument[] {
  return objects.map((o, i) => ({ file: `dist/${cfg.name}/${o.metadata.namespace ?? '_cluster'}--${o.kind}--${o.metadata.name}-${i}.yaml`, object: o }));
}

function violations(cfg: EnvironmentConfig, objects: Obj[], rule: RuleId): Violation[] {
  return validateManifests(docs(cfg, objects), { environment: cfg.name }).violations.filter((v) => v.rule === rule);
}

function find(objects: Obj[], kind: string, name: string, namespace?: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}`);
  return o;
}

const rendered = new Map<string, { cfg: EnvironmentConfig; objects: Obj[] }>();
function env(name: string): { cfg: EnvironmentConfig; objects: Obj[] } {
  let r = rendered.get(name);
  if (!r) {
    const cfg = loadEnvironment(name);
    rendered.set(name, (r = { cfg, objects: render(cfg) }));
  }
  return { cfg: r.cfg, objects: JSON.parse(JSON.stringify(r.objects)) };
}

/** The environment files with one of them edited, in a temporary directory. */
function editedEnvironment(name: string, edit: (text: string) => string): EnvironmentConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envs-'));
  const dir = path.join(root, 'environments');
  fs.mkdirSync(dir);
  for (const f of fs.readdirSync('environments')) fs.copyFileSync(path.join('environments', f), path.join(dir, f));
  const file = path.join(dir, `${name}.yaml`);
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(file, after);
  return loadEnvironment(name, { dir, root });
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const containerEnv = (o: Obj): Obj[] => o.spec.template.spec.containers[0].env ?? [];

describe('item 6: credentials follow edges', () => {
  test.each(['dev', 'staging', 'prod'])('GIVEN %s WHEN rendered THEN user-service reads the password Redis enforces', (name) => {
    const { objects } = env(name);
    const ns = find(objects, 'Namespace', `ecosystem-${name}`).metadata.name;
    const redis = objects.find((o) => o.metadata.name === 'redis' && o.metadata.namespace === ns && ['Deployment', 'StatefulSet'].includes(o.kind))!;
    expect(redis.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['--requirepass', '$(REDIS_PASSWORD)']));
    const user = objects.find((o) => o.metadata.name === 'user-service' && ['Deployment', 'Rollout'].includes(o.kind))!;
    expect(containerEnv(user)).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } });
  });

  test('GIVEN prod as rendered before the fix (no REDIS_PASSWORD) WHEN validated THEN flow/credentials names user-service, Redis and its Secret key', () => {
    const { cfg, objects } = env('prod');
    const user = find(objects, 'Rollout', 'user-service');
    user.spec.template.spec.containers[0].env = containerEnv(user).filter((e) => e.name !== 'REDIS_PASSWORD');
    const found = violations(cfg, objects, 'flow/credentials');
    expect(found.map((v) => `${v.object.kind}/${v.object.name}`)).toEqual(['Rollout/user-service']);
    expect(found[0].message).toMatch(/StatefulSet ecosystem-prod\/redis on port redis.*Redis --requirepass.*Secret redis-credentials key password.*REDIS_PASSWORD/);
  });

  test('GIVEN staging with the database URL from an entry other than the database\'s (before the fix) WHEN validated THEN each client of PostgreSQL is named', () => {
    const { cfg, objects } = env('staging');
    for (const o of objects) {
      if (o.kind === 'ExternalSecret' && ['database-secret', 'database-credentials'].includes(o.metadata.name)) o.spec.data[0].remoteRef.key = o.spec.data[0].remoteRef.key.replace(/postgres$/, 'database');
    }
    const found = violations(cfg, objects, 'flow/credentials').map((v) => `${v.object.namespace}/${v.object.name}`).sort();
    expect(found).toEqual(['ecosystem-staging/user-service', 'fediflow-staging/activity-processor', 'fediflow-staging/email-sender', 'fediflow-staging/fediflow-api-blue', 'fediflow-staging/fediflow-api-green']);
  });

  test.each(ENVIRONMENTS)('GIVEN %s WHEN validated THEN every client of an authenticated server holds its credential', (name) => {
    const { cfg, objects } = env(name);
    expect(violations(cfg, objects, 'flow/credentials')).toEqual([]);
  });
});

describe('item 7: mesh mode and Pod Security admission', () => {
  test.each(['staging', 'prod', 'prod-failover'])('GIVEN %s WHEN rendered THEN every injected namespace declares the CNI plugin and native sidecars', (name) => {
    const { objects } = env(name);
    const injected = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['istio-injection'] === 'enabled');
    expect(injected.length).toBeGreaterThan(0);
    for (const ns of injected) {
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(ns.metadata.annotations).toMatchObject({ 'validate.platform.dev/mesh-cni': 'true', 'validate.platform.dev/mesh-native-sidecars': 'true' });
    }
  });

  test('GIVEN prod with mesh.cni: false WHEN loaded THEN a located error names mesh.cni and the restricted namespaces', () => {
    const message = configError(() => editedEnvironment('prod', (t) => t.replace(/^ {2}cni: true$/m, '  cni: false')));
    expect(message).toMatch(/environments\/prod\.yaml:\d+:\d+ mesh\.cni: .*istio-init container needing NET_ADMIN and NET_RAW.*fediflow \(fediflow-prod: restricted\)/);
  });

  test('GIVEN staging with the mesh enabled and no mode WHEN loaded THEN mesh.cni and mesh.nativeSidecars are required', () => {
    const message = configError(() => editedEnvironment('staging', (t) => t.replace(/^ {2}cni: true\n {2}nativeSidecars: true\n/m, '')));
    expect(message).toMatch(/mesh\.cni: .*required when mesh\.enabled/);
    expect(message).toMatch(/mesh\.nativeSidecars: .*required when mesh\.enabled/);
  });

  test('GIVEN prod as rendered before the fix (no declared mode) WHEN validated THEN mesh/pss-admission names every injected restricted namespace', () => {
    const { cfg, objects } = env('prod');
    for (const o of objects) if (o.kind === 'Namespace') delete o.metadata.annotations?.['validate.platform.dev/mesh-cni'];
    expect(violations(cfg, objects, 'mesh/pss-admission').map((v) => v.object.name).sort()).toEqual(['ecosystem-prod', 'fediflow-prod', 'idp-prod', 'specify-prod']);
  });
});

describe('item 8: Jobs in meshed namespaces finish', () => {
  test('GIVEN prod WHEN rendered THEN the CronJobs of injected namespaces ask for a native sidecar', () => {
    const { objects } = env('prod');
    for (const [ns, name] of [['fediflow-prod', 'email-sender'], ['specify-prod', 'postgres-backup']]) {
      expect(find(objects, 'CronJob', name, ns).spec.jobTemplate.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/nativeSidecar': 'true' });
    }
  });

  test('GIVEN prod with classic sidecars (mesh.nativeSidecars: false) WHEN validated THEN mesh/job-completion names both CronJobs', () => {
    const cfg = editedEnvironment('prod', (t) => t.replace(/^ {2}nativeSidecars: true$/m, '  nativeSidecars: false'));
    const objects = render(cfg);
    expect(find(objects, 'CronJob', 'email-sender', 'fediflow-prod').spec.jobTemplate.spec.template.metadata.annotations).toBeUndefined();
    const found = violations(cfg, objects, 'mesh/job-completion');
    expect(found.map((v) => `${v.object.namespace}/${v.object.name}`).sort()).toEqual(['fediflow-prod/email-sender', 'specify-prod/postgres-backup']);
    expect(found[0].message).toMatch(/never completes/);
  });
});

describe('item 12: one secret-store identity per system', () => {
  test.each([['prod', 'eks'], ['staging', 'vault']])('GIVEN %s WHEN rendered THEN each system\'s store has its own identity', (name) => {
    const { objects } = env(name);
    const stores = objects.filter((o) => o.kind === 'SecretStore');
    expect(stores).toHaveLength(5);
    const identityOf = (s: Obj): string => s.spec.provider.vault?.auth.kubernetes.role
      ?? find(objects, 'ServiceAccount', 'secret-store', s.metadata.namespace).metadata.annotations['eks.amazonaws.com/role-arn'];
    const identities = stores.map(identityOf);
    expect(new Set(identities).size).toBe(5);
    for (const s of stores) expect(identityOf(s)).toContain(s.metadata.namespace);
  });

  test('GIVEN prod with one fixed role ARN (before the fix) WHEN validated THEN policy/store-identity names all five stores', () => {
    const cfg = editedEnvironment('prod', (t) => t.replace('role/{namespace}-external-secrets', 'role/ecosystem-prod-external-secrets'));
    const found = violations(cfg, render(cfg), 'policy/store-identity');
    expect(found.map((v) => v.object.namespace).sort()).toEqual(['ecosystem-prod', 'fediflow-prod', 'idp-prod', 'infometis-prod', 'specify-prod']);
    expect(found[0].message).toMatch(/IAM role arn:aws:iam::123456789012:role\/ecosystem-prod-external-secrets .* is shared with/);
  });

  test('GIVEN one role in two environments (two clusters) WHEN validated together THEN they are not one identity', () => {
    const store = (ns: string): Obj => ({
      apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'secret-store', namespace: ns },
      spec: { provider: { vault: { server: 'https://vault.example.com', path: 'secret', auth: { kubernetes: { mountPath: 'kubernetes', role: 'shop' } } } } },
    });
    const docsOf = (a: [string, string], b: [string, string]) => [a, b].map(([e, ns]) => ({ file: `dist/${e}/shop/${ns}--secretstore.yaml`, object: store(ns) }));
    const shared = (d: ManifestDocument[]) => validateManifests(d).violations.filter((v) => v.rule === 'policy/store-identity');
    expect(shared(docsOf(['prod', 'shop-prod'], ['staging', 'shop-staging']))).toEqual([]);
    // the same two namespaces in one cluster do share it
    expect(shared(docsOf(['prod', 'shop-prod'], ['prod', 'shop-staging']))).toHaveLength(2);
  });

  test('GIVEN a system override WHEN rendered THEN that system\'s store uses it', () => {
    const cfg = editedEnvironment('staging', (t) => t.replace(/^ {2}idp:\n/m, '  idp:\n    secretStoreIdentity: idp-platform\n'));
    const store = find(render(cfg), 'SecretStore', 'secret-store', 'idp-staging');
    expect(store.spec.provider.vault.auth.kubernetes.role).toBe('idp-platform');
  });
});

describe('item 13: HPA metrics are served', () => {
  test.each(['staging', 'prod'])('GIVEN %s WHEN rendered THEN platform-api scales on CPU only', (name) => {
    const hpa = find(env(name).objects, 'HorizontalPodAutoscaler', 'platform-api');
    expect(hpa.spec.metrics.map((m: Obj) => m.type)).toEqual(['Resource']);
  });

  test('GIVEN prod with the request-rate metric (before the fix) WHEN validated THEN ref/hpa-metric names the HPA and what is missing', () => {
    const { cfg, objects } = env('prod');
    find(objects, 'HorizontalPodAutoscaler', 'platform-api').spec.metrics.push({ type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } } });
    const found = violations(cfg, objects, 'ref/hpa-metric');
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('spec.metrics[1]');
    expect(found[0].message).toMatch(/prometheus-adapter rule exposing "http_requests_per_second" .* and a ServiceMonitor or PodMonitor scraping Deployment platform-api/);
  });
});

describe('item 15: blue-green standby replicas', () => {
  test.each([['prod', 'fediflow-prod', 'fediflow-api', 5], ['prod', 'idp-prod', 'backstage', 2], ['prod', 'specify-prod', 'specify', 3], ['prod-failover', 'fediflow-failover', 'fediflow-api', 10]] as const)(
    'GIVEN %s WHEN rendered THEN the standby colour of %s/%s holds %i replicas through its own HPA', (name, ns, service, n) => {
      const { objects } = env(name);
      const svc = find(objects, 'Service', service, ns);
      const key = Object.keys(svc.spec.selector).find((k) => ['color', 'version'].includes(k))!;
      const idle = svc.spec.selector[key] === 'blue' ? 'green' : 'blue';
      const hpa = find(objects, 'HorizontalPodAutoscaler', `${service}-${idle}`, ns);
      expect(hpa.spec.scaleTargetRef.name).toBe(`${service}-${idle}`);
      expect(hpa.spec.minReplicas).toBe(n);
    });

  test('GIVEN prod with standby colours without replicas nor HPA (before the fix) WHEN validated THEN ref/standby-replicas names the three', () => {
    const { cfg, objects } = env('prod');
    const rest = objects.filter((o) => !(o.kind === 'HorizontalPodAutoscaler' && o.metadata.name.endsWith('-green')));
    for (const o of rest) if (o.kind === 'Deployment' && o.metadata.name.endsWith('-green')) delete o.spec.replicas;
    const found = violations(cfg, rest, 'ref/standby-replicas');
    expect(found.map((v) => `${v.object.namespace}/${v.object.name}`).sort()).toEqual(['fediflow-prod/fediflow-api-green', 'idp-prod/backstage-green', 'specify-prod/specify-green']);
    expect(found.find((v) => v.object.name === 'backstage-green')!.message).toMatch(/flip to version=green lands on Deployment backstage-green with 1 replica.*at least 2/);
  });

  test('GIVEN prod WHEN validated THEN no blue-green pair is scaled unlike its other colour', () => {
    const { cfg, objects } = env('prod');
    expect(violations(cfg, objects, 'gitops/switch-replicas')).toEqual([]);
  });

  test('GIVEN prod with one HPA moved between colours and replicas on the standby only (before the fix) WHEN validated THEN gitops/switch-replicas names both colours of the autoscaled services', () => {
    const { cfg, objects } = env('prod');
    // The old shape: the HPA of the active colour only, the standby stating replicas, the active none.
    const old = objects.filter((o) => !(o.kind === 'HorizontalPodAutoscaler' && o.metadata.name.endsWith('-green')));
    for (const o of old) {
      if (o.kind === 'Deployment' && o.metadata.name.endsWith('-green')) o.spec.replicas = 3;
      if (o.kind === 'Deployment' && o.metadata.name.endsWith('-blue')) delete o.spec.replicas;
    }
    const found = violations(cfg, old, 'gitops/switch-replicas');
    expect([...new Set(found.map((v) => `${v.object.namespace}/${v.object.name}`))].sort()).toEqual([
      'fediflow-prod/fediflow-api-blue', 'fediflow-prod/fediflow-api-green', 'idp-prod/backstage-blue', 'idp-prod/backstage-green', 'specify-prod/specify-blue', 'specify-prod/specify-green',
    ]);
    expect(found.find((v) => v.object.name === 'specify-green')!.message).toMatch(
      /Deployment specify-blue is the target of HPA specify-blue and states no replicas, but Deployment specify-green is no HPA's target and states replicas: 3\. A switch then removes spec\.replicas/);
  });
});
