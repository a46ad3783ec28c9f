// Every namespace an add-on's chart writes to must be a destination of the
// add-ons' AppProject, or Argo CD refuses the whole sync (and every system
// Application waits behind it). The table below is what each pinned chart's
// templates do with the values it is given, written down from the charts
// themselves so that it does not repeat the code under test.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { PlatformChart, PlatformPlan } from '../../charts/platform';
import { loadEnvironment } from '../../app/config';
import { objectsOf } from '../../lib/gitops/dist-objects';
import { ADDON_IDS, ADDONS, AddonId } from '../../lib/platform/addons';
import { ROOT } from '../helpers/project';

type Values = Record<string, any>;

/** Namespaces (besides cluster-scoped objects) the chart at its pinned version writes to, given its values and release namespace. */
const WRITES_TO: Record<Exclude<AddonId, 'gateway-api-crds'>, (values: Values, release: string) => string[]> = {
  // CRDs only.
  'prometheus-operator-crds': () => [],
  'traefik-crds': () => [],
  // v1.15: leader-election Role/RoleBinding go to global.leaderElection.namespace (default kube-system).
  'cert-manager': (v, ns) => [ns, v.global?.leaderElection?.namespace ?? 'kube-system'],
  // 0.17: everything in the release namespace (namespaceOverride where set).
  'external-secrets': (v, ns) => [v.namespaceOverride ?? ns],
  // 1.22: the reader ServiceAccount and default revision objects in global.istioNamespace.
  'istio-base': (v) => [v.global?.istioNamespace ?? 'istio-system'],
  'istio-cni': (_v, ns) => [ns],
  istiod: (v, ns) => [ns, v.global?.istioNamespace ?? 'istio-system'],
  'argo-rollouts': (v, ns) => [v.namespaceOverride ?? ns],
  flagger: (_v, ns) => [ns],
  velero: (_v, ns) => [ns],
  'ingress-nginx': (v, ns) => [v.namespaceOverride ?? ns],
  // 3.12: the auth-reader RoleBinding is always in kube-system.
  'metrics-server': (_v, ns) => [ns, 'kube-system'],
};

interface AppShape {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { project: string; destination: { namespace: string; server: string }; source: { helm?: { valuesObject?: Values } } };
}
interface ProjectShape {
  metadata: { name: string };
  spec: { destinations: Array<{ namespace: string; server: string }> };
}

/** `addon: namespace` for each namespace an Application writes to that its project does not admit. */
function refused(apps: AppShape[], projects: ProjectShape[]): string[] {
  const out: string[] = [];
  for (const a of apps) {
    const id = a.metadata.labels?.['platform.dev/addon'] as keyof typeof WRITES_TO;
    const project = projects.find((p) => p.metadata.name === a.spec.project);
    expect([a.metadata.name, project !== undefined]).toEqual([a.metadata.name, true]);
    const writes = WRITES_TO[id](a.spec.source.helm?.valuesObject ?? {}, a.spec.destination.namespace);
    for (const ns of new Set(writes)) {
      if (!project!.spec.destinations.some((d) => d.namespace === ns && d.server === a.spec.destination.server)) out.push(`${id}: ${ns}`);
    }
  }
  return out;
}

const distEnvs = fs.readdirSync(path.join(ROOT, 'dist')).filter((e) => fs.existsSync(path.join(ROOT, 'dist', e, '_platform')));

describe('add-on namespaces against the add-ons AppProject', () => {
  test('the table covers every add-on with a chart', () => {
    expect(Object.keys(WRITES_TO).sort()).toEqual(ADDON_IDS.filter((id) => ADDONS[id].chart).sort());
  });

  test.each(distEnvs)('committed dist/%s/_platform: every namespace a chart writes to is a destination of its project', (env) => {
    const dir = path.join(ROOT, 'dist', env, '_platform');
    const files = new Map(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [`${env}/_platform/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const objects = [...objectsOf(files).values()].map((o) => o.object as unknown as { kind: string });
    const apps = objects.filter((o) => o.kind === 'Application') as unknown as AppShape[];
    if (!apps.length) return; // a Flux cluster has no AppProject
    expect(refused(apps, objects.filter((o) => o.kind === 'AppProject') as unknown as ProjectShape[])).toEqual([]);
  });

  test('GIVEN every add-on with a chart rendered at once with its default values THEN the project admits every namespace they write to', () => {
    const config = loadEnvironment('prod', { dir: path.join(ROOT, 'environments'), root: ROOT });
    const rendered = ADDON_IDS.filter((id) => ADDONS[id].chart);
    const plan: PlatformPlan = { env: 'prod', engine: 'argocd', rendered, external: [], usedBy: new Map(), tracingProviders: [] };
    const json = new PlatformChart(new App(), 'p', { config: { ...config, platform: undefined }, plan }).toJson() as Array<{ kind: string }>;
    const apps = json.filter((o) => o.kind === 'Application') as unknown as AppShape[];
    expect(apps).toHaveLength(rendered.length);
    expect(refused(apps, json.filter((o) => o.kind === 'AppProject') as unknown as ProjectShape[])).toEqual([]);
  });

  test('GIVEN cert-manager without the leader-election override (the chart default) THEN the table finds kube-system refused', () => {
    const config = loadEnvironment('prod', { dir: path.join(ROOT, 'environments'), root: ROOT });
    const plan: PlatformPlan = { env: 'prod', engine: 'argocd', rendered: ['cert-manager'], external: [], usedBy: new Map(), tracingProviders: [] };
    const json = new PlatformChart(new App(), 'p', { config: { ...config, platform: undefined }, plan }).toJson() as Array<{ kind: string }>;
    const apps = json.filter((o) => o.kind === 'Application') as unknown as AppShape[];
    delete apps[0].spec.source.helm!.valuesObject!.global;
    expect(refused(apps, json.filter((o) => o.kind === 'AppProject') as unknown as ProjectShape[])).toEqual(['cert-manager: kube-system']);
  });
});
