/**
 * Validation and policy gate: nothing invalid or unsafe reaches dist/.
 *
 * API
 * ---
 *   validateManifests(docs: readonly ManifestDocument[], options?: ValidateOptions): ValidationReport
 *     docs     one entry per object: { file, object, constructPath?, index? }
 *     returns  { ok, files, objects, violations[], waivers[] }; never throws for bad
 *              manifests (they are violations), only for bad options
 *   formatReport(report, 'text' | 'json', { color? }): string
 *   validateDirectory(dir, options?): ValidationReport   (what `npm run validate` runs)
 *   loadManifestDir(dir): { docs, violations, files }    (YAML reading, for custom pipelines)
 *   loadSchemaCatalog(): SchemaCatalog           (pre-warm; otherwise loaded on first call)
 *
 * From the synth pipeline, before swapping the temp dir into dist/:
 *
 *   const docs = objects.map((o) => ({ file: relPath, object: o.toJson(), constructPath: o.node.path }));
 *   const report = validateManifests(docs, { environment: env.name });
 *   if (!report.ok) { process.stderr.write(formatReport(report, 'text')); keep old dist/; exit 1 }
 *
 * Each violation names a stable rule id (see RULES.md and rules.ts), the file,
 * the object (apiVersion, kind, namespace/name), the construct path, the field
 * path, the offending value and what would be valid.
 *
 * Schemas come from the typed bindings the project already has (Kubernetes
 * 1.27 from cdk8s-plus-27, custom resources from imports/), see
 * schema/derive.ts for why; they are derived once and cached in build/.
 * The whole check is linear in the number of objects: selectors are matched
 * through per-namespace label indexes (ObjectSet in model.ts), except those
 * without matchLabels, which scan their namespace. A few thousand objects
 * take well under a second once the schema cache exists.
 *
 * Waivers are per object: annotation `validate.platform.dev/waive.<rule id
 * with "/" written as ".">: "<reason>"`, e.g.
 * `validate.platform.dev/waive.policy.pss-restricted: "node-exporter reads /proc of the host"`.
 * Namespaces relax Pod Security with the standard label
 * `pod-security.kubernetes.io/enforce: baseline|privileged` plus the annotation
 * `validate.platform.dev/pod-security-reason: "<reason>"`.
 */
import * as path from 'path';
import { checkAnalysisProviders } from './checks/analysis';
import { checkDnsNames } from './checks/dns-names';
import { checkFlows, flowModelsByEnvironment } from './checks/flows';
import { checkImages } from './checks/images';
import { checkCredentialEdges } from './checks/credential-edges';
import { checkMesh } from './checks/mesh';
import { checkPolicies } from './checks/policy';
import { checkReachability } from './checks/reachability';
import { checkScaling } from './checks/scaling';
import { checkStoreIdentities } from './checks/store-identity';
import { checkReferences } from './checks/references';
import { checkArgoCdSettings } from './checks/argocd-settings';
import { checkIssuerRefs } from './checks/issuers';
import { checkRolloutOrder } from './checks/rollout-order';
import { checkObjectSchema } from './checks/schema';
import { checkDuplicates, checkNamespaceScope, checkWorkloadSelector } from './checks/structure';
import { K8sObject, ObjectSet, Reporter, toK8sObject } from './model';
import { loadSchemaCatalog } from './schema/catalog';
import { loadManifestDir } from './load';
import { applyWaivers } from './waivers';
import { tierRules } from '../core/tier';
import { ManifestDocument, ValidateOptions, ValidationReport, Violation } from './types';

export * from './types';
export { RULES, RULE_IDS, WAIVER_PREFIX, POD_SECURITY_REASON_ANNOTATION, MESH_CNI_ANNOTATION, MESH_NATIVE_SIDECARS_ANNOTATION, EXTERNAL_PROVIDER_ANNOTATION, waiverAnnotation, isRuleId } from './rules';
export type { RuleId, RuleInfo } from './rules';
export { formatReport } from './report';
export type { ReportFormat, FormatOptions } from './report';
export { loadManifestDir } from './load';
export type { LoadedManifests } from './load';
export { loadSchemaCatalog, findProjectRoot } from './schema/catalog';
export type { SchemaCatalog, SchemaNode, StructSchema, KindSchema } from './schema/types';

