import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { clusterFacts, planPlatform, withPlatform } from '../../charts/platform';
import { ConfigError, loadEnvironment } from '../../app/config';
import { FluxHelmRelease, FluxHelmRepository } from '../../lib/gitops/flux-helm';
import { addonTable, ADDONS, PROVIDER_RULES, providerOf } from '../../lib/platform/addons';
import { checkCluster, GateObject } from '../../lib/platform/cluster-gate';
import { validateManifests } from '../../lib/validate';
import { testChart } from '../helpers/chart';
import { ROOT } from '../helpers/project';
import { committedGateObjects } from '../helpers/dist';
import { synthHooks } from '../../main';

const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];
const envDir = path.join(ROOT, 'environments');
const load = (env: string) => loadEnvironment(env, { dir: envDir, root: ROOT });

const DIST = committedGateObjects();
const inEnv = (env: string) => DIST.filter((o) => o.dir.split('/')[0] === env);
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('committed dist/: every kind provided, ordered and owned by one engine', () => {
  test.each(ENVS)('%s: the cluster gate finds nothing', (env) => {
    const r = checkCluster(env, inEnv(env), clusterFacts(load(env)));
    expect(r.violations).toEqual([]);
    expect(r.objectsChecked).toBe(inEnv(env).filter((o) => o.object.apiVersion !== 'kustomize.config.k8s.io/v1beta1').length);
  });

  test('GIVEN every rendered object WHEN looked up THEN the provider table knows its apiVersion/kind', () => {
    const unknown = DIST.filter((o) => !providerOf(o.object)).map((o) => `${o.object.apiVersion}/${o.object.kind}`);
    expect(unknown).toEqual([]);
  });

  test('GIVEN prod (Rollout, Certificate, Istio, Velero, nginx Ingress) THEN its _platform installs exactly those add-ons, CRD providers in an earlier wave', () => {
    const apps = inEnv('prod').filter((o) => o.dir === 'prod/_platform' && o.object.kind === 'Application');
    const wave = (name: string) => Number(apps.find((a) => a.object.metadata.name === `${name}-prod`)!.object.metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(apps.map((a) => a.object.metadata.labels!['platform.dev/addon']).sort()).toEqual(
      ['argo-rollouts', 'cert-manager', 'external-secrets', 'ingress-nginx', 'istio-base', 'istio-cni', 'istiod', 'metrics-server', 'prometheus-operator-crds', 'traefik-crds', 'velero'],
    );
    expect(wave('istio-base')).toBeLessThan(wave('istiod'));
    expect(wave('istio-base')).toBeLessThan(wave('istio-cni'));
    const source = (apps.find((a) => a.object.metadata.name === 'cert-manager-prod')!.object.spec as { source: Record<string, unknown> }).source;
    expect(source).toMatchObject({ repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', targetRevision: ADDONS['cert-manager'].chart!.version, helm: { valuesObject: { crds: { enabled: true } } } });
  });

  test('GIVEN the shared-cluster target THEN no add-on is rendered (it assumes the cluster\'s)', () => {
    expect(inEnv('prod-shared').filter((o) => o.dir.endsWith('/_platform'))).toEqual([]);
  });

  const withKustomization = ENVS.filter((e) => fs.existsSync(path.join(ROOT, 'dist', e, '_platform', 'kustomization.yaml')));
  test('every environment but the shared one has a _platform directory', () => {
    expect(withKustomization).toEqual(ENVS.filter((e) => e !== 'prod-shared'));
  });
  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? test.each(withKustomization) : test.skip.each(withKustomization))('kubectl kustomize dist/%s/_platform builds', (env) => {
    const out = execFileSync('kubectl', ['kustomize', path.join(ROOT, 'dist', env, '_platform')], { encoding: 'utf8' });
    expect(out).toMatch(/kind: Application/);
  });
});

describe('the synth gate', () => {
  test('GIVEN npm run synth\'s checks THEN the cluster gate is one of them and refuses a render whose Rollout has no Argo Rollouts', () => {
    const gate = synthHooks({}).checks!.find((c) => c.name === 'cluster')!;
    expect(gate).toBeDefined();
    const objects = inEnv('prod').filter((o) => o.object.metadata.name !== 'argo-rollouts-prod');
    const answer = gate.runEnvironment!({ env: 'prod', objects: objects as never, files: new Map() });
    // the cluster gate answers at once (only a threaded check hands back a function to wait on)
    expect(typeof answer).not.toBe('function');
    const problems = answer as readonly string[];
    expect([...problems].sort()).toEqual([
      expect.stringMatching(/^cluster\/unprovided: dist\/prod\/ecosystem\/ecosystem-prod--analysistemplate\.argoproj\.io--user-service-slo\.yaml \(AnalysisTemplate ecosystem-prod\/user-service-slo\): needs Argo Rollouts/),
      expect.stringMatching(/^cluster\/unprovided: dist\/prod\/ecosystem\/ecosystem-prod--rollout\.argoproj\.io--user-service\.yaml \(Rollout ecosystem-prod\/user-service\): needs Argo Rollouts \(argo-rollouts\), which is neither rendered in dist\/prod\/_platform\/ nor declared platform\.addons\.argo-rollouts\.external: true/),
    ]);
  });
});

describe('the defects of the render before #20, reproduced on today\'s objects', () => {
  test('GIVEN prod without _platform WHEN checked THEN each object of an add-on kind is unprovided (e.g. the Rollout)', () => {
    const objects = inEnv('prod').filter((o) => !o.dir.endsWith('/_platform'));
    const r = checkCluster('prod', objects, clusterFacts(load('prod')));
    const unprovided = r.violations.filter((v) => v.startsWith('cluster/unprovided'));
    expect(unprovided.length).toBe(objects.reduce((n, o) => n + ((providerOf({ ...o.object, annotations: o.object.metadata.annotations }) as { addons?: string[] }).addons?.length ?? 0), 0));
    expect(unprovided.join('\n')).toMatch(/dist\/prod\/ecosystem\/ecosystem-prod--rollout\.argoproj\.io--user-service\.yaml \(Rollout ecosystem-prod\/user-service\): needs Argo Rollouts \(argo-rollouts\)/);
  });

  test('GIVEN a Flux bootstrap that also delivers specify (as dist/<env>/_gitops/flux did) WHEN checked THEN every specify object is owned by two engines', () => {
    const flux = (name: string, p: string): GateObject => ({
      dir: 'prod/_gitops/flux',
      file: `flux-system--kustomization--${name}.yaml`,
      object: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' }, spec: { path: p } },
    });
    const objects = [...inEnv('prod'), flux('gitops-prod', './dist/prod/_gitops/flux'), flux('specify-prod', './dist/prod/specify')];
    const r = checkCluster('prod', objects, clusterFacts(load('prod')));
    const twice = r.violations.filter((v) => v.startsWith('cluster/two-engines'));
    expect(twice).toHaveLength(inEnv('prod').filter((o) => o.dir === 'prod/specify').length);
    expect(twice[0]).toMatch(/reached from both argocd and flux/);
  });

  test('GIVEN a system Application in the platform\'s wave, or a Flux Kustomization without dependsOn THEN cluster/order names it', () => {
    const objects = inEnv('prod').map(clone);
    const app = objects.find((o) => o.dir === 'prod/_gitops/argocd' && o.object.metadata.name === 'ecosystem-prod')!;
    app.object.metadata.annotations!['argocd.argoproj.io/sync-wave'] = '0';
    const istiod = objects.find((o) => o.object.metadata.name === 'istiod-prod')!;
    istiod.object.metadata.annotations!['argocd.argoproj.io/sync-wave'] = '0';
    const r = checkCluster('prod', objects, clusterFacts(load('prod')));
    expect(r.violations).toEqual([
      expect.stringMatching(/^cluster\/order: .*Application argocd\/ecosystem-prod\) sync-wave 0 uses .*argo-rollouts.*; expected a wave above 0/),
      expect.stringMatching(/^cluster\/order: .*Application argocd\/istiod-prod\) requires istio-base; expected a sync-wave above 0/),
    ]);
  });

  test('GIVEN a cluster declaring every add-on external THEN nothing is rendered and the gate accepts the objects', () => {
    const env = load('prod');
    const all = Object.fromEntries(Object.keys(ADDONS).map((id) => [id, { external: true }]));
    const external = { ...env, platform: { addons: all } } as typeof env;
    const r = checkCluster('prod', inEnv('prod').filter((o) => !o.dir.endsWith('/_platform')), clusterFacts(external));
    expect(r.violations.filter((v) => v.startsWith('cluster/unprovided'))).toEqual([]);
  });
});

