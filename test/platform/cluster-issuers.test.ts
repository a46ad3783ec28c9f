// ClusterIssuers an environment renders into dist/<env>/_platform/cluster-issuers/
// (platform.clusterIssuers.<name>.acme) or declares provided by the cluster
// (providedBy): rendering, delivery order after cert-manager, the config
// rules and the gate rule ref/certificate-issuer on whole environments.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ConfigError, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { clusterFacts } from '../../charts/platform';
import { renderTargets } from '../../lib/synth';
import { providerOf } from '../../lib/platform/addons';
import { checkCluster, GateObject } from '../../lib/platform/cluster-gate';
import { EXTERNAL_PROVIDER_ANNOTATION, validateManifests } from '../../lib/validate';
import { renderEnvironment } from '../../main';
import { removeScratch, ROOT, scratchProject } from '../helpers/project';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, any> };

const LE_PROD = 'https://acme-v02.api.letsencrypt.org/directory';
const LE_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

let dir: string;
beforeAll(() => { dir = scratchProject({ dist: false }); });
afterAll(() => removeScratch(dir));

/** Loads `env` from the scratch copy after replacing its text with `change(text)`. */
function loadEdited(env: string, change: (text: string) => string = (t) => t): EnvironmentConfig {
  const file = path.join(dir, 'environments', `${env}.yaml`);
  const original = fs.readFileSync(path.join(ROOT, 'environments', `${env}.yaml`), 'utf8');
  fs.writeFileSync(file, change(original));
  try {
    return loadEnvironment(env, { dir: path.join(dir, 'environments'), root: dir });
  } finally {
    fs.writeFileSync(file, original);
  }
}

/** Replaces the trailing platform block of a reference environment. */
const withIssuers = (block: string) => (text: string): string => {
  const at = text.indexOf('\nplatform:\n');
  if (at < 0) throw new Error('no platform block');
  return `${text.slice(0, at)}\n${block}`;
};

function render(cfg: EnvironmentConfig): GateObject[] {
  return renderTargets(renderEnvironment(cfg, new App())).map((o) => ({ dir: o.dir, file: o.file, object: o.object }));
}

const issuersOf = (objects: readonly GateObject[]) => objects.filter((o) => o.object.kind === 'ClusterIssuer').map((o) => o.object as unknown as Obj);

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('rendering: platform.clusterIssuers.<name>.acme', () => {
  test('GIVEN prod (nginx border, InfoMetis on its own Traefik) WHEN rendered THEN one ClusterIssuer in _platform/cluster-issuers: Let\'s Encrypt production, its account key Secret, HTTP-01 through nginx and, for the Certificates labelled with their class, through InfoMetis\' Traefik', () => {
    const objects = render(loadEdited('prod'));
    const issuers = objects.filter((o) => o.object.kind === 'ClusterIssuer');
    expect(issuers.map((o) => `${o.dir}/${o.file}`)).toEqual(['prod/_platform/cluster-issuers/_cluster--clusterissuer.cert-manager.io--letsencrypt-prod.yaml']);
    const spec = (issuers[0].object as unknown as Obj).spec!;
    expect(spec.acme).toEqual({
      email: 'platform-team@example.com',
      server: LE_PROD,
      privateKeySecretRef: { name: 'letsencrypt-prod-account-key' },
      solvers: [
        { http01: { ingress: { ingressClassName: 'nginx' } } },
        { http01: { ingress: { ingressClassName: 'infometis-prod-traefik' } }, selector: { matchLabels: { 'platform.dev/http01-ingress-class': 'infometis-prod-traefik' } } },
      ],
    });
    // The InfoMetis Certificates carry the label that selects the Traefik solver.
    const certs = objects.filter((o) => o.object.kind === 'Certificate').map((o) => o.object as unknown as Obj);
    expect(certs.map((c) => c.metadata.labels!['platform.dev/http01-ingress-class'])).toEqual(['infometis-prod-traefik', 'infometis-prod-traefik']);
  });

  test('GIVEN staging WHEN rendered THEN its ClusterIssuer uses the Let\'s Encrypt staging directory', () => {
    expect(issuersOf(render(loadEdited('staging'))).map((i) => [i.metadata.name, i.spec!.acme.server])).toEqual([['letsencrypt-staging', LE_STAGING]]);
  });

  test('GIVEN a Traefik border, a DNS-01 issuer and an account key Secret of its own WHEN rendered THEN the HTTP-01 class is the border\'s and the DNS-01 issuer solves through Route 53', () => {
    const cfg = loadEdited('prod-failover', (t) => withIssuers(`platform:
  clusterIssuers:
    letsencrypt-prod:
      acme: { email: ops@example.org, accountKeySecret: le-prod-key }
    letsencrypt-dns:
      acme: { email: ops@example.org, server: ${LE_STAGING}, solver: { type: dns01-route53, region: us-west-2, hostedZoneId: Z0123ABC } }
`)(t).replace('border:\n  tls:', 'border:\n  kind: traefik\n  className: edge\n  tls:'));
    const issuers = issuersOf(render(cfg));
    expect(issuers.map((i) => [i.metadata.name, i.spec!.acme.server, i.spec!.acme.privateKeySecretRef.name, i.spec!.acme.solvers])).toEqual([
      ['letsencrypt-dns', LE_STAGING, 'letsencrypt-dns-account-key', [{ dns01: { route53: { region: 'us-west-2', hostedZoneID: 'Z0123ABC' } } }]],
      ['letsencrypt-prod', LE_PROD, 'le-prod-key', [{ http01: { ingress: { ingressClassName: 'edge' } } }]],
    ]);
  });

  test('GIVEN the ClusterIssuer providedBy the cluster WHEN rendered THEN nothing is rendered for it, the Ingress says who provides it, and the gate passes', () => {
    const cfg = loadEdited('prod-failover', withIssuers('platform:\n  clusterIssuers:\n    letsencrypt-prod: { providedBy: "platform team" }\n'));
    const objects = render(cfg);
    expect(issuersOf(objects)).toEqual([]);
    expect(objects.some((o) => o.dir.endsWith('/cluster-issuers'))).toBe(false);
    const ingress = objects.find((o) => o.object.kind === 'Ingress')!;
    expect(ingress.object.metadata.annotations![EXTERNAL_PROVIDER_ANNOTATION]).toBe('platform team');
    const report = validateManifests(objects.map((o) => ({ file: `dist/${o.dir}/${o.file}`, object: o.object })), { environment: 'prod-failover' });
    expect(report.violations.filter((v) => v.rule === 'ref/certificate-issuer')).toEqual([]);
    expect(checkCluster('prod-failover', objects, clusterFacts(cfg)).violations).toEqual([]);
  });
});

