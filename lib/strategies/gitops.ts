import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SYNC_WAVE } from '../gitops/annotations';
import { ignoreDifferences } from '../gitops/ignore-differences';
import { syncWaveOf } from '../gitops/sync-waves';
import { GitOpsHints, IgnoreDifference } from './strategy';

/**
 * The Argo CD sync wave of a kind as an annotation. Strategies set it on the
 * objects a Rollout or Canary refers to (Services -3, AnalysisTemplates -1)
 * and on the workload (1), so the order holds even in charts that
 * do not get the delivery metadata; the values are the GitOps table's, so
 * charts that do get it see no change.
 */
export function waveOf(kind: string): Record<string, string> {
  return { [SYNC_WAVE]: syncWaveOf(kind) ?? '0' };
}

/** Argo CD must not write back a field it is told to ignore (e.g. replicas Flagger scaled). */
export const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true';

/** Ignore entry for one rendered object. */
export function ignoreOn(obj: ApiObject, paths: { jsonPointers?: string[]; jqPathExpressions?: string[] }): IgnoreDifference {
  const slash = obj.apiVersion.lastIndexOf('/');
  return {
    group: slash < 0 ? '' : obj.apiVersion.slice(0, slash),
    kind: obj.kind,
    name: obj.name,
    namespace: obj.metadata.namespace,
    ...paths,
  };
}

/**
 * Declares the controller-owned fields in the construct tree, where the
 * GitOps Application of the chart collects them (`ignoreDifferencesOf`), and
 * returns the hints for the strategy binding.
 */
export function recordHints(scope: Construct, hints: GitOpsHints): GitOpsHints | undefined {
  if (hints.ignoreDifferences.length === 0 && hints.syncOptions.length === 0) return undefined;
  ignoreDifferences(scope, ...hints.ignoreDifferences.map((e) => ({ ...e })));
  return hints;
}