describe('planPlatform: located errors in the environment file', () => {
  const gatewayTarget = () => {
    const chart = testChart();
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'x', namespace: 'a' } });
    new ApiObject(chart, 'route', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a' }, spec: {} });
    return { dir: 'prod/a', chart };
  };

  test('GIVEN an HTTPRoute and no Gateway API declared external WHEN planned THEN a ConfigError at the environment file says to declare it', () => {
    const env = load('prod');
    let err: unknown;
    try {
      planPlatform(env, [gatewayTarget()]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^environments\/prod\.yaml:\d+:\d+ platform\.addons\.gateway-api-crds\.external: gateway\.networking\.k8s\.io\/HTTPRoute need Gateway API CRDs, which has no Helm chart to render: install it in the cluster and declare platform\.addons\.gateway-api-crds\.external: true/);
  });

  test('GIVEN the Gateway API declared external THEN nothing is rendered for it', () => {
    const env = { ...load('prod'), platform: { addons: { 'gateway-api-crds': { external: true } } } } as ReturnType<typeof load>;
    expect(planPlatform(env, [gatewayTarget()])).toMatchObject({ rendered: [], external: ['gateway-api-crds'] });
    expect(withPlatform(env, [gatewayTarget()], new App())).toHaveLength(1);
  });

  test('GIVEN values for an add-on nothing uses THEN the error names that field', () => {
    const env = { ...load('prod'), platform: { addons: { flagger: { values: { x: 1 } } } } } as ReturnType<typeof load>;
    expect(() => planPlatform(env, [gatewayTarget()])).toThrow(/platform\.addons\.flagger\.values: values for flagger, which no rendered object uses/);
  });
});

