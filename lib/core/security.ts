import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { PropsError } from './errors';

/** Who a pod's processes run as. The restricted Pod Security Standard forbids root. */
export interface PodIdentityProps {
  /** UID of every container process. Must not be 0. @default 10001 */
  readonly runAsUser?: number;
  /** Primary GID. @default same as runAsUser */
  readonly runAsGroup?: number;
  /** Group that owns mounted volumes. @default same as runAsGroup */
  readonly fsGroup?: number;
}

/** Container hardening choices; every default is the restricted Pod Security Standard. */
export interface ContainerHardeningProps {
  /** Mount the root filesystem read-only; writable paths get emptyDirs. @default true */
  readonly readOnlyRootFilesystem?: boolean;
}

export const DEFAULT_UID = 10001;

/** Pod-level security context of the restricted profile. */
export function restrictedPodSecurityContext(scope: Construct, p: PodIdentityProps = {}): k8s.PodSecurityContext {
  const runAsUser = p.runAsUser ?? DEFAULT_UID;
  if (!Number.isInteger(runAsUser) || runAsUser <= 0) {
    throw new PropsError(scope, 'runAsUser', runAsUser, 'a non-zero UID (the restricted Pod Security Standard forbids root)');
  }
  const runAsGroup = p.runAsGroup ?? runAsUser;
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    fsGroup: p.fsGroup ?? runAsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context of the restricted profile. */
export function restrictedContainerSecurityContext(p: ContainerHardeningProps = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: p.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** An emptyDir volume and its mount for a path the software writes to. */
export function scratchVolume(name: string, mountPath: string, sizeLimit = '256Mi'): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return {
    volume: { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } },
    mount: { name, mountPath },
  };
}
