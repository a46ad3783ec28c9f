import { Construct } from 'constructs';
import * as es from '../../imports/externalsecrets-externalsecret-external-secrets.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { SecretStore } from './secret-store';

/** Where one key of the Secret comes from. */
export interface RemoteValue {
  /** Remote secret name under the store's prefix (Vault path, AWS secret name, or the hand-made Secret for `local`). */
  readonly key: string;
  /** Field inside the remote secret (JSON property / Vault key / Secret key). @default the whole value */
  readonly property?: string;
}

export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it produces, e.g. `database-secret`. */
  readonly name: string;
  readonly store: SecretStore;
  /** Secret keys and where their values come from, e.g. `{ url: { key: 'database', property: 'url' } }`. */
  readonly data: Readonly<Record<string, RemoteValue>>;
  /** How often values are re-read. @default "1h" */
  readonly refreshInterval?: string;
}

/**
 * A Secret that the External Secrets Operator fills from the environment's
 * store: Git (and dist/) only ever hold the reference, never the value.
 * Workloads reference the produced Secret by `name` as if it were rendered.
 */
export class ExternalSecret extends Construct {
  /** Name of the produced Secret. */
  public readonly secretName: string;
  public readonly resource: es.ExternalSecret;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(props.name)) throw new PropsError(this, 'name', props.name, 'a DNS-1123 subdomain such as "database-secret"');
    const keys = Object.keys(props.data).sort();
    if (keys.length === 0) throw new PropsError(this, 'data', props.data, 'at least one key');
    for (const k of keys) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k)) throw new PropsError(this, `data.${k}`, k, 'a Secret key of letters, digits, "-", "_" and "."');
      if (!props.data[k].key) throw new PropsError(this, `data.${k}.key`, props.data[k].key, 'the remote secret name');
    }
    const refresh = props.refreshInterval ?? '1h';
    if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(refresh) || refresh === '') throw new PropsError(this, 'refreshInterval', refresh, 'a duration such as "1h" or "15m"');
    this.secretName = props.name;
    this.resource = new es.ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.store.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        refreshInterval: refresh,
        secretStoreRef: { kind: es.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE, name: props.store.name },
        target: {
          name: props.name,
          // Owner: deleting the ExternalSecret deletes the Secret, so nothing lingers after a rename.
          creationPolicy: es.ExternalSecretSpecTargetCreationPolicy.OWNER,
        },
        data: keys.map((k) => ({
          secretKey: k,
          remoteRef: { key: props.store.remoteKey(props.data[k].key), property: props.data[k].property },
        })),
      },
    });
  }
}
