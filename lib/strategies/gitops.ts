import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GitOpsHints, IgnoreDifference } from './strategy';

/** Argo CD applies lower waves first; strategy support objects go before the workload. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * The wave of objects a Rollout or Canary needs to exist when it is created:
 * AnalysisTemplates, MetricTemplates, the Services and routing objects it names.
 * The workload stays in the default wave 0.
 */
export const BEFORE_WORKLOAD_WAVE = '-1';

export const beforeWorkload = (): Record<string, string> => ({ [SYNC_WAVE_ANNOTATION]: BEFORE_WORKLOAD_WAVE });

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
 * Records a strategy's Argo CD hints in the construct tree, so that a GitOps
 * Application built for a chart can collect them with `gitOpsHintsOf(chart)`
 * without knowing which services or strategies the chart holds.
 */
export class GitOpsHintsRecord extends Construct {
  constructor(scope: Construct, id: string, public readonly hints: GitOpsHints) {
    super(scope, id);
  }
}

/** Every strategy hint under `scope`, merged: ignoreDifferences in tree order, sync options de-duplicated. */
export function gitOpsHintsOf(scope: IConstruct): GitOpsHints {
  const records = scope.node.findAll().filter((c): c is GitOpsHintsRecord => c instanceof GitOpsHintsRecord);
  return {
    ignoreDifferences: records.flatMap((r) => r.hints.ignoreDifferences),
    syncOptions: [...new Set(records.flatMap((r) => r.hints.syncOptions))].sort(),
  };
}

/** Records and returns hints (undefined when there are none, so bindings stay minimal). */
export function recordHints(scope: Construct, hints: GitOpsHints): GitOpsHints | undefined {
  if (hints.ignoreDifferences.length === 0 && hints.syncOptions.length === 0) return undefined;
  new GitOpsHintsRecord(scope, 'GitOpsHints', hints);
  return hints;
}
