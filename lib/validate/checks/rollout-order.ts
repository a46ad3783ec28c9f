/**
 * Rollout order: a model of how Argo CD sync waves and Flux `dependsOn`
 * apply the rendered set, and of what each object needs before it can become
 * healthy. Argo CD applies one wave at a time and starts the next only when
 * every object of the current one is healthy; Flux applies a directory at
 * once but starts a Kustomization only when those it depends on are ready.
 * So an object that must become healthy may not depend on an object that is
 * applied later: the sync waits for it forever.
 *
 * Objects that Argo CD (gitops-engine health checks, 2.x/3.x) considers
 * healthy as soon as they exist (Services other than LoadBalancers,
 * ConfigMaps, Secrets, RBAC, policies) never wait; anything reached through
 * them is followed, so a client that needs a Service also needs the
 * workload behind it.
 */
import * as path from 'path';
import {
  K8sObject, ObjectSet, PodTemplate, Reporter, arr, containersOf, describeRef, isRecord, podTemplateOf,
  rec, str, strMap,
} from '../model';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** Why one object needs another before it can become healthy. */
export interface RolloutEdge {
  readonly from: K8sObject;
  readonly to: K8sObject;
  /** field of `from` that creates the dependency */
  readonly path: string;
  /** one phrase: what `from` needs `to` for */
  readonly why: string;
}

export interface RolloutGraph {
  /** objects the model places (every object of the set) */
  readonly objects: readonly K8sObject[];
  readonly edges: readonly RolloutEdge[];
}

/** The Argo CD sync wave of an object (0 when it has none). */
export function syncWaveOfObject(o: K8sObject): number {
  const w = Number.parseInt(o.annotations[SYNC_WAVE_ANNOTATION] ?? '0', 10);
  return Number.isFinite(w) ? w : 0;
}

/**
 * Whether Argo CD can report the object as not yet healthy (so a wave waits
 * for it): workloads until their pods are ready, Jobs until they complete,
 * PVCs until bound, Certificates/Issuers/SecretStores until Ready,
 * ExternalSecrets until synced, LoadBalancer Services until they have an
 * address, Ingresses until the controller publishes their status.
 */
export function mustBecomeHealthy(o: K8sObject): boolean {
  switch (`${o.group}/${o.kind}`) {
    case 'apps/Deployment': case 'apps/StatefulSet': case 'apps/DaemonSet': case 'apps/ReplicaSet':
    case 'batch/Job': case '/Pod': case '/PersistentVolumeClaim':
    case 'argoproj.io/Rollout': case 'flagger.app/Canary':
    case 'cert-manager.io/Certificate': case 'cert-manager.io/Issuer': case 'cert-manager.io/ClusterIssuer':
    case 'external-secrets.io/ExternalSecret': case 'external-secrets.io/SecretStore': case 'external-secrets.io/ClusterSecretStore':
    case 'networking.k8s.io/Ingress': case 'apiextensions.k8s.io/CustomResourceDefinition':
      return true;
    case '/Service':
      return str(rec(o.raw.spec).type) === 'LoadBalancer';
    default:
      return false;
  }
}

