/**
 * `ref/dns-name`: every in-cluster DNS name a pod is pointed at is answered.
 *
 * The names are the fully qualified Service names
 * (`<service>.<namespace>.svc[.<cluster domain>]` and a StatefulSet pod's
 * `<pod>.<service>.<namespace>.svc...`) in the texts a pod acts on: env
 * values, command and args, probe and lifecycle commands and hosts of every
 * container and init container, and the data of the ConfigMaps the pods read
 * (`podTexts` in rollout-order.ts, the same texts the rollout-order model
 * follows). ConfigMaps no pod reads are not judged.
 *
 * - `<namespace>` is rendered by this environment: the Service must be
 *   rendered there; a port written after the name must be one of its ports
 *   (for a headless Service, whose names resolve to the pods, also a target
 *   or container port of the pods it selects); a `<pod>.` name needs a
 *   headless Service (only those publish pod records).
 * - `<namespace>` is not rendered: someone else must run it, and the object
 *   says who with `validate.platform.dev/external-provider: "<who runs it>"`,
 *   on the workload or on the ConfigMap that holds the name.
 *
 * `kubernetes.default.svc` (the API server, port 443) is always there.
 * Without this check a collector pointed at a Service no one runs retries
 * forever (Fluent Bit's `Retry_Limit False` fills its buffer), and the
 * gate stays silent.
 */
import { K8sObject, ObjectSet, Reporter, arr, containersOf, rec, str, strMap } from '../model';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../rules';
import { renderedNamespaces } from './analysis';
import { ServiceDnsName, dnsNamesIn, podTexts } from './rollout-order';

/** Services the control plane itself provides in every cluster, with their ports. */
const CLUSTER_SERVICES: ReadonlyMap<string, readonly number[]> = new Map([['default/kubernetes', [443]]]);

export interface DnsNameStats {
  /** names judged (one per workload, name and port) */
  names: number;
  violations: number;
}

export function checkDnsNames(set: ObjectSet, r: Reporter, stats?: DnsNameStats): void {
  let namespaces: Set<string> | undefined;
  const scanned = new Map<string, ServiceDnsName[]>();
  const validPorts = new Map<K8sObject, Set<number>>();
  for (const t of set.podTemplates) {
    const o = t.owner;
    const judged = new Set<string>();
    for (const [p, text, , cm] of podTexts(set, t).strings) {
      let names = scanned.get(text);
      if (!names) scanned.set(text, (names = dnsNamesIn(text)));
      for (const n of names) {
        const shown = n.port === undefined ? n.host : `${n.host}:${n.port}`;
        if (judged.has(shown)) continue;
        judged.add(shown);
        if (stats) stats.names++;
        namespaces ??= renderedNamespaces(set);
        const problem = dnsNameProblem(set, o, cm, n, namespaces, validPorts);
        if (problem === undefined) continue;
        r.add(o, 'ref/dns-name', p, `${o.kind} ${o.name} connects to ${JSON.stringify(shown)}${cm ? ` (ConfigMap ${cm})` : ''}: ${problem}`, shown);
        if (stats) stats.violations++;
      }
    }
  }
}

function dnsNameProblem(
  set: ObjectSet, o: K8sObject, cm: string | undefined, n: ServiceDnsName,
  namespaces: ReadonlySet<string>, validPorts: Map<K8sObject, Set<number>>,
): string | undefined {
  const builtin = CLUSTER_SERVICES.get(`${n.namespace}/${n.name}`);
  if (builtin) {
    return n.port === undefined || builtin.includes(n.port) || n.pod !== undefined ? undefined
      : `the cluster's Service ${n.namespace}/${n.name} listens on ${builtin.join(', ')}, not ${n.port}. Valid: ${n.host}:${builtin[0]}`;
  }
  const svc = set.find('', 'Service', n.namespace, n.name);
  if (svc) {
    const spec = rec(svc.raw.spec);
    const headless = str(spec.clusterIP) === 'None';
    if (n.pod !== undefined && !headless) {
      return `Service ${n.namespace}/${n.name} is not headless (clusterIP: None), so cluster DNS publishes no record for pod ${n.pod} under it. Valid: the Service name ${n.name}.${n.namespace}.svc, or the pod's headless governing Service`;
    }
    if (n.port === undefined || str(spec.type) === 'ExternalName') return undefined;
    let ports = validPorts.get(svc);
    if (!ports) validPorts.set(svc, (ports = portsOf(set, svc, headless)));
    if (ports.has(n.port)) return undefined;
    const list = [...ports].sort((a, b) => a - b);
    return `Service ${n.namespace}/${n.name} has no port ${n.port}${headless ? ' and selects no pod listening on it' : ''}, so the connection is refused. ` +
      `Valid: ${list.length > 0 ? `one of its ports (${list.join(', ')})` : 'a port the Service declares'}, or the port added to the Service`;
  }
  if (namespaces.has(n.namespace)) {
    const here = set.ofKind('', 'Service', n.namespace).map((s) => s.name);
    const shown = here.slice(0, 8).join(', ') + (here.length > 8 ? `, ... (${here.length})` : '');
    return `this environment renders namespace ${n.namespace} but no Service ${n.name} in it, so the name does not resolve. ` +
      `Valid: the Service rendered in ${n.namespace}, or the name of one that is (${shown || 'it renders none'})`;
  }
  const declared = (o.annotations[EXTERNAL_PROVIDER_ANNOTATION] ?? '').trim() !== ''
    || (cm !== undefined && (set.find('', 'ConfigMap', o.namespace, cm)?.annotations[EXTERNAL_PROVIDER_ANNOTATION] ?? '').trim() !== '');
  if (declared) return undefined;
  return `namespace ${n.namespace} is not rendered by this environment and nothing declares who runs Service ${n.name} there, so on a cluster without it the pods retry forever. ` +
    `Valid: the Service rendered by this environment, or the annotation ${EXTERNAL_PROVIDER_ANNOTATION}: "<who runs it>" on ${o.kind} ${o.name}${cm ? ` or on ConfigMap ${cm}` : ''} when the cluster provides it`;
}

/** The ports a client may dial on a Service's name: its ports; for a headless one also the pods' target and container ports. */
function portsOf(set: ObjectSet, svc: K8sObject, headless: boolean): Set<number> {
  const spec = rec(svc.raw.spec);
  const out = new Set<number>();
  for (const p of arr(spec.ports)) {
    const port = rec(p).port;
    if (typeof port === 'number') out.add(port);
    const target = rec(p).targetPort;
    if (headless && typeof target === 'number') out.add(target);
  }
  const selector = strMap(spec.selector);
  if (headless && Object.keys(selector).length > 0) {
    for (const t of set.templatesSelectedByMap(svc.namespace, selector)) {
      for (const c of containersOf(t, ['containers'])) {
        for (const cp of arr(c.c.ports)) {
          const n = rec(cp).containerPort;
          if (typeof n === 'number') out.add(n);
        }
      }
    }
  }
  return out;
}
