/**
 * Credentials follow edges: a workload the NetworkPolicies let reach the
 * authenticated port of a server must hold that server's credential, or every
 * request it makes is refused (Redis NOAUTH, PostgreSQL "password
 * authentication failed", Elasticsearch 401).
 *
 * Servers are recognised from their rendered pod template, by what the image
 * itself enforces:
 * - Redis: `--requirepass $(VAR)` in the container's command or args, VAR from a secretKeyRef;
 * - PostgreSQL (official image): `POSTGRES_PASSWORD` from a secretKeyRef, unless
 *   `POSTGRES_HOST_AUTH_METHOD=trust`;
 * - Elasticsearch: `ELASTIC_PASSWORD` from a secretKeyRef, unless security is
 *   switched off (`xpack.security.enabled: false` in the environment or in a
 *   mounted ConfigMap).
 * The authenticated ports are those of the container that enforces it (an
 * exporter next to it on another port is not).
 *
 * A client holds the credential when one of its containers reads the same
 * Secret key (env secretKeyRef, envFrom secretRef, a mounted secret or
 * projected volume), or a Secret an ExternalSecret fills from the same remote
 * entry as the server's Secret (a URL kept next to the password).
 */
import { analyzeNetwork } from '../../security/network-analysis';
import { ManifestObject } from '../../security/shared-cluster';
import { ObjectSet, PodTemplate, Reporter, arr, containersOf, rec, str } from '../model';

export interface SecretKey {
  readonly secret: string;
  readonly key: string;
}

/** A server whose port refuses clients without its credential. */
export interface AuthenticatedServer {
  readonly template: PodTemplate;
  /** what enforces it, e.g. "Redis --requirepass" */
  readonly how: string;
  readonly credential: SecretKey;
  /** the env var a client conventionally reads it from */
  readonly clientEnv: string;
  /** port names and numbers of the enforcing container */
  readonly ports: ReadonlySet<string>;
}

export interface CredentialEdgeStats {
  /** pod templates looked at as servers or clients */
  readonly workloads: number;
  /** servers that require a credential */
  readonly servers: number;
  /** allowed edges into an authenticated port */
  readonly edges: number;
}

