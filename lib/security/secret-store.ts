import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import * as ess from '../../imports/externalsecrets-secretstore-external-secrets.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { ApiAccess } from './api-access';

/** Placeholder in a Vault role or IAM role ARN that the store replaces with its namespace, so each namespace gets its own identity. */
export const NAMESPACE_PLACEHOLDER = '{namespace}';

/** HashiCorp Vault KV, authenticated with the Kubernetes auth method. */
export interface VaultBackendOptions {
  /** e.g. `https://vault.example.com:8200` */
  readonly server: string;
  /** KV mount, e.g. `secret`. */
  readonly path: string;
  /** KV engine version. @default "v2" */
  readonly version?: 'v1' | 'v2';
  /**
   * Vault role bound to the store's ServiceAccount; `{namespace}` is replaced
   * by the store's namespace (one role per namespace, so a system reads only
   * its own paths).
   */
  readonly role: string;
  /** Mount path of the Kubernetes auth method. @default "kubernetes" */
  readonly authMountPath?: string;
}

/** AWS Secrets Manager, authenticated with IRSA (the ServiceAccount's role annotation). */
export interface AwsBackendOptions {
  readonly region: string;
  /**
   * IAM role the store's ServiceAccount assumes; `{namespace}` is replaced by
   * the store's namespace (one role per namespace, whose trust policy names
   * only that namespace's ServiceAccount). @default none (the controller's own identity)
   */
  readonly roleArn?: string;
}

type BackendShape =
  | { readonly kind: 'vault'; readonly options: VaultBackendOptions }
  | { readonly kind: 'aws'; readonly options: AwsBackendOptions }
  | { readonly kind: 'local' };

/**
 * Where a namespace's ExternalSecrets read from, chosen per environment.
 * `local` is for development: it reads Secrets a developer creates by hand in
 * the same namespace (`kubectl create secret generic ...`), so no value is
 * ever rendered, not even a fake one.
 */
export class SecretBackend {
  public static vault(options: VaultBackendOptions): SecretBackend {
    return new SecretBackend({ kind: 'vault', options });
  }

  public static awsSecretsManager(options: AwsBackendOptions): SecretBackend {
    return new SecretBackend({ kind: 'aws', options });
  }

  public static local(): SecretBackend {
    return new SecretBackend({ kind: 'local' });
  }

  private constructor(public readonly shape: BackendShape) {}

  public get kind(): BackendShape['kind'] {
    return this.shape.kind;
  }
}

export interface SecretStoreProps {
  readonly namespace: string;
  readonly backend: SecretBackend;
  /** Name of the SecretStore and its ServiceAccount. @default "secret-store" */
  readonly name?: string;
  /**
   * Prefix of every remote key (Vault path / AWS secret name), e.g.
   * `prod/shop`; ignored by the local backend. @default none
   */
  readonly keyPrefix?: string;
}

/**
 * A namespaced SecretStore (never a ClusterSecretStore, so it works in shared
 * clusters) with the ServiceAccount it authenticates as, and for the local
 * backend the Role that lets it read the namespace's hand-made Secrets.
 */
export class SecretStore extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly backend: SecretBackend;
  public readonly keyPrefix?: string;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly resource: ess.SecretStore;

  constructor(scope: Construct, id: string, props: SecretStoreProps) {
    super(scope, id);
    this.name = props.name ?? 'secret-store';
    this.namespace = props.namespace;
    this.backend = props.backend;
    this.keyPrefix = props.keyPrefix?.replace(/\/+$/, '');
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': 'secret-store' };
    const shape = withNamespace(props.backend.shape, this.namespace);
    if (shape.kind === 'vault' && !/^https?:\/\//.test(shape.options.server)) throw new PropsError(this, 'backend.server', shape.options.server, 'a URL such as "https://vault.example.com:8200"');
    if (shape.kind === 'aws' && shape.options.roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(shape.options.roleArn)) {
      throw new PropsError(this, 'backend.roleArn', shape.options.roleArn, 'an IAM role ARN such as "arn:aws:iam::123456789012:role/name"');
    }

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels,
        annotations: shape.kind === 'aws' && shape.options.roleArn ? { 'eks.amazonaws.com/role-arn': shape.options.roleArn } : undefined,
      },
      automountServiceAccountToken: false,
    });

    this.resource = new ess.SecretStore(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { provider: this.provider(shape) },
    });

    if (shape.kind === 'local') {
      new ApiAccess(this, 'ReadSecrets', {
        name: this.name,
        namespace: this.namespace,
        serviceAccountName: this.name,
        grants: [{ resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
        labels,
      });
    }
  }

  /** The remote key for `key` under this store's prefix. */
  public remoteKey(key: string): string {
    return this.keyPrefix && this.backend.kind !== 'local' ? `${this.keyPrefix}/${key}` : key;
  }

  private provider(shape: BackendShape): ess.SecretStoreSpecProvider {
    switch (shape.kind) {
      case 'vault':
        return {
          vault: {
            server: shape.options.server,
            path: shape.options.path,
            version: shape.options.version === 'v1' ? ess.SecretStoreSpecProviderVaultVersion.V1 : ess.SecretStoreSpecProviderVaultVersion.V2,
            auth: { kubernetes: { mountPath: shape.options.authMountPath ?? 'kubernetes', role: shape.options.role, serviceAccountRef: { name: this.name } } },
          },
        };
      case 'aws':
        return {
          aws: {
            service: ess.SecretStoreSpecProviderAwsService.SECRETS_MANAGER,
            region: shape.options.region,
            auth: shape.options.roleArn ? { jwt: { serviceAccountRef: { name: this.name } } } : undefined,
          },
        };
      case 'local':
        return {
          kubernetes: {
            remoteNamespace: this.namespace,
            server: { caProvider: { type: ess.SecretStoreSpecProviderKubernetesServerCaProviderType.CONFIG_MAP, name: 'kube-root-ca.crt', key: 'ca.crt' } },
            auth: { serviceAccount: { name: this.name } },
          },
        };
    }
  }
}

/** The backend with `{namespace}` in its identity (Vault role, IAM role ARN) replaced. */
function withNamespace(shape: BackendShape, namespace: string): BackendShape {
  const fill = (v: string) => v.split(NAMESPACE_PLACEHOLDER).join(namespace);
  if (shape.kind === 'vault') return { kind: 'vault', options: { ...shape.options, role: fill(shape.options.role) } };
  if (shape.kind === 'aws' && shape.options.roleArn !== undefined) return { kind: 'aws', options: { ...shape.options, roleArn: fill(shape.options.roleArn) } };
  return shape;
}
