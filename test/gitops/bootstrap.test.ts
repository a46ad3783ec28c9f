import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { CORE_SCHEMA, load } from 'js-yaml';
import * as k8s from '../../imports/k8s';
import { ArgoCdBootstrapChart, FluxBootstrapChart } from '../../charts/gitops';
import { EnvironmentConfig, loadEnvironment } from '../../app/config';
import { planDelivery } from '../../app/gitops/delivery-plan';
import { documentCount, kustomizeTogether, removeScratch, ROOT, runSynth, scratchProject } from '../helpers/project';
import { testChart } from '../helpers/chart';

type Obj = Record<string, any>;

/** The objects of a rendered directory (js-yaml's core schema: the rendered files read the same as with `yaml`, several times faster). */
function readObjects(dir: string): Obj[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.includes('--')).map((f) => load(fs.readFileSync(path.join(dir, f), 'utf8'), { schema: CORE_SCHEMA }) as Obj);
}

describe('bootstrap objects in a render', () => {
  // GIVEN a project copy where dev's cluster runs Flux (gitops.engine: flux),
  // dev rendered afresh. The other environments are read from the
  // committed dist/: test/synth/dist.test.ts proves it byte-identical to a
  // fresh render and builds every one of its directories with kubectl
  // kustomize, so here kubectl builds what this change affects, dev.
  const envs = fs.readdirSync(path.join(ROOT, 'environments')).filter((f) => f.endsWith('.yaml') && f !== 'defaults.yaml').map((f) => f.replace(/\.yaml$/, ''));
  const others = envs.filter((e) => e !== 'dev');
  const scratch = scratchProject({ dist: false });
  const devFile = path.join(scratch, 'environments/dev.yaml');
  fs.appendFileSync(devFile, '\ngitops:\n  engine: flux\n');
  const result = runSynth(scratch, ['--env', 'dev']);
  afterAll(() => removeScratch(scratch));
  /** Where `dist/<env>/...` of each environment is: dev's render, or the project for the committed others. */
  const at = (rel: string) => path.join(rel.split('/')[1] === 'dev' ? scratch : ROOT, rel);

  // Each directory's objects, parsed once for all the tests below.
  const parsed = new Map<string, Obj[]>();
  const objectsIn = (rel: string): Obj[] => {
    if (!parsed.has(rel)) parsed.set(rel, readObjects(at(rel)));
    return parsed.get(rel)!;
  };
  /** The directories an environment's Applications and Kustomizations point at, as `dist/<env>/<system>`. */
  const deliveredPaths = (env: string): string[] => {
    const argo = objectsIn(`dist/${env}/_gitops/argocd`);
    const flux = objectsIn(`dist/${env}/_gitops/flux`);
    return [
      ...argo.filter((o) => o.kind === 'Application').map((o) => o.spec.source.path as string),
      ...flux.filter((o) => o.kind === 'Kustomization').map((o) => (o.spec.path as string).replace(/^\.\//, '')),
    ];
  };
  const objectFiles = (rel: string) => fs.readdirSync(at(rel)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').length;

  // kubectl kustomize, started once and run concurrently: one build of every
  // directory dev delivers (a parent kustomization, which fails if any of
  // them does not build), and dev's two bootstrap directories on their own.
  const builds = new Map<string, PromiseSettledResult<string>>();
  beforeAll(async () => {
    if (result.status !== 0) return;
    const jobs: Array<[string, string[]]> = [
      ['dev', [...new Set(deliveredPaths('dev'))].filter((p) => fs.existsSync(path.join(at(p), 'kustomization.yaml')))],
      ['dev/_gitops/flux', ['dist/dev/_gitops/flux']],
      ['dev/_platform', ['dist/dev/_platform']],
    ];
    const settled = await Promise.allSettled(jobs.map(([, dirs]) => kustomizeTogether(dirs.map(at))));
    jobs.forEach(([key], i) => builds.set(key, settled[i]));
  });
  const built = (key: string): string => {
    const r = builds.get(key);
    if (!r) throw new Error(`no kustomize build of ${key}`);
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  };

  /** Every Application and Kustomization of `env` points at a rendered directory with a kustomization, and every system directory is delivered. */
  const expectDelivered = (env: string): string[] => {
    const paths = deliveredPaths(env);
    expect(paths.length).toBeGreaterThan(0);
    const unique = [...new Set(paths)];
    for (const p of unique) expect([p, fs.existsSync(path.join(at(p), 'kustomization.yaml'))]).toEqual([p, true]);
    // Every system directory of the environment is delivered by someone.
    const systems = fs.readdirSync(at(`dist/${env}`)).filter((d) => !d.startsWith('_') && fs.statSync(at(`dist/${env}/${d}`)).isDirectory());
    for (const s of systems) expect(paths).toContain(`dist/${env}/${s}`);
    return unique;
  };

  test('synth succeeds', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('dev: every Application and Kustomization points at a rendered directory that kubectl kustomize builds', () => {
    const unique = expectDelivered('dev');
    // One document per object file of every delivered directory.
    expect(documentCount(built('dev'))).toBe(unique.reduce((n, p) => n + objectFiles(p), 0));
  });

  test.each(others)('%s (committed): every Application and Kustomization points at a rendered directory (which the dist test builds with kubectl)', (env) => {
    expectDelivered(env);
  });

  test('dev on Flux: a GitRepository on the branch and a pruning, waiting Kustomization per system, each after the platform add-ons', () => {
    const flux = objectsIn('dist/dev/_gitops/flux');
    const repo = flux.find((o) => o.kind === 'GitRepository')!;
    expect(repo.spec).toMatchObject({ url: 'https://github.com/example/platform-manifests.git', ref: { branch: 'main' } });
    const systems = fs.readdirSync(at('dist/dev')).filter((d) => !d.startsWith('_') && fs.statSync(at(`dist/dev/${d}`)).isDirectory());
    expect(systems).toHaveLength(5);
    for (const s of systems) {
      const k = flux.find((o) => o.kind === 'Kustomization' && o.metadata.name === `${s}-dev`)!;
      expect(k.spec).toMatchObject({ path: `./dist/dev/${s}`, prune: true, wait: true, interval: '5m', timeout: '5m', sourceRef: { name: repo.metadata.name } });
      expect(k.spec.dependsOn).toContainEqual({ name: 'platform-dev' });
    }
    // The add-ons as Flux installs charts: a HelmRelease per add-on from a HelmRepository, exact versions.
    const platform = objectsIn('dist/dev/_platform');
    expect(platform.filter((o) => o.kind === 'Application')).toEqual([]);
    const releases = platform.filter((o) => o.kind === 'HelmRelease');
    expect(releases.map((o) => o.metadata.name).sort()).toEqual(['external-secrets', 'prometheus-operator-crds', 'traefik-crds']);
    for (const r of releases) {
      expect(r.spec.chart.spec.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(platform).toContainEqual(expect.objectContaining({ kind: 'HelmRepository', metadata: expect.objectContaining({ name: r.spec.chart.spec.sourceRef.name }) }));
    }
  });

  test('AppProjects whitelist exactly the cluster-scoped kinds their directory renders', () => {
    for (const env of envs) {
      const argo = objectsIn(`dist/${env}/_gitops/argocd`);
      for (const p of argo.filter((o) => o.kind === 'AppProject' && !o.metadata.name.startsWith('gitops-'))) {
        const app = argo.find((o) => o.kind === 'Application' && o.spec.project === p.metadata.name)!;
        const rendered = objectsIn(app.spec.source.path).filter((o) => !o.metadata.namespace);
        const kinds = [...new Set(rendered.map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`))].sort();
        expect(p.spec.clusterResourceWhitelist.map((k: Obj) => `${k.group}/${k.kind}`).sort()).toEqual(kinds);
      }
    }
  });

  test('only the engine\'s bootstrap is rendered, and it and the add-ons build with kubectl kustomize', () => {
    expect(fs.existsSync(at('dist/dev/_gitops/argocd'))).toBe(false);
    expect(built('dev/_gitops/flux')).toMatch(/kind: Kustomization/);
    expect(built('dev/_platform')).toMatch(/kind: HelmRelease/);
  });
});

describe('planDelivery', () => {
  const base = loadEnvironment('dev', { dir: path.join(ROOT, 'environments'), root: ROOT });
  const env = (systems: Record<string, unknown>): EnvironmentConfig => ({ ...base, gitops: { ...base.gitops!, systems: systems } });
  const target = (name: string, ns: string, extra?: (c: Chart) => void) => {
    const chart = testChart();
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'x', namespace: ns } });
    extra?.(chart);
    return { dir: `dev/${name}`, chart };
  };

  test('orders units after what they depend on and passes the order to Argo CD waves and Flux dependsOn', () => {
    // GIVEN app depends on data
    const plan = planDelivery(env({ app: { dependsOn: ['data'] } }), [target('app', 'app'), target('data', 'data')])!;
    // THEN
    const app = plan.units.find((u) => u.system === 'app')!;
    expect(app).toMatchObject({ name: 'app-dev', dependsOn: ['data-dev'], order: 1, namespace: 'app', clusterKinds: [] });
    expect(plan.units.find((u) => u.system === 'data')!.order).toBe(0);
    const objs = Testing.synth(new FluxBootstrapChart(new App(), 'f', { plan }));
    expect(objs.find((o) => o.metadata.name === 'app-dev').spec.dependsOn).toEqual([{ name: 'data-dev' }]);
    const argo = Testing.synth(new ArgoCdBootstrapChart(new App(), 'a', { plan }));
    expect(argo.find((o) => o.kind === 'Application' && o.metadata.name === 'app-dev').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  test('a dependency cycle or a dependency on a system not rendered is an error naming the file', () => {
    expect(() => planDelivery(env({ a: { dependsOn: ['b'] }, b: { dependsOn: ['a'] } }), [target('a', 'a'), target('b', 'b')])).toThrow(
      'environments/dev.yaml:1:1 gitops.systems: dependsOn forms a cycle: a-dev -> b-dev -> a-dev',
    );
    expect(() => planDelivery(env({ a: { dependsOn: ['zzz'] } }), [target('a', 'a')])).toThrow(/gitops\.systems\.a\.dependsOn: names "zzz", which this environment does not render/);
  });

  test('GIVEN a _platform target WHEN planned THEN it is unit platform-<env> of order 0 and every system depends on it', () => {
    const plan = planDelivery(env({}), [target('a', 'a'), target('_platform', 'argocd')])!;
    expect(plan.units.find((u) => u.dir === 'dev/_platform')).toMatchObject({ name: 'platform-dev', order: 0, dependsOn: [] });
    expect(plan.units.find((u) => u.dir === 'dev/a')).toMatchObject({ dependsOn: ['platform-dev'], order: 1 });
  });

  test('shared cluster: a target rendering cluster-scoped kinds is refused; namespaced ones get no CreateNamespace', () => {
    const shared = { ...env({}), cluster: { ...base.cluster, mode: 'shared' as const } };
    expect(() => planDelivery(shared, [target('a', 'a', (c) => new k8s.KubeNamespace(c, 'ns', { metadata: { name: 'a' } }))])).toThrow(
      'environments/dev.yaml:1:1 cluster.mode: dev/a renders cluster-scoped Namespace, but cluster.mode is "shared"',
    );
    const plan = planDelivery(shared, [target('a', 'a')])!;
    const objs = Testing.synth(new ArgoCdBootstrapChart(new App(), 'a', { plan }));
    expect(objs.find((o) => o.kind === 'AppProject' && o.metadata.name === 'a-dev').spec.clusterResourceWhitelist).toEqual([]);
    expect(objs.find((o) => o.kind === 'Application' && o.metadata.name === 'a-dev').spec.syncPolicy.syncOptions).not.toContain('CreateNamespace=true');
  });

  test('a target rendering cluster-scoped kinds gets exactly those whitelisted', () => {
    const plan = planDelivery(env({}), [target('a', 'a', (c) => new k8s.KubeNamespace(c, 'ns', { metadata: { name: 'a' } }))])!;
    expect(plan.units[0].clusterKinds).toEqual([{ group: '', kind: 'Namespace' }]);
  });
});

describe('committed dist/', () => {
  test('every Application and Kustomization points at a committed directory with a kustomization.yaml', () => {
    const dist = path.join(ROOT, 'dist');
    const envs = fs.readdirSync(dist).filter((e) => fs.existsSync(path.join(dist, e, '_gitops')));
    expect(envs.length).toBeGreaterThan(0);
    for (const env of envs) {
      const objects = ['argocd', 'flux'].flatMap((c) => readObjects(path.join(dist, env, '_gitops', c)));
      const paths = [
        ...objects.filter((o) => o.kind === 'Application').map((o) => o.spec.source.path as string),
        ...objects.filter((o) => o.kind === 'Kustomization').map((o) => (o.spec.path as string).replace(/^\.\//, '')),
      ];
      for (const p of paths) expect([p, fs.existsSync(path.join(ROOT, p, 'kustomization.yaml'))]).toEqual([p, true]);
    }
  });
});
