// Fields the API server refuses to change in place. A GitOps controller hits
// the refusal on every sync (or, with Replace/Force, deletes and recreates
// the object: pods restart, a StatefulSet loses its identity, a Service its IP).
import { diffFields, FieldChange, valueAt } from './field-diff';
import { ObjectShape } from './prune-protection';

/** One field change that cannot be applied in place, and why. */
export interface ImmutableChange extends FieldChange {
  readonly reason: string;
}

type Rule = (before: ObjectShape, after: ObjectShape) => ImmutableChange[];

const WORKLOAD_SELECTOR = 'the selector of a workload is immutable';

function fields(paths: readonly string[], reason: string): Rule {
  return (before, after) => paths.flatMap((p) => diffFields(valueAt(before, p), valueAt(after, p), p).map((c) => ({ ...c, reason })));
}

function all(...rules: Rule[]): Rule {
  return (before, after) => rules.flatMap((r) => r(before, after));
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
function bytes(q: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(String(q ?? ''));
  return m && SUFFIX[m[2]] !== undefined ? Number(m[1]) * SUFFIX[m[2]] : undefined;
}

const serviceRule: Rule = (before, after) => {
  const out: ImmutableChange[] = [];
  const ip = (o: ObjectShape) => valueAt(o, 'spec.clusterIP');
  const type = (o: ObjectShape) => (valueAt(o, 'spec.type') as string | undefined) ?? 'ClusterIP';
  if (ip(before) !== ip(after) && type(before) !== 'ExternalName' && type(after) !== 'ExternalName') {
    out.push({ path: 'spec.clusterIP', before: ip(before), after: ip(after), reason: 'clusterIP cannot change (headless <-> virtual IP included); the Service must be recreated' });
  }
  if (type(before) !== type(after) && (type(before) === 'ExternalName' || type(after) === 'ExternalName')) {
    out.push({ path: 'spec.type', before: type(before), after: type(after), reason: 'switching to or from ExternalName allocates or releases the cluster IP; the Service must be recreated' });
  }
  return out;
};

const claimRule: Rule = all(
  fields(['spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.volumeName', 'spec.selector', 'spec.dataSource'], 'fixed once the claim is bound'),
  (before, after) => {
    const p = 'spec.resources.requests.storage';
    const a = bytes(valueAt(before, p));
    const b = bytes(valueAt(after, p));
    return a !== undefined && b !== undefined && b < a ? [{ path: p, before: valueAt(before, p), after: valueAt(after, p), reason: 'a volume can grow but never shrink' }] : [];
  },
);

/** Per kind, the immutable fields that differ between two versions of an object. */
export const IMMUTABLE_RULES: Readonly<Record<string, Rule>> = {
  Deployment: fields(['spec.selector'], WORKLOAD_SELECTOR),
  ReplicaSet: fields(['spec.selector'], WORKLOAD_SELECTOR),
  DaemonSet: fields(['spec.selector'], WORKLOAD_SELECTOR),
  Rollout: fields(['spec.selector'], WORKLOAD_SELECTOR),
  StatefulSet: all(
    fields(['spec.selector'], WORKLOAD_SELECTOR),
    fields(['spec.volumeClaimTemplates'], 'volumeClaimTemplates are immutable; existing PVCs keep their old size and class'),
    fields(['spec.serviceName', 'spec.podManagementPolicy'], 'immutable on a StatefulSet'),
  ),
  Job: fields(['spec.selector', 'spec.template', 'spec.completionMode', 'spec.completions'], 'immutable on a Job (let it finish, or delete it and let the new one run)'),
  Service: serviceRule,
  PersistentVolumeClaim: claimRule,
};

/** The immutable fields that differ; empty when the update can be applied in place. */
export function immutableChanges(before: ObjectShape, after: ObjectShape): ImmutableChange[] {
  return IMMUTABLE_RULES[after.kind]?.(before, after) ?? [];
}
