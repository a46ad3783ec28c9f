import { Construct } from 'constructs';
import * as v from '../../imports/velero-schedule-velero.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';

export interface VeleroScheduleProps {
  /** Schedule name, e.g. `shop-prod-daily`. */
  readonly name: string;
  /** Namespaces backed up (the system's). */
  readonly includedNamespaces: readonly string[];
  /** Cron expression (5 fields, UTC), e.g. "0 2 * * *". */
  readonly schedule: string;
  /** How long each backup is kept, e.g. "720h" (30 days). */
  readonly ttl: string;
  /** Take volume snapshots of PersistentVolumes. @default true */
  readonly snapshotVolumes?: boolean;
  /** Where Velero runs (its Schedules live there). @default "velero" */
  readonly veleroNamespace?: string;
  /** Backup storage location. @default Velero's default location */
  readonly storageLocation?: string;
}

/**
 * A Velero Schedule backing up a system's namespaces (objects and volume
 * snapshots) with a retention. Cluster-scoped resources are excluded: a
 * system's restore must not overwrite what other tenants share.
 * Lives in Velero's namespace, so it cannot be rendered in shared-cluster mode.
 */
export class VeleroSchedule extends Construct {
  public readonly resource: v.Schedule;

  constructor(scope: Construct, id: string, props: VeleroScheduleProps) {
    super(scope, id);
    if (!/^(\S+\s+){4}\S+$/.test(props.schedule.trim())) throw new PropsError(this, 'schedule', props.schedule, 'a 5-field cron expression such as "0 2 * * *"');
    if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(props.ttl) || props.ttl === '') throw new PropsError(this, 'ttl', props.ttl, 'a duration such as "720h"');
    if (props.includedNamespaces.length === 0) throw new PropsError(this, 'includedNamespaces', props.includedNamespaces, 'at least one namespace');
    this.resource = new v.Schedule(this, 'Resource', {
      metadata: { name: props.name, namespace: props.veleroNamespace ?? 'velero', labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        schedule: props.schedule.trim(),
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...props.includedNamespaces].sort(),
          includeClusterResources: false,
          snapshotVolumes: props.snapshotVolumes ?? true,
          storageLocation: props.storageLocation,
          ttl: props.ttl,
        },
      },
    });
  }
}
