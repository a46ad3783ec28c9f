/**
 * A small, strict gate for catalog tests: every object against the Kubernetes
 * 1.27 schema or its CRD schema (unknown fields rejected), plus the restricted
 * Pod Security Standard and the resource/probe/image policies, checked
 * against the upstream schema files (an independent second opinion next to
 * lib/validate, whose schemas come from the generated bindings; see
 * validate-gate.test.ts for the catalog through `validateManifests`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { CRD_DIR, K8S_DEFINITIONS, requireShared } from '../helpers/shared';

type Json = Record<string, any>;
type Schema = Json;

let coreDefs: Record<string, Schema> | undefined;
let gvkIndex: Map<string, string> | undefined;
let crdIndex: Map<string, Schema> | undefined;

function load(): void {
  if (coreDefs) return;
  requireShared();
  coreDefs = JSON.parse(fs.readFileSync(K8S_DEFINITIONS, 'utf8')).definitions as Record<string, Schema>;
  gvkIndex = new Map();
  for (const [name, def] of Object.entries(coreDefs)) {
    for (const g of (def['x-kubernetes-group-version-kind'] ?? []) as Json[]) {
      gvkIndex.set(`${g.group ? `${g.group}/` : ''}${g.version}/${g.kind}`, name);
    }
  }
  crdIndex = new Map();
}

const loadedGroups = new Set<string>();

/** Parses only the CRD files of `group` (a string scan finds them; parsing all of them takes seconds). */
function loadCrds(group: string): void {
  if (loadedGroups.has(group)) return;
  loadedGroups.add(group);
  const dir = CRD_DIR;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    if (!text.includes(`group: ${group}\n`)) continue;
    for (const doc of yaml.loadAll(text) as Json[]) {
      if (doc?.kind !== 'CustomResourceDefinition') continue;
      for (const v of doc.spec.versions as Json[]) crdIndex!.set(`${doc.spec.group}/${v.name}/${doc.spec.names.kind}`, v.schema.openAPIV3Schema);
    }
  }
}

