/**
 * cert-manager issuer references. A namespaced Issuer belongs to the
 * namespace of the Certificate that uses it, so it must be rendered with it
 * (on a shared cluster nobody else creates it); a ClusterIssuer may be a
 * prerequisite the cluster's owners provide.
 */
import { K8sObject, ObjectSet, Reporter, rec, str } from '../model';

function report(set: ObjectSet, o: K8sObject, r: Reporter, path: string, name: string): void {
  if (set.find('cert-manager.io', 'Issuer', o.namespace, name)) return;
  const clusterIssuer = set.find('cert-manager.io', 'ClusterIssuer', '', name) !== undefined;
  r.add(o, 'ref/certificate-issuer', path,
    `Issuer ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(o.namespace)}; cert-manager never issues the certificate (the Certificate stays not Ready). ` +
    `Valid: render a cert-manager Issuer ${JSON.stringify(name)} in ${o.namespace}` + (clusterIssuer ? `, or refer to the rendered ClusterIssuer ${JSON.stringify(name)} with kind ClusterIssuer` : ', or refer to a ClusterIssuer'),
    name);
}

export function checkIssuerRefs(set: ObjectSet, r: Reporter): void {
  for (const o of set.objects) {
    if (o.group === 'cert-manager.io' && o.kind === 'Certificate') {
      const ref = rec(rec(o.raw.spec).issuerRef);
      const kind = str(ref.kind) ?? 'Issuer';
      const group = str(ref.group) ?? 'cert-manager.io';
      if (kind === 'Issuer' && group === 'cert-manager.io') report(set, o, r, 'spec.issuerRef.name', str(ref.name) ?? '');
    } else if (o.group === 'networking.k8s.io' && o.kind === 'Ingress') {
      const name = o.annotations['cert-manager.io/issuer'];
      if (name !== undefined) report(set, o, r, 'metadata.annotations["cert-manager.io/issuer"]', name);
    }
  }
}
