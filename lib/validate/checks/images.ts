/**
 * Every rendered container against the image facts table (lib/core/images.ts):
 * a catalog image runs its pinned version, as its UID, with its writable paths
 * mounted, on its ports, probed the way its server answers, and with
 * configuration keys its version accepts. Any image, catalog or application,
 * must not come from a moved or frozen repository.
 */
import { parse } from 'yaml';
import { ANY, ImageFacts, KeyTree, imageFactsOf, movedRepository, parseImageRef, unknownConfigKeys } from '../../core/images';
import { ContainerView, Json, ObjectSet, PodTemplate, Reporter, arr, containersOf, rec, str } from '../model';

/** What one run of the check looked at (for the closing note and the tests). */
export interface ImageCheckStats {
  containers: number;
  catalogContainers: number;
  configFiles: number;
}

export function checkImages(set: ObjectSet, r: Reporter, stats?: ImageCheckStats): void {
  for (const t of set.podTemplates) {
    const podSc = rec(t.spec.securityContext);
    for (const c of containersOf(t)) {
      const image = str(c.c.image);
      if (image === undefined) continue;
      if (stats) stats.containers++;
      const ref = parseImageRef(image);
      const path = `${c.path}.image`;
      const moved = movedRepository(ref.repository);
      if (moved) {
        r.add(t.owner, 'image/moved-registry', path, `container ${JSON.stringify(c.name)}: image ${JSON.stringify(image)} is under ${moved.prefix}: ${moved.why}; use ${moved.instead} (and add it to lib/core/images.ts)`, image);
      }
      const entry = imageFactsOf(ref.repository);
      if (!entry) continue;
      if (stats) stats.catalogContainers++;
      const { id, facts } = entry;
      if (ref.tag !== facts.version) {
        r.add(t.owner, 'image/catalog-version', path, `container ${JSON.stringify(c.name)}: catalog image ${facts.repository} has tag ${JSON.stringify(ref.tag)}, but the image table describes ${JSON.stringify(facts.version)} (IMAGES.${id}); render ${facts.repository}:${facts.version} or pin the new version there with its facts`, image);
      }
      checkPorts(t, c, facts, id, r);
      checkProbes(t, c, facts, id, r);
      if (c.list !== 'containers') continue; // init containers run their own commands, not the image's server
      checkUid(t, c, podSc, facts, id, r);
      if (t.longRunning) checkWritable(t, c, facts, id, r);
      if ('config' in facts && facts.config) checkConfig(set, t, c, ref.tag, facts, id, r, stats);
    }
  }
}

function checkUid(t: PodTemplate, c: ContainerView, podSc: Json, facts: ImageFacts, id: string, r: Reporter): void {
  if (facts.uid === 'any') return;
  const own = rec(c.c.securityContext).runAsUser;
  const uid = own ?? podSc.runAsUser;
  if (uid !== facts.uid) {
    const where = own !== undefined ? `${c.path}.securityContext.runAsUser` : `${t.path ? `${t.path}.` : ''}spec.securityContext.runAsUser`;
    r.add(t.owner, 'image/run-as-user', where, `container ${JSON.stringify(c.name)}: ${facts.repository}:${facts.version} owns its files as UID ${facts.uid} (IMAGES.${id}.uid), but runs as ${uid === undefined ? 'the image default' : `UID ${String(uid)}`}; set runAsUser: ${facts.uid}`, uid);
  }
}

function checkWritable(t: PodTemplate, c: ContainerView, facts: ImageFacts, id: string, r: Reporter): void {
  if (rec(c.c.securityContext).readOnlyRootFilesystem !== true) return;
  const mounts = arr(c.c.volumeMounts).map(rec);
  for (const p of facts.writablePaths) {
    const mount = mounts
      .filter((m) => { const mp = (str(m.mountPath) ?? '').replace(/\/+$/, ''); return p === mp || p.startsWith(`${mp}/`); })
      .sort((a, b) => (str(b.mountPath) ?? '').length - (str(a.mountPath) ?? '').length)[0];
    if (!mount || mount.readOnly === true) {
      r.add(t.owner, 'image/writable-path', `${c.path}.volumeMounts`, `container ${JSON.stringify(c.name)}: ${facts.repository} writes ${p} (IMAGES.${id}.writablePaths), but the root filesystem is read-only and ${mount ? `the mount at ${str(mount.mountPath)} is readOnly` : 'no volume is mounted there'}; mount a writable volume (emptyDir or PVC) at ${p}`, p);
    }
  }
}

function checkPorts(t: PodTemplate, c: ContainerView, facts: ImageFacts, id: string, r: Reporter): void {
  const known = new Set(Object.values(facts.ports));
  arr(c.c.ports).forEach((p, i) => {
    const n = rec(p).containerPort;
    if (typeof n === 'number' && !known.has(n)) {
      r.add(t.owner, 'image/port', `${c.path}.ports[${i}].containerPort`, `container ${JSON.stringify(c.name)}: ${facts.repository}:${facts.version} does not listen on ${n}; its ports are ${Object.entries(facts.ports).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} (IMAGES.${id}.ports)`, n);
    }
  });
}