/** Schema errors of one object, as `path: message` lines. */
export function schemaErrors(obj: Json): string[] {
  load();
  const key = `${obj.apiVersion}/${obj.kind}`;
  const errors: string[] = [];
  const core = gvkIndex!.get(key);
  if (!core && String(obj.apiVersion).includes('/')) loadCrds(String(obj.apiVersion).split('/')[0]);
  if (core) check(coreDefs![core], obj, '', errors, true);
  else if (crdIndex!.has(key)) {
    const { apiVersion, kind, metadata, ...rest } = obj;
    void apiVersion; void kind;
    check(coreDefs!['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], metadata, 'metadata', errors, true);
    check(crdIndex!.get(key)!, rest, '', errors, false, ['apiVersion', 'kind', 'metadata']);
  } else errors.push(`unknown kind ${key}`);
  return errors;
}

function check(schema: Schema, v: any, p: string, errors: string[], isCore: boolean, ignore: string[] = []): void {
  if (schema.$ref) return check(coreDefs![schema.$ref.replace('#/definitions/', '')], v, p, errors, isCore);
  if (v === undefined || v === null) return;
  if (schema['x-kubernetes-int-or-string'] || schema.oneOf) {
    if (typeof v !== 'string' && typeof v !== 'number') errors.push(`${p}: expected int or string, got ${JSON.stringify(v)}`);
    return;
  }
  if (schema.anyOf && !schema.type) {
    if (typeof v !== 'string' && typeof v !== 'number') errors.push(`${p}: expected int or string`);
    return;
  }
  if (schema.enum && !schema.enum.includes(v)) errors.push(`${p}: ${JSON.stringify(v)} not one of ${JSON.stringify(schema.enum)}`);
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      if (typeof v !== 'string') errors.push(`${p}: expected string, got ${JSON.stringify(v)}`);
      return;
    case 'integer':
      if (!Number.isInteger(v)) errors.push(`${p}: expected integer, got ${JSON.stringify(v)}`);
      return;
    case 'number':
      if (typeof v !== 'number') errors.push(`${p}: expected number, got ${JSON.stringify(v)}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') errors.push(`${p}: expected boolean, got ${JSON.stringify(v)}`);
      return;
    case 'array':
      if (!Array.isArray(v)) return void errors.push(`${p}: expected array`);
      v.forEach((x, i) => check(schema.items ?? {}, x, `${p}[${i}]`, errors, isCore));
      return;
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) return void errors.push(`${p}: expected object`);
      for (const r of (schema.required ?? []) as string[]) if (v[r] === undefined && !ignore.includes(r)) errors.push(`${p}.${r}: required`);
      if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return;
      for (const [k, x] of Object.entries(v)) {
        if (ignore.includes(k)) continue;
        const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (sub) check(sub, x, p ? `${p}.${k}` : k, errors, isCore);
        else if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true) errors.push(`${p ? `${p}.` : ''}${k}: unknown field`);
      }
      return;
    }
    default:
      return;
  }
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

export function podSpecOf(o: Json): Json | undefined {
  if (!WORKLOADS.has(o.kind)) return undefined;
  return o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
}

/** Restricted PSS (1.27) plus resources, probes and pinned images. */
export function policyErrors(o: Json): string[] {
  const spec = podSpecOf(o);
  const errors: string[] = [];
  const where = `${o.kind}/${o.metadata.name}`;
  if (o.kind === 'Secret' && (o.data || o.stringData)) errors.push(`${where}: Secret with inline data`);
  if (!spec) return errors;
  const psc = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) errors.push(`${where}: host namespaces`);
  for (const v of spec.volumes ?? []) {
    const t = Object.keys(v).find((k) => k !== 'name')!;
    if (!RESTRICTED_VOLUMES.has(t)) errors.push(`${where}: volume ${v.name} of type ${t}`);
  }
  if (psc.runAsUser === 0) errors.push(`${where}: pod runAsUser 0`);
  const long = o.kind !== 'CronJob' && o.kind !== 'Job';
  const all = [...(spec.initContainers ?? []).map((c: Json) => [c, false]), ...spec.containers.map((c: Json) => [c, true])] as [Json, boolean][];
  for (const [c, main] of all) {
    const sc = c.securityContext ?? {};
    const cw = `${where} container ${c.name}`;
    if (sc.privileged) errors.push(`${cw}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${cw}: allowPrivilegeEscalation not false`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) errors.push(`${cw}: runAsNonRoot not true`);
    if (sc.runAsUser === 0) errors.push(`${cw}: runAsUser 0`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) errors.push(`${cw}: capabilities not dropping ALL`);
    const add: string[] = sc.capabilities?.add ?? [];
    if (add.some((a) => a !== 'NET_BIND_SERVICE')) errors.push(`${cw}: adds capabilities ${add}`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') errors.push(`${cw}: seccomp ${seccomp}`);
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${cw}: root filesystem writable`);
    for (const side of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!c.resources?.[side]?.[r]) errors.push(`${cw}: no ${side}.${r}`);
    if (!/:[^/]+$/.test(c.image) || c.image.endsWith(':latest')) errors.push(`${cw}: image ${c.image} not pinned`);
    if (main && long) {
      if (!c.readinessProbe || !c.livenessProbe) errors.push(`${cw}: missing readiness or liveness probe`);
      else if (JSON.stringify(c.readinessProbe) === JSON.stringify(c.livenessProbe)) errors.push(`${cw}: identical readiness and liveness probes`);
    }
    for (const e of c.env ?? []) {
      if (/PASS|SECRET|TOKEN|KEY/i.test(e.name) && e.value !== undefined) errors.push(`${cw}: env ${e.name} is a literal`);
    }
  }
  return errors;
}

/** Every schema and policy error of a set of rendered objects. */
export function gateErrors(objects: Json[]): string[] {
  return objects.flatMap((o) => [...schemaErrors(o).map((e) => `${o.kind}/${o.metadata?.name}: ${e}`), ...policyErrors(o)]);
}
