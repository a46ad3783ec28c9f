/**
 * Mesh prerequisites, read from the rendered Namespaces (lib/validate/RULES.md):
 * - an Istio-injected namespace whose Pod Security is restricted or baseline
 *   admits pods only if Istio runs its CNI plugin: otherwise every pod gets an
 *   `istio-init` container that needs NET_ADMIN and NET_RAW, and admission
 *   rejects it;
 * - a Job/CronJob pod in an injected namespace finishes only if its proxy
 *   stops with it: a native sidecar (Kubernetes SidecarContainers, by the
 *   namespace's declared mode or the pod's `sidecar.istio.io/nativeSidecar`),
 *   no sidecar at all (`sidecar.istio.io/inject: "false"`), or a proxy held
 *   until ready and told to quit (`holdApplicationUntilProxyStarts` plus a
 *   call to `/quitquitquit`). Otherwise the proxy keeps the pod running and
 *   the Job runs into its deadline.
 */
import { K8sObject, ObjectSet, PodTemplate, Reporter, arr, containersOf, str } from '../model';
import { MESH_CNI_ANNOTATION, MESH_NATIVE_SIDECARS_ANNOTATION } from '../rules';

export interface MeshStats {
  /** Namespaces rendered */
  readonly namespaces: number;
  /** of which Istio-injected */
  readonly injected: number;
  /** Job/CronJob pod templates in injected namespaces */
  readonly jobs: number;
}

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const INJECT = 'sidecar.istio.io/inject';
const NATIVE = 'sidecar.istio.io/nativeSidecar';

export function isInjected(ns: K8sObject): boolean {
  return ns.labels['istio-injection'] === 'enabled' || (ns.labels['istio.io/rev'] !== undefined && ns.labels['istio-injection'] !== 'disabled');
}

export function checkMesh(set: ObjectSet, r: Reporter): MeshStats {
  const namespaces = set.ofKind('', 'Namespace', '');
  let injected = 0;
  let jobs = 0;
  for (const ns of namespaces) {
    if (!isInjected(ns)) continue;
    injected++;
    const level = ns.labels[ENFORCE_LABEL] ?? 'restricted';
    const cni = ns.annotations[MESH_CNI_ANNOTATION] === 'true';
    if (level !== 'privileged' && !cni) {
      r.add(ns, 'mesh/pss-admission', `metadata.annotations[${JSON.stringify(MESH_CNI_ANNOTATION)}]`,
        `namespace has Istio sidecar injection and enforces ${level} Pod Security, but the mesh mode does not declare the Istio CNI plugin `
        + `(${MESH_CNI_ANNOTATION}: ${JSON.stringify(ns.annotations[MESH_CNI_ANNOTATION] ?? '(unset)')}): every pod would get an istio-init container needing NET_ADMIN and NET_RAW, which ${level} rejects; `
        + 'run Istio with its CNI plugin and declare it ("true"; mesh.cni in the environment), or drop the injection', ns.annotations[MESH_CNI_ANNOTATION]);
    }
    const native = ns.annotations[MESH_NATIVE_SIDECARS_ANNOTATION] === 'true';
    for (const t of set.templatesIn(ns.name)) {
      if (t.longRunning || !['Job', 'CronJob'].includes(t.owner.kind)) continue;
      jobs++;
      const problem = jobProblem(t, native);
      if (problem) r.add(t.owner, 'mesh/job-completion', `${t.path}.metadata.annotations`, problem);
    }
  }
  return { namespaces: namespaces.length, injected, jobs };
}

function jobProblem(t: PodTemplate, namespaceNative: boolean): string | undefined {
  if ((t.labels[INJECT] ?? t.annotations[INJECT]) === 'false') return undefined;
  const podNative = t.annotations[NATIVE];
  if (podNative === 'true' || (podNative === undefined && namespaceNative)) return undefined;
  const held = /holdApplicationUntilProxyStarts"?\s*:\s*true/.test(t.annotations['proxy.istio.io/config'] ?? '');
  const quits = containersOf(t, ['containers']).every((c) => [...arr(c.c.command), ...arr(c.c.args)].some((a) => /quitquitquit/.test(str(a) ?? '')));
  if (held && quits) return undefined;
  return `${t.owner.kind} ${t.owner.name} runs in an Istio-injected namespace with classic sidecars (${podNative === 'false' ? `${NATIVE}: "false"` : `${MESH_NATIVE_SIDECARS_ANNOTATION} is not "true"`}): `
    + 'the proxy keeps running after the job\'s container exits, so the Job never completes and fails at its deadline; '
    + `declare native sidecars (mesh.nativeSidecars in the environment, or ${NATIVE}: "true" on the pod), or set ${INJECT}: "false" with a policy admitting its plain-text traffic, `
    + 'or hold the application until the proxy starts (proxy.istio.io/config holdApplicationUntilProxyStarts) and call /quitquitquit when done';
}
