import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { PropsError } from '../core/errors';
import { SYNC_WAVE } from './annotations';
import { IgnoreDifference } from './ignore-differences';

/** Argo CD's exponential retry of a failed sync. */
export interface SyncRetry {
  /** Attempts before giving up. @default 5 */
  readonly limit?: number;
  /** First wait. @default "5s" */
  readonly backoff?: string;
  /** Multiplier per attempt. @default 2 */
  readonly factor?: number;
  /** Longest wait. @default "3m" */
  readonly maxBackoff?: string;
}

export interface ArgoApplicationProps {
  /** `metadata.name`, e.g. `shop-prod`. */
  readonly name: string;
  /** Namespace Argo CD runs in. @default "argocd" */
  readonly namespace?: string;
  /** AppProject the Application belongs to. */
  readonly project: string;
  /** Git repository holding the rendered manifests. */
  readonly repoURL: string;
  /** Branch, tag or commit to follow. @default "HEAD" */
  readonly targetRevision?: string;
  /** Directory inside the repository, e.g. `dist/prod/shop` (a Git source; exactly one of path and helmChart). */
  readonly path?: string;
  /** A Helm chart of the `repoURL` chart repository instead of a Git directory; `targetRevision` is then its exact version. @default none */
  readonly helmChart?: ArgoHelmChart;
  /** Apply server-side (CRDs too large for the last-applied annotation). @default false */
  readonly serverSideApply?: boolean;
  /** API server URL of the target cluster as registered in Argo CD. */
  readonly server: string;
  /** Namespace objects without one go to (and that CreateNamespace creates). @default none */
  readonly destinationNamespace?: string;
  /** Fields controllers own in the cluster; also turns on RespectIgnoreDifferences. @default none */
  readonly ignoreDifferences?: IgnoreDifference[];
  /** Wave of the Application itself inside an app-of-apps sync. @default none */
  readonly syncWave?: number;
  /** Prune objects removed from Git (protected objects are kept regardless). @default true */
  readonly prune?: boolean;
  /** Revert changes made in the cluster by hand. @default true */
  readonly selfHeal?: boolean;
  /** Create the destination namespace when missing. @default true */
  readonly createNamespace?: boolean;
  /**
   * Labels and annotations Argo CD puts on the destination namespace it
   * creates (`syncPolicy.managedNamespaceMetadata`), e.g. its Pod Security
   * level. Only with `createNamespace`. @default none
   */
  readonly namespaceMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** Retry policy for failed syncs. @default 5 attempts, 5s doubling up to 3m */
  readonly retry?: SyncRetry;
  /** Synced revisions kept for rollback in the UI. @default 10 */
  readonly revisionHistoryLimit?: number;
}

/** A Helm chart source. */
export interface ArgoHelmChart {
  readonly chart: string;
  /** Helm release name. @default the chart name */
  readonly releaseName?: string;
  /** Chart values. @default none */
  readonly values?: Record<string, unknown>;
}

const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const EXACT_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

/**
 * An Argo CD Application that keeps one rendered directory synced:
 * automated prune and self-heal, retries with backoff, and the drift
 * exceptions the objects' controllers need. It carries no resources
 * finalizer, so deleting the Application leaves the workloads running.
 */
export class ArgoApplication extends Construct {
  public readonly resource: Application;

  constructor(scope: Construct, id: string, props: ArgoApplicationProps) {
    super(scope, id);
    const retry = {
      limit: props.retry?.limit ?? 5,
      backoff: props.retry?.backoff ?? '5s',
      factor: props.retry?.factor ?? 2,
      maxBackoff: props.retry?.maxBackoff ?? '3m',
    };
    if (!Number.isInteger(retry.limit) || retry.limit < 0) throw new PropsError(this, 'retry.limit', retry.limit, 'an integer >= 0');
    if (!Number.isInteger(retry.factor) || retry.factor < 1) throw new PropsError(this, 'retry.factor', retry.factor, 'an integer >= 1');
    for (const [field, v] of [['retry.backoff', retry.backoff], ['retry.maxBackoff', retry.maxBackoff]] as const) {
      if (!v || !DURATION.test(v)) throw new PropsError(this, field, v, 'a duration such as "5s" or "3m"');
    }
    if ((props.path === undefined) === (props.helmChart === undefined)) {
      throw new PropsError(this, 'path', props.path, 'either a Git directory (path) or a Helm chart (helmChart), not both or neither');
    }
    if (props.path !== undefined && (props.path.startsWith('/') || props.path.split('/').includes('..'))) {
      throw new PropsError(this, 'path', props.path, 'a path relative to the repository root, e.g. "dist/prod/shop"');
    }
    if (props.helmChart && !EXACT_VERSION.test(props.targetRevision ?? '')) {
      throw new PropsError(this, 'targetRevision', props.targetRevision, 'the exact chart version, e.g. "1.15.3" (no ranges)');
    }
    if (props.namespaceMetadata && props.createNamespace === false) {
      throw new PropsError(this, 'namespaceMetadata', props.namespaceMetadata, 'no namespace metadata when createNamespace is false (Argo CD sets it only on a namespace it manages)');
    }
    const revisionHistoryLimit = props.revisionHistoryLimit ?? 10;
    const ignores = props.ignoreDifferences ?? [];
    const syncOptions = [
      ...((props.createNamespace ?? true) ? ['CreateNamespace=true'] : []),
      'PruneLast=true',
      ...(props.serverSideApply ? ['ServerSideApply=true'] : []),
      // Without it a sync (for any other change) writes the ignored fields back, e.g. resets HPA-owned replicas.
      ...(ignores.length ? ['RespectIgnoreDifferences=true'] : []),
    ];
    this.resource = new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace ?? 'argocd',
        annotations: props.syncWave !== undefined ? { [SYNC_WAVE]: String(props.syncWave) } : undefined,
      },
      spec: {
        project: props.project,
        source: props.helmChart
          ? {
            repoUrl: props.repoURL,
            chart: props.helmChart.chart,
            targetRevision: props.targetRevision,
            helm: {
              releaseName: props.helmChart.releaseName ?? props.helmChart.chart,
              valuesObject: props.helmChart.values && Object.keys(props.helmChart.values).length ? props.helmChart.values : undefined,
            },
          }
          : { repoUrl: props.repoURL, targetRevision: props.targetRevision ?? 'HEAD', path: props.path },
        destination: { server: props.server, namespace: props.destinationNamespace },
        syncPolicy: {
          automated: { prune: props.prune ?? true, selfHeal: props.selfHeal ?? true },
          syncOptions,
          managedNamespaceMetadata: props.namespaceMetadata,
          retry: { limit: retry.limit, backoff: { duration: retry.backoff, factor: retry.factor, maxDuration: retry.maxBackoff } },
        },
        revisionHistoryLimit,
        ignoreDifferences: ignores.length ? ignores.map((e) => ({ ...e })) : undefined,
      },
    });
  }
}
