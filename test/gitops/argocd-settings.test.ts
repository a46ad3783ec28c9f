import * as path from 'path';
import { ManifestDocument, findProjectRoot, loadManifestDir, validateDirectory, validateManifests } from '../../lib/validate';
import { violationsOf } from '../validate/helpers';

const ROOT = findProjectRoot();
const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];

function docs(env: string): ManifestDocument[] {
  return loadManifestDir(path.join(ROOT, 'dist', env), ROOT).docs;
}
/** Names of the Argo CD Applications (systems, root and platform add-ons), sorted. */
const applications = (ds: ManifestDocument[]): string[] => ds
  .map((d) => d.object as { kind?: string; metadata?: { name?: string } })
  .filter((o) => o.kind === 'Application')
  .map((o) => o.metadata?.name ?? '')
  .sort();
const isArgoCm = (d: ManifestDocument): boolean => (d.object as { metadata?: { name?: string } }).metadata?.name === 'argocd-cm';

describe('issue 17 item 11: Argo CD tracks by annotation, so app.kubernetes.io/instance stays ours', () => {
  test.each(ENVS)('GIVEN dist/%s WHEN read THEN the Argo CD bootstrap renders argocd-cm with annotation tracking, applied server-side and never pruned', (env) => {
    const cms = docs(env).filter(isArgoCm);
    expect(cms.map((d) => path.relative(path.join(ROOT, 'dist', env), path.resolve(ROOT, d.file)))).toEqual(['_gitops/argocd/argocd--configmap--argocd-cm.yaml']);
    const cm = cms[0].object as { metadata: { namespace: string; labels: Record<string, string>; annotations: Record<string, string> }; data: Record<string, string> };
    expect(cm.data['application.resourceTrackingMethod']).toBe('annotation');
    expect(Object.keys(cm.data).sort()).toEqual(['application.resourceTrackingMethod', 'resource.customizations.health.argoproj.io_Application']);
    expect(cm.metadata.labels['app.kubernetes.io/part-of']).toBe('argocd');
    expect(cm.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true,Prune=false,Delete=false');
    expect(violationsOf(validateManifests(docs(env)), 'gitops/argocd-tracking')).toEqual([]);
  });

  test('GIVEN dist/prod without argocd-cm (as before) WHEN validated THEN every Application is reported', () => {
    const without = docs('prod').filter((d) => !isArgoCm(d));
    const found = violationsOf(validateManifests(without), 'gitops/argocd-tracking').filter((v) => v.message.includes('label tracking'));
    expect(found.map((v) => v.object.name).sort()).toEqual(applications(without));
    expect(found.map((v) => v.object.name)).toEqual(expect.arrayContaining(['ecosystem-prod', 'fediflow-prod', 'gitops-prod', 'idp-prod', 'infometis-prod', 'specify-prod']));
    expect(found[0].message).toContain('no argocd-cm is rendered in namespace "argocd"');
    expect(found[0].message).toContain('application.resourceTrackingMethod: annotation');
  });

  test('GIVEN argocd-cm set to label tracking WHEN validated THEN it is reported naming the value', () => {
    const label = docs('prod').map((d) => (isArgoCm(d) ? { ...d, object: { ...(d.object as { data: object }), data: { ...(d.object as { data: object }).data, 'application.resourceTrackingMethod': 'label' } } } : d));
    const found = violationsOf(validateManifests(label), 'gitops/argocd-tracking');
    expect(found.map((v) => v.object.name).sort()).toEqual(applications(label));
    expect(found[0].message).toContain('argocd-cm sets application.resourceTrackingMethod to "label"');
  });

  test('GIVEN the whole dist/ (one argocd-cm per environment, each its own cluster) WHEN `npm run validate` checks it THEN environments are checked apart and nothing is a duplicate', () => {
    const report = validateDirectory(path.join(ROOT, 'dist'), {}, ROOT);
    expect(report.violations.map((v) => `${v.rule} ${v.file}`)).toEqual([]);
    expect(report.objects).toBe(ENVS.reduce((n, env) => n + docs(env).length, 0));
  });

  test('GIVEN two argocd-cm in one environment WHEN validated THEN the second is a duplicate', () => {
    const prod = docs('prod');
    const twice = [...prod, { ...prod.find(isArgoCm)!, file: 'dist/prod/_gitops/flux/argocd-cm.yaml' }];
    expect(validateManifests(twice).violations.filter((v) => v.rule === 'structure/duplicate')).toHaveLength(1);
  });

});

describe('Applications ordered by sync waves wait for each other: argocd-cm gives Applications a health check', () => {
  test.each(ENVS.filter((e) => e !== 'prod-shared'))('GIVEN dist/%s WHEN read THEN argocd-cm reports an Application as healthy only when its own status.health says so', (env) => {
    const cm = docs(env).find(isArgoCm)!.object as { data: Record<string, string> };
    const script = cm.data['resource.customizations.health.argoproj.io_Application'];
    expect(script).toContain('hs.status = obj.status.health.status');
    expect(script).toContain('status = "Progressing"');
    expect(script.trim().endsWith('return hs')).toBe(true);
  });

  test('GIVEN dist/prod with add-ons in earlier waves than the systems, and argocd-cm without the health check WHEN validated THEN it is reported naming the waves', () => {
    const prod = docs('prod');
    const waves = new Set(prod.filter((d) => (d.object as { kind?: string }).kind === 'Application').map((d) => (d.object as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0'));
    expect(waves.size).toBeGreaterThan(1);
    const stripped = prod.map((d) => (isArgoCm(d) ? { ...d, object: { ...(d.object as object), data: { 'application.resourceTrackingMethod': 'annotation' } } } : d));
    const found = violationsOf(validateManifests(stripped), 'gitops/argocd-tracking');
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/^Applications in argocd are ordered by sync waves \(-?\d+(, -?\d+)+\), but argocd-cm has no resource\.customizations\.health\.argoproj\.io_Application/);
  });
});
