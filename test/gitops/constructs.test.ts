import { Testing } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { ArgoApplication } from '../../lib/gitops/argocd-application';
import { ArgoProject } from '../../lib/gitops/argocd-project';
import { applyDeliveryMetadata } from '../../lib/gitops/delivery-metadata';
import { FluxKustomization } from '../../lib/gitops/flux-kustomization';
import { FluxGitSource } from '../../lib/gitops/flux-source';
import { ignoreDifferences, ignoreDifferencesOf } from '../../lib/gitops/ignore-differences';
import { Rollout } from '../../imports/rollouts-rollout-argoproj.io';
import { testChart } from '../helpers/chart';

type Obj = Record<string, any>;
const byKind = (objs: Obj[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;

describe('ArgoApplication', () => {
  test('defaults: automated prune + selfHeal, CreateNamespace, retry 5 x 5s doubling to 3m, history 10', () => {
    // GIVEN
    const chart = testChart();
    // WHEN
    new ArgoApplication(chart, 'app', { name: 'shop-prod', project: 'shop-prod', repoURL: 'https://git.example.com/m.git', path: 'dist/prod/shop', server: 'https://k8s.example.com', destinationNamespace: 'shop' });
    // THEN
    const app = Testing.synth(chart)[0];
    expect(app.metadata).toEqual({ name: 'shop-prod', namespace: 'argocd' });
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/m.git', path: 'dist/prod/shop', targetRevision: 'HEAD' });
    expect(app.spec.destination).toEqual({ server: 'https://k8s.example.com', namespace: 'shop' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
    expect(app.spec.revisionHistoryLimit).toBe(10);
    expect(app.metadata.finalizers).toBeUndefined();
    expect(app.spec.ignoreDifferences).toBeUndefined();
    expect(app.spec.syncPolicy.syncOptions).not.toContain('RespectIgnoreDifferences=true');
  });

  test('ignoreDifferences come with RespectIgnoreDifferences, so syncs do not write the ignored fields back', () => {
    const chart = testChart();
    const ignore = { group: 'apps', kind: 'Deployment', name: 'api', jsonPointers: ['/spec/replicas'] };
    new ArgoApplication(chart, 'app', { name: 'a', project: 'a', repoURL: 'https://g/x.git', path: 'dist/a', server: 'https://s', ignoreDifferences: [ignore] });
    const app = Testing.synth(chart)[0];
    expect(app.spec.ignoreDifferences).toEqual([ignore]);
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test('rejects a malformed backoff and an absolute path, naming the field', () => {
    const chart = testChart();
    const base = { name: 'a', project: 'a', repoURL: 'https://g/x.git', path: 'dist/x', server: 'https://s' };
    expect(() => new ArgoApplication(chart, 'a', { ...base, retry: { backoff: '5 seconds' } })).toThrow(/a: retry.backoff: expected a duration such as "5s" or "3m", got "5 seconds"/);
    expect(() => new ArgoApplication(chart, 'b', { ...base, path: '/dist/x' })).toThrow(/b: path: expected a path relative to the repository root/);
  });
});

describe('ArgoProject', () => {
  test('allows no cluster-scoped kinds unless given, and every namespaced kind', () => {
    const chart = testChart();
    new ArgoProject(chart, 'p', { name: 'shop', sourceRepos: ['https://g/x.git'], destinations: [{ server: 'https://s', namespace: 'shop' }] });
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.clusterResourceWhitelist).toEqual([]);
    expect(spec.namespaceResourceWhitelist).toEqual([{ group: '*', kind: '*' }]);
    expect(spec.destinations).toEqual([{ server: 'https://s', namespace: 'shop' }]);
    expect(spec.sourceRepos).toEqual(['https://g/x.git']);
  });
});

describe('Flux', () => {
  test('Kustomization: ./path, prune, wait, timeout, sorted dependsOn; GitRepository limited to the environment', () => {
    const chart = testChart();
    new FluxGitSource(chart, 'src', { name: 'manifests-prod', url: 'https://g/x.git', revision: 'main', include: ['dist/prod/'] });
    new FluxKustomization(chart, 'k', { name: 'app-prod', sourceName: 'manifests-prod', path: 'dist/prod/app', dependsOn: ['z-prod', 'data-prod'] });
    const objs = Testing.synth(chart);
    const k = byKind(objs, 'Kustomization');
    expect(k.spec).toMatchObject({ path: './dist/prod/app', prune: true, wait: true, timeout: '5m', interval: '5m', sourceRef: { kind: 'GitRepository', name: 'manifests-prod' } });
    expect(k.spec.dependsOn).toEqual([{ name: 'data-prod' }, { name: 'z-prod' }]);
    expect(k.spec.deletionPolicy).toBe('Orphan');
    const g = byKind(objs, 'GitRepository');
    expect(g.spec).toMatchObject({ url: 'https://g/x.git', ref: { branch: 'main' }, ignore: '/*\n!/dist/prod/\n' });
  });

  test('a Kustomization cannot depend on itself; scp-style URLs are refused', () => {
    const chart = testChart();
    expect(() => new FluxKustomization(chart, 'k', { name: 'a', sourceName: 's', path: 'dist/a', dependsOn: ['a'] })).toThrow(/dependsOn: expected a list of other Kustomizations/);
    expect(() => new FluxGitSource(chart, 'g', { name: 's', url: 'git@github.com:x/y.git' })).toThrow(/url: expected an https:\/\/ or ssh:\/\/ URL/);
  });
});

describe('applyDeliveryMetadata', () => {
  test('protects PVCs, data StatefulSets and Namespaces; sets waves by kind and keeps explicit ones', () => {
    // GIVEN
    const chart = testChart();
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'shop' } });
    new k8s.KubePersistentVolumeClaim(chart, 'pvc', { metadata: { name: 'data', namespace: 'shop' }, spec: { accessModes: ['ReadWriteOnce'] } });
    const pod = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    new k8s.KubeStatefulSet(chart, 'db', {
      metadata: { name: 'db', namespace: 'shop', annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' } },
      spec: { serviceName: 'db', selector: { matchLabels: { a: 'b' } }, template: pod, volumeClaimTemplates: [{ metadata: { name: 'data' } }] },
    });
    new k8s.KubeStatefulSet(chart, 'cache', { metadata: { name: 'cache', namespace: 'shop' }, spec: { serviceName: 'cache', selector: { matchLabels: { a: 'b' } }, template: pod } });
    new k8s.KubeDeployment(chart, 'api', { metadata: { name: 'api', namespace: 'shop', annotations: { 'argocd.argoproj.io/sync-wave': '7' } }, spec: { selector: { matchLabels: { a: 'b' } }, template: pod } });
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', namespace: 'shop' } });
    // WHEN
    applyDeliveryMetadata(chart);
    // THEN
    const objs = Testing.synth(chart);
    const ann = (kind: string, name?: string) => byKind(objs, kind, name).metadata.annotations ?? {};
    for (const [kind, name] of [['Namespace'], ['PersistentVolumeClaim'], ['StatefulSet', 'db']]) {
      expect(ann(kind, name)['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    }
    expect(ann('StatefulSet', 'db')['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true,Prune=false,Delete=false');
    expect(ann('PersistentVolumeClaim')['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    expect(ann('StatefulSet', 'cache')['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
    expect(ann('Namespace')['argocd.argoproj.io/sync-wave']).toBe('-5');
    expect(ann('ConfigMap')['argocd.argoproj.io/sync-wave']).toBe('-3');
    expect(ann('StatefulSet', 'db')['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(ann('Deployment')['argocd.argoproj.io/sync-wave']).toBe('7');
  });
});

describe('ignoreDifferencesOf', () => {
  test('infers HPA-owned replicas and Rollouts-owned VirtualService weights; keeps declared entries', () => {
    // GIVEN
    const chart = testChart();
    new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
      metadata: { name: 'api', namespace: 'shop' },
      spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } },
    });
    const r = new Rollout(chart, 'ro', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { strategy: { canary: { trafficRouting: { istio: { virtualService: { name: 'web' } } } } } },
    });
    ignoreDifferences(r, { group: 'traefik.io', kind: 'TraefikService', name: 'web', namespace: 'shop', jqPathExpressions: ['.spec.weighted.services[].weight'] });
    // WHEN
    const entries = ignoreDifferencesOf(chart);
    // THEN
    expect(entries).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'api', namespace: 'shop', jsonPointers: ['/spec/replicas'] },
      { group: 'networking.istio.io', kind: 'VirtualService', name: 'web', namespace: 'shop', jqPathExpressions: ['.spec.http[].route[].weight'] },
      { group: 'traefik.io', kind: 'TraefikService', name: 'web', namespace: 'shop', jqPathExpressions: ['.spec.weighted.services[].weight'] },
    ]);
  });
});
