import { bytes, ComputeResources, cpuMillis } from '../core/resources';

/**
 * Resources of an Istio sidecar when the environment states none. istiod's
 * chart default (`global.proxy.resources`: requests 100m/128Mi, limits 2 CPU /
 * 1Gi) gives every pod up to two more CPUs of limits, which a namespace quota
 * sized for the workloads cannot hold. An Envoy sidecar of a namespace-scoped
 * mesh idles at a few millicores and ~40-60Mi; Istio measures 0.2 vCPU and
 * ~60Mi per 1000 requests per second through the proxy. So: requests of 50m
 * and 64Mi (the idle proxy, what the scheduler must reserve), limits of 500m
 * (~2500 requests per second per pod before throttling) and 256Mi (4x the
 * request: room for a growing configuration and bursts).
 */
export const DEFAULT_SIDECAR_RESOURCES: ComputeResources = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** Pod annotations that replace the injected proxy's resources for one workload (Istio's injection template). */
export const SIDECAR_RESOURCE_ANNOTATIONS = {
  cpu: 'sidecar.istio.io/proxyCPU',
  cpuLimit: 'sidecar.istio.io/proxyCPULimit',
  memory: 'sidecar.istio.io/proxyMemory',
  memoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
} as const;

/**
 * How pods of an Istio-injected namespace are changed by the injector, as far
 * as their resources go. Istio's injection template gives the proxy
 * (`istio-proxy`) and its init container (`istio-init`, or `istio-validation`
 * with the CNI plugin: there is one either way) the same resources: the
 * pod's `sidecar.istio.io/proxy*` annotations when it has any, otherwise
 * istiod's `global.proxy.resources`.
 */
export interface SidecarInjection {
  /** What istiod's `global.proxy.resources` (and `global.proxy_init.resources`) say. */
  readonly proxy: ComputeResources;
  /** The proxy is a native sidecar (an init container with restartPolicy Always) unless a pod says otherwise. */
  readonly nativeSidecars: boolean;
}

/** Requests and limits of one container or pod, in millicores and bytes. */
export interface PodAmounts {
  readonly requests: { readonly cpuMillis: number; readonly memoryBytes: number };
  readonly limits: { readonly cpuMillis: number; readonly memoryBytes: number };
}

interface ContainerLike {
  readonly resources?: { readonly requests?: Record<string, unknown>; readonly limits?: Record<string, unknown> };
  readonly restartPolicy?: string;
}

/** A pod template's parts these functions read. */
export interface PodTemplateLike {
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: { readonly containers?: readonly ContainerLike[]; readonly initContainers?: readonly ContainerLike[] };
}

const INJECT = 'sidecar.istio.io/inject';
const NATIVE = 'sidecar.istio.io/nativeSidecar';

/**
 * The pod template as the injector leaves it: unchanged when `injection` is
 * undefined or the pod opts out (`sidecar.istio.io/inject: "false"`);
 * otherwise with the init container first and the proxy either after it as a
 * native sidecar or among the containers (`sidecar.istio.io/nativeSidecar`
 * on the pod wins over the namespace's mode).
 */
export function injectedPod(template: PodTemplateLike, injection: SidecarInjection | undefined): PodTemplateLike {
  const labels = template.metadata?.labels ?? {};
  const annotations = template.metadata?.annotations ?? {};
  if (!injection || (labels[INJECT] ?? annotations[INJECT]) === 'false') return template;
  const resources = proxyResources(annotations, injection.proxy);
  const native = annotations[NATIVE] !== undefined ? annotations[NATIVE] === 'true' : injection.nativeSidecars;
  const spec = template.spec ?? {};
  const init: ContainerLike = { resources };
  const proxy: ContainerLike = native ? { resources, restartPolicy: 'Always' } : { resources };
  return {
    metadata: template.metadata,
    spec: {
      initContainers: [init, ...(native ? [proxy] : []), ...(spec.initContainers ?? [])],
      containers: [...(spec.containers ?? []), ...(native ? [] : [proxy])],
    },
  };
}

/**
 * The proxy's resources for a pod: Istio's template uses the pod's
 * `sidecar.istio.io/proxy*` annotations alone when any is set (an unset one
 * then stays unset), otherwise the mesh-wide values.
 */
export function proxyResources(annotations: Readonly<Record<string, string>>, mesh: ComputeResources): ContainerLike['resources'] {
  const a = SIDECAR_RESOURCE_ANNOTATIONS;
  if (![a.cpu, a.cpuLimit, a.memory, a.memoryLimit].some((k) => annotations[k] !== undefined)) {
    return { requests: { cpu: mesh.requests.cpu, memory: mesh.requests.memory }, limits: { cpu: mesh.limits.cpu, memory: mesh.limits.memory } };
  }
  const pick = (entries: [string, string][]) => Object.fromEntries(entries.filter(([, k]) => annotations[k] !== undefined).map(([f, k]) => [f, annotations[k]]));
  return { requests: pick([['cpu', a.cpu], ['memory', a.memory]]), limits: pick([['cpu', a.cpuLimit], ['memory', a.memoryLimit]]) };
}

/**
 * What a pod counts against a ResourceQuota, by the rule Kubernetes applies
 * to init containers (per resource): the larger of the sum of the app
 * containers plus every sidecar init container (restartPolicy Always), and
 * each regular init container plus the sidecars started before it.
 */
export function podAmounts(template: PodTemplateLike): PodAmounts {
  const amounts = (c: ContainerLike) => [
    cpuMillis(String(c.resources?.requests?.cpu ?? '0')) ?? 0,
    bytes(String(c.resources?.requests?.memory ?? '0')) ?? 0,
    cpuMillis(String(c.resources?.limits?.cpu ?? '0')) ?? 0,
    bytes(String(c.resources?.limits?.memory ?? '0')) ?? 0,
  ];
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  const max = (x: number[], y: number[]) => x.map((v, i) => Math.max(v, y[i]));
  let sidecars = [0, 0, 0, 0];
  let initPeak = [0, 0, 0, 0];
  for (const c of template.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') sidecars = add(sidecars, amounts(c));
    else initPeak = max(initPeak, add(sidecars, amounts(c)));
  }
  const running = (template.spec?.containers ?? []).reduce((s, c) => add(s, amounts(c)), sidecars);
  const [rc, rm, lc, lm] = max(initPeak, running);
  return { requests: { cpuMillis: rc, memoryBytes: rm }, limits: { cpuMillis: lc, memoryBytes: lm } };
}
