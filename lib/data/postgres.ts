import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, secretEnv, servicePort, tcp } from '../core/catalog';
import { checkCron, checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading } from '../core/placement';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, persistentClaim, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';
import { SecretKeyReference } from '../workloads/microservice';
import { ExternalEndpointOptions, ExternalService } from './external-service';

/**
 * Where PostgreSQL runs. `statefulset` for production (stable identity,
 * optional streaming read replicas), `deployment` for a single dev instance
 * (`Recreate`, one PVC), `external` for a managed database (RDS, Cloud SQL):
 * only an ExternalName Service and an ExternalSecret are rendered.
 */
export type PostgresMode =
  | { readonly type: 'statefulset'; /** Streaming read replicas behind `<name>-replicas`. @default 0 */ readonly readReplicas?: number }
  | { readonly type: 'deployment' }
  | ({ readonly type: 'external' } & ExternalEndpointOptions);

/** The Secret holding the superuser's name and password (created by an ExternalSecret or by hand; never rendered). */
export interface PostgresCredentials {
  readonly secret: string;
  /** @default "username" */
  readonly usernameKey?: string;
  /** @default "password" */
  readonly passwordKey?: string;
}

/** Logical dumps on a schedule, to a PVC of their own. */
export interface PostgresBackupOptions {
  /** Cron schedule (UTC unless the cluster says otherwise). @default "0 2 * * *" */
  readonly schedule?: string;
  /** Volume the dumps are written to. */
  readonly storage: StorageOptions;
  /** Dumps kept; older ones are deleted after a successful dump. @default 7 */
  readonly keep?: number;
  /** A run that has not finished after this many seconds is killed. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** A run missed by more than this many seconds (controller down) is skipped. @default 600 */
  readonly startingDeadlineSeconds?: number;
  /** @default requests 100m/256Mi, limits 1/512Mi */
  readonly resources?: ComputeResources;
}

export interface PostgresDatabaseProps extends CatalogServiceProps {
  /** Where and how it runs. @default { type: "statefulset" } */
  readonly mode?: PostgresMode;
  /** Superuser credentials. Required in-cluster; in external mode they come from the ExternalSecret. */
  readonly credentials?: PostgresCredentials;
  /** Password of the `replicator` role read replicas connect as. Required when readReplicas > 0. @default none */
  readonly replicationPassword?: SecretKeyReference;
  /** Database created on first start. @default "app" */
  readonly database?: string;
  /** @default docker.io/library/postgres:16.4 (Debian, UID 999) */
  readonly image?: PinnedImage;
  /** UID of the image's `postgres` user. @default 999 */
  readonly uid?: number;
  /** Data volume of each instance. @default 10Gi, default storage class */
  readonly storage?: StorageOptions;
  /** @default requests 250m/512Mi, limits 1/1Gi */
  readonly resources?: ComputeResources;
  /** Server settings passed as `-c key=value`, e.g. `{ max_connections: "200" }`. @default none */
  readonly parameters?: Record<string, string>;
  /** Scheduled dumps. @default none */
  readonly backup?: PostgresBackupOptions;
  /** @default quay.io/prometheuscommunity/postgres-exporter:v0.15.0 */
  readonly exporterImage?: PinnedImage;
}

const PORT = IMAGES.postgres.ports.postgres;
const METRICS_PORT = IMAGES.postgresExporter.ports.metrics;
const DATA = '/var/lib/postgresql/data';
// A subdirectory, because the volume root may hold lost+found and initdb refuses a non-empty directory.
const PGDATA = `${DATA}/pgdata`;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('postgres');
const DEFAULT_EXPORTER: PinnedImage = pinnedImage('postgresExporter');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const EXPORTER_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const BACKUP_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const IN_CLUSTER_ONLY = ['credentials', 'replicationPassword', 'image', 'uid', 'storage', 'resources', 'parameters', 'backup', 'exporterImage'] as const;

/**
 * PostgreSQL with postgres-exporter, optional streaming read replicas and a
 * backup CronJob; or, in external mode, the in-cluster face of a managed
 * database. Clients always connect to `<name>:5432` with the keys of
 * `credentialsSecret`, whatever the mode.
 */