function checkProbes(t: PodTemplate, c: ContainerView, facts: ImageFacts, id: string, r: Reporter): void {
  const needs = facts.probe ?? { scheme: 'HTTP' as const };
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const get = rec(c.c[kind]).httpGet;
    if (get === undefined) continue;
    const g = rec(get);
    const path = `${c.path}.${kind}.httpGet`;
    const scheme = str(g.scheme) ?? 'HTTP';
    if (scheme !== needs.scheme) {
      r.add(t.owner, 'image/probe', `${path}.scheme`, `container ${JSON.stringify(c.name)}: ${facts.repository} serves ${needs.scheme} on its probe port, the probe asks ${scheme}; set scheme: ${needs.scheme}`, scheme);
    }
    if (needs.hostHeader !== undefined) {
      const host = arr(g.httpHeaders).map(rec).find((h) => (str(h.name) ?? '').toLowerCase() === 'host');
      if (str(host?.value) !== needs.hostHeader) {
        r.add(t.owner, 'image/probe', `${path}.httpHeaders`, `container ${JSON.stringify(c.name)}: ${facts.repository}:${facts.version} needs the probe to send Host: ${needs.hostHeader} (${needs.why ?? `IMAGES.${id}.probe`}), it sends ${host ? JSON.stringify(str(host.value)) : 'the pod IP'}; add httpHeaders: [{ name: Host, value: ${needs.hostHeader} }]`, host ? str(host.value) : undefined);
      }
    }
  }
}

function checkConfig(set: ObjectSet, t: PodTemplate, c: ContainerView, tag: string | undefined, facts: ImageFacts, id: string, r: Reporter, stats?: ImageCheckStats): void {
  const cfg = facts.config!;
  const argv = [...arr(c.c.command), ...arr(c.c.args)].map((a) => String(a));
  let file: string | undefined;
  argv.forEach((a, i) => {
    if (a === cfg.flag) file = argv[i + 1];
    else if (a.startsWith(`${cfg.flag}=`)) file = a.slice(cfg.flag.length + 1);
  });
  if (file === undefined) return;
  const source = configMapFileOf(t, c, file);
  if (!source) return;
  const cm = set.find('', 'ConfigMap', t.owner.namespace, source.configMap);
  const text = cm ? str(rec(cm.raw.data)[source.key]) : undefined;
  if (cm === undefined || text === undefined) return; // ref/config-source reports missing ConfigMaps and keys
  if (stats) stats.configFiles++;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    r.add(cm, 'image/config-key', `data[${JSON.stringify(source.key)}]`, `${facts.repository}:${facts.version} reads this file (${file}) and it is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  // The keys of the version that runs, when the table describes it; otherwise the pinned version's.
  const version = tag !== undefined && cfg.keys[tag] ? tag : facts.version;
  const keys = cfg.keys[version];
  for (const key of unknownConfigKeys(doc, keys)) {
    r.add(cm, 'image/config-key', `data[${JSON.stringify(source.key)}].${key}`, `${facts.repository}:${version} (container ${JSON.stringify(c.name)} of ${t.owner.kind} ${t.owner.name}) does not accept ${key} and exits at start; allowed there: ${allowedAt(keys, key)} (IMAGES.${id}.config.keys["${version}"])`, key);
  }
}

/** The ConfigMap and key a container reads a file path from, through its volume mounts. */
function configMapFileOf(t: PodTemplate, c: ContainerView, file: string): { configMap: string; key: string } | undefined {
  for (const m of arr(c.c.volumeMounts).map(rec)) {
    const mp = (str(m.mountPath) ?? '').replace(/\/+$/, '');
    if (!file.startsWith(`${mp}/`) && file !== mp) continue;
    const vol = arr(t.spec.volumes).map(rec).find((v) => str(v.name) === str(m.name));
    const cm = rec(vol?.configMap);
    const name = str(cm.name);
    if (!name) continue;
    const rel = str(m.subPath) ?? file.slice(mp.length + 1);
    const items = arr(cm.items).map(rec);
    const item = items.find((i) => str(i.path) === rel);
    return { configMap: name, key: items.length ? str(item?.key) ?? rel : rel };
  }
  return undefined;
}

function allowedAt(keys: KeyTree, path: string): string {
  let tree: unknown = keys;
  for (const part of path.split('.').slice(0, -1)) {
    const t = tree as Record<string, unknown>;
    tree = t[part] ?? t['*'];
  }
  return tree === ANY || tree === undefined ? 'any' : Object.keys(tree as object).join(', ');
}
