import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, fieldEnv, hardened, PodSecurityRequirement, RESTRICTED, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading, SpreadOptions } from '../core/placement';
import { bytes, ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';
import { SecretKeyReference } from '../workloads/microservice';
import { DEFAULT_JVM_AGENT_IMAGE, JVM_METRICS_PORT, jvmMetricsAgent } from './jvm-metrics';

/** PKCS12 keystore and truststore shared by all nodes (e.g. a cert-manager Certificate with `keystores.pkcs12`). */
export interface NifiTlsOptions {
  /**
   * Secret with `keystore.p12` and `truststore.p12`. The certificate must also name `localhost`:
   * the readiness probe sends it as Host, and NiFi 2 (Jetty 12) answers "400 Invalid SNI" to a
   * Host that is not a name of its certificate.
   */
  readonly secret: string;
  /** Secret key holding the password of both stores. */
  readonly password: SecretKeyReference;
}

export interface NifiProps extends CatalogServiceProps {
  /** Nodes; more than one forms a cluster with Kubernetes leader election and state (no ZooKeeper). @default 1 */
  readonly replicas?: number;
  /** Key that encrypts sensitive flow properties. NiFi refuses to start with fewer than 12 characters (checked when the pod starts). */
  readonly sensitivePropertiesKey: SecretKeyReference;
  /** Single-user login: the Secret with user name and password (password of 12 or more characters). */
  readonly adminCredentials: { readonly secret: string; /** @default "username" */ readonly usernameKey?: string; /** @default "password" */ readonly passwordKey?: string };
  /** `host[:port]` names users reach NiFi by through the border (`nifi.web.proxy.host`); without them NiFi answers "invalid host header". @default none */
  readonly proxyHosts?: string[];
  /** Certificates shared by the nodes. Required for a cluster; a single node generates a self-signed one. @default none */
  readonly tls?: NifiTlsOptions;
  /** @default docker.io/apache/nifi:2.0.0 (UID 1000) */
  readonly image?: PinnedImage;
  /** @default 1000 */
  readonly uid?: number;
  /** Volume for the flow, state and the flowfile, database, content and provenance repositories. @default 20Gi */
  readonly storage?: StorageOptions;
  /** Separate volume for the content repository (it grows with queued data). @default on `storage` */
  readonly contentStorage?: StorageOptions;
  /** Separate volume for the provenance repository. @default on `storage` */
  readonly provenanceStorage?: StorageOptions;
  /** The JVM heap is half the memory limit. @default requests 500m/2Gi, limits 2/2Gi */
  readonly resources?: ComputeResources;
  /** @default hostname anti-affinity + zone spread when clustered */
  readonly spread?: SpreadOptions | false;
  /** Image of the OpenTelemetry Java agent that serves the JVM's metrics on port 5556. @default IMAGES.otelJavaAgent (lib/core/images.ts) */
  readonly metricsAgentImage?: PinnedImage;
}

const HTTPS = IMAGES.nifi.ports.https;
const PROTOCOL = IMAGES.nifi.ports.cluster;
const LOAD_BALANCE = IMAGES.nifi.ports['load-balance'];
const HOME = '/opt/nifi/nifi-current';
const NIFI_PROBE = IMAGES.nifi.probe;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('nifi');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } };
const INIT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const HOST_PORT = /^(?=.{1,253}(:|$))[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?$/;

/**
 * Apache NiFi 2 as a StatefulSet: HTTPS on 8443, single-user login,
 * repositories on PVCs, JVM metrics from the OpenTelemetry Java agent, and for more than one node a
 * cluster that elects its coordinator through Kubernetes Leases and keeps
 * cluster state in ConfigMaps (a namespaced Role allows exactly that).
 */
export class Nifi extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `https://<name>.<namespace>.svc:8443/nifi` */
  public readonly url: string;
  public readonly workload: k8s.KubeStatefulSet;
  /** The nifi.properties overrides as rendered (no secret values). */
  public readonly properties: Readonly<Record<string, string>>;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: NifiProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.url = `https://${this.name}.${this.namespace}.svc:${HTTPS}/nifi`;
    const replicas = props.replicas ?? 1;
    checkInt(this, 'replicas', replicas, 1, 50);
    const clustered = replicas > 1;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const agentImage = props.metricsAgentImage ?? DEFAULT_JVM_AGENT_IMAGE;
    checkImage(this, 'metricsAgentImage', agentImage);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '20Gi' };
    checkStorage(this, 'storage', storage);
    if (props.contentStorage) checkStorage(this, 'contentStorage', props.contentStorage);
    if (props.provenanceStorage) checkStorage(this, 'provenanceStorage', props.provenanceStorage);
    if (!props.sensitivePropertiesKey?.secret) {
      throw new PropsError(this, 'sensitivePropertiesKey', props.sensitivePropertiesKey, 'a Secret key holding a key of at least 12 characters ({ secret, key }); literal keys are not accepted');
    }
    if (!props.adminCredentials?.secret) throw new PropsError(this, 'adminCredentials', props.adminCredentials, 'the Secret holding the single-user name and password ({ secret, usernameKey, passwordKey })');
    const proxyHosts = props.proxyHosts ?? [];
    proxyHosts.forEach((h, i) => {
      if (!HOST_PORT.test(h)) throw new PropsError(this, `proxyHosts[${i}]`, h, 'a host name with an optional port, such as "nifi.example.com" or "nifi.example.com:443" (no scheme, no path)');
    });
    if (clustered && !props.tls) {
      throw new PropsError(this, 'tls', undefined, 'a keystore Secret shared by all nodes when replicas > 1 (self-signed certificates of separate nodes do not trust each other)');
    }
    const heapMb = Math.floor(bytes(resources.limits.memory)! / 2 ** 20 / 2);
    if (heapMb < 512) throw new PropsError(this, 'resources.limits.memory', resources.limits.memory, 'at least 1Gi (half of it becomes the JVM heap)');

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'dataflow' });
    const selector = selectorLabels({ name: this.name });
    const headless = `${this.name}-headless`;
    const content = props.contentStorage ? '/opt/nifi/content' : '/opt/nifi/data';
    const provenance = props.provenanceStorage ? '/opt/nifi/provenance' : '/opt/nifi/data';
    const properties: Record<string, string> = {
      'nifi.web.http.port': '',
      'nifi.web.https.port': String(HTTPS),
      'nifi.web.proxy.host': proxyHosts.join(','),
      'nifi.flow.configuration.file': '/opt/nifi/data/conf/flow.json.gz',
      'nifi.flow.configuration.archive.dir': '/opt/nifi/data/conf/archive',
      'nifi.database.directory': '/opt/nifi/data/database_repository',
      'nifi.flowfile.repository.directory': '/opt/nifi/data/flowfile_repository',
      'nifi.content.repository.directory.default': `${content}/content_repository`,
      'nifi.provenance.repository.directory.default': `${provenance}/provenance_repository`,
      'nifi.security.user.login.identity.provider': 'single-user-provider',
      'nifi.security.user.authorizer': 'single-user-authorizer',
      ...(props.tls
        ? { 'nifi.security.keystore': '/opt/nifi/tls/keystore.p12', 'nifi.security.keystoreType': 'PKCS12', 'nifi.security.truststore': '/opt/nifi/tls/truststore.p12', 'nifi.security.truststoreType': 'PKCS12' }
        : {}),
      ...(clustered
        ? {
            'nifi.cluster.is.node': 'true',
            'nifi.cluster.protocol.is.secure': 'true',
            'nifi.cluster.node.protocol.port': String(PROTOCOL),
            'nifi.cluster.load.balance.port': String(LOAD_BALANCE),
            'nifi.cluster.leader.election.implementation': 'KubernetesLeaderElectionManager',
            'nifi.state.management.provider.cluster': 'kubernetes-provider',
            'nifi.cluster.flow.election.max.candidates': String(replicas),
            'nifi.cluster.flow.election.max.wait.time': '2 mins',
            'nifi.zookeeper.connect.string': '',
          }
        : { 'nifi.cluster.is.node': 'false' }),
    };
    this.properties = properties;
    const rendered = Object.keys(properties).sort().map((k) => `${k}=${properties[k]}`).join('\n') + '\n';
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, namespace: this.namespace, labels },
      data: { 'nifi.properties': rendered },
    });

    if (clustered) this.renderRbac(labels);

    const agent = jvmMetricsAgent(agentImage, this.name);
    const address = `$HOSTNAME.${headless}.${this.namespace}.svc`;
    // Secrets are written into the copied configuration at start, never into the ConfigMap.
    const configure = [
      'set -eu',
      '[ "${#NIFI_SENSITIVE_PROPS_KEY}" -ge 12 ] || { echo "sensitivePropertiesKey: NiFi needs at least 12 characters" >&2; exit 1; }',
      '[ "${#ADMIN_PASSWORD}" -ge 12 ] || { echo "adminCredentials: NiFi single-user passwords need at least 12 characters" >&2; exit 1; }',
      `props=${HOME}/conf/nifi.properties`,
      'set_prop() { grep -v "^$1=" "$props" > "$props.new" || true; printf "%s=%s\\n" "$1" "$2" >> "$props.new"; mv "$props.new" "$props"; }',
      'while IFS= read -r line; do [ -n "$line" ] && set_prop "${line%%=*}" "${line#*=}"; done < /mnt/rendered/nifi.properties',
      'set_prop nifi.sensitive.props.key "$NIFI_SENSITIVE_PROPS_KEY"',
      `set_prop nifi.web.https.host "${clustered ? address : ''}"`,
      ...(clustered ? [`set_prop nifi.cluster.node.address "${address}"`, `set_prop nifi.cluster.load.balance.host "${address}"`] : []),
      ...(props.tls ? ['set_prop nifi.security.keystorePasswd "$TLS_PASSWORD"', 'set_prop nifi.security.keyPasswd "$TLS_PASSWORD"', 'set_prop nifi.security.truststorePasswd "$TLS_PASSWORD"'] : []),
      `boot=${HOME}/conf/bootstrap.conf`,
      `sed -i -e 's/^java.arg.2=.*/java.arg.2=-Xms${heapMb}m/' -e 's/^java.arg.3=.*/java.arg.3=-Xmx${heapMb}m/' "$boot"`,
      'mkdir -p /opt/nifi/data/conf/archive /opt/nifi/data/state',
      `${HOME}/bin/nifi.sh set-single-user-credentials "$ADMIN_USERNAME" "$ADMIN_PASSWORD"`,
      // Only the NiFi JVM loads the agent; the credentials tool above runs without it.
      ...agent.javaOptions.map((flag, i) => `echo "java.arg.otel${i}=${flag}" >> "$boot"`),
    ].join('\n');
    const conf = scratchVolume('conf', `${HOME}/conf`, '64Mi');
    const scratch = [scratchVolume('logs', `${HOME}/logs`, '2Gi'), scratchVolume('work', `${HOME}/work`, '1Gi'), scratchVolume('run', `${HOME}/run`, '16Mi'), scratchVolume('tmp', '/tmp', '1Gi')];
    const dataMounts: k8s.VolumeMount[] = [
      { name: 'data', mountPath: '/opt/nifi/data' },
      // Local state lives under NIFI_HOME; keep it on the volume with the rest.
      { name: 'data', mountPath: `${HOME}/state`, subPath: 'state' },
      ...(props.contentStorage ? [{ name: 'content', mountPath: '/opt/nifi/content' }] : []),
      ...(props.provenanceStorage ? [{ name: 'provenance', mountPath: '/opt/nifi/provenance' }] : []),
    ];
    const creds = props.adminCredentials;
    const secretEnvs = [
      secretEnv('NIFI_SENSITIVE_PROPS_KEY', props.sensitivePropertiesKey),
      secretEnv('ADMIN_USERNAME', { secret: creds.secret, key: creds.usernameKey ?? 'username' }),
      secretEnv('ADMIN_PASSWORD', { secret: creds.secret, key: creds.passwordKey ?? 'password' }),
      ...(props.tls ? [secretEnv('TLS_PASSWORD', props.tls.password)] : []),
    ];
    const https = k8s.IntOrString.fromString('https');
    const pod: k8s.PodTemplateSpec = {
      metadata: { labels: { ...standardLabels({ name: this.name, component: 'dataflow', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(rendered) } },
      spec: {
        serviceAccountName: clustered ? this.name : undefined,
        // Only cluster nodes call the API (Leases, ConfigMaps).
        automountServiceAccountToken: clustered,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('nifi') }),
        terminationGracePeriodSeconds: 120,
        ...(clustered ? spreading(selector, props.spread) : {}),
        initContainers: [
          hardened({
            name: 'copy-conf',
            image: imageRef(image),
            command: ['sh', '-c', `cp -a ${HOME}/conf/. /mnt/conf/`],
            resources: toResourceRequirements(INIT_RESOURCES),
            volumeMounts: [{ name: 'conf', mountPath: '/mnt/conf' }],
          }),
          hardened({
            name: 'configure',
            image: imageRef(image),
            command: ['sh', '-c', configure],
            env: secretEnvs,
            resources: toResourceRequirements(INIT_RESOURCES),
            // nifi.sh writes its bootstrap log and pid while setting the credentials.
            volumeMounts: [conf.mount, { name: 'rendered', mountPath: '/mnt/rendered', readOnly: true }, dataMounts[0], ...scratch.map((s) => s.mount)],
          }),
          agent.initContainer,
        ],
        containers: [
          hardened({
            name: 'nifi',
            image: imageRef(image),
            command: [`${HOME}/bin/nifi.sh`, 'run'],
            ports: [tcp('https', HTTPS), ...(clustered ? [tcp('cluster', PROTOCOL), tcp('load-balance', LOAD_BALANCE)] : []), tcp('metrics', JVM_METRICS_PORT)],
            env: [fieldEnv('POD_NAMESPACE', 'metadata.namespace'), { name: 'NIFI_HOME', value: HOME }],
            resources: toResourceRequirements(resources),
            startupProbe: { tcpSocket: { port: https }, periodSeconds: 10, failureThreshold: 90 },
            // /nifi/ answers 200 or a redirect without a login; the API would need a token. Jetty 12
            // refuses a Host that is not a certificate name ("400 Invalid SNI"), and the kubelet sends the pod IP.
            readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/nifi/', port: https, httpHeaders: [{ name: 'Host', value: NIFI_PROBE.hostHeader }] }, periodSeconds: 15, timeoutSeconds: 5 },
            livenessProbe: { tcpSocket: { port: https }, periodSeconds: 30, failureThreshold: 5 },
            volumeMounts: [conf.mount, ...dataMounts, ...scratch.map((s) => s.mount), ...(props.tls ? [{ name: 'tls', mountPath: '/opt/nifi/tls', readOnly: true }] : []), agent.mount],
          }),
        ],
        volumes: [
          conf.volume, ...scratch.map((s) => s.volume), agent.volume,
          { name: 'rendered', configMap: { name: `${this.name}-config` } },
          ...(props.tls ? [{ name: 'tls', secret: { secretName: props.tls.secret } }] : []),
        ],
      },
    };

    new k8s.KubeService(this, 'Headless', {
      metadata: { name: headless, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None', publishNotReadyAddresses: true, selector,
        ports: [servicePort('https', HTTPS), ...(clustered ? [servicePort('cluster', PROTOCOL), servicePort('load-balance', LOAD_BALANCE)] : [])],
      },
    });
    const claims = [claimTemplate(this, 'data', storage, selector)];
    if (props.contentStorage) claims.push(claimTemplate(this, 'content', props.contentStorage, selector));
    if (props.provenanceStorage) claims.push(claimTemplate(this, 'provenance', props.provenanceStorage, selector));
    this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels, annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas,
        serviceName: headless,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: pod,
        volumeClaimTemplates: claims,
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP', selector, ports: [servicePort('https', HTTPS), servicePort('metrics', JVM_METRICS_PORT)],
        // A login is bound to the node that issued it.
        ...(clustered ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: 10800 } } } : {}),
      },
    });
    if (clustered) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector),
      });
    }
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics' }] });
  }

  /** Leases for leader election and ConfigMaps for cluster state, in this namespace only. */
  private renderRbac(labels: Record<string, string>): void {
    const metadata = { name: this.name, namespace: this.namespace, labels };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });
  }
}