const HOST_TOKEN = /[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*/g;
/** flags and keys after which a bare word is a host name */
const HOST_PREFIX = /(?:-h\s+|--host[= ]|host[=:]\s*|@|\/\/)$/i;

/**
 * Services whose DNS names occur in `text`: `<svc>.<ns>[.svc[.cluster.local]]`
 * and `<pod>.<svc>.<ns>...` anywhere; a bare `<svc>` or `<pod>.<svc>` of the
 * same namespace when it is followed by `:<port>`, follows `//`, `@`, `-h` or
 * `host=`, or is the whole value of a key that names a host (`wholeIsHost`).
 */

/** env variable or config key names whose whole value is a host name */
export const HOST_KEY = /(host|addr|address|server|servers|endpoint|url|uri|brokers?|peers?|seeds?)$/i;
export function servicesNamedIn(
  text: string, namespace: string, serviceNames: (ns: string) => ReadonlySet<string>, wholeIsHost = false,
): Array<{ namespace: string; name: string }> {
  const out = new Map<string, { namespace: string; name: string }>();
  const own = serviceNames(namespace);
  const whole = wholeIsHost ? text.trim() : undefined;
  const re = new RegExp(HOST_TOKEN.source, 'g');
  // Config files are long and almost every token is a plain word: the checks go cheapest first.
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const token = m[0];
    const start = m.index;
    const dots = token.indexOf('.') < 0 ? 0 : token.split('.').length - 1;
    let name: string;
    if (dots === 0) {
      if (!own.has(token)) continue;
      name = token;
    } else {
      const parts = token.split('.');
      let found = false;
      for (let i = 0; i + 1 < parts.length && !found; i++) {
        if ((i + 2 === parts.length || parts[i + 2] === 'svc') && serviceNames(parts[i + 1]).has(parts[i])) {
          out.set(`${parts[i + 1]}/${parts[i]}`, { namespace: parts[i + 1], name: parts[i] });
          found = true;
        }
      }
      if (found || parts.length > 2) continue;
      name = parts[1];
      if (!own.has(name)) continue;
    }
    const end = start + token.length;
    const portAfter = text.charCodeAt(end) === 58 /* : */ && isDigit(text.charCodeAt(end + 1));
    const bare = (whole !== undefined && token === whole) || portAfter || HOST_PREFIX.test(text.slice(Math.max(0, start - 8), start));
    if (bare) out.set(`${namespace}/${name}`, { namespace, name });
  }
  return [...out.values()];
}

/** A fully qualified in-cluster DNS name: `[<pod>.]<service>.<namespace>.svc[.<cluster domain>]`, with the port after it. */
export interface ServiceDnsName {
  /** the name as written, without the port */
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
  /** the first label of `<pod>.<service>.<namespace>.svc` (a StatefulSet pod's own record) */
  readonly pod?: string;
  /** the number after `:`, if one follows */
  readonly port?: number;
}

/**
 * Every fully qualified Service DNS name in `text`, whether or not the
 * Service is rendered (unlike {@link servicesNamedIn}, which looks only for
 * rendered Services and also finds short forms). The `svc` label marks the
 * name: the two labels before it are Service and namespace, a third one
 * before those a pod.
 */
export function dnsNamesIn(text: string): ServiceDnsName[] {
  if (!text.includes('.svc')) return [];
  const out: ServiceDnsName[] = [];
  const re = new RegExp(HOST_TOKEN.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const token = m[0];
    const parts = token.split('.');
    const k = parts.indexOf('svc', 2);
    if (k < 0) continue;
    const end = m.index + token.length;
    let port: number | undefined;
    if (text.charCodeAt(end) === 58 /* : */ && isDigit(text.charCodeAt(end + 1))) {
      let e = end + 1;
      while (isDigit(text.charCodeAt(e))) e++;
      port = Number(text.slice(end + 1, e));
    }
    out.push({
      host: token, name: parts[k - 2], namespace: parts[k - 1],
      ...(k >= 3 ? { pod: parts[k - 3] } : {}),
      ...(port === undefined ? {} : { port }),
    });
  }
  return out;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface Producers {
  /** `<ns>/<secret name>` -> the ExternalSecret or Certificate that writes it */
  readonly secrets: Map<string, K8sObject>;
  readonly serviceNames: Map<string, Set<string>>;
  /** `<group>/<kind>` -> the CRD that defines it */
  readonly crds: Map<string, K8sObject>;
}

function producersOf(set: ObjectSet): Producers {
  const secrets = new Map<string, K8sObject>();
  const serviceNames = new Map<string, Set<string>>();
  const crds = new Map<string, K8sObject>();
  for (const o of set.objects) {
    const spec = rec(o.raw.spec);
    if (o.group === 'external-secrets.io' && o.kind === 'ExternalSecret') {
      secrets.set(`${o.namespace}/${str(rec(spec.target).name) ?? o.name}`, o);
    } else if (o.group === 'cert-manager.io' && o.kind === 'Certificate') {
      const s = str(spec.secretName);
      if (s) secrets.set(`${o.namespace}/${s}`, o);
    } else if (o.group === '' && o.kind === 'Service') {
      let names = serviceNames.get(o.namespace);
      if (!names) serviceNames.set(o.namespace, (names = new Set()));
      names.add(o.name);
    } else if (o.group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition') {
      crds.set(`${str(spec.group) ?? ''}/${str(rec(spec.names).kind) ?? ''}`, o);
    }
  }
  return { secrets, serviceNames, crds };
}

/** Every string below `v`, with its path, whether its key names a host, and the ConfigMap it comes from. */
function stringsIn(v: unknown, p: string, out: PodText[], key = '', from?: string): void {
  if (typeof v === 'string') out.push([p, v, HOST_KEY.test(key), from]);
  else if (Array.isArray(v)) v.forEach((x, i) => stringsIn(x, `${p}[${i}]`, out, key, from));
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) stringsIn(x, p ? `${p}.${k}` : k, out, k, from);
}

