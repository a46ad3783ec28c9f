import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import * as es from '../../imports/externalsecrets-externalsecret-external-secrets.io';
import { checkDuration, checkHostName, checkPort } from '../core/checks';
import { PropsError } from '../core/errors';
import { servicePort } from '../core/catalog';

/** A managed service outside the cluster (RDS, ElastiCache, ...) and where its credentials live. */
export interface ExternalEndpointOptions {
  /** DNS name of the managed endpoint, e.g. `shop.abc123.eu-west-1.rds.amazonaws.com`. */
  readonly host: string;
  /** Port clients connect to. @default the software's standard port */
  readonly port?: number;
  /** SecretStore or ClusterSecretStore the credentials are read from. */
  readonly secretStore: SecretStoreReference;
  /** Key of the secret in the external store, e.g. `prod/shop/postgres`. */
  readonly remoteKey: string;
  /** Local Secret key -> property of the remote secret. @default the construct's keys mapped to same-named properties */
  readonly properties?: Record<string, string>;
  /** How often the operator re-reads the remote secret. @default "1h" */
  readonly refreshInterval?: string;
}

export interface SecretStoreReference {
  readonly name: string;
  /** @default "SecretStore" */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
}

export interface ExternalServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Named port of the endpoint (for NetworkPolicy egress rules and client config). */
  readonly portName: string;
  /** Default port when the options name none. */
  readonly defaultPort: number;
  /** Local Secret keys the software's clients read, e.g. ["username", "password"]. */
  readonly secretKeys: string[];
  readonly endpoint: ExternalEndpointOptions;
}

/**
 * The in-cluster face of a managed service: an ExternalName Service (clients
 * keep the same DNS name as in environments that run the software in-cluster)
 * and an ExternalSecret that materialises its credentials. Nothing runs in the
 * cluster and no secret value is rendered.
 */
export class ExternalService extends Construct {
  public readonly service: k8s.KubeService;
  public readonly externalSecret: es.ExternalSecret;
  /** Name of the Secret the ExternalSecret writes. */
  public readonly secretName: string;
  public readonly port: number;

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    const e = props.endpoint;
    checkHostName(scope, 'mode.host', e.host);
    this.port = e.port ?? props.defaultPort;
    checkPort(scope, 'mode.port', this.port);
    if (!e.remoteKey) throw new PropsError(scope, 'mode.remoteKey', e.remoteKey, 'the key of the secret in the external store, e.g. "prod/app/postgres"');
    if (!e.secretStore?.name) throw new PropsError(scope, 'mode.secretStore.name', e.secretStore?.name, 'the name of a SecretStore or ClusterSecretStore');
    if (e.refreshInterval !== undefined) checkDuration(scope, 'mode.refreshInterval', e.refreshInterval, 'smh');
    const properties = e.properties ?? Object.fromEntries(props.secretKeys.map((k) => [k, k]));
    for (const k of props.secretKeys) {
      if (!properties[k]) throw new PropsError(scope, `mode.properties.${k}`, undefined, `the property of remote secret "${e.remoteKey}" that holds the ${k}`);
    }
    this.secretName = `${props.name}-credentials`;

    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: { type: 'ExternalName', externalName: e.host, ports: [{ ...servicePort(props.portName, this.port), targetPort: k8s.IntOrString.fromNumber(this.port) }] },
    });
    this.externalSecret = new es.ExternalSecret(this, 'Credentials', {
      metadata: { name: this.secretName, namespace: props.namespace, labels: props.labels },
      spec: {
        refreshInterval: e.refreshInterval ?? '1h',
        secretStoreRef: {
          name: e.secretStore.name,
          kind: e.secretStore.kind === 'ClusterSecretStore' ? es.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : es.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
        },
        target: { name: this.secretName, creationPolicy: es.ExternalSecretSpecTargetCreationPolicy.OWNER },
        data: Object.keys(properties)
          .sort()
          .map((k) => ({ secretKey: k, remoteRef: { key: e.remoteKey, property: properties[k] } })),
      },
    });
  }
}