describe('environment file: gitops.engine replaces the controllers lists', () => {
  test('GIVEN an environment still listing gitops.controllers WHEN loaded THEN the error points at its line and says what replaced it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-'));
    try {
      for (const f of fs.readdirSync(envDir)) fs.copyFileSync(path.join(envDir, f), path.join(dir, f));
      const text = fs.readFileSync(path.join(dir, 'dev.yaml'), 'utf8');
      fs.writeFileSync(path.join(dir, 'dev.yaml'), `${text}\ngitops:\n  controllers: [argocd, flux]\n`);
      const line = text.split('\n').length + 2;
      expect(() => loadEnvironment('dev', { dir, root: ROOT })).toThrow(new RegExp(`dev\\.yaml:${line}:\\d+ gitops\\.controllers: expected .gitops\\.engine: argocd. or .gitops\\.engine: flux. in place of this list`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Flux Helm objects against their hand-written schema', () => {
  const chart = testChart();
  const repo = new FluxHelmRepository(chart, 'repo', { name: 'charts-jetstack-io', url: 'https://charts.jetstack.io' });
  new FluxHelmRelease(chart, 'rel', { name: 'cert-manager', repository: repo, chart: 'cert-manager', version: 'v1.15.3', targetNamespace: 'cert-manager', values: { crds: { enabled: true } } });
  const docs = chart.toJson().map((object: Record<string, unknown>, i: number) => ({ file: `dist/dev/_platform/o${i}.yaml`, object }));
  const schemaFindings = (d: typeof docs) => validateManifests(d).violations.filter((v) => v.rule.startsWith('schema/'));

  test('GIVEN what the constructs emit THEN the gate accepts it', () => {
    expect(schemaFindings(docs)).toEqual([]);
  });

  test('GIVEN an unknown field in a HelmRelease THEN the gate rejects it', () => {
    const bad = clone(docs);
    (bad[1].object.spec as Record<string, unknown>).chartVersion = '1.0.0';
    expect(schemaFindings(bad).map((v) => `${v.rule} ${v.path}`)).toEqual([expect.stringMatching(/spec\.chartVersion/)]);
  });

  test('GIVEN a version range THEN the construct refuses it', () => {
    expect(() => new FluxHelmRelease(testChart(), 'x', { name: 'x', repository: repo, chart: 'x', version: '>=1.0.0', targetNamespace: 'x' })).toThrow(/exact chart version/);
  });
});

describe('one table', () => {
  test('GIVEN the add-on table THEN the README lists exactly its pinned versions', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- addons:begin -->\n([\s\S]*?)\n<!-- addons:end -->/.exec(readme)?.[1];
    expect(block).toBe(addonTable());
  });

  test('every add-on named by a provider rule has a chart or is one that must be external', () => {
    for (const r of PROVIDER_RULES) {
      if (!('addons' in r.provider)) continue;
      for (const id of r.provider.addons) expect([id, ADDONS[id].chart !== undefined || id === 'gateway-api-crds']).toEqual([id, true]);
    }
  });
});

describe('the mesh mode reaches the add-ons (prod: mesh.cni and mesh.nativeSidecars true, NGINX in the mesh)', () => {
  const app = (name: string) => inEnv('prod').find((o) => o.dir === 'prod/_platform' && o.object.metadata.name === `${name}-prod`)!.object as { metadata: { annotations: Record<string, string> }; spec: { source: { helm?: { valuesObject?: any } } } };
  const wave = (name: string) => Number(app(name).metadata.annotations['argocd.argoproj.io/sync-wave']);

  test('GIVEN restricted namespaces with sidecars THEN the Istio CNI plugin is installed and istiod runs with it and with native sidecars', () => {
    expect(app('istiod').spec.source.helm!.valuesObject.pilot).toEqual({ cni: { enabled: true }, env: { ENABLE_NATIVE_SIDECARS: 'true' } });
    expect(app('istio-cni').spec.source.helm?.valuesObject).toBeUndefined();
  });

  test('GIVEN STRICT mTLS backends behind NGINX THEN the controller pods are injected, leave inbound traffic to NGINX, and install after istiod', () => {
    expect(app('ingress-nginx').spec.source.helm!.valuesObject.controller).toEqual({ podLabels: { 'sidecar.istio.io/inject': 'true' }, podAnnotations: { 'traffic.sidecar.istio.io/includeInboundPorts': '' }, service: { type: 'LoadBalancer' } });
    expect(wave('ingress-nginx')).toBeGreaterThan(wave('istiod'));
  });

  test('GIVEN istiod rewriting its webhooks\' failurePolicy after install THEN Argo CD ignores that field on both Istio charts (no endless self-heal fight)', () => {
    for (const name of ['istio-base', 'istiod']) {
      const spec = app(name).spec as unknown as { ignoreDifferences: unknown[]; syncPolicy: { syncOptions: string[] } };
      expect(spec.ignoreDifferences).toEqual([{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.failurePolicy'] }]);
      expect(spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
  });

  test('GIVEN Velero THEN its CRD-upgrade hook (a Bitnami kubectl image no longer published) is off', () => {
    expect(app('velero').spec.source.helm!.valuesObject).toMatchObject({ upgradeCRDs: false });
  });
});