describe('order: the ClusterIssuers are applied once cert-manager (CRDs and admission webhook) is ready', () => {
  test('GIVEN prod on Argo CD WHEN rendered THEN the cluster-issuers Application syncs in a wave after platform-prod (whose health waits on the cert-manager Application), allowed exactly the ClusterIssuer kind', () => {
    const objects = render(loadEdited('prod'));
    const app = (name: string) => objects.find((o) => o.object.kind === 'Application' && o.object.metadata.name === name)!.object as unknown as Obj;
    const wave = (name: string) => Number(app(name).metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(app('platform-cluster-issuers-prod').spec!.source.path).toBe('dist/prod/_platform/cluster-issuers');
    expect(wave('platform-cluster-issuers-prod')).toBeGreaterThan(wave('platform-prod'));
    const project = objects.find((o) => o.object.kind === 'AppProject' && o.object.metadata.name === 'platform-cluster-issuers-prod')!.object as unknown as Obj;
    expect(project.spec!.clusterResourceWhitelist).toEqual([{ group: 'cert-manager.io', kind: 'ClusterIssuer' }]);
    expect(project.spec!.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'cert-manager' }]);
    // platform-prod is healthy only when its Applications are (argocd-cm's Application health check).
    const cm = objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'argocd-cm')!.object as unknown as { data: Record<string, string> };
    expect(cm.data['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
  });

  test('GIVEN prod-failover (an nginx Ingress naming the ClusterIssuer, no Certificate object) WHEN planned THEN cert-manager is installed for it (before: nothing installed cert-manager there)', () => {
    expect(providerOf({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', spec: { ingressClassName: 'nginx' }, annotations: { 'cert-manager.io/cluster-issuer': 'x' } })).toEqual({ addons: ['ingress-nginx', 'cert-manager'] });
    expect(providerOf({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer' })).toEqual({ addons: ['cert-manager'] });
    const apps = render(loadEdited('prod-failover')).filter((o) => o.dir === 'prod-failover/_platform' && o.object.kind === 'Application');
    expect(apps.map((a) => a.object.metadata.name)).toContain('cert-manager-prod-failover');
  });

  test('GIVEN staging on Flux WHEN rendered THEN the cluster-issuers Kustomization depends on platform-staging, which waits for its HelmReleases (cert-manager\'s webhook ready)', () => {
    const objects = render(loadEdited('staging', (t) => t.replace('\nborder:\n', '\ngitops:\n  engine: flux\nborder:\n')));
    const kustomization = (name: string) => objects.find((o) => o.object.kind === 'Kustomization' && o.object.metadata.name === name)!.object as unknown as Obj;
    expect(kustomization('platform-cluster-issuers-staging').spec).toMatchObject({ path: './dist/staging/_platform/cluster-issuers', dependsOn: [{ name: 'platform-staging' }] });
    expect(kustomization('platform-staging').spec!.wait).toBe(true);
    expect(objects.some((o) => o.object.kind === 'HelmRelease' && o.object.metadata.name === 'cert-manager')).toBe(true);
    expect(checkCluster('staging', objects, clusterFacts(loadEdited('staging'))).violations).toEqual([]);
  });

  test('GIVEN the cluster-issuers unit in the same wave as platform-prod, or a Flux one without dependsOn WHEN checked THEN cluster/order names it and the expected order', () => {
    const cfg = loadEdited('prod');
    const objects = render(cfg).map((o) => {
      if (o.object.kind !== 'Application' || o.object.metadata.name !== 'platform-cluster-issuers-prod') return o;
      return { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { 'argocd.argoproj.io/sync-wave': '0' } } } };
    });
    expect(checkCluster('prod', objects, clusterFacts(cfg)).violations).toEqual([
      expect.stringMatching(/^cluster\/order: dist\/prod\/_gitops\/argocd\/.*\(Application argocd\/platform-cluster-issuers-prod\) sync-wave 0 uses cert-manager; expected a wave above 0, the wave of platform-prod/),
    ]);
    const flux = loadEdited('staging', (t) => t.replace('\nborder:\n', '\ngitops:\n  engine: flux\nborder:\n'));
    const fluxObjects = render(flux).map((o) => {
      if (o.object.kind !== 'Kustomization' || o.object.metadata.name !== 'platform-cluster-issuers-staging') return o;
      return { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), dependsOn: undefined } } };
    });
    expect(checkCluster('staging', fluxObjects, clusterFacts(flux)).violations).toEqual([
      expect.stringMatching(/^cluster\/order: .*\(Kustomization flux-system\/platform-cluster-issuers-staging\) uses cert-manager; expected spec.dependsOn to name platform-staging/),
    ]);
  });
});

describe('environment file rules', () => {
  test('GIVEN border.tls naming a ClusterIssuer the environment does not declare WHEN loaded THEN the issuer line is named with both ways to fix it', () => {
    const msg = configError(() => loadEdited('prod', (t) => t.replace('\nplatform:\n  clusterIssuers:\n    letsencrypt-prod:', '\nplatform:\n  clusterIssuers:\n    letsencrypt-production:')));
    expect(msg).toMatch(/^environments\/prod\.yaml:\d+:\d+ border\.tls\.issuer: expected a ClusterIssuer the environment declares, got "letsencrypt-prod" \(declared: letsencrypt-production\)/);
    expect(msg).toContain('platform.clusterIssuers.letsencrypt-prod: { acme: { email, server } } to render it');
    expect(msg).toContain('platform.clusterIssuers.letsencrypt-prod: { providedBy: "<who>" } when the cluster already has it');
  });

  test.each([
    ['neither acme nor providedBy', 'letsencrypt-prod: {}', /platform\.clusterIssuers\.letsencrypt-prod: expected either acme: \{ email, server \}/],
    ['both', 'letsencrypt-prod: { providedBy: ops, acme: { email: a@example.org } }', /platform\.clusterIssuers\.letsencrypt-prod\.providedBy: expected no providedBy beside acme/],
    ['a bad e-mail', 'letsencrypt-prod: { acme: { email: ops } }', /platform\.clusterIssuers\.letsencrypt-prod\.acme\.email: expected an e-mail address/],
  ])('GIVEN a ClusterIssuer with %s WHEN loaded THEN it is refused at its line', (_what, entry, message) => {
    expect(configError(() => loadEdited('prod-failover', withIssuers(`platform:\n  clusterIssuers:\n    ${entry}\n`)))).toMatch(message);
  });

  test('GIVEN a shared cluster WHEN a ClusterIssuer is to be rendered THEN it is refused (only providedBy, or a namespaced Issuer)', () => {
    const msg = configError(() => loadEdited('prod-shared', (t) => `${t}platform:\n  clusterIssuers:\n    le: { acme: { email: ops@example.org } }\n`));
    expect(msg).toMatch(/platform\.clusterIssuers\.le\.acme: expected no acme in a shared cluster/);
  });

  test('GIVEN a Gateway border WHEN a ClusterIssuer would solve HTTP-01 THEN dns01-route53 is asked for', () => {
    const msg = configError(() => loadEdited('prod-failover', (t) => t.replace('border:\n  tls:', 'border:\n  kind: gateway\n  gateway: { name: edge, namespace: gateways }\n  tls:')));
    expect(msg).toMatch(/platform\.clusterIssuers\.letsencrypt-prod\.acme(\.solver)?: expected solver type "dns01-route53" with a Gateway border/);
  });
});
