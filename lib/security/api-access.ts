import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';

/** Verbs a workload may be granted. Write verbs exist for operators; `escalate`, `bind`, `impersonate` and `*` never. */
export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

const VERBS: readonly ApiVerb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** One permission: verbs on resources of one API group, optionally on named objects only. */
export interface ApiGrant {
  /** API group, "" for core (pods, configmaps, secrets). @default "" */
  readonly apiGroup?: string;
  /** Resources, e.g. ["configmaps"]. Never "*". */
  readonly resources: readonly string[];
  readonly verbs: readonly ApiVerb[];
  /** Restrict to these object names (cannot narrow `list`/`watch`, which Kubernetes ignores names for). @default all in the namespace */
  readonly resourceNames?: readonly string[];
}

/** Read access to an application's configuration: configmaps and secrets get+list. */
export const READ_CONFIG: ApiGrant = { resources: ['configmaps', 'secrets'], verbs: ['get', 'list'] };
/** Pod discovery: get, list, watch. */
export const READ_PODS: ApiGrant = { resources: ['pods'], verbs: ['get', 'list', 'watch'] };

export interface ApiAccessProps {
  /** Name of the Role and RoleBinding (usually the workload's). */
  readonly name: string;
  readonly namespace: string;
  /** ServiceAccount the grants go to (in the same namespace). */
  readonly serviceAccountName: string;
  /** At least one grant. */
  readonly grants: readonly ApiGrant[];
  /** @default none */
  readonly labels?: Record<string, string>;
}

/**
 * Kubernetes API access for one workload: a namespaced Role with exactly the
 * grants given and a RoleBinding to the workload's ServiceAccount. Only for
 * workloads that call the API; others get a ServiceAccount without token.
 * Never cluster-wide, never a wildcard, never privilege-granting verbs.
 */
export class ApiAccess extends Construct {
  public readonly role: k8s.KubeRole;
  public readonly binding: k8s.KubeRoleBinding;

  constructor(scope: Construct, id: string, props: ApiAccessProps) {
    super(scope, id);
    if (props.grants.length === 0) throw new PropsError(this, 'grants', props.grants, 'at least one grant (a workload without grants needs no Role)');
    props.grants.forEach((g, i) => checkGrant(this, `grants[${i}]`, g));
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, ...props.labels };
    this.role = new k8s.KubeRole(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      rules: props.grants.map((g) => ({
        apiGroups: [g.apiGroup ?? ''],
        resources: [...g.resources],
        verbs: [...g.verbs],
        resourceNames: g.resourceNames ? [...g.resourceNames] : undefined,
      })),
    });
    this.binding = new k8s.KubeRoleBinding(this, 'Binding', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.serviceAccountName, namespace: props.namespace }],
    });
  }
}

function checkGrant(scope: Construct, field: string, g: ApiGrant): void {
  if (g.apiGroup === '*') throw new PropsError(scope, `${field}.apiGroup`, g.apiGroup, 'one API group ("" for core), not "*"');
  if (g.resources.length === 0) throw new PropsError(scope, `${field}.resources`, g.resources, 'at least one resource');
  for (const r of g.resources) {
    if (r === '*' || r.includes('*')) throw new PropsError(scope, `${field}.resources`, r, 'a resource name such as "configmaps" (wildcards grant more than intended)');
  }
  if (g.verbs.length === 0) throw new PropsError(scope, `${field}.verbs`, g.verbs, `at least one of ${VERBS.join(', ')}`);
  for (const v of g.verbs) if (!VERBS.includes(v)) throw new PropsError(scope, `${field}.verbs`, v, `one of ${VERBS.join(', ')} (escalate, bind, impersonate and "*" are never granted)`);
  if (g.resourceNames && g.verbs.some((v) => v === 'list' || v === 'watch' || v === 'create')) {
    throw new PropsError(scope, `${field}.resourceNames`, g.resourceNames, 'only with get/update/patch/delete (Kubernetes ignores names for list, watch and create, so the grant would be wider than it reads)');
  }
}
