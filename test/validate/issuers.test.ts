import * as path from 'path';
import { borderSchema } from '../../app/config/security-schema';
import { ManifestDocument, findProjectRoot, loadManifestDir, validateManifests } from '../../lib/validate';
import { violationsOf } from './helpers';

const ROOT = findProjectRoot();

function prodShared(): ManifestDocument[] {
  return loadManifestDir(path.join(ROOT, 'dist', 'prod-shared'), ROOT).docs;
}

const isIssuer = (d: ManifestDocument): boolean => (d.object as { kind?: string }).kind === 'Issuer';

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

  test('GIVEN an Ingress with the cert-manager.io/issuer annotation and no Issuer WHEN validated THEN it is reported; a ClusterIssuer reference THEN not', () => {
    const ingress = (annotations: Record<string, string>): ManifestDocument => ({
      file: 'dist/x/app/ingress.yaml',
      object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns', annotations }, spec: { rules: [{ host: 'a.example.com' }] } },
    });
    expect(violationsOf(validateManifests([ingress({ 'cert-manager.io/issuer': 'le' })]), 'ref/certificate-issuer').map((v) => v.path))
      .toEqual(['metadata.annotations["cert-manager.io/issuer"]']);
    expect(violationsOf(validateManifests([ingress({ 'cert-manager.io/cluster-issuer': 'le' })]), 'ref/certificate-issuer')).toEqual([]);
  });

  test('GIVEN a border with a namespaced Issuer and no ACME account WHEN parsed THEN it is refused naming tls.acme', () => {
    const r = borderSchema.safeParse({ kind: 'traefik', tls: { issuer: 'le', issuerKind: 'Issuer' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['tls.acme']);
    expect(borderSchema.safeParse({ kind: 'traefik', tls: { issuer: 'le', issuerKind: 'Issuer', acme: { email: 'ops@example.org' } } }).success).toBe(true);
    expect(borderSchema.safeParse({ kind: 'nginx', tls: { issuer: 'le', issuerKind: 'ClusterIssuer' } }).success).toBe(true);
  });
});
