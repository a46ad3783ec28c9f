import { stringify } from 'yaml';

/** API groups served by Kubernetes itself; kinds from any other group get the group in their file name. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'discovery.k8s.io',
  'node.k8s.io', 'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'apiregistration.k8s.io',
]);

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

/**
 * File name of one object: `<namespace>--<kind>--<name>.yaml`, `_cluster` for
 * cluster-scoped objects, and `<kind>.<group>` for custom resources so that two
 * kinds of the same name (Istio and Gateway API `Gateway`) never collide.
 */
export function fileNameOf(o: ObjectIdentity): string {
  const group = groupOf(o.apiVersion);
  const kind = o.kind.toLowerCase() + (BUILT_IN_GROUPS.has(group) ? '' : `.${group}`);
  return `${o.metadata.namespace ?? '_cluster'}--${kind}--${o.metadata.name}.yaml`;
}

/** Recursively sorted copy: map keys in code-point order, list order kept, undefined dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    // Assigning "__proto__" would set the copy's prototype and drop the key.
    if (v !== undefined) Object.defineProperty(out, k, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * YAML text of one object, byte-stable: sorted keys, no line folding, and
 * YAML 1.1 quoting so that strings like "on" or "yes" stay strings for
 * Kubernetes' YAML 1.1 reader.
 */
export function toYaml(object: unknown): string {
  return emitter?.yaml(object) ?? stringify(sortKeys(object), YAML_OPTIONS);
}

/**
 * A configuration file embedded in a ConfigMap (prometheus.yml, Grafana
 * provisioning, ...): exactly `stringify(value)` of the yaml library (its
 * defaults: YAML 1.2, keys in insertion order, 80-column lines).
 */
export function configYaml(value: object): string {
  return emitter?.configYaml(value) ?? stringify(value);
}

/**
 * A faster writer of the same YAML text: `yaml` gives what `toYaml` writes,
 * `configYaml` what `configYaml` writes, or undefined where it does not
 * cover the value (the `yaml` package then writes it).
 */
export interface YamlEmitter {
  yaml(object: unknown): string | undefined;
  configYaml(value: object): string | undefined;
}

let emitter: YamlEmitter | undefined;

/** Runs `fn` with `emitter` writing the YAML it covers (an app's speed-up; the library itself uses the `yaml` package only). */
export function withYamlEmitter<T>(e: YamlEmitter | undefined, fn: () => T): T {
  const previous = emitter;
  emitter = e;
  try {
    return fn();
  } finally {
    emitter = previous;
  }
}

/** The serializer's options; a YamlEmitter must produce the same text for what it covers. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One rendered file: a provenance comment, then the object. */
export function objectFile(constructPath: string, object: unknown): string {
  return `# construct: ${constructPath}\n${toYaml(object)}`;
}

/** kustomization.yaml listing the given files, sorted. */
export function kustomizationFile(files: readonly string[]): string {
  return toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...files].sort() });
}
