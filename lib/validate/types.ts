import { RuleId } from './rules';
import { SchemaCatalog } from './schema/types';

/** One parsed YAML document, as read from a file or produced by synth. */
export interface ManifestDocument {
  /** path of the file the object is (or will be) written to; used for grouping and messages */
  readonly file: string;
  /** the parsed object (JSON data) */
  readonly object: unknown;
  /** construct path that produced it (the `# construct:` comment), if known */
  readonly constructPath?: string;
  /** position of the document in a multi-document file (0-based) */
  readonly index?: number;
}

/** Identifies an object in messages: `apps/v1 Deployment shop/api`. */
export interface ObjectRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface Violation {
  readonly rule: RuleId;
  readonly file: string;
  readonly index?: number;
  readonly object: ObjectRef;
  readonly constructPath?: string;
  /** field path inside the object, e.g. `spec.template.spec.containers[0].image`; '' for the whole object */
  readonly path: string;
  /** what is wrong, the offending value and what would be valid */
  readonly message: string;
  /** the offending value, when there is one (JSON data) */
  readonly value?: unknown;
}

export interface WaiverUse {
  readonly rule: RuleId;
  readonly file: string;
  readonly object: ObjectRef;
  readonly constructPath?: string;
  readonly annotation: string;
  readonly reason: string;
  /** how many violations the waiver suppressed (0: the waiver is stale) */
  readonly suppressed: number;
}

export interface ValidationReport {
  /** true when there is no violation (waived ones do not count) */
  readonly ok: boolean;
  readonly files: number;
  readonly objects: number;
  /** sorted by file, rule, document index and path */
  readonly violations: readonly Violation[];
  /** every waiver annotation that names a rule, used or not */
  readonly waivers: readonly WaiverUse[];
}

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespacePolicy {
  readonly level: PodSecurityLevel;
  /** why the namespace may not be restricted; required for baseline and privileged */
  readonly reason?: string;
}

export interface WaiverPolicy {
  /** rules that may not be waived in this run, on top of the never-waivable ones (e.g. stricter in prod) */
  readonly forbiddenRules?: readonly RuleId[];
}

/** Pods the rendered objects rely on but do not render. */
export interface PlatformPods {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Where the platform runs the controllers and Prometheus the flows come from. */
export interface PlatformPeers {
  /** Ingress controllers per class name, for classes no rendered controller serves. @default nginx: ingress-nginx pods; traefik: the traefik namespace's */
  readonly ingressControllers?: Readonly<Record<string, PlatformPods>>;
  /** The Prometheus that reads ServiceMonitors and PodMonitors. @default namespace monitoring, app.kubernetes.io/name=prometheus */
  readonly prometheus?: PlatformPods;
  /** Istio's control plane. @default namespace istio-system, app=istiod */
  readonly istiod?: PlatformPods;
  /** The controllers that send analysis queries to Prometheus. @default the argo-rollouts and flagger add-ons' controller pods (ADDONS in lib/platform/addons.ts) */
  readonly analysisControllers?: Readonly<Partial<Record<AnalysisControllerId, PlatformPods>>>;
}

/** The add-ons whose controllers send analysis queries (Argo Rollouts' AnalysisRuns, Flagger's canary checks). */
export type AnalysisControllerId = 'argo-rollouts' | 'flagger';

export interface ValidateOptions {
  /**
   * Environment of the objects (decides the production image rule). A string
   * applies to all; a function maps a file path to its environment.
   * @default the path segment after `dist/` in each file path, e.g. `dist/prod/shop/x.yaml` -> `prod`
   */
  readonly environment?: string | ((file: string) => string | undefined);
  /**
   * Tier of each environment (`environment.tier` of its file: development,
   * staging or production), which decides the tier rules such as production's
   * image rule (semver tag or digest); lib/core/tier.ts holds the rules.
   * An environment with no known tier is held to production's rules.
   * @default none known
   */
  readonly tiers?: Readonly<Record<string, string>> | ((environment: string) => string | undefined);
  /**
   * Pod Security levels of namespaces whose Namespace object is not in the
   * checked set (a rendered Namespace's labels win). Unlisted: restricted.
   * @default {}
   */
  readonly namespacePolicies?: Readonly<Record<string, NamespacePolicy>>;
  /** @default no extra restrictions */
  readonly waiverPolicy?: WaiverPolicy;
  /**
   * Where the ingress controllers, Prometheus and istiod run that the
   * required-flow check (checks/flows.ts) sends traffic from or to.
   * @default DEFAULT_PLATFORM_PEERS
   */
  readonly platform?: PlatformPeers;
  /**
   * Schema catalog to check against.
   * @default the catalog derived from the project's bindings (loadSchemaCatalog())
   */
  readonly catalog?: SchemaCatalog;
}
