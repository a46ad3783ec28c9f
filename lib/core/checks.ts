import { Construct } from 'constructs';
import { PropsError } from './errors';
import { bytes, ComputeResources, cpuMillis } from './resources';

/** Shared prop checks; each throws a PropsError naming the field, the value and what is valid. */

/** A container image, pinned by tag and optionally by digest. */
export interface PinnedImage {
  /** Registry and path, e.g. `docker.io/library/postgres`. */
  readonly repository: string;
  /** Tag, e.g. `16.4`. `latest` is rejected. */
  readonly tag: string;
  /** Content digest `sha256:...`. @default none */
  readonly digest?: string;
}

export function checkImage(scope: Construct, field: string, image: PinnedImage): void {
  if (!image.repository) throw new PropsError(scope, `${field}.repository`, image.repository, 'a registry path such as "docker.io/library/postgres"');
  if (!image.tag || image.tag === 'latest') {
    throw new PropsError(scope, `${field}.tag`, image.tag, 'a pinned tag such as "16.4" ("latest" changes under you and cannot be rolled back)');
  }
  if (image.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(image.digest)) {
    throw new PropsError(scope, `${field}.digest`, image.digest, '"sha256:" followed by 64 hex digits');
  }
}

export function imageRef(image: PinnedImage): string {
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

export function checkResources(scope: Construct, field: string, r: ComputeResources): void {
  for (const side of ['requests', 'limits'] as const) {
    if (cpuMillis(r[side].cpu) === undefined) throw new PropsError(scope, `${field}.${side}.cpu`, r[side].cpu, 'a CPU quantity such as "250m" or "1"');
    if (bytes(r[side].memory) === undefined) throw new PropsError(scope, `${field}.${side}.memory`, r[side].memory, 'a memory quantity such as "256Mi"');
  }
  if (cpuMillis(r.requests.cpu)! > cpuMillis(r.limits.cpu)!) {
    throw new PropsError(scope, `${field}.requests.cpu`, r.requests.cpu, `at most the CPU limit (${r.limits.cpu})`);
  }
  if (bytes(r.requests.memory)! > bytes(r.limits.memory)!) {
    throw new PropsError(scope, `${field}.requests.memory`, r.requests.memory, `at most the memory limit (${r.limits.memory})`);
  }
}

export function checkInt(scope: Construct, field: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new PropsError(scope, field, v, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
}

export function checkPort(scope: Construct, field: string, port: number): void {
  checkInt(scope, field, port, 1, 65535);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Object names that also become DNS labels (Services, StatefulSet pods). */
export function checkDnsLabel(scope: Construct, field: string, v: string, maxLength = 63): void {
  if (!DNS_LABEL.test(v) || v.length > maxLength) {
    throw new PropsError(scope, field, v, `a DNS label of at most ${maxLength} characters: lower-case letters, digits and "-"`);
  }
}

/** A host name such as `db.example.internal` (no scheme, no port, no IP literal for ExternalName). */
export function checkHostName(scope: Construct, field: string, v: string): void {
  if (!DNS_NAME.test(v) || /^[0-9.]+$/.test(v)) {
    throw new PropsError(scope, field, v, 'a DNS host name such as "db.example.internal" (no scheme, port or IP address)');
  }
}

/** A Prometheus/Go duration such as "30s", "5m", "30d". */
export function checkDuration(scope: Construct, field: string, v: string, units = 'smhdwy'): void {
  if (!new RegExp(`^(\\d+[${units}])+$`).test(v)) throw new PropsError(scope, field, v, `a duration such as "30s", "5m" or "1h" (units ${units.split('').join(', ')})`);
}

/** A standard five-field cron expression (or a macro such as @daily). */
export function checkCron(scope: Construct, field: string, v: string): void {
  if (!/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/.test(v.trim())) {
    throw new PropsError(scope, field, v, 'a five-field cron expression such as "0 2 * * *" or a macro such as "@daily"');
  }
}
