/**
 * One cloud identity per system: SecretStores of different namespaces
 * (systems) must not authenticate as the same Vault role or IAM role. If they
 * do, either that identity may read every system's secrets (no isolation), or
 * its policy/trust names one system and the others' ExternalSecrets fail.
 *
 * The identity of a store: Vault server + Kubernetes auth mount + role; AWS
 * the IAM role of its ServiceAccount (`eks.amazonaws.com/role-arn`), or the
 * controller's own identity when it names none. Stores authenticating with a
 * Secret or with their namespace's own ServiceAccount against the cluster
 * (the `kubernetes` provider) have an identity per namespace.
 */
import { K8sObject, ObjectSet, Reporter, rec, str } from '../model';

export interface StoreIdentityStats {
  /** SecretStores and ClusterSecretStores looked at */
  readonly stores: number;
  /** stores with a shared-able identity (Vault role, IAM role, controller identity) */
  readonly identities: number;
}

/** `environmentOf` keeps environments apart: each is its own cluster, where the same role name is another identity. */
export function checkStoreIdentities(set: ObjectSet, r: Reporter, environmentOf: (o: K8sObject) => string = () => ''): StoreIdentityStats {
  const stores = set.objects.filter((o) => o.group === 'external-secrets.io' && (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore'));
  const byIdentity = new Map<string, Array<{ store: K8sObject; path: string; what: string }>>();
  for (const s of stores) {
    const id = identityOf(set, s);
    if (!id) continue;
    const key = `${environmentOf(s)}|${id.key}`;
    const list = byIdentity.get(key);
    const entry = { store: s, path: id.path, what: id.what };
    if (list) list.push(entry); else byIdentity.set(key, [entry]);
  }
  let identities = 0;
  for (const list of byIdentity.values()) {
    identities += list.length;
    const namespaces = [...new Set(list.map((e) => e.store.namespace || '(cluster)'))];
    if (namespaces.length < 2) continue;
    for (const e of list) {
      const others = list.filter((x) => x !== e).map((x) => `${x.store.kind} ${x.store.namespace ? `${x.store.namespace}/` : ''}${x.store.name}`);
      r.add(e.store, 'policy/store-identity', e.path,
        `${e.what} is shared with ${others.join(', ')} in ${namespaces.length} namespaces: either it may read every system's secrets or the other systems' ExternalSecrets fail; `
        + 'give each system its own role (e.g. "{namespace}" in security.secretStore.role / roleArn, or systems.<name>.secretStoreIdentity)');
    }
  }
  return { stores: stores.length, identities };
}

function identityOf(set: ObjectSet, s: K8sObject): { key: string; path: string; what: string } | undefined {
  const provider = rec(rec(s.raw.spec).provider);
  const vault = rec(provider.vault);
  if (Object.keys(vault).length > 0) {
    const k8sAuth = rec(rec(vault.auth).kubernetes);
    const role = str(k8sAuth.role);
    if (!role) return undefined;
    const mount = str(k8sAuth.mountPath) ?? 'kubernetes';
    return { key: `vault|${str(vault.server)}|${mount}|${role}`, path: 'spec.provider.vault.auth.kubernetes.role', what: `Vault role ${JSON.stringify(role)} (auth mount ${mount})` };
  }
  const aws = rec(provider.aws);
  if (Object.keys(aws).length > 0) {
    const auth = rec(aws.auth);
    if (auth.secretRef !== undefined) return undefined;
    const saName = str(rec(rec(auth.jwt).serviceAccountRef).name);
    const roleArn = str(aws.role);
    if (saName) {
      const sa = set.find('', 'ServiceAccount', s.namespace, saName);
      const arn = sa?.annotations['eks.amazonaws.com/role-arn'];
      if (arn) return { key: `aws-role|${arn}`, path: 'spec.provider.aws.auth.jwt.serviceAccountRef', what: `IAM role ${arn} (ServiceAccount ${saName}'s eks.amazonaws.com/role-arn)` };
      return undefined;
    }
    if (roleArn) return { key: `aws-role|${roleArn}`, path: 'spec.provider.aws.role', what: `IAM role ${roleArn}` };
    return { key: 'aws-controller', path: 'spec.provider.aws.auth', what: 'the External Secrets controller\'s own AWS identity (no auth)' };
  }
  return undefined;
}
