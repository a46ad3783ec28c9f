import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropsError } from '../core/errors';
import { bytes, ComputeResources, cpuMillis, toResourceRequirements } from '../core/resources';
import { PodIdentityProps, restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { Probe } from './probes';

/** A container image, pinned by tag and optionally by digest. */
export interface ImageReference {
  /** Registry and path, e.g. `registry.example.com/user-service`. */
  readonly repository: string;
  /** Tag, e.g. `v1.2.0`. `latest` is rejected. */
  readonly tag: string;
  /** Content digest `sha256:...`; when set, the node pulls exactly this image. @default none */
  readonly digest?: string;
}

/** A key of a Secret that exists in the namespace (rendered, or produced by an ExternalSecret). */
export interface SecretKeyReference {
  /** Secret name. */
  readonly secret: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** What every workload's single application container shares. */
export interface AppContainerProps {
  readonly image: ImageReference;
  readonly command?: string[];
  readonly args?: string[];
  readonly resources: ComputeResources;
  readonly ports?: Readonly<Record<string, number>>;
  readonly liveness?: Probe;
  readonly readiness?: Probe;
  readonly startup?: Probe;
  /** Port name HTTP probes use when they name none. */
  readonly probePort?: string;
  /** Name of a ConfigMap loaded with envFrom. */
  readonly configMapName?: string;
  readonly secretEnv?: Record<string, SecretKeyReference>;
  readonly readOnlyRootFilesystem?: boolean;
  readonly writablePaths?: string[];
}

export function imageString(image: ImageReference): string {
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

export function checkImage(scope: Construct, image: ImageReference): void {
  if (!image.repository) throw new PropsError(scope, 'image.repository', image.repository, 'a registry path such as "registry.example.com/app"');
  if (!image.tag || image.tag === 'latest') {
    throw new PropsError(scope, 'image.tag', image.tag, 'a pinned tag such as "v1.2.0" ("latest" changes under you and cannot be rolled back)');
  }
  if (image.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(image.digest)) {
    throw new PropsError(scope, 'image.digest', image.digest, '"sha256:" followed by 64 hex digits');
  }
}

export function checkResources(scope: Construct, r: ComputeResources): void {
  for (const side of ['requests', 'limits'] as const) {
    if (cpuMillis(r[side].cpu) === undefined) throw new PropsError(scope, `resources.${side}.cpu`, r[side].cpu, 'a CPU quantity such as "250m" or "1"');
    if (bytes(r[side].memory) === undefined) throw new PropsError(scope, `resources.${side}.memory`, r[side].memory, 'a memory quantity such as "256Mi"');
  }
  if (cpuMillis(r.requests.cpu)! > cpuMillis(r.limits.cpu)!) {
    throw new PropsError(scope, 'resources.requests.cpu', r.requests.cpu, `at most the CPU limit (${r.limits.cpu})`);
  }
  if (bytes(r.requests.memory)! > bytes(r.limits.memory)!) {
    throw new PropsError(scope, 'resources.requests.memory', r.requests.memory, `at most the memory limit (${r.limits.memory})`);
  }
}

/** The hardened application container and the scratch volumes it mounts. */
export function appContainer(scope: Construct, name: string, p: AppContainerProps): { container: k8s.Container; volumes: k8s.Volume[] } {
  checkImage(scope, p.image);
  checkResources(scope, p.resources);
  const writable = p.writablePaths ?? ['/tmp'];
  const scratch = writable.map((path, i) => scratchVolume(i === 0 && path === '/tmp' ? 'tmp' : `writable-${i}`, path));
  const probePort = p.probePort ?? 'http';
  const container: k8s.Container = {
    name,
    image: imageString(p.image),
    imagePullPolicy: 'IfNotPresent',
    command: p.command,
    args: p.args,
    ports: p.ports ? Object.entries(p.ports).map(([n, containerPort]) => ({ name: n, containerPort, protocol: 'TCP' })) : undefined,
    envFrom: p.configMapName ? [{ configMapRef: { name: p.configMapName } }] : undefined,
    env: secretEnvVars(p.secretEnv),
    resources: toResourceRequirements(p.resources),
    livenessProbe: p.liveness?.render(probePort),
    readinessProbe: p.readiness?.render(probePort),
    startupProbe: p.startup?.render(probePort),
    securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: p.readOnlyRootFilesystem }),
    volumeMounts: scratch.length ? scratch.map((s) => s.mount) : undefined,
  };
  return { container, volumes: scratch.map((s) => s.volume) };
}

/** Pod spec defaults every workload shares: restricted security context, no token, no service links. */
export function securePodSpec(
  scope: Construct,
  p: { serviceAccountName: string; mountServiceAccountToken?: boolean; identity?: PodIdentityProps; terminationGracePeriodSeconds?: number },
): Pick<k8s.PodSpec, 'serviceAccountName' | 'automountServiceAccountToken' | 'enableServiceLinks' | 'securityContext' | 'terminationGracePeriodSeconds'> {
  return {
    serviceAccountName: p.serviceAccountName,
    automountServiceAccountToken: p.mountServiceAccountToken ?? false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(scope, p.identity),
    terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? 30,
  };
}

/** Sorted ConfigMap data and the pod annotation that rolls pods when it changes. */
export function configData(config: Record<string, string>): { data: Record<string, string>; checksum: string } {
  const data = Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));
  return { data, checksum: createHash('sha256').update(JSON.stringify(data)).digest('hex') };
}

export function secretEnvVars(refs: Record<string, SecretKeyReference> | undefined): k8s.EnvVar[] | undefined {
  if (!refs || Object.keys(refs).length === 0) return undefined;
  return Object.keys(refs)
    .sort()
    .map((name) => ({ name, valueFrom: { secretKeyRef: { name: refs[name].secret, key: refs[name].key } } }));
}
