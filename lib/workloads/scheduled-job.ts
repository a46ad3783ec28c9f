import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { standardLabels } from '../core/labels';
import { ComputeResources } from '../core/resources';
import { PodIdentityProps } from '../core/security';
import { appContainer, configData, ImageReference, SecretKeyReference, securePodSpec } from './pod';

export interface ScheduledJobProps {
  /** @default the construct id */
  readonly name?: string;
  readonly namespace: string;
  /** @default none */
  readonly partOf?: string;
  readonly image: ImageReference;
  readonly command?: string[];
  readonly args?: string[];
  /** Cron schedule, five fields, e.g. "*\/5 * * * *". */
  readonly schedule: string;
  /** IANA time zone of the schedule. @default "Etc/UTC" */
  readonly timeZone?: string;
  /** Forbid: never two runs at once (the safe default for jobs with side effects). @default "Forbid" */
  readonly concurrencyPolicy?: 'Forbid' | 'Replace' | 'Allow';
  /** A run that cannot start within this many seconds of its time is skipped. @default 60 */
  readonly startingDeadlineSeconds?: number;
  /** Kill a run after this many seconds. @default 600 */
  readonly activeDeadlineSeconds?: number;
  /** Retries per run. @default 2 */
  readonly backoffLimit?: number;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Finished Jobs are deleted after this many seconds. @default 3600 */
  readonly ttlSecondsAfterFinished?: number;
  /** @default requests 50m/64Mi, limits 500m/256Mi */
  readonly resources?: ComputeResources;
  readonly config?: Record<string, string>;
  readonly secretEnv?: Record<string, SecretKeyReference>;
  readonly identity?: PodIdentityProps;
}

const CRON = /^(\S+\s+){4}\S+$|^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;

/** A CronJob with the safe defaults: no overlapping runs, deadlines, bounded history, hardened pod. */
export class ScheduledJob extends Construct {
  public readonly name: string;
  public readonly cronJob: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.name = props.name ?? id;
    if (!CRON.test(props.schedule.trim())) {
      throw new PropsError(this, 'schedule', props.schedule, 'a five-field cron expression such as "*/5 * * * *" or a macro such as "@hourly"');
    }
    const identity = { name: this.name, partOf: props.partOf, component: 'job' };
    const labels = standardLabels(identity);
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), automountServiceAccountToken: false });
    const config = props.config && Object.keys(props.config).length ? configData(props.config) : undefined;
    if (config) new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: config.data });
    const { container, volumes } = appContainer(this, this.name, {
      image: props.image,
      command: props.command,
      args: props.args,
      resources: props.resources ?? { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      configMapName: config ? `${this.name}-config` : undefined,
      secretEnv: props.secretEnv,
    });
    this.cronJob = new k8s.KubeCronJob(this, 'Resource', {
      metadata: metadata(this.name),
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone ?? 'Etc/UTC',
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: props.startingDeadlineSeconds ?? 60,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        jobTemplate: {
          spec: {
            backoffLimit: props.backoffLimit ?? 2,
            activeDeadlineSeconds: props.activeDeadlineSeconds ?? 600,
            ttlSecondsAfterFinished: props.ttlSecondsAfterFinished ?? 3600,
            template: {
              metadata: { labels: standardLabels({ ...identity, version: props.image.tag }), annotations: config ? { 'checksum/config': config.checksum } : undefined },
              spec: {
                ...securePodSpec(this, { serviceAccountName: this.name, identity: props.identity }),
                restartPolicy: 'Never',
                containers: [container],
                volumes: volumes.length ? volumes : undefined,
              },
            },
          },
        },
      },
    });
  }
}
