import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { bytes, ComputeQuantities, cpuMillis } from '../core/resources';

/** Pod Security Admission level (Kubernetes Pod Security Standards). */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** Annotation carrying why a namespace is not `restricted`; the validation gate reads the same key. */
export const POD_SECURITY_REASON_ANNOTATION = 'validate.platform.dev/pod-security-reason';
/** Annotations declaring the cluster's Istio mode on an injected namespace, read by the validation gate (lib/validate/RULES.md). */
export const MESH_CNI_ANNOTATION = 'validate.platform.dev/mesh-cni';
export const MESH_NATIVE_SIDECARS_ANNOTATION = 'validate.platform.dev/mesh-native-sidecars';

/** How the cluster's Istio injects sidecars. */
export interface MeshMode {
  /** Istio runs its CNI plugin: pods get no istio-init container (NET_ADMIN, NET_RAW). */
  readonly cni: boolean;
  /** The proxy is a native sidecar (an init container with restartPolicy Always): Jobs finish. */
  readonly nativeSidecars: boolean;
}

/** Pod Security version pinned in the labels, so a cluster upgrade does not silently tighten or loosen it. */
export const POD_SECURITY_VERSION = 'v1.27';

/** A Pod Security level; anything but restricted needs a written reason. */
export type PodSecurity = { readonly level: 'restricted' } | { readonly level: 'baseline' | 'privileged'; readonly reason: string };

/** The namespace's share of the cluster. */
export interface NamespaceQuota {
  /** Sum of all containers' requests. */
  readonly requests: ComputeQuantities;
  /** Sum of all containers' limits. */
  readonly limits: ComputeQuantities;
  /** Maximum pods. @default no pod limit */
  readonly pods?: number;
}

/** Defaults for containers that do not state requests/limits. */
export interface ContainerDefaults {
  readonly defaultRequest: ComputeQuantities;
  readonly default: ComputeQuantities;
}

export interface SystemNamespaceProps {
  /** Namespace name, e.g. `shop-prod`. */
  readonly name: string;
  /** Render the Namespace object; false when it is assigned to us (shared clusters) or created elsewhere. @default true */
  readonly create?: boolean;
  /** Extra labels, e.g. `{ environment: 'prod', tier: 'production' }`. @default none */
  readonly labels?: Record<string, string>;
  /** Pod Security Admission level. @default { level: 'restricted' } */
  readonly podSecurity?: PodSecurity;
  /**
   * The mesh mode of the cluster when the namespace has sidecar injection,
   * declared on the Namespace so checks of the rendered output can tell
   * whether its pods are admitted and its Jobs finish. @default none
   */
  readonly meshMode?: MeshMode;
  /** ResourceQuota; rendered only when given. @default none */
  readonly quota?: NamespaceQuota;
  /** LimitRange defaults; rendered only when given. @default none */
  readonly containerDefaults?: ContainerDefaults;
}

/**
 * A system's namespace: the Namespace with Pod Security Admission labels
 * (enforce, audit and warn at the same level, pinned version), and its
 * ResourceQuota and LimitRange. With `create: false` (shared clusters) only
 * the namespaced objects are rendered.
 */
export class SystemNamespace extends Construct {
  public readonly name: string;
  public readonly namespace?: k8s.KubeNamespace;
  public readonly quota?: k8s.KubeResourceQuota;
  public readonly limitRange?: k8s.KubeLimitRange;
  public readonly podSecurity: PodSecurity;

  constructor(scope: Construct, id: string, props: SystemNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.name)) throw new PropsError(this, 'name', props.name, 'a DNS-1123 label');
    this.podSecurity = props.podSecurity ?? { level: 'restricted' };
    const ps = this.podSecurity;
    if (!['restricted', 'baseline', 'privileged'].includes(ps.level)) throw new PropsError(this, 'podSecurity.level', ps.level, 'restricted, baseline or privileged');
    if (ps.level !== 'restricted' && !(ps as { reason?: string }).reason?.trim()) {
      throw new PropsError(this, 'podSecurity.reason', (ps as { reason?: string }).reason, `a written reason why the namespace must be ${ps.level} instead of restricted`);
    }
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY };

    if (props.create ?? true) {
      this.namespace = new k8s.KubeNamespace(this, 'Resource', {
        metadata: {
          name: props.name,
          labels: { ...labels, ...props.labels, ...podSecurityLabels(ps.level) },
          annotations: ps.level !== 'restricted' || props.meshMode ? {
            ...(ps.level !== 'restricted' ? { [POD_SECURITY_REASON_ANNOTATION]: ps.reason } : {}),
            ...(props.meshMode ? { [MESH_CNI_ANNOTATION]: String(props.meshMode.cni), [MESH_NATIVE_SIDECARS_ANNOTATION]: String(props.meshMode.nativeSidecars) } : {}),
          } : undefined,
        },
      });
    }

    if (props.quota) {
      checkCompute(this, 'quota.requests', props.quota.requests);
      checkCompute(this, 'quota.limits', props.quota.limits);
      if (props.quota.pods !== undefined && (!Number.isInteger(props.quota.pods) || props.quota.pods < 1)) throw new PropsError(this, 'quota.pods', props.quota.pods, 'an integer >= 1');
      const q = (v: string | number) => k8s.Quantity.fromString(String(v));
      this.quota = new k8s.KubeResourceQuota(this, 'Quota', {
        metadata: { name: props.name, namespace: props.name, labels },
        spec: {
          hard: {
            'requests.cpu': q(props.quota.requests.cpu),
            'requests.memory': q(props.quota.requests.memory),
            'limits.cpu': q(props.quota.limits.cpu),
            'limits.memory': q(props.quota.limits.memory),
            ...(props.quota.pods !== undefined ? { pods: q(props.quota.pods) } : {}),
          },
        },
      });
    }

    if (props.containerDefaults) {
      const d = props.containerDefaults;
      checkCompute(this, 'containerDefaults.defaultRequest', d.defaultRequest);
      checkCompute(this, 'containerDefaults.default', d.default);
      if (cpuMillis(d.defaultRequest.cpu)! > cpuMillis(d.default.cpu)! || bytes(d.defaultRequest.memory)! > bytes(d.default.memory)!) {
        throw new PropsError(this, 'containerDefaults.defaultRequest', d.defaultRequest, `at most the default limit (${JSON.stringify(d.default)})`);
      }
      const q = (c: ComputeQuantities) => ({ cpu: k8s.Quantity.fromString(String(c.cpu)), memory: k8s.Quantity.fromString(String(c.memory)) });
      this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
        metadata: { name: props.name, namespace: props.name, labels },
        spec: { limits: [{ type: 'Container', defaultRequest: q(d.defaultRequest), default: q(d.default) }] },
      });
    }
  }
}

/** The three Pod Security Admission modes at one level: reject, audit-log and warn alike. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}

function checkCompute(scope: Construct, field: string, c: ComputeQuantities): void {
  if (cpuMillis(c.cpu) === undefined) throw new PropsError(scope, `${field}.cpu`, c.cpu, 'a CPU quantity such as "4" or "500m"');
  if (bytes(c.memory) === undefined) throw new PropsError(scope, `${field}.memory`, c.memory, 'a memory quantity such as "8Gi"');
}
