/**
 * `ref/certificate-issuer`: cert-manager issuer references. A namespaced
 * Issuer belongs to the namespace of the Certificate that uses it, so it must
 * be rendered with it (on a shared cluster nobody else creates it). A
 * ClusterIssuer must be rendered in the environment (its `_platform`), or the
 * object naming it declares who provides it
 * (`validate.platform.dev/external-provider: "<who>"`): on a fresh cluster
 * nothing else creates it, and every Certificate naming it stays pending
 * ("issuer not found") while HTTPS never comes up.
 */
import { K8sObject, ObjectSet, Reporter, rec, str } from '../model';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../rules';

const RULE = 'ref/certificate-issuer';

function reportIssuer(set: ObjectSet, o: K8sObject, r: Reporter, path: string, name: string): void {
  if (set.find('cert-manager.io', 'Issuer', o.namespace, name)) return;
  const clusterIssuer = set.find('cert-manager.io', 'ClusterIssuer', '', name) !== undefined;
  r.add(o, RULE, path,
    `Issuer ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(o.namespace)}; cert-manager never issues the certificate (the Certificate stays not Ready). ` +
    `Valid: render a cert-manager Issuer ${JSON.stringify(name)} in ${o.namespace}` + (clusterIssuer ? `, or refer to the rendered ClusterIssuer ${JSON.stringify(name)} with kind ClusterIssuer` : ', or refer to a ClusterIssuer'),
    name);
}

function reportClusterIssuer(set: ObjectSet, o: K8sObject, r: Reporter, path: string, name: string): void {
  if (set.find('cert-manager.io', 'ClusterIssuer', '', name)) return;
  if ((o.annotations[EXTERNAL_PROVIDER_ANNOTATION] ?? '').trim() !== '') return;
  const rendered = set.objects.filter((x) => x.group === 'cert-manager.io' && x.kind === 'ClusterIssuer').map((x) => x.name).sort();
  r.add(o, RULE, path,
    `ClusterIssuer ${JSON.stringify(name)} is neither rendered in this environment nor declared provided by the cluster` +
    (rendered.length ? ` (rendered ClusterIssuers: ${rendered.join(', ')})` : '') +
    ', so on a fresh cluster cert-manager never issues the certificate (it stays pending: issuer not found) and HTTPS never comes up. ' +
    `Valid: render the ClusterIssuer ${JSON.stringify(name)} with the environment (platform.clusterIssuers.${name}.acme: { email, server } in the environment file; CertificateIssuer without a namespace in the library), ` +
    `or declare that the cluster provides it (platform.clusterIssuers.${name}.providedBy: "<who>", i.e. the annotation ${EXTERNAL_PROVIDER_ANNOTATION}: "<who>" on this ${o.kind})`,
    name);
}

export function checkIssuerRefs(set: ObjectSet, r: Reporter): void {
  for (const o of set.objects) {
    if (o.group === 'cert-manager.io' && o.kind === 'Certificate') {
      const ref = rec(rec(o.raw.spec).issuerRef);
      const kind = str(ref.kind) ?? 'Issuer';
      const group = str(ref.group) ?? 'cert-manager.io';
      if (group !== 'cert-manager.io') continue;
      if (kind === 'Issuer') reportIssuer(set, o, r, 'spec.issuerRef.name', str(ref.name) ?? '');
      else if (kind === 'ClusterIssuer') reportClusterIssuer(set, o, r, 'spec.issuerRef.name', str(ref.name) ?? '');
    } else if (o.group === 'networking.k8s.io' && o.kind === 'Ingress') {
      const issuer = o.annotations['cert-manager.io/issuer'];
      if (issuer !== undefined) reportIssuer(set, o, r, 'metadata.annotations["cert-manager.io/issuer"]', issuer);
      const clusterIssuer = o.annotations['cert-manager.io/cluster-issuer'];
      if (clusterIssuer !== undefined) reportClusterIssuer(set, o, r, 'metadata.annotations["cert-manager.io/cluster-issuer"]', clusterIssuer);
    }
  }
}
