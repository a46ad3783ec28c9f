import { Chart } from 'cdk8s';
import { VeleroSchedule } from '../../lib/backup/velero-schedule';
import { SystemBase } from './system';

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
