import * as path from 'path';
import { borderSchema } from '../../app/config/security-schema';
import { EXTERNAL_PROVIDER_ANNOTATION, ManifestDocument, findProjectRoot, loadManifestDir, validateManifests } from '../../lib/validate';
import { violationsOf } from './helpers';

const ROOT = findProjectRoot();

function prodShared(): ManifestDocument[] {
  return loadManifestDir(path.join(ROOT, 'dist', 'prod-shared'), ROOT).docs;
}

const isIssuer = (d: ManifestDocument): boolean => (d.object as { kind?: string }).kind === 'Issuer';

const ingress = (annotations: Record<string, string>): ManifestDocument => ({
  file: 'dist/x/app/ingress.yaml',
  object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns', annotations }, spec: { rules: [{ host: 'a.example.com' }] } },
});
const certificate = (issuerRef: Record<string, string>, annotations: Record<string, string> = {}): ManifestDocument => ({
  file: 'dist/x/app/certificate.yaml',
  object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'ns', annotations }, spec: { secretName: 'web-tls', dnsNames: ['a.example.com'], issuerRef } },
});
const clusterIssuer = (name: string): ManifestDocument => ({
  file: 'dist/x/_platform/cluster-issuers/issuer.yaml',
  object: { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name }, spec: { selfSigned: {} } },
});

describe('issue 17 item 10: prod-shared Certificates and their namespaced Issuer', () => {
  test('GIVEN dist/prod-shared WHEN read THEN the Issuer the Certificates name is rendered in their namespace, ACME HTTP-01 through the owners\' Traefik class', () => {
    const issuers = prodShared().filter(isIssuer).map((d) => d.object as { metadata: { name: string; namespace: string }; spec: { acme: { solvers: unknown[] } } });
    expect(issuers.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['team-infometis/letsencrypt-prod']);
    expect(issuers[0].spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'traefik' } } }]);
    expect(violationsOf(validateManifests(prodShared()), 'ref/certificate-issuer')).toEqual([]);
  });

  test('GIVEN dist/prod-shared as it was (no Issuer) WHEN validated THEN both Certificates are reported with the missing Issuer and what is valid', () => {
    const found = violationsOf(validateManifests(prodShared().filter((d) => !isIssuer(d))), 'ref/certificate-issuer');
    expect(found.map((v) => `${v.object.kind} ${v.object.name} ${v.path}`)).toEqual([
      'Certificate grafana spec.issuerRef.name',
      'Certificate nifi spec.issuerRef.name',
    ]);
    expect(found[0].message).toContain('Issuer "letsencrypt-prod" is not rendered in namespace "team-infometis"');
    expect(found[0].message).toContain('Valid: render a cert-manager Issuer "letsencrypt-prod" in team-infometis');
  });

  test('GIVEN an Ingress with the cert-manager.io/issuer annotation and no Issuer WHEN validated THEN it is reported', () => {
    expect(violationsOf(validateManifests([ingress({ 'cert-manager.io/issuer': 'le' })]), 'ref/certificate-issuer').map((v) => v.path))
      .toEqual(['metadata.annotations["cert-manager.io/issuer"]']);
  });

  test('GIVEN a border with a namespaced Issuer and no ACME account WHEN parsed THEN it is refused naming tls.acme', () => {
    const r = borderSchema.safeParse({ kind: 'traefik', tls: { issuer: 'le', issuerKind: 'Issuer' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['tls.acme']);
    expect(borderSchema.safeParse({ kind: 'traefik', tls: { issuer: 'le', issuerKind: 'Issuer', acme: { email: 'ops@example.org' } } }).success).toBe(true);
    expect(borderSchema.safeParse({ kind: 'nginx', tls: { issuer: 'le', issuerKind: 'ClusterIssuer' } }).success).toBe(true);
  });
});

describe('ref/certificate-issuer: a ClusterIssuer is rendered in the environment or declared provided by the cluster', () => {
  test('GIVEN an Ingress and a Certificate naming a ClusterIssuer nothing renders WHEN validated THEN each is reported with file, field, the issuer name and both ways to fix it', () => {
    const found = violationsOf(validateManifests([ingress({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }), certificate({ kind: 'ClusterIssuer', name: 'letsencrypt-prod', group: 'cert-manager.io' })]), 'ref/certificate-issuer');
    expect(found.map((v) => [v.file, v.object.kind, v.path, v.value])).toEqual([
      ['dist/x/app/certificate.yaml', 'Certificate', 'spec.issuerRef.name', 'letsencrypt-prod'],
      ['dist/x/app/ingress.yaml', 'Ingress', 'metadata.annotations["cert-manager.io/cluster-issuer"]', 'letsencrypt-prod'],
    ]);
    for (const v of found) {
      expect(v.message).toContain('ClusterIssuer "letsencrypt-prod" is neither rendered in this environment nor declared provided by the cluster');
      expect(v.message).toContain('render the ClusterIssuer "letsencrypt-prod" with the environment (platform.clusterIssuers.letsencrypt-prod.acme');
      expect(v.message).toContain('platform.clusterIssuers.letsencrypt-prod.providedBy: "<who>"');
      expect(v.message).toContain(`${EXTERNAL_PROVIDER_ANNOTATION}: "<who>" on this ${v.object.kind}`);
    }
  });

  test('GIVEN the ClusterIssuer rendered (in _platform/cluster-issuers), or the objects declaring who provides it WHEN validated THEN nothing is reported; another name is', () => {
    expect(violationsOf(validateManifests([ingress({ 'cert-manager.io/cluster-issuer': 'le' }), certificate({ kind: 'ClusterIssuer', name: 'le' }), clusterIssuer('le')]), 'ref/certificate-issuer')).toEqual([]);
    const provided = { [EXTERNAL_PROVIDER_ANNOTATION]: 'platform team' };
    expect(violationsOf(validateManifests([ingress({ 'cert-manager.io/cluster-issuer': 'le', ...provided }), certificate({ kind: 'ClusterIssuer', name: 'le' }, provided)]), 'ref/certificate-issuer')).toEqual([]);
    const other = violationsOf(validateManifests([certificate({ kind: 'ClusterIssuer', name: 'letsencrypt' }), clusterIssuer('le')]), 'ref/certificate-issuer');
    expect(other.map((v) => v.message)).toEqual([expect.stringContaining('ClusterIssuer "letsencrypt" is neither rendered in this environment nor declared provided by the cluster (rendered ClusterIssuers: le)')]);
  });

  test.each(['prod', 'staging', 'prod-failover'])('GIVEN dist/%s WHEN validated THEN every ClusterIssuer named is rendered; without _platform/cluster-issuers THEN every Ingress and Certificate naming it is reported', (env) => {
    const docs = loadManifestDir(path.join(ROOT, 'dist', env), ROOT).docs;
    expect(violationsOf(validateManifests(docs), 'ref/certificate-issuer')).toEqual([]);
    const naming = docs.filter((d) => {
      const o = d.object as { kind: string; metadata: { annotations?: Record<string, string> }; spec?: { issuerRef?: { kind?: string } } };
      return o.metadata.annotations?.['cert-manager.io/cluster-issuer'] !== undefined || (o.kind === 'Certificate' && o.spec?.issuerRef?.kind === 'ClusterIssuer');
    });
    expect(naming.length).toBeGreaterThan(0);
    const without = docs.filter((d) => !d.file.includes('/_platform/cluster-issuers/'));
    expect(violationsOf(validateManifests(without), 'ref/certificate-issuer').map((v) => v.file).sort()).toEqual(naming.map((d) => d.file).sort());
  });
});