/** Ingress-controller workloads by the class they serve (`--ingress-class=`, `--…ingressClass=`, `--controller-class=`). */
function ingressControllers(set: ObjectSet): Map<string, K8sObject[]> {
  const byClass = new Map<string, K8sObject[]>();
  for (const t of set.podTemplates) {
    for (const c of containersOf(t, ['containers'])) {
      for (const a of arr(c.c.args).concat(arr(c.c.command))) {
        const m = typeof a === 'string' ? /^--(?:[\w.]*ingress-?class|controller-class)=(.+)$/i.exec(a) : null;
        if (!m) continue;
        const list = byClass.get(m[1]) ?? [];
        if (!list.includes(t.owner)) list.push(t.owner);
        byClass.set(m[1], list);
      }
    }
  }
  return byClass;
}

/** Hosts a route object serves and the class of controller that serves them. */
function routedHosts(o: K8sObject): { cls?: string; hosts: string[] } | undefined {
  const spec = rec(o.raw.spec);
  if (o.group === 'networking.k8s.io' && o.kind === 'Ingress') {
    return {
      cls: str(spec.ingressClassName) ?? o.annotations['kubernetes.io/ingress.class'],
      hosts: arr(spec.rules).map((r) => str(rec(r).host)).filter((h): h is string => h !== undefined),
    };
  }
  if (o.group === 'traefik.io' && o.kind === 'IngressRoute') {
    const hosts: string[] = [];
    for (const r of arr(spec.routes)) for (const m of (str(rec(r).match) ?? '').matchAll(/Host\(`([^`]+)`\)/g)) hosts.push(m[1]);
    return { cls: o.annotations['kubernetes.io/ingress.class'], hosts };
  }
  return undefined;
}

/** Issuer solvers that need no HTTP path to the names (DNS-01, self-signed, CA, Vault). */
function issuerNeedsHttpPath(issuer: K8sObject | undefined): boolean {
  if (!issuer) return true; // not rendered here: assume HTTP-01, the common ACME setup
  const spec = rec(issuer.raw.spec);
  if (!isRecord(spec.acme)) return false;
  return arr(rec(spec.acme).solvers).some((s) => isRecord(rec(s).http01));
}

/** Why of an edge from a claim to a Job/CronJob that uses it: it binds only when that runs. */
const RUN_TO_COMPLETION_CONSUMER = 'a WaitForFirstConsumer claim used only by run-to-completion pods binds at their first run';

/** The dependency graph of the rollout model over one environment's objects. */
export function rolloutGraph(set: ObjectSet): RolloutGraph {
  const prod = producersOf(set);
  const edges: RolloutEdge[] = [];
  const add = (from: K8sObject, to: K8sObject | undefined, p: string, why: string): void => {
    if (to && to !== from) edges.push({ from, to, path: p, why });
  };
  const svc = (ns: string, name: string) => set.find('', 'Service', ns, name);
  const names = (ns: string): ReadonlySet<string> => prod.serviceNames.get(ns) ?? new Set();
  // A ConfigMap read by several workloads is scanned once (keyed by the text itself: no copy of a long file per lookup).
  const scanned = new Map<string, Map<string, Array<{ namespace: string; name: string }>>>();
  const refsIn: RefsIn = (text, ns, hostKey) => {
    let byScope = scanned.get(text);
    if (!byScope) scanned.set(text, (byScope = new Map()));
    const scope = `${ns}\0${hostKey ? 1 : 0}`;
    let refs = byScope.get(scope);
    if (!refs) byScope.set(scope, (refs = servicesNamedIn(text, ns, names, hostKey)));
    return refs;
  };
  const controllers = ingressControllers(set);
  const routes = set.objects.map((o) => ({ o, r: routedHosts(o) })).filter((x) => x.r !== undefined);

  for (const o of set.objects) {
    const spec = rec(o.raw.spec);
    // custom resources need their CRD
    const crd = prod.crds.get(`${o.group}/${o.kind}`);
    if (crd) add(o, crd, 'apiVersion', `its kind ${o.kind} is defined by the CRD`);

    const t = podTemplateOf(o);
    if (t) podEdges(set, prod, t, refsIn, add);
    if (o.group === 'apps' && o.kind === 'StatefulSet') {
      // one pod needs no peers; a cluster's pods find each other through the governing Service's DNS names
      const gov = str(spec.serviceName);
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      if (gov && replicas > 1) add(o, svc(o.namespace, gov), 'spec.serviceName', `its ${replicas} pods find their peers by the DNS names of the governing Service`);
    }
    if (o.group === '' && o.kind === 'Service') {
      const sel = strMap(spec.selector);
      if (Object.keys(sel).length > 0) {
        for (const bt of set.templatesSelectedByMap(o.namespace, sel)) {
          if (bt.longRunning) add(o, bt.owner, 'spec.selector', 'its endpoints are the pods of that workload');
        }
      }
    }
    if (o.group === '' && o.kind === 'PersistentVolumeClaim') {
      // WaitForFirstConsumer storage binds a claim only once a pod using it is scheduled
      for (const ct of set.templatesIn(o.namespace)) {
        const uses = arr(ct.spec.volumes).some((v) => str(rec(rec(v).persistentVolumeClaim).claimName) === o.name);
        if (uses) {
          add(o, ct.owner, 'metadata.name', ct.longRunning
            ? 'a WaitForFirstConsumer claim stays Pending (Progressing) until a pod using it is scheduled'
            : RUN_TO_COMPLETION_CONSUMER);
        }
      }
    }
    if (o.group === 'external-secrets.io' && o.kind === 'ExternalSecret') {
      const ref = rec(spec.secretStoreRef);
      const kind = str(ref.kind) ?? 'SecretStore';
      const name = str(ref.name) ?? '';
      add(o, set.find('external-secrets.io', kind, kind === 'ClusterSecretStore' ? '' : o.namespace, name), 'spec.secretStoreRef', 'it reads through that store');
    }
    if (o.group === 'cert-manager.io' && o.kind === 'Certificate') {
      const ref = rec(spec.issuerRef);
      const kind = str(ref.kind) ?? 'Issuer';
      const issuer = set.find('cert-manager.io', kind, kind === 'ClusterIssuer' ? '' : o.namespace, str(ref.name) ?? '');
      add(o, issuer, 'spec.issuerRef', 'the issuer signs it');
      if (issuerNeedsHttpPath(issuer)) {
        const dns = new Set(arr(spec.dnsNames).filter((h): h is string => typeof h === 'string'));
        for (const { o: route, r } of routes) {
          if (!r!.hosts.some((h) => dns.has(h))) continue;
          for (const ctl of controllers.get(r!.cls ?? '') ?? []) {
            add(o, ctl, 'spec.dnsNames', `the ACME HTTP-01 challenge for its names reaches the solver through the ingress controller that serves ${route.kind} ${route.name}`);
          }
        }
      }
    }
    if (o.group === 'networking.k8s.io' && o.kind === 'Ingress') {
      const cls = routedHosts(o)?.cls;
      for (const ctl of controllers.get(cls ?? '') ?? []) add(o, ctl, 'spec.ingressClassName', 'its status (what makes it healthy) is published by the ingress controller');
    }
    if (o.group === 'argoproj.io' && o.kind === 'Rollout') {
      const ref = rec(spec.workloadRef);
      if (str(ref.name)) add(o, set.find('apps', str(ref.kind) ?? 'Deployment', o.namespace, str(ref.name)!), 'spec.workloadRef', 'its pods come from that template');
      const canary = rec(rec(spec.strategy).canary);
      const bg = rec(rec(spec.strategy).blueGreen);
      for (const [k, v] of Object.entries({ ...canary, ...bg })) {
        if (/Service$/.test(k) && typeof v === 'string') add(o, svc(o.namespace, v), `spec.strategy.${k}`, 'the controller switches that Service');
      }
      const tpls: PodText[] = [];
      stringsIn(spec.strategy, 'spec.strategy', tpls);
      for (const [p, v] of tpls) {
        if (/templateName$/.test(p)) add(o, set.find('argoproj.io', 'AnalysisTemplate', o.namespace, v) ?? set.find('argoproj.io', 'ClusterAnalysisTemplate', '', v), p, 'its analysis runs that template');
      }
    }
    if (o.group === 'flagger.app' && o.kind === 'Canary') {
      const ref = rec(spec.targetRef);
      add(o, set.find('apps', str(ref.kind) ?? 'Deployment', o.namespace, str(ref.name) ?? ''), 'spec.targetRef', 'Flagger initialises from that workload');
    }
  }
  return { objects: set.objects, edges };
}

/** Services named in a text of a namespace's pods ({@link servicesNamedIn}). */
type RefsIn = (text: string, namespace: string, wholeIsHost: boolean) => ReadonlyArray<{ namespace: string; name: string }>;

function podEdges(
  set: ObjectSet, prod: Producers, t: PodTemplate, refsIn: RefsIn,
  add: (from: K8sObject, to: K8sObject | undefined, p: string, why: string) => void,
): void {
  const o = t.owner;
  const ns = o.namespace;
  const pre = t.path ? `${t.path}.spec` : 'spec';
  const secret = (name: string, p: string): void => {
    add(o, set.find('', 'Secret', ns, name), p, `the pods read Secret ${name}`);
    const producer = prod.secrets.get(`${ns}/${name}`);
    if (producer) add(o, producer, p, `the pods read Secret ${name}, which it writes`);
  };
  const sa = str(t.spec.serviceAccountName);
  if (sa) add(o, set.find('', 'ServiceAccount', ns, sa), `${pre}.serviceAccountName`, 'the pods run as it');
  arr(t.spec.volumes).forEach((v, i) => {
    const vol = rec(v);
    const p = `${pre}.volumes[${i}]`;
    const s = str(rec(vol.secret).secretName);
    if (s) secret(s, `${p}.secret.secretName`);
    const claim = str(rec(vol.persistentVolumeClaim).claimName);
    if (claim) add(o, set.find('', 'PersistentVolumeClaim', ns, claim), `${p}.persistentVolumeClaim.claimName`, 'the pods mount it');
    arr(rec(vol.projected).sources).forEach((src, j) => {
      const ps = str(rec(rec(src).secret).name);
      if (ps) secret(ps, `${p}.projected.sources[${j}].secret.name`);
    });
  });
  for (const c of containersOf(t)) {
    arr(c.c.envFrom).forEach((e, i) => {
      const s = str(rec(rec(e).secretRef).name);
      if (s) secret(s, `${c.path}.envFrom[${i}].secretRef.name`);
    });
    arr(c.c.env).forEach((e, i) => {
      const s = str(rec(rec(rec(e).valueFrom).secretKeyRef).name);
      if (s) secret(s, `${c.path}.env[${i}].valueFrom.secretKeyRef.name`);
    });
  }
  const { configMaps, strings } = podTexts(set, t);
  for (const [cm, p] of configMaps) add(o, set.find('', 'ConfigMap', ns, cm), p, `the pods read ConfigMap ${cm}`);
  for (const [p, text, hostKey] of strings) {
    for (const ref of refsIn(text, ns, hostKey === true)) {
      add(o, set.find('', 'Service', ref.namespace, ref.name), p, `it connects to ${ref.name}.${ref.namespace} by DNS name`);
    }
  }
}

/** One text a pod template's containers act on: field path, text, whether its key names a host, and the ConfigMap it comes from. */
export type PodText = [path: string, text: string, hostKey?: boolean, configMap?: string];

/** What a pod template reads and the texts it acts on ({@link podTexts}). */
export interface PodTexts {
  /** ConfigMaps the pods read (volumes, projected volumes, envFrom, env valueFrom) -> the last field that reads each */
  readonly configMaps: ReadonlyMap<string, string>;
  /**
   * Env values, command and args, probe and lifecycle commands and hosts of
   * containers and init containers, and every data value of the ConfigMaps
   * the pods read (path `<field that reads it> -> ConfigMap <name> data.<key>`).
   */
  readonly strings: readonly PodText[];
}

/** per set (ConfigMaps are looked up in it), per owner */
const podTextsCache = new WeakMap<ObjectSet, Map<K8sObject, PodTexts>>();

/**
 * The texts of a pod template in which it may name other Services by DNS
 * name (shared by `gitops/rollout-order` and `ref/dns-name`; computed once
 * per object and set).
 */
export function podTexts(set: ObjectSet, t: PodTemplate): PodTexts {
  let bySet = podTextsCache.get(set);
  if (!bySet) podTextsCache.set(set, (bySet = new Map()));
  const cached = bySet.get(t.owner);
  if (cached) return cached;
  const pre = t.path ? `${t.path}.spec` : 'spec';
  const configMaps = new Map<string, string>();
  const readCm = (name: string | undefined, p: string): void => {
    if (name) configMaps.set(name, p);
  };
  arr(t.spec.volumes).forEach((v, i) => {
    const vol = rec(v);
    const p = `${pre}.volumes[${i}]`;
    readCm(str(rec(vol.configMap).name), `${p}.configMap.name`);
    arr(rec(vol.projected).sources).forEach((src, j) => readCm(str(rec(rec(src).configMap).name), `${p}.projected.sources[${j}].configMap.name`));
  });
  const strings: PodText[] = [];
  for (const c of containersOf(t)) {
    const cc = c.c;
    arr(cc.envFrom).forEach((e, i) => readCm(str(rec(rec(e).configMapRef).name), `${c.path}.envFrom[${i}].configMapRef.name`));
    arr(cc.env).forEach((e, i) => {
      readCm(str(rec(rec(rec(e).valueFrom).configMapKeyRef).name), `${c.path}.env[${i}].valueFrom.configMapKeyRef.name`);
      const value = str(rec(e).value);
      if (value !== undefined) strings.push([`${c.path}.env[${i}].value`, value, HOST_KEY.test(str(rec(e).name) ?? ''), undefined]);
    });
    for (const k of ['command', 'args']) stringsIn(cc[k], `${c.path}.${k}`, strings);
    // probes and hooks: only their commands and host fields (a port name is no host)
    for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe']) probeStrings(rec(cc[k]), `${c.path}.${k}`, strings);
    for (const k of ['postStart', 'preStop']) probeStrings(rec(rec(cc.lifecycle)[k]), `${c.path}.lifecycle.${k}`, strings);
  }
  for (const [cm, p] of configMaps) {
    const obj = set.find('', 'ConfigMap', t.owner.namespace, cm);
    if (!obj) continue;
    stringsIn(rec(obj.raw.data), `${p} -> ConfigMap ${cm} data`, strings, '', cm);
  }
  const out: PodTexts = { configMaps, strings };
  bySet.set(t.owner, out);
  return out;
}

function probeStrings(probe: Record<string, unknown>, p: string, out: PodText[]): void {
  stringsIn(rec(probe.exec).command, `${p}.exec.command`, out);
  for (const k of ['httpGet', 'tcpSocket']) {
    const host = str(rec(probe[k]).host);
    if (host) out.push([`${p}.${k}.host`, host, true, undefined]);
  }
}

/** How the environment's GitOps objects deliver each directory. */
interface Delivery {
  /** directories an Argo CD Application syncs, with the Application's own wave */
  readonly argo: Map<string, number>;
  /** Flux Kustomization per directory, and directories each one waits for (transitively) */
  readonly fluxAfter: Map<string, Set<string>>;
}

function dirOf(o: K8sObject): string {
  return path.posix.dirname(o.doc.file.split(path.sep).join('/'));
}

function deliveryOf(set: ObjectSet): Delivery {
  const argo = new Map<string, number>();
  const fluxDir = new Map<string, string>();
  const fluxDeps = new Map<string, string[]>();
  for (const o of set.objects) {
    const spec = rec(o.raw.spec);
    if (o.group === 'argoproj.io' && o.kind === 'Application') {
      const p = str(rec(spec.source).path);
      if (p) argo.set(p.replace(/^\.\//, '').replace(/\/$/, ''), syncWaveOfObject(o));
    } else if (o.group === 'kustomize.toolkit.fluxcd.io' && o.kind === 'Kustomization') {
      const p = str(spec.path);
      if (p) fluxDir.set(o.name, p.replace(/^\.\//, '').replace(/\/$/, ''));
      fluxDeps.set(o.name, arr(spec.dependsOn).map((d) => str(rec(d).name) ?? ''));
    }
  }
  const fluxAfter = new Map<string, Set<string>>();
  for (const [name, dir] of fluxDir) {
    const seen = new Set<string>();
    const stack = [...(fluxDeps.get(name) ?? [])];
    while (stack.length) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      stack.push(...(fluxDeps.get(d) ?? []));
    }
    fluxAfter.set(dir, new Set([...seen].map((d) => fluxDir.get(d) ?? '')));
  }
  return { argo, fluxAfter };
}

/** `dist/prod/shop` delivered by an Application whose path is `dist/prod/shop` (or a suffix of it). */
function lookupDir<T>(m: Map<string, T>, dir: string): T | undefined {
  for (const [k, v] of m) if (dir === k || dir.endsWith(`/${k}`) || k.endsWith(`/${dir}`)) return v;
  return undefined;
}

export interface RolloutOrderStats {
  objects: number;
  edges: number;
  violations: number;
}

/** Objects that wait on nothing themselves but stand between a waiting object and what it needs. */
function passesThrough(o: K8sObject): boolean {
  return !mustBecomeHealthy(o) && (o.group === '' && ['Service', 'ConfigMap', 'Secret'].includes(o.kind));
}

export function checkRolloutOrder(set: ObjectSet, r: Reporter, stats?: RolloutOrderStats): void {
  const graph = rolloutGraph(set);
  const delivery = deliveryOf(set);
  const out = new Map<K8sObject, RolloutEdge[]>();
  for (const e of graph.edges) {
    const list = out.get(e.from);
    if (list) list.push(e); else out.set(e.from, [e]);
  }
  if (stats) {
    stats.objects += graph.objects.length;
    stats.edges += graph.edges.length;
  }
  const gitopsKnown = delivery.argo.size > 0 || delivery.fluxAfter.size > 0;
  checkLateBinders(set, out, delivery, gitopsKnown, r, stats);
  for (const from of set.objects) {
    if (!mustBecomeHealthy(from)) continue;
    const fromDir = dirOf(from);
    const fromWave = syncWaveOfObject(from);
    const byArgo = !gitopsKnown || lookupDir(delivery.argo, fromDir) !== undefined;
    const reported = new Set<K8sObject>();
    // follow edges through objects that are healthy at once (a Service leads to its pods)
    const stack: Array<{ e: RolloutEdge; via: RolloutEdge[] }> = (out.get(from) ?? []).map((e) => ({ e, via: [] }));
    const seen = new Set<K8sObject>([from]);
    while (stack.length) {
      const { e, via } = stack.pop()!;
      const to = e.to;
      if (seen.has(to)) continue;
      seen.add(to);
      if (e.why === RUN_TO_COMPLETION_CONSUMER) continue;
      // a LoadBalancer gets its address whether or not it has endpoints
      if (from.kind === 'Service' && e.from === from && e.path === 'spec.selector') continue;
      const chain = [...via, e];
      const problem = orderProblem(fromDir, fromWave, byArgo, to, delivery);
      if (problem && !reported.has(to)) {
        reported.add(to);
        const first = chain[0];
        const how = chain.map((c) => `${c.to.kind} ${c.to.namespace ? `${c.to.namespace}/` : ''}${c.to.name} (${c.why})`).join(' -> ');
        r.add(from, 'gitops/rollout-order', first.path,
          `${from.kind} ${from.name} (wave ${fromWave}) must become healthy but depends on ${describeRef(to.ref)} (${problem}): ${how}; ` +
          `it can never become healthy before that is applied, so the sync stalls. Valid: ${describeRef(to.ref)} in wave ${fromWave} or earlier, or ${from.kind} ${from.name} in a later wave`,
          { wave: fromWave, dependsOn: describeRef(to.ref), dependencyWave: syncWaveOfObject(to) });
        if (stats) stats.violations++;
      }
      if (passesThrough(to)) for (const next of out.get(to) ?? []) stack.push({ e: next, via: chain });
    }
  }
}

/**
 * A claim whose only consumers are Jobs or CronJobs stays Pending, and Argo CD
 * reports it Progressing, until the first run: no wave after it is applied
 * before then. It belongs in the last wave of its Application.
 */
function checkLateBinders(set: ObjectSet, out: Map<K8sObject, RolloutEdge[]>, delivery: Delivery, gitopsKnown: boolean, r: Reporter, stats?: RolloutOrderStats): void {
  for (const pvc of set.objects) {
    if (pvc.group !== '' || pvc.kind !== 'PersistentVolumeClaim') continue;
    const consumers = out.get(pvc) ?? [];
    if (consumers.length === 0 || consumers.some((e) => e.why !== RUN_TO_COMPLETION_CONSUMER)) continue;
    const dir = dirOf(pvc);
    if (gitopsKnown && lookupDir(delivery.argo, dir) === undefined) continue;
    const wave = syncWaveOfObject(pvc);
    const later = set.objects.filter((o) => dirOf(o) === dir && syncWaveOfObject(o) > wave);
    if (later.length === 0) continue;
    const last = Math.max(...later.map(syncWaveOfObject));
    const runs = consumers.map((e) => `${e.to.kind} ${e.to.name}`).join(', ');
    r.add(pvc, 'gitops/rollout-order', 'metadata.name',
      `PersistentVolumeClaim ${pvc.name} (wave ${wave}) is used only by ${runs}: a WaitForFirstConsumer claim binds at the first run, and until then Argo CD holds back the ${later.length} objects of later waves ` +
      `(e.g. ${later.slice(0, 3).map((o) => `${o.kind} ${o.name} in wave ${syncWaveOfObject(o)}`).join(', ')}). Valid: the claim in the last wave of its Application (wave ${last} or later)`,
      { wave, lastWave: last });
    if (stats) stats.violations++;
  }
}

function orderProblem(fromDir: string, fromWave: number, byArgo: boolean, to: K8sObject, d: Delivery): string | undefined {
  const toDir = dirOf(to);
  if (toDir === fromDir) {
    const w = syncWaveOfObject(to);
    return byArgo && w > fromWave ? `wave ${w}` : undefined;
  }
  const after = lookupDir(d.fluxAfter, toDir);
  if (after && [...after].some((x) => x && (fromDir === x || fromDir.endsWith(`/${x}`) || x.endsWith(`/${fromDir}`)))) {
    return `its Flux Kustomization (${toDir}) dependsOn the one of ${fromDir}`;
  }
  const fromApp = lookupDir(d.argo, fromDir);
  const toApp = lookupDir(d.argo, toDir);
  if (fromApp !== undefined && toApp !== undefined && toApp > fromApp) {
    return `its Argo CD Application (${toDir}) is in wave ${toApp}, after the one of ${fromDir} (wave ${fromApp})`;
  }
  return undefined;
}