export class PostgresDatabase extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** Host clients connect to for reads and writes. */
  public readonly host: string;
  /** Host of the read-only replicas, when there are any. */
  public readonly readHost?: string;
  public readonly port: number;
  public readonly database: string;
  /** Secret with `usernameKey` and `passwordKey` (the ExternalSecret's target in external mode). */
  public readonly credentialsSecret: string;
  public readonly usernameKey: string;
  public readonly passwordKey: string;
  /** The primary's workload (StatefulSet or Deployment); none in external mode. */
  public readonly workload?: k8s.KubeStatefulSet | k8s.KubeDeployment;
  public readonly replicaSet?: k8s.KubeStatefulSet;
  public readonly backupJob?: k8s.KubeCronJob;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.database = props.database ?? 'app';
    this.host = `${this.name}.${this.namespace}.svc`;
    const mode = props.mode ?? { type: 'statefulset' };
    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'database' });
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.database)) {
      throw new PropsError(this, 'database', this.database, 'a PostgreSQL identifier: a letter or "_", then letters, digits or "_" (at most 63)');
    }

    if (mode.type === 'external') {
      for (const f of IN_CLUSTER_ONLY) {
        if (props[f] !== undefined) throw new PropsError(this, f, props[f], 'nothing in external mode (the database runs outside the cluster)');
      }
      const ext = new ExternalService(this, 'External', {
        name: this.name, namespace: this.namespace, labels, portName: 'postgres', defaultPort: PORT, secretKeys: ['password', 'username'], endpoint: mode,
      });
      this.port = ext.port;
      this.credentialsSecret = ext.secretName;
      this.usernameKey = 'username';
      this.passwordKey = 'password';
      return;
    }

    this.port = PORT;
    if (!props.credentials) throw new PropsError(this, 'credentials', undefined, 'the Secret holding the superuser name and password ({ secret, usernameKey, passwordKey })');
    this.credentialsSecret = props.credentials.secret;
    this.usernameKey = props.credentials.usernameKey ?? 'username';
    this.passwordKey = props.credentials.passwordKey ?? 'password';
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const exporterImage = props.exporterImage ?? DEFAULT_EXPORTER;
    checkImage(this, 'exporterImage', exporterImage);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '10Gi' };
    checkStorage(this, 'storage', storage);
    const readReplicas = mode.type === 'statefulset' ? mode.readReplicas ?? 0 : 0;
    checkInt(this, 'mode.readReplicas', readReplicas, 0, 15);
    if (readReplicas > 0 && !props.replicationPassword) {
      throw new PropsError(this, 'replicationPassword', undefined, 'a Secret key with the password of the "replicator" role when readReplicas > 0');
    }
    for (const k of Object.keys(props.parameters ?? {})) {
      if (!/^[a-z_][a-z0-9_.]*$/.test(k)) throw new PropsError(this, `parameters.${k}`, k, 'a postgresql.conf setting name such as "max_connections"');
    }
    const creds = { secret: this.credentialsSecret, usernameKey: this.usernameKey, passwordKey: this.passwordKey };
    const podProps: PodBuild = {
      scope: this, name: this.name, database: this.database, image, exporterImage, resources, uid: props.uid ?? imageUid('postgres'), creds,
      replication: readReplicas > 0 ? props.replicationPassword : undefined, parameters: props.parameters ?? {},
    };

    let hbaConfig: Record<string, string> | undefined;
    if (readReplicas > 0) {
      hbaConfig = replicationConfig();
      new k8s.KubeConfigMap(this, 'ReplicationConfig', { metadata: { name: `${this.name}-replication`, namespace: this.namespace, labels }, data: hbaConfig });
    }

    const primarySelector = { ...selectorLabels({ name: this.name }), 'app.kubernetes.io/component': 'primary' };
    const dataClaim = mode.type === 'deployment' ? `${this.name}-data` : undefined;
    const primaryPod = podTemplate(podProps, 'primary', primarySelector, hbaConfig, { dataClaim });
    const metricsPorts = [servicePort('postgres', PORT), servicePort('metrics', METRICS_PORT)];

    if (mode.type === 'deployment') {
      persistentClaim(this, 'Data', { name: dataClaim!, namespace: this.namespace, labels, storage });
      this.workload = new k8s.KubeDeployment(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          replicas: 1,
          // Two pods on one RWO volume (and one data directory) must never overlap.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: primarySelector },
          template: primaryPod,
        },
      });
    } else {
      new k8s.KubeService(this, 'Headless', {
        metadata: { name: `${this.name}-headless`, namespace: this.namespace, labels },
        spec: { clusterIp: 'None', selector: selectorLabels({ name: this.name }), ports: [servicePort('postgres', PORT)] },
      });
      this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels, annotations: { ...PRUNE_PROTECTION } },
        spec: {
          replicas: 1,
          serviceName: `${this.name}-headless`,
          selector: { matchLabels: primarySelector },
          template: primaryPod,
          volumeClaimTemplates: [claimTemplate(this, 'data', storage, selectorLabels({ name: this.name }))],
          persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        },
      });
    }
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', selector: primarySelector, ports: metricsPorts },
    });

    if (readReplicas > 0) {
      this.readHost = `${this.name}-replicas.${this.namespace}.svc`;
      const replicaSelector = { ...selectorLabels({ name: this.name }), 'app.kubernetes.io/component': 'read-replica' };
      const replicaPod = podTemplate(podProps, 'read-replica', replicaSelector, hbaConfig, {
        initContainers: [cloneContainer(podProps, this.host, resources)],
        placement: spreading(replicaSelector, undefined),
      });
      this.replicaSet = new k8s.KubeStatefulSet(this, 'Replicas', {
        metadata: { name: `${this.name}-replica`, namespace: this.namespace, labels, annotations: { ...PRUNE_PROTECTION } },
        spec: {
          replicas: readReplicas,
          serviceName: `${this.name}-headless`,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: replicaSelector },
          template: replicaPod,
          volumeClaimTemplates: [claimTemplate(this, 'data', storage, selectorLabels({ name: this.name }))],
          persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        },
      });
      new k8s.KubeService(this, 'ReplicaService', {
        metadata: { name: `${this.name}-replicas`, namespace: this.namespace, labels },
        spec: { type: 'ClusterIP', selector: replicaSelector, ports: metricsPorts },
      });
      if (readReplicas > 1) {
        new k8s.KubePodDisruptionBudget(this, 'ReplicaDisruptionBudget', {
          metadata: { name: `${this.name}-replica`, namespace: this.namespace, labels },
          spec: disruptionBudgetSpec(this, 'mode.readReplicas', { maxUnavailable: 1 }, readReplicas, replicaSelector),
        });
      }
    }

    monitorService(this, props.metrics, {
      name: this.name, namespace: this.namespace, labels, selector: selectorLabels({ name: this.name }), endpoints: [{ port: 'metrics' }],
    });

    if (props.backup) this.backupJob = this.renderBackup(props.backup, podProps, labels);
  }

  private renderBackup(b: PostgresBackupOptions, p: PodBuild, labels: Record<string, string>): k8s.KubeCronJob {
    const schedule = b.schedule ?? '0 2 * * *';
    checkCron(this, 'backup.schedule', schedule);
    checkStorage(this, 'backup.storage', b.storage);
    const keep = b.keep ?? 7;
    checkInt(this, 'backup.keep', keep, 1, 1000);
    const deadline = b.activeDeadlineSeconds ?? 3600;
    checkInt(this, 'backup.activeDeadlineSeconds', deadline, 60);
    const starting = b.startingDeadlineSeconds ?? 600;
    checkInt(this, 'backup.startingDeadlineSeconds', starting, 10);
    const resources = b.resources ?? BACKUP_RESOURCES;
    checkResources(this, 'backup.resources', resources);
    const claim = `${this.name}-backups`;
    persistentClaim(this, 'BackupData', { name: claim, namespace: this.namespace, labels, storage: b.storage });
    const tmp = scratchVolume('tmp', '/tmp');
    // Dump to a temporary name and rename, so a killed run never leaves a
    // truncated file that looks like a good backup; prune only after success.
    const script = [
      'set -eu',
      'f="/backups/${PGDATABASE}-$(date -u +%Y%m%dT%H%M%SZ).dump"',
      'pg_dump --format=custom --file="$f.partial"',
      'mv "$f.partial" "$f"',
      `ls -1t /backups/*.dump | tail -n +${keep + 1} | xargs -r rm --`,
      'echo "backup written: $f"',
    ].join('\n');
    const backupSelector = { ...selectorLabels({ name: this.name }), 'app.kubernetes.io/component': 'backup' };
    return new k8s.KubeCronJob(this, 'Backup', {
      metadata: { name: `${this.name}-backup`, namespace: this.namespace, labels },
      spec: {
        schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: starting,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: deadline,
            template: {
              metadata: { labels: { ...labels, ...backupSelector } },
              spec: {
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurityContext(this, { runAsUser: p.uid }),
                containers: [
                  hardened({
                    name: 'pg-dump',
                    image: imageRef(p.image),
                    command: ['sh', '-c', script],
                    env: [
                      { name: 'PGHOST', value: this.name },
                      { name: 'PGPORT', value: String(PORT) },
                      { name: 'PGDATABASE', value: this.database },
                      secretEnv('PGUSER', { secret: p.creds.secret, key: p.creds.usernameKey }),
                      secretEnv('PGPASSWORD', { secret: p.creds.secret, key: p.creds.passwordKey }),
                    ],
                    resources: toResourceRequirements(resources),
                    volumeMounts: [{ name: 'backups', mountPath: '/backups' }, tmp.mount],
                  }),
                ],
                volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: claim } }, tmp.volume],
              },
            },
          },
        },
      },
    });
  }
}

