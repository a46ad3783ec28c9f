/**
 * Every rendered container against the image facts table (lib/core/images.ts):
 * a catalog image runs its pinned version, as its UID, with its writable paths
 * mounted, on its ports, probed the way its server answers, and with
 * configuration keys its version accepts. Any image, catalog or application,
 * must not come from a moved or frozen repository.
 */
import { ConfigLocation, ImageFacts, UnknownConfigKey, configKeyFindings, imageFactsOf, movedRepository, parseImageRef } from '../../core/images';
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
      if (facts.configs) checkConfig(set, t, c, ref.tag, facts, id, r, stats);
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
  const files = mountedConfigMapFiles(set, t, c);
  (facts.configs ?? []).forEach((cfg, n) => {
    for (const { path: file, configMap, key } of configFilesRead(c, cfg.location, files)) {
      const cm = set.find('', 'ConfigMap', t.owner.namespace, configMap);
      const text = cm ? str(rec(cm.raw.data)[key]) : undefined;
      if (cm === undefined || text === undefined) continue; // ref/config-source reports missing ConfigMaps and keys
      if (stats) stats.configFiles++;
      // The keys of the version that runs, when the table describes it; otherwise the pinned version's.
      const version = tag !== undefined && cfg.keys[tag] ? tag : facts.version;
      const keys = cfg.keys[version];
      const table = `IMAGES.${id}.configs[${n}].keys["${version}"]`;
      const reader = `${facts.repository}:${version} (container ${JSON.stringify(c.name)} of ${t.owner.kind} ${t.owner.name}) reads this key as its ${cfg.name} (${file})`;
      let findings: UnknownConfigKey[];
      try {
        findings = configKeyFindings(cfg.format, text, keys);
      } catch (e) {
        r.add(cm, 'image/config-key', `data[${JSON.stringify(key)}]`, `${reader}, and it is not a valid ${cfg.format === 'yaml' ? 'YAML' : 'Fluent Bit classic'} file: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      for (const f of findings) {
        const line = f.line === undefined ? '' : ` (line ${f.line})`;
        r.add(cm, 'image/config-key', `data[${JSON.stringify(key)}].${f.path}`, `${reader}; it does not accept ${f.path}${line} and ${f.effect ?? cfg.onUnknown}; allowed there: ${f.allowed.join(', ') || 'nothing'} (${table}, from ${cfg.reference})`, f.path);
      }
    }
  });
}

/** A file a container sees from a ConfigMap volume: its path and the ConfigMap key it holds. */
interface MountedFile { path: string; configMap: string; key: string }

/** Every file the container sees from ConfigMap volumes (with `items`, with `subPath`, or the whole ConfigMap). */
function mountedConfigMapFiles(set: ObjectSet, t: PodTemplate, c: ContainerView): MountedFile[] {
  const out: MountedFile[] = [];
  for (const m of arr(c.c.volumeMounts).map(rec)) {
    const mp = (str(m.mountPath) ?? '').replace(/\/+$/, '');
    const vol = arr(t.spec.volumes).map(rec).find((v) => str(v.name) === str(m.name));
    const cm = rec(vol?.configMap);
    const name = str(cm.name);
    if (!name) continue;
    const items = arr(cm.items).map(rec).map((i) => ({ key: str(i.key) ?? '', path: str(i.path) ?? '' }));
    const entries = items.length ? items : Object.keys(rec(set.find('', 'ConfigMap', t.owner.namespace, name)?.raw.data)).map((k) => ({ key: k, path: k }));
    const sub = str(m.subPath);
    if (sub !== undefined) {
      const e = entries.find((x) => x.path === sub);
      out.push({ path: mp, configMap: name, key: e?.key ?? sub });
    } else {
      for (const e of entries) out.push({ path: `${mp}/${e.path}`, configMap: name, key: e.key });
    }
  }
  return out;
}

/** The mounted files a configuration location resolves to in this container. */
function configFilesRead(c: ContainerView, loc: ConfigLocation, files: MountedFile[]): MountedFile[] {
  if ('flags' in loc) {
    const argv = [...arr(c.c.command), ...arr(c.c.args)].map((a) => String(a));
    const named: string[] = [];
    argv.forEach((a, i) => {
      for (const flag of loc.flags) {
        if (a === flag && i + 1 < argv.length) named.push(argv[i + 1]);
        else if (a.startsWith(`${flag}=`)) named.push(a.slice(flag.length + 1));
      }
    });
    return named.flatMap((p) => files.filter((f) => f.path === p));
  }
  const env = new Map(arr(c.c.env).map(rec).filter((e) => typeof e.value === 'string').map((e) => [str(e.name) ?? '', str(e.value) ?? '']));
  const dir = loc.directory.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_m, v: string) => env.get(v) ?? loc.defaults?.[v] ?? '').replace(/\/+$/, '');
  return files.filter((f) => f.path.startsWith(`${dir}/`) && !f.path.slice(dir.length + 1).includes('/') && /\.ya?ml$/.test(f.path));
}