/** The environment a file belongs to by the `dist/<env>/...` convention. */
export function environmentFromPath(file: string): string | undefined {
  return /(?:^|[\\/])dist[\\/]([^\\/]+)[\\/]/.exec(file)?.[1];
}

export function validateManifests(docs: readonly ManifestDocument[], options: ValidateOptions = {}): ValidationReport {
  const namespacePolicies = options.namespacePolicies ?? {};
  for (const [ns, p] of Object.entries(namespacePolicies)) {
    if (p.level !== 'restricted' && (p.reason ?? '').trim() === '') {
      throw new Error(`namespacePolicies[${JSON.stringify(ns)}]: level ${p.level} needs a reason`);
    }
  }
  const catalog = options.catalog ?? loadSchemaCatalog();
  const envOf = typeof options.environment === 'function'
    ? options.environment
    : options.environment !== undefined ? ((): string | undefined => options.environment as string) : environmentFromPath;
  const tiers = options.tiers ?? {};
  const tierOf = typeof tiers === 'function' ? tiers : (env: string) => tiers[env];

  const r = new Reporter();
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    const o = toK8sObject(doc);
    if (!o) {
      r.addForDoc(doc, {}, 'schema/object-shape', '', `document is not a mapping (got ${doc.object === null ? 'null' : Array.isArray(doc.object) ? 'an array' : typeof doc.object}); each document must be one Kubernetes object`);
      continue;
    }
    if (checkObjectSchema(o, catalog, r)) {
      checkNamespaceScope(o, catalog, r);
      checkWorkloadSelector(o, r);
    }
    objects.push(o);
  }
  checkDuplicates(objects, r);
  const set = new ObjectSet(objects);
  checkReferences(set, r);
  checkAnalysisProviders(set, r);
  checkIssuerRefs(set, r);
  checkRolloutOrder(set, r);
  // after the rollout-order model: both read the pods' texts (podTexts), computed once per set
  checkDnsNames(set, r);
  checkArgoCdSettings(set, r);
  checkPolicies(set, {
    rulesOf: (file) => {
      const env = envOf(file);
      return tierRules(env === undefined ? undefined : tierOf(env));
    },
    namespacePolicies,
  }, r);
  const flowModels = flowModelsByEnvironment(objects, (o) => envOf(o.doc.file) ?? '', options.platform ?? {});
  checkFlows(flowModels, r);
  checkReachability(flowModels, r);
  checkImages(set, r);
  checkCredentialEdges(set, r);
  checkScaling(set, r);
  checkStoreIdentities(set, r, (o) => envOf(o.doc.file) ?? '');
  checkMesh(set, r);

  const { violations, waivers } = applyWaivers(objects, r, options.waiverPolicy ?? {});
  return {
    ok: violations.length === 0,
    files: new Set(docs.map((d) => d.file)).size,
    objects: docs.length,
    violations: violations.sort(compareViolations),
    waivers,
  };
}

/**
 * Loads every *.yaml/*.yml below `dir` (kustomization files skipped) and
 * validates them; files that are not valid YAML are violations too.
 */
export function validateDirectory(dir: string, options: ValidateOptions = {}, cwd: string = process.cwd()): ValidationReport {
  const loaded = loadManifestDir(dir, cwd);
  // file paths are reported relative to cwd; the dist/<env>/ convention is read from the absolute path
  const envOfFile = (file: string): string | undefined => environmentFromPath(path.resolve(cwd, file));
  const environment = options.environment ?? envOfFile;
  // Environments are separate clusters (as in the synth gate): duplicates,
  // references and rollout order are checked within each one.
  const groups = new Map<string, ManifestDocument[]>();
  for (const d of loaded.docs) {
    const key = envOfFile(d.file) ?? '';
    const list = groups.get(key);
    if (list) list.push(d); else groups.set(key, [d]);
  }
  const reports = [...groups.values()].map((docs) => validateManifests(docs, { ...options, environment }));
  const violations = [...loaded.violations, ...reports.flatMap((r) => r.violations)].sort(compareViolations);
  const waivers = reports.flatMap((r) => r.waivers);
  return { ok: violations.length === 0, files: loaded.files, objects: loaded.docs.length, violations, waivers };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareViolations(a: Violation, b: Violation): number {
  return cmp(a.file, b.file) || cmp(a.rule, b.rule) || (a.index ?? 0) - (b.index ?? 0) || cmp(a.path, b.path);
}