interface PodBuild {
  readonly scope: Construct;
  readonly name: string;
  readonly database: string;
  readonly image: PinnedImage;
  readonly exporterImage: PinnedImage;
  readonly resources: ComputeResources;
  readonly uid: number;
  readonly creds: { readonly secret: string; readonly usernameKey: string; readonly passwordKey: string };
  readonly replication?: SecretKeyReference;
  readonly parameters: Record<string, string>;
}

function serverArgs(p: PodBuild, withHba: boolean): string[] {
  // Replication-ready WAL settings cost nothing without replicas and let
  // replicas be added later without a restart of the primary for wal_level.
  const settings: Record<string, string> = { wal_level: 'replica', max_wal_senders: '10', wal_keep_size: '1024', hot_standby: 'on', ...p.parameters };
  if (withHba) settings.hba_file = '/etc/postgresql/pg_hba.conf';
  return Object.keys(settings).sort().flatMap((k) => ['-c', `${k}=${settings[k]}`]);
}

interface PodExtras {
  /** PVC of the data directory (Deployment mode); StatefulSets use their claim template. */
  readonly dataClaim?: string;
  readonly initContainers?: k8s.Container[];
  readonly placement?: Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints'>;
}

function podTemplate(p: PodBuild, component: string, selector: Record<string, string>, hba: Record<string, string> | undefined, extras: PodExtras): k8s.PodTemplateSpec {
  const run = scratchVolume('run', '/var/run/postgresql', '16Mi');
  const tmp = scratchVolume('tmp', '/tmp');
  const isReady = (host: string) => ['sh', '-c', `exec pg_isready -h ${host} -p ${PORT} -U "$POSTGRES_USER" -d "$POSTGRES_DB"`];
  const volumes: k8s.Volume[] = [run.volume, tmp.volume];
  if (extras.dataClaim) volumes.push({ name: 'data', persistentVolumeClaim: { claimName: extras.dataClaim } });
  const mounts: k8s.VolumeMount[] = [{ name: 'data', mountPath: DATA }, run.mount, tmp.mount];
  if (hba) {
    volumes.push({ name: 'replication', configMap: { name: `${p.name}-replication` } });
    mounts.push(
      { name: 'replication', mountPath: '/etc/postgresql/pg_hba.conf', subPath: 'pg_hba.conf', readOnly: true },
      { name: 'replication', mountPath: '/docker-entrypoint-initdb.d/10-replication.sh', subPath: '10-replication.sh', readOnly: true },
    );
  }
  const env: k8s.EnvVar[] = [
    { name: 'PGDATA', value: PGDATA },
    { name: 'POSTGRES_DB', value: p.database },
    secretEnv('POSTGRES_USER', { secret: p.creds.secret, key: p.creds.usernameKey }),
    secretEnv('POSTGRES_PASSWORD', { secret: p.creds.secret, key: p.creds.passwordKey }),
  ];
  if (p.replication) env.push(secretEnv('REPLICATION_PASSWORD', p.replication));
  return {
    metadata: {
      labels: { ...standardLabels({ name: p.name, component, version: p.image.tag }), ...selector },
      annotations: hba ? { 'checksum/replication': checksum(hba) } : undefined,
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(p.scope, { runAsUser: p.uid }),
      // A clean shutdown (checkpoint) avoids crash recovery on the next start.
      terminationGracePeriodSeconds: 60,
      ...extras.placement,
      initContainers: extras.initContainers,
      containers: [
        hardened({
          name: 'postgres',
          image: imageRef(p.image),
          args: ['postgres', ...serverArgs(p, hba !== undefined)],
          ports: [tcp('postgres', PORT)],
          env,
          resources: toResourceRequirements(p.resources),
          startupProbe: { exec: { command: isReady('127.0.0.1') }, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 5 },
          readinessProbe: { exec: { command: isReady('127.0.0.1') }, periodSeconds: 5, timeoutSeconds: 5 },
          livenessProbe: { exec: { command: isReady('/var/run/postgresql') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: mounts,
        }),
        hardened({
          name: 'exporter',
          image: imageRef(p.exporterImage),
          ports: [tcp('metrics', METRICS_PORT)],
          env: [
            { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${PORT}/${p.database}?sslmode=disable` },
            secretEnv('DATA_SOURCE_USER', { secret: p.creds.secret, key: p.creds.usernameKey }),
            secretEnv('DATA_SOURCE_PASS', { secret: p.creds.secret, key: p.creds.passwordKey }),
          ],
          resources: toResourceRequirements(EXPORTER_RESOURCES),
          readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10 },
          livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20 },
        }),
      ],
      volumes,
    },
  };
}

/** Clones the primary into an empty data directory; a replica that already has data just restarts streaming. */
function cloneContainer(p: PodBuild, primaryHost: string, resources: ComputeResources): k8s.Container {
  const script = [
    'set -eu',
    'if [ -s "$PGDATA/PG_VERSION" ]; then echo "data directory present, resuming replication"; exit 0; fi',
    `until pg_isready -h ${primaryHost} -p ${PORT}; do echo "waiting for the primary"; sleep 2; done`,
    `PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h ${primaryHost} -p ${PORT} -U replicator -D "$PGDATA" -X stream -R --checkpoint=fast`,
  ].join('\n');
  return hardened({
    name: 'clone-primary',
    image: imageRef(p.image),
    command: ['sh', '-c', script],
    env: [{ name: 'PGDATA', value: PGDATA }, secretEnv('REPLICATION_PASSWORD', p.replication!)],
    resources: toResourceRequirements(resources),
    volumeMounts: [{ name: 'data', mountPath: DATA }, { name: 'tmp', mountPath: '/tmp' }],
  });
}

/** pg_hba.conf allowing the replicator role, and the init script creating it on first start. */
function replicationConfig(): Record<string, string> {
  return {
    'pg_hba.conf': [
      '# local socket: the image entrypoint and the probes',
      'local all all trust',
      'host all all 0.0.0.0/0 scram-sha-256',
      'host all all ::/0 scram-sha-256',
      'host replication replicator 0.0.0.0/0 scram-sha-256',
      'host replication replicator ::/0 scram-sha-256',
      '',
    ].join('\n'),
    '10-replication.sh': [
      '# Runs once, on the primary\'s first start (docker-entrypoint-initdb.d).',
      'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --set pw="$REPLICATION_PASSWORD" <<\'SQL\'',
      "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';",
      'SQL',
      '',
    ].join('\n'),
  };
}
