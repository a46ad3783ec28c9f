import {
  Json, K8sObject, ObjectSet, PodTemplate, Reporter, arr, containersOf, formatSelector, isEmptySelector,
  rec, str, strMap, subPath,
} from '../model';
import { listSome, listSomeOf } from '../schema/check';
import { groupOf } from '../schema/types';

type PortRef = string | number;

function portRef(v: unknown): PortRef | undefined {
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

function templateName(t: PodTemplate): string {
  return `${t.owner.kind} ${t.owner.name}`;
}

type ContainerPort = { name?: string; port?: number };

/** Per pod template: its containers' ports (a Service or monitor asks once per port it names). */
const containerPortCache = new WeakMap<PodTemplate, ContainerPort[]>();

function containerPorts(t: PodTemplate): ContainerPort[] {
  const cached = containerPortCache.get(t);
  if (cached) return cached;
  const out: ContainerPort[] = [];
  for (const c of containersOf(t, ['containers'])) {
    for (const p of arr(c.c.ports)) {
      const pr = rec(p);
      out.push({ name: str(pr.name), port: typeof pr.containerPort === 'number' ? pr.containerPort : undefined });
    }
  }
  containerPortCache.set(t, out);
  return out;
}

function describePorts(ports: Array<{ name?: string; port?: number }>): string {
  return ports.length === 0 ? 'none' : ports.map((p) => (p.name ? `${p.name}/${p.port ?? '?'}` : String(p.port ?? '?'))).join(', ');
}

function describeTemplates(ts: readonly PodTemplate[]): string {
  return ts.length === 0 ? 'none' : listSomeOf(ts, (t) => `${templateName(t)} ${formatSelector(t.labels)}`, 5);
}

type ServicePort = { name?: string; port?: number; targetPort?: PortRef };

/** Per Service: its ports (ingresses, routes and monitors ask once per reference). */
const servicePortCache = new WeakMap<K8sObject, ServicePort[]>();

function servicePorts(svc: K8sObject): ServicePort[] {
  let ports = servicePortCache.get(svc);
  if (!ports) {
    ports = arr(rec(svc.raw.spec).ports).map((p) => {
      const pr = rec(p);
      return { name: str(pr.name), port: typeof pr.port === 'number' ? pr.port : undefined, targetPort: portRef(pr.targetPort) };
    });
    servicePortCache.set(svc, ports);
  }
  return ports;
}

function serviceHasPort(svc: K8sObject, port: PortRef): boolean {
  return servicePorts(svc).some((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

function describeServicePorts(svc: K8sObject): string {
  const ps = servicePorts(svc);
  return ps.length === 0 ? 'none' : ps.map((p) => (p.name ? `${p.name}/${p.port ?? '?'}` : String(p.port ?? '?'))).join(', ');
}

export function checkReferences(set: ObjectSet, r: Reporter): void {
  for (const o of set.objects) {
    switch (`${o.group}/${o.kind}`) {
      case '/Service': checkService(set, o, r); break;
      case 'autoscaling/HorizontalPodAutoscaler': checkScaleTarget(set, o, r); break;
      case 'policy/PodDisruptionBudget': checkPdbSelector(set, o, r); break;
      case 'argoproj.io/Rollout': checkRolloutWorkloadRef(set, o, r); break;
      case 'flagger.app/Canary': checkFlaggerRefs(set, o, r); break;
      case 'networking.k8s.io/Ingress': checkIngress(set, o, r); break;
      case 'traefik.io/IngressRoute': checkIngressRoute(set, o, r); break;
      case 'traefik.io/TraefikService': checkTraefikService(set, o, r); break;
      case 'gateway.networking.k8s.io/HTTPRoute': checkHttpRoute(set, o, r); break;
      case 'monitoring.coreos.com/ServiceMonitor': checkServiceMonitor(set, o, r); break;
      case 'monitoring.coreos.com/PodMonitor': checkPodMonitor(set, o, r); break;
      case 'networking.k8s.io/NetworkPolicy': checkNetworkPolicy(set, o, r); break;
      case 'apps/StatefulSet': checkStatefulSetService(set, o, r); break;
      default: break;
    }
  }
  const producers = new ConfigProducers(set);
  for (const t of set.podTemplates) {
    checkConfigRefs(producers, t, r);
    checkProbePorts(t, r);
  }
}

function checkService(set: ObjectSet, svc: K8sObject, r: Reporter): void {
  const spec = rec(svc.raw.spec);
  if (str(spec.type) === 'ExternalName') return;
  const selector = strMap(spec.selector);
  if (Object.keys(selector).length === 0) return; // endpoints managed elsewhere
  const pods = set.templatesSelectedByMap(svc.namespace, selector);
  if (pods.length === 0) {
    r.add(svc, 'ref/service-selector', 'spec.selector',
      `selector ${formatSelector(selector)} matches no pod template in namespace ${JSON.stringify(svc.namespace)}; pod templates there: ${describeTemplates(set.templatesIn(svc.namespace))}`,
      selector);
    return;
  }
  arr(spec.ports).forEach((p, i) => {
    const pr = rec(p);
    const target = portRef(pr.targetPort) ?? portRef(pr.port);
    if (target === undefined) return;
    const ok = pods.some((t) => containerPorts(t).some((cp) => (typeof target === 'number' ? cp.port === target : cp.name === target)));
    if (!ok) {
      const field = pr.targetPort === undefined ? `spec.ports[${i}].port` : `spec.ports[${i}].targetPort`;
      r.add(svc, 'ref/service-port', field,
        `target port ${JSON.stringify(target)} is not a container port of the selected pods (${pods.map((t) => `${templateName(t)}: ${describePorts(containerPorts(t))}`).join('; ')})`,
        target);
    }
  });
}

const SCALABLE = [['apps', 'Deployment'], ['apps', 'StatefulSet'], ['apps', 'ReplicaSet'], ['argoproj.io', 'Rollout']] as const;

function describeWorkloads(set: ObjectSet, ns: string, kinds: ReadonlyArray<readonly [string, string]>): string {
  const found = kinds.flatMap(([g, k]) => set.ofKind(g, k, ns));
  return found.length === 0 ? 'none' : listSomeOf(found, (o) => `${o.kind} ${o.name}`, 10);
}

/** Checks a {apiVersion, kind, name} reference to an object in the same namespace. */
function checkObjectRef(
  set: ObjectSet, o: K8sObject, r: Reporter, rule: 'ref/scale-target' | 'ref/rollout-workload-ref' | 'ref/flagger-target',
  path: string, ref: Json, allowed: ReadonlyArray<readonly [string, string]>,
): void {
  const kind = str(ref.kind) ?? '';
  const name = str(ref.name) ?? '';
  const group = groupOf(str(ref.apiVersion) ?? '');
  const isAllowed = allowed.some(([g, k]) => g === group && k === kind);
  if (!isAllowed) {
    r.add(o, rule, path, `${str(ref.apiVersion) ?? '?'} ${kind} is not a supported target; use one of: ${allowed.map(([g, k]) => `${g ? `${g}/` : ''}${k}`).join(', ')}`, { kind, apiVersion: ref.apiVersion });
    return;
  }
  if (!set.find(group, kind, o.namespace, name)) {
    r.add(o, rule, subPath(path, 'name'),
      `${kind} ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(o.namespace)}; candidates: ${describeWorkloads(set, o.namespace, allowed)}`,
      name);
  }
}

function checkScaleTarget(set: ObjectSet, hpa: K8sObject, r: Reporter): void {
  checkObjectRef(set, hpa, r, 'ref/scale-target', 'spec.scaleTargetRef', rec(rec(hpa.raw.spec).scaleTargetRef), SCALABLE);
}

function checkRolloutWorkloadRef(set: ObjectSet, ro: K8sObject, r: Reporter): void {
  const ref = rec(ro.raw.spec).workloadRef;
  if (ref === undefined) return;
  checkObjectRef(set, ro, r, 'ref/rollout-workload-ref', 'spec.workloadRef', rec(ref), [['apps', 'Deployment'], ['apps', 'ReplicaSet']]);
}

function checkFlaggerRefs(set: ObjectSet, c: K8sObject, r: Reporter): void {
  const spec = rec(c.raw.spec);
  checkObjectRef(set, c, r, 'ref/flagger-target', 'spec.targetRef', rec(spec.targetRef), [['apps', 'Deployment'], ['apps', 'DaemonSet']]);
  if (spec.autoscalerRef !== undefined) {
    checkObjectRef(set, c, r, 'ref/flagger-target', 'spec.autoscalerRef', rec(spec.autoscalerRef), [['autoscaling', 'HorizontalPodAutoscaler'], ['keda.sh', 'ScaledObject']]);
  }
}

function checkPdbSelector(set: ObjectSet, pdb: K8sObject, r: Reporter): void {
  const selector = rec(pdb.raw.spec).selector;
  if (!set.selectsSomeTemplate(pdb.namespace, selector)) {
    r.add(pdb, 'ref/pdb-selector', 'spec.selector',
      `selector ${JSON.stringify(selector ?? null)} matches no pod template in namespace ${JSON.stringify(pdb.namespace)}; pod templates there: ${describeTemplates(set.templatesIn(pdb.namespace))}`,
      selector);
  }
}

/** A backend reference to a Service (and port) in `ns`; returns a problem description or undefined. */
function serviceBackendProblem(set: ObjectSet, ns: string, name: string, port: PortRef | undefined): string | undefined {
  const svc = set.find('', 'Service', ns, name);
  if (!svc) {
    return `Service ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(ns)}; Services there: ${listSomeOf(set.ofKind('', 'Service', ns), (s) => s.name, 10)}`;
  }
  if (port !== undefined && !serviceHasPort(svc, port)) {
    return `Service ${JSON.stringify(name)} has no port ${JSON.stringify(port)}; its ports: ${describeServicePorts(svc)}`;
  }
  return undefined;
}

function checkIngress(set: ObjectSet, ing: K8sObject, r: Reporter): void {
  const spec = rec(ing.raw.spec);
  const check = (backend: unknown, path: string): void => {
    const svc = rec(rec(backend).service);
    if (Object.keys(svc).length === 0) return; // resource backend
    const port = rec(svc.port);
    const problem = serviceBackendProblem(set, ing.namespace, str(svc.name) ?? '', portRef(port.number) ?? portRef(port.name));
    if (problem) r.add(ing, 'ref/ingress-backend', `${path}.service`, problem, svc);
  };
  if (spec.defaultBackend !== undefined) check(spec.defaultBackend, 'spec.defaultBackend');
  arr(spec.rules).forEach((rule, i) => {
    arr(rec(rec(rule).http).paths).forEach((p, j) => check(rec(p).backend, `spec.rules[${i}].http.paths[${j}].backend`));
  });
}

function checkTraefikServiceRef(set: ObjectSet, o: K8sObject, r: Reporter, ref: Json, path: string): void {
  const ns = str(ref.namespace) ?? o.namespace;
  const name = str(ref.name) ?? '';
  if ((str(ref.kind) ?? 'Service') === 'TraefikService') {
    if (!set.find('traefik.io', 'TraefikService', ns, name)) {
      r.add(o, 'ref/ingress-backend', path, `TraefikService ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(ns)}`, name);
    }
    return;
  }
  const problem = serviceBackendProblem(set, ns, name, portRef(ref.port));
  if (problem) r.add(o, 'ref/ingress-backend', path, problem, ref);
}

function checkIngressRoute(set: ObjectSet, ir: K8sObject, r: Reporter): void {
  arr(rec(ir.raw.spec).routes).forEach((route, i) => {
    arr(rec(route).services).forEach((s, j) => checkTraefikServiceRef(set, ir, r, rec(s), `spec.routes[${i}].services[${j}]`));
  });
}

function checkTraefikService(set: ObjectSet, ts: K8sObject, r: Reporter): void {
  const spec = rec(ts.raw.spec);
  arr(rec(spec.weighted).services).forEach((s, j) => checkTraefikServiceRef(set, ts, r, rec(s), `spec.weighted.services[${j}]`));
  if (spec.mirroring !== undefined) {
    const m = rec(spec.mirroring);
    checkTraefikServiceRef(set, ts, r, m, 'spec.mirroring');
    arr(m.mirrors).forEach((s, j) => checkTraefikServiceRef(set, ts, r, rec(s), `spec.mirroring.mirrors[${j}]`));
  }
}

function checkHttpRoute(set: ObjectSet, route: K8sObject, r: Reporter): void {
  arr(rec(route.raw.spec).rules).forEach((rule, i) => {
    arr(rec(rule).backendRefs).forEach((b, j) => {
      const br = rec(b);
      if ((str(br.group) ?? '') !== '' || (str(br.kind) ?? 'Service') !== 'Service') return;
      const problem = serviceBackendProblem(set, str(br.namespace) ?? route.namespace, str(br.name) ?? '', portRef(br.port));
      if (problem) r.add(route, 'ref/ingress-backend', `spec.rules[${i}].backendRefs[${j}]`, problem, br);
    });
  });
}

/** Namespaces a prometheus-operator namespaceSelector covers; undefined means all. */
function monitorNamespaces(o: K8sObject): string[] | undefined {
  const nsSel = rec(rec(o.raw.spec).namespaceSelector);
  if (nsSel.any === true) return undefined;
  const names = arr(nsSel.matchNames).filter((x): x is string => typeof x === 'string');
  return names.length > 0 ? names : [o.namespace];
}

function checkServiceMonitor(set: ObjectSet, sm: K8sObject, r: Reporter): void {
  const spec = rec(sm.raw.spec);
  const nss = monitorNamespaces(sm);
  const services = set.servicesSelectedAcross(nss, spec.selector);
  if (services.length === 0) {
    r.add(sm, 'ref/servicemonitor-selector', 'spec.selector',
      `selector ${JSON.stringify(spec.selector ?? null)} matches no Service (by metadata.labels) in ${nss ? nss.join(', ') : 'any namespace'}`,
      spec.selector);
    return;
  }
  arr(spec.endpoints).forEach((e, i) => {
    const port = str(rec(e).port);
    if (port === undefined) return;
    if (!services.some((s) => serviceHasPort(s, port))) {
      r.add(sm, 'ref/servicemonitor-selector', `spec.endpoints[${i}].port`,
        `no selected Service has a port named ${JSON.stringify(port)} (${services.map((s) => `${s.name}: ${describeServicePorts(s)}`).join('; ')})`,
        port);
    }
  });
}

function checkPodMonitor(set: ObjectSet, pm: K8sObject, r: Reporter): void {
  const spec = rec(pm.raw.spec);
  const nss = monitorNamespaces(pm);
  const pods = set.templatesSelectedAcross(nss, spec.selector);
  if (pods.length === 0) {
    r.add(pm, 'ref/podmonitor-selector', 'spec.selector',
      `selector ${JSON.stringify(spec.selector ?? null)} matches no pod template in ${nss ? nss.join(', ') : 'any namespace'}`, spec.selector);
    return;
  }
  arr(spec.podMetricsEndpoints).forEach((e, i) => {
    const port = str(rec(e).port);
    if (port === undefined) return;
    if (!pods.some((t) => containerPorts(t).some((cp) => cp.name === port))) {
      r.add(pm, 'ref/podmonitor-selector', `spec.podMetricsEndpoints[${i}].port`,
        `no selected pod has a container port named ${JSON.stringify(port)} (${pods.map((t) => `${templateName(t)}: ${describePorts(containerPorts(t))}`).join('; ')})`, port);
    }
  });
}

function checkNetworkPolicy(set: ObjectSet, np: K8sObject, r: Reporter): void {
  const selector = rec(np.raw.spec).podSelector;
  if (set.selectsSomeTemplate(np.namespace, selector)) return;
  // cert-manager creates HTTP-01 solver pods per challenge; their policy is written before any exists.
  if (str(rec(rec(selector).matchLabels)['acme.cert-manager.io/http01-solver']) === 'true') return;
  const msg = isEmptySelector(selector)
    ? `podSelector {} selects every pod, but namespace ${JSON.stringify(np.namespace)} has no pod template`
    : `podSelector ${JSON.stringify(selector ?? null)} matches no pod template in namespace ${JSON.stringify(np.namespace)}; pod templates there: ${describeTemplates(set.templatesIn(np.namespace))}`;
  r.add(np, 'ref/networkpolicy-selector', 'spec.podSelector', msg, selector);
}

function checkStatefulSetService(set: ObjectSet, sts: K8sObject, r: Reporter): void {
  const name = str(rec(sts.raw.spec).serviceName);
  if (name === undefined || name === '') return;
  const svc = set.find('', 'Service', sts.namespace, name);
  if (!svc) {
    r.add(sts, 'ref/statefulset-service', 'spec.serviceName', `Service ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(sts.namespace)}; a StatefulSet needs its governing headless Service`, name);
  } else if (str(rec(svc.raw.spec).clusterIP) !== 'None') {
    r.add(sts, 'ref/statefulset-service', 'spec.serviceName', `Service ${JSON.stringify(name)} is not headless: set its spec.clusterIP to "None"`, name);
  }
}

/** What ConfigMaps and Secrets the set produces, with their keys when known. */
class ConfigProducers {
  /** `${ns}/${name}` -> keys, or 'any' when the producer's keys are not known statically */
  private readonly configMaps = new Map<string, Set<string> | 'any'>();
  private readonly secrets = new Map<string, { keys: Set<string> | 'any'; by: string }>();

  constructor(set: ObjectSet) {
    for (const o of set.objects) {
      const key = `${o.namespace}/${o.name}`;
      if (o.group === '' && o.kind === 'ConfigMap') {
        this.configMaps.set(key, new Set([...Object.keys(rec(o.raw.data)), ...Object.keys(rec(o.raw.binaryData))]));
      } else if (o.group === '' && o.kind === 'Secret') {
        this.secrets.set(key, { keys: new Set([...Object.keys(rec(o.raw.data)), ...Object.keys(rec(o.raw.stringData))]), by: 'Secret' });
      } else if (o.group === 'external-secrets.io' && o.kind === 'ExternalSecret') {
        const spec = rec(o.raw.spec);
        const target = rec(spec.target);
        const policy = str(target.creationPolicy) ?? 'Owner';
        if (policy === 'Merge' || policy === 'None') continue;
        const name = str(target.name) ?? o.name;
        const keys: Set<string> | 'any' = arr(spec.dataFrom).length > 0 || target.template !== undefined
          ? 'any'
          : new Set(arr(spec.data).map((d) => str(rec(d).secretKey)).filter((k): k is string => k !== undefined));
        this.secrets.set(`${o.namespace}/${name}`, { keys, by: `ExternalSecret ${o.name}` });
      } else if (o.group === 'cert-manager.io' && o.kind === 'Certificate') {
        const name = str(rec(o.raw.spec).secretName);
        if (name) this.secrets.set(`${o.namespace}/${name}`, { keys: 'any', by: `Certificate ${o.name}` });
      }
    }
  }

  /** undefined when fine, else the problem */
  public problem(kind: 'ConfigMap' | 'Secret', ns: string, name: string, keys: readonly string[]): string | undefined {
    const found = kind === 'ConfigMap' ? this.configMaps.get(`${ns}/${name}`) : this.secrets.get(`${ns}/${name}`)?.keys;
    if (found === undefined) {
      return kind === 'ConfigMap'
        ? `ConfigMap ${JSON.stringify(name)} is not rendered in namespace ${JSON.stringify(ns)}`
        : `Secret ${JSON.stringify(name)} is neither rendered nor produced by an ExternalSecret or Certificate in namespace ${JSON.stringify(ns)}`;
    }
    if (found === 'any') return undefined;
    const missing = keys.filter((k) => !found.has(k));
    return missing.length === 0 ? undefined
      : `${kind} ${JSON.stringify(name)} has no key ${missing.map((k) => JSON.stringify(k)).join(', ')}; its keys: ${listSome([...found], 10)}`;
  }
}

function checkConfigRefs(producers: ConfigProducers, t: PodTemplate, r: Reporter): void {
  const ns = t.owner.namespace;
  const report = (kind: 'ConfigMap' | 'Secret', src: Json, nameField: string, keys: readonly string[], path: string): void => {
    if (src.optional === true) return;
    const name = str(src[nameField]);
    if (name === undefined) return;
    const problem = producers.problem(kind, ns, name, keys);
    if (problem) r.add(t.owner, 'ref/config-source', path, problem, name);
  };
  const itemKeys = (src: Json): string[] => arr(src.items).map((i) => str(rec(i).key)).filter((k): k is string => k !== undefined);

  for (const c of containersOf(t)) {
    arr(c.c.env).forEach((e, i) => {
      const from = rec(rec(e).valueFrom);
      const p = `${c.path}.env[${i}].valueFrom`;
      if (from.configMapKeyRef !== undefined) report('ConfigMap', rec(from.configMapKeyRef), 'name', [str(rec(from.configMapKeyRef).key) ?? ''], `${p}.configMapKeyRef.name`);
      if (from.secretKeyRef !== undefined) report('Secret', rec(from.secretKeyRef), 'name', [str(rec(from.secretKeyRef).key) ?? ''], `${p}.secretKeyRef.name`);
    });
    arr(c.c.envFrom).forEach((e, i) => {
      const ef = rec(e);
      if (ef.configMapRef !== undefined) report('ConfigMap', rec(ef.configMapRef), 'name', [], `${c.path}.envFrom[${i}].configMapRef.name`);
      if (ef.secretRef !== undefined) report('Secret', rec(ef.secretRef), 'name', [], `${c.path}.envFrom[${i}].secretRef.name`);
    });
  }
  const vols = subPath(t.path, 'spec.volumes');
  arr(t.spec.volumes).forEach((v, i) => {
    const vol = rec(v);
    if (vol.configMap !== undefined) report('ConfigMap', rec(vol.configMap), 'name', itemKeys(rec(vol.configMap)), `${vols}[${i}].configMap.name`);
    if (vol.secret !== undefined) report('Secret', rec(vol.secret), 'secretName', itemKeys(rec(vol.secret)), `${vols}[${i}].secret.secretName`);
    arr(rec(vol.projected).sources).forEach((s, j) => {
      const src = rec(s);
      const p = `${vols}[${i}].projected.sources[${j}]`;
      if (src.configMap !== undefined) report('ConfigMap', rec(src.configMap), 'name', itemKeys(rec(src.configMap)), `${p}.configMap.name`);
      if (src.secret !== undefined) report('Secret', rec(src.secret), 'name', itemKeys(rec(src.secret)), `${p}.secret.name`);
    });
  });
  arr(t.spec.imagePullSecrets).forEach((s, i) => {
    report('Secret', rec(s), 'name', [], subPath(t.path, `spec.imagePullSecrets[${i}].name`));
  });
}

function checkProbePorts(t: PodTemplate, r: Reporter): void {
  for (const c of containersOf(t, ['containers', 'initContainers'])) {
    const ports = arr(c.c.ports).map((p) => rec(p));
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const pr = rec(c.c[probe]);
      for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
        const port = portRef(rec(pr[handler]).port);
        if (port === undefined) continue;
        const ok = ports.some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
        if (!ok) {
          r.add(t.owner, 'ref/probe-port', `${c.path}.${probe}.${handler}.port`,
            `${probe} port ${JSON.stringify(port)} is not a port of container ${JSON.stringify(c.name)}; its ports: ${describePorts(ports.map((p) => ({ name: str(p.name), port: typeof p.containerPort === 'number' ? p.containerPort : undefined })))}`,
            port);
        }
      }
    }
  }
}