export function checkCredentialEdges(set: ObjectSet, r: Reporter): CredentialEdgeStats {
  const servers = set.podTemplates.map((t) => authenticatedServer(set, t)).filter((s): s is AuthenticatedServer => s !== undefined);
  if (servers.length === 0) return { workloads: set.podTemplates.length, servers: 0, edges: 0 };
  const byId = new Map<string, PodTemplate>();
  for (const t of set.podTemplates) byId.set(`${t.owner.namespace}/${t.owner.name}`, t);
  const serverById = new Map(servers.map((s) => [`${s.template.owner.namespace}/${s.template.owner.name}`, s]));
  const remoteEntries = remoteEntriesOf(set);

  const analysis = analyzeNetwork(set.objects.map((o) => o.raw as unknown as ManifestObject));
  // one violation per client and server, however many ports the edge has
  const seen = new Set<string>();
  let edges = 0;
  for (const e of analysis.edges) {
    const server = serverById.get(e.to);
    const client = byId.get(e.from);
    if (!server || !client || !server.ports.has(e.port)) continue;
    edges++;
    const key = `${e.from}|${e.to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (holdsCredential(client, server, remoteEntries)) continue;
    const s = server.template.owner;
    const c = containersOf(client, ['containers'])[0];
    r.add(client.owner, 'flow/credentials', c ? `${c.path}.env` : `${client.path}.spec.containers`,
      `${client.owner.kind} ${client.owner.name} may reach ${s.kind} ${s.namespace}/${s.name} on port ${e.port}, which requires a credential (${server.how}), `
      + `but no container of it reads Secret ${server.credential.secret} key ${server.credential.key}: add env ${server.clientEnv} from secretKeyRef `
      + `{ name: ${server.credential.secret}, key: ${server.credential.key} } to container ${JSON.stringify(c?.name ?? '?')} `
      + '(or mount that Secret, or read a Secret filled from the same remote entry)');
  }
  return { workloads: set.podTemplates.length, servers: servers.length, edges };
}

/** The credential a pod template's server enforces, if it enforces one. */
export function authenticatedServer(set: ObjectSet, t: PodTemplate): AuthenticatedServer | undefined {
  for (const c of containersOf(t, ['containers'])) {
    const env = envMap(c.c);
    const ports = new Set<string>();
    for (const p of arr(c.c.ports)) {
      const pp = rec(p);
      if (typeof pp.containerPort === 'number') ports.add(str(pp.name) ?? `${pp.containerPort}/${str(pp.protocol) ?? 'TCP'}`);
    }
    const argv = [...arr(c.c.command), ...arr(c.c.args)].map((a) => String(a));
    const pass = argv.indexOf('--requirepass');
    if (pass >= 0) {
      const ref = /^\$\((\w+)\)$/.exec(argv[pass + 1] ?? '')?.[1];
      const credential = ref ? secretKeyOf(env.get(ref)) : undefined;
      if (credential) return { template: t, how: 'Redis --requirepass', credential, clientEnv: 'REDIS_PASSWORD', ports };
    }
    const pg = secretKeyOf(env.get('POSTGRES_PASSWORD'));
    if (pg && str(env.get('POSTGRES_HOST_AUTH_METHOD')?.value) !== 'trust') {
      return { template: t, how: 'PostgreSQL password authentication (POSTGRES_PASSWORD)', credential: pg, clientEnv: 'PGPASSWORD', ports };
    }
    const es = secretKeyOf(env.get('ELASTIC_PASSWORD'));
    if (es && !elasticsecurityOff(set, t, env)) {
      return { template: t, how: 'Elasticsearch security (ELASTIC_PASSWORD)', credential: es, clientEnv: 'ELASTICSEARCH_PASSWORD', ports };
    }
  }
  return undefined;
}

type EnvEntry = { readonly value?: unknown; readonly valueFrom?: unknown };

function envMap(c: Record<string, unknown>): Map<string, EnvEntry> {
  const m = new Map<string, EnvEntry>();
  for (const e of arr(c.env)) {
    const name = str(rec(e).name);
    if (name) m.set(name, rec(e));
  }
  return m;
}

function secretKeyOf(e: EnvEntry | undefined): SecretKey | undefined {
  const ref = rec(rec(e?.valueFrom).secretKeyRef);
  const secret = str(ref.name);
  const key = str(ref.key);
  return secret && key ? { secret, key } : undefined;
}

function elasticsecurityOff(set: ObjectSet, t: PodTemplate, env: Map<string, EnvEntry>): boolean {
  if (str(env.get('xpack.security.enabled')?.value) === 'false') return true;
  for (const v of arr(t.spec.volumes)) {
    const cm = str(rec(rec(v).configMap).name);
    const data = cm ? rec(set.find('', 'ConfigMap', t.owner.namespace, cm)?.raw.data) : {};
    if (Object.values(data).some((x) => typeof x === 'string' && /^\s*xpack\.security\.enabled:\s*false\s*$/m.test(x))) return true;
  }
  return false;
}

/** `<namespace>/<secret>/<key>` -> the remote entry an ExternalSecret fills it from. */
function remoteEntriesOf(set: ObjectSet): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of set.objects) {
    if (o.group !== 'external-secrets.io' || o.kind !== 'ExternalSecret') continue;
    const spec = rec(o.raw.spec);
    const target = str(rec(spec.target).name) ?? o.name;
    for (const d of arr(spec.data)) {
      const remote = str(rec(rec(d).remoteRef).key);
      const key = str(rec(d).secretKey);
      if (remote && key) m.set(`${o.namespace}/${target}/${key}`, remote);
    }
  }
  return m;
}

/** Every Secret key a pod template's containers can read (`*` for a whole Secret). */
function secretKeysRead(t: PodTemplate): SecretKey[] {
  const out: SecretKey[] = [];
  const mounted = new Set<string>();
  for (const c of containersOf(t, ['containers', 'initContainers'])) {
    for (const e of arr(c.c.env)) {
      const k = secretKeyOf(rec(e));
      if (k) out.push(k);
    }
    for (const f of arr(c.c.envFrom)) {
      const name = str(rec(rec(f).secretRef).name);
      if (name) out.push({ secret: name, key: '*' });
    }
    for (const m of arr(c.c.volumeMounts)) {
      const name = str(rec(m).name);
      if (name) mounted.add(name);
    }
  }
  for (const v of arr(t.spec.volumes)) {
    const vol = rec(v);
    if (!mounted.has(str(vol.name) ?? '')) continue;
    const sources = [rec(vol.secret), ...arr(rec(vol.projected).sources).map((s) => rec(rec(s).secret))];
    for (const s of sources) {
      const name = str(s.secretName) ?? str(s.name);
      if (!name) continue;
      const items = arr(s.items);
      if (items.length === 0) out.push({ secret: name, key: '*' });
      for (const i of items) {
        const key = str(rec(i).key);
        if (key) out.push({ secret: name, key });
      }
    }
  }
  return out;
}

function holdsCredential(client: PodTemplate, server: AuthenticatedServer, remote: Map<string, string>): boolean {
  const { secret, key } = server.credential;
  const sns = server.template.owner.namespace;
  const entry = remote.get(`${sns}/${secret}/${key}`);
  return secretKeysRead(client).some((k) => {
    if (client.owner.namespace === sns && k.secret === secret && (k.key === key || k.key === '*')) return true;
    if (entry === undefined) return false;
    if (k.key !== '*') return remote.get(`${client.owner.namespace}/${k.secret}/${k.key}`) === entry;
    return [...remote].some(([id, e]) => e === entry && id.startsWith(`${client.owner.namespace}/${k.secret}/`));
  });
}


