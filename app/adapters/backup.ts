import { Chart } from 'cdk8s';
import { VeleroSchedule } from '../../lib/backup/velero-schedule';
import { SystemBase } from './system';
import { BackupStorageConfig, configErrorAt, EnvironmentConfig } from '../config';

/** A Velero Schedule of the system's namespace where the environment backs up (`backup:`); none on shared clusters (Velero's namespace is not ours). */
export function backupFromConfig(base: SystemBase, chart: Chart): VeleroSchedule | undefined {
  const b = base.env.backup;
  if (!b || base.shared) return undefined;
  return new VeleroSchedule(chart, 'Backup', {
    name: `${base.partOf}-${base.env.name}`,
    includedNamespaces: [base.namespace],
    schedule: b.schedule,
    ttl: b.ttl,
    snapshotVolumes: b.snapshotVolumes,
    veleroNamespace: b.namespace,
  });
}

/**
 * The provider plugin of each object store for the Velero 1.14 line that
 * chart 7.1.4 (lib/platform/addons.ts) installs: plugin v1.10.x goes with
 * Velero v1.14.x (the plugins' compatibility tables).
 */
export const VELERO_PLUGIN_IMAGES: Readonly<Record<BackupStorageConfig['provider'], string>> = {
  aws: 'velero/velero-plugin-for-aws:v1.10.1',
  gcp: 'velero/velero-plugin-for-gcp:v1.10.1',
  azure: 'velero/velero-plugin-for-microsoft-azure:v1.10.1',
};

/**
 * Helm values of the Velero add-on from `backup.storage`: one default
 * BackupStorageLocation, a VolumeSnapshotLocation when the Schedules snapshot
 * volumes (`snapshotVolumes`, default true), the provider plugin as an init
 * container, and the identity (workload identity on the ServiceAccount, or a
 * Secret made by hand). Without storage the chart's placeholder locations
 * (provider null, bucket "") are refused by the API server and every backup
 * fails, so that is a located error.
 */
export function veleroValues(env: EnvironmentConfig): Record<string, unknown> {
  const b = env.backup;
  const s = b?.storage;
  if (!s) {
    throw configErrorAt(env, ['backup', 'storage'], 'expected backup.storage (provider, bucket, region, credentials): Velero is installed into _platform but nothing says where its backups go (the chart\'s placeholder location is refused by the API server); or declare platform.addons.velero.external: true', true);
  }
  const snapshots = b.snapshotVolumes ?? true;
  const region = s.region ? { region: s.region } : {};
  const sa = s.credentials.serviceAccountAnnotations;
  return {
    configuration: {
      backupStorageLocation: [{ name: 'default', provider: s.provider, bucket: s.bucket, ...(s.prefix ? { prefix: s.prefix } : {}), default: true, config: { ...region, ...s.config } }],
      volumeSnapshotLocation: snapshots ? [{ name: 'default', provider: s.provider, config: s.provider === 'aws' ? region : {} }] : [],
    },
    snapshotsEnabled: snapshots,
    initContainers: [{
      name: `velero-plugin-for-${s.provider}`,
      image: s.pluginImage ?? VELERO_PLUGIN_IMAGES[s.provider],
      imagePullPolicy: 'IfNotPresent',
      volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
    }],
    credentials: sa ? { useSecret: false } : { useSecret: true, existingSecret: s.credentials.existingSecret },
    ...(sa ? { serviceAccount: { server: { annotations: sa } } } : {}),
    // Azure workload identity injects its token only into labelled pods.
    ...(sa && s.provider === 'azure' ? { podLabels: { 'azure.workload.identity/use': 'true' } } : {}),
  };
}
