// The shape of an environment file (environments/<env>.yaml merged over
// environments/defaults.yaml). One schema serves three purposes: runtime
// validation with file:line errors, the TypeScript types the charts consume,
// and environments/schema.json for editors.
import { z } from 'zod';
import { expects } from './schema-kit';
import { blueGreenSchema, canarySchema, serviceStrategyProblems } from './strategy-schema';
import { clusterIssuerSchema, clusterModeSchema, environmentSecurityFields, requireBackupStorage, requireDeclaredClusterIssuers, requireMeshAdmission, requireTlsOutsideDevelopment, serviceExposureFields, systemSecurityFields } from './security-schema';
import { requireServices, systemComponentFields } from './components-schema';
// Pure data (no constructs): the add-on ids the environment file may name.
import { ADDON_IDS, AddonId } from '../../lib/platform/addons';
import { RELEASE_TAG, TIERS, tierRules } from '../../lib/core/tier';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const dnsLabel = expects(z.string().regex(DNS_LABEL), 'a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters, e.g. "user-service")');
const nonEmpty = expects(z.string().min(1), 'a non-empty string');
const positiveInt = expects(z.number().int().min(1), 'an integer >= 1');
const nonNegativeInt = expects(z.number().int().min(0), 'an integer >= 0');
const percent = expects(z.number().int().min(1).max(100), 'an integer percentage from 1 to 100');

/** CPU quantity: millicores ("250m") or cores ("0.5", 1). */
export const cpuQuantity = expects(
  z.union([z.string().regex(/^(\d+m|\d+(\.\d{1,3})?)$/), z.number().positive().refine((n) => /^\d+(\.\d+)?$/.test(String(n)))]),
  'a CPU quantity such as "250m", "0.5" or 1',
);
/** Memory or storage quantity with a binary or decimal suffix ("512Mi", "1Gi"). */
export const byteQuantity = expects(
  z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/),
  'a byte quantity such as "512Mi", "1Gi" or "10G"',
);
/** maxSurge/maxUnavailable-style value: an integer or a percentage string. */
export const intOrPercent = expects(
  z.union([z.number().int().min(0), z.string().regex(/^(100|[1-9]?\d)%$/)]),
  'an integer >= 0 or a percentage such as "25%"',
);
/** A duration as Go and Argo write them: "30s", "10m", "1h30m". */
export const duration = expects(z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/).refine((s) => s.length > 0), 'a duration such as "30s", "10m" or "1h30m"');

const computeResources = z.strictObject({
  cpu: cpuQuantity,
  memory: byteQuantity,
});

/** Requests never above limits: the scheduler would reject such a pod. */
export const resourcesSchema = z
  .strictObject({
    requests: computeResources,
    limits: computeResources,
  })
  .superRefine((r, ctx) => {
    if (toMillis(r.requests.cpu) > toMillis(r.limits.cpu)) {
      ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], message: `at most the CPU limit (${r.limits.cpu})` });
    }
    if (toBytes(r.requests.memory) > toBytes(r.limits.memory)) {
      ctx.addIssue({ code: 'custom', path: ['requests', 'memory'], message: `at most the memory limit (${r.limits.memory})` });
    }
  });

function toMillis(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000;
}

const BYTE_FACTORS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
function toBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(q);
  return m ? Number(m[1]) * (BYTE_FACTORS[m[2]] ?? 1) : NaN;
}

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const imageSchema = z.strictObject({
  repository: expects(z.string().regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/), 'an image repository such as "registry.example.com/team/user-service"'),
  tag: expects(z.string().regex(IMAGE_TAG), 'an image tag such as "v1.2.0" (letters, digits, ".", "_", "-")'),
  digest: expects(z.string().regex(/^sha256:[a-f0-9]{64}$/), 'an image digest "sha256:<64 hex digits>"').optional(),
});

export const autoscalingSchema = z
  .strictObject({
    minReplicas: positiveInt,
    maxReplicas: positiveInt,
    cpuUtilization: percent.optional(),
    memoryUtilization: percent.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.maxReplicas < a.minReplicas) ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `an integer >= minReplicas (${a.minReplicas})` });
    if (a.cpuUtilization === undefined && a.memoryUtilization === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cpuUtilization'], message: 'cpuUtilization or memoryUtilization (an HPA needs a metric)' });
    }
  });

export const rollingStrategySchema = z
  .strictObject({
    type: z.literal('rolling'),
    maxSurge: intOrPercent.optional(),
    maxUnavailable: intOrPercent.optional(),
  })
  .superRefine((r, ctx) => {
    const zero = (v: unknown) => v === 0 || v === '0%';
    if (zero(r.maxSurge) && zero(r.maxUnavailable)) {
      ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'maxSurge and maxUnavailable not both zero (the rollout could never progress)' });
    }
  });

// Blue-green and canary live in strategy-schema.ts with the rules the strategy constructs share.
export const strategySchema = z.discriminatedUnion('type', [rollingStrategySchema, blueGreenSchema, canarySchema]);

export const serviceSchema = z.strictObject({
  image: imageSchema,
  replicas: nonNegativeInt.optional(),
  /** Why the service runs no pods (`replicas: 0`); required for that in production-tier environments (lib/core/tier.ts). */
  scaledToZero: expects(z.string().trim().min(1), 'a reason such as "paused until the vendor API is back (INC-1234)"').optional(),
  resources: resourcesSchema.optional(),
  autoscaling: autoscalingSchema.optional(),
  strategy: strategySchema.optional(),
  logLevel: expects(z.enum(['trace', 'debug', 'info', 'warn', 'error']), 'one of "trace", "debug", "info", "warn", "error"').optional(),
  debug: expects(z.boolean(), 'true or false').optional(),
  config: expects(z.record(z.string(), z.string()), 'a map of string keys to string values (quote numbers and booleans)').optional(),
  ...serviceExposureFields,
}).superRefine((svc, ctx) => {
  for (const [path, message] of serviceStrategyProblems(svc)) ctx.addIssue({ code: 'custom', path, message });
});

export const systemSchema = z.strictObject({
  enabled: expects(z.boolean(), 'true or false').optional(),
  namespace: dnsLabel,
  services: z.record(dnsLabel, serviceSchema),
  ...systemSecurityFields,
  ...systemComponentFields,
});

export const SYSTEM_NAMES = ['ecosystem', 'fediflow', 'idp', 'infometis', 'specify'] as const;

/** A GitOps controller that can pull a system's rendered directory. */
export const GITOPS_CONTROLLERS = ['argocd', 'flux'] as const;
const engineSchema = expects(z.enum(GITOPS_CONTROLLERS), 'one of "argocd", "flux" (the one engine of this cluster)');

/**
 * `controllers:` lists were replaced by one `gitops.engine` per cluster: two
 * engines reconciling the same objects fight over them.
 */
const retiredControllers = z.unknown().superRefine((_, ctx) => {
  ctx.addIssue({ code: 'custom', message: '`gitops.engine: argocd` or `gitops.engine: flux` in place of this list (replaced: one engine per cluster delivers every system)' });
});

/** How one system is delivered; everything falls back to the `gitops:` defaults. */
export const systemDeliverySchema = z.strictObject({
  controllers: retiredControllers.optional(),
  dependsOn: expects(z.array(z.enum(SYSTEM_NAMES)), `a list of system names (${SYSTEM_NAMES.join(', ')}) that must be healthy first`).optional(),
});

const systemDeliveryShape = Object.fromEntries(SYSTEM_NAMES.map((n) => [n, systemDeliverySchema.optional()])) as {
  [K in (typeof SYSTEM_NAMES)[number]]: z.ZodOptional<typeof systemDeliverySchema>;
};

/** Where Argo CD and Flux pull rendered manifests from, and how they apply them. */
export const gitopsSchema = z.strictObject({
  repoURL: expects(z.string().regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/), 'a Git URL such as "https://github.com/example/platform-manifests.git"'),
  targetRevision: expects(z.string().regex(/^[A-Za-z0-9._/-]+$/), 'a branch, tag or commit such as "main"'),
  engine: engineSchema.optional(),
  controllers: retiredControllers.optional(),
  argocd: z.strictObject({ namespace: dnsLabel.optional() }).optional(),
  flux: z.strictObject({ namespace: dnsLabel.optional(), interval: duration.optional(), timeout: duration.optional() }).optional(),
  systems: z.strictObject(systemDeliveryShape).optional(),
});

/** One platform add-on (lib/platform/addons.ts): installed by the engine, or already in the cluster. */
export const addonSettingsSchema = z.strictObject({
  /** The cluster has it already (installed by its operators): render nothing for it. */
  external: expects(z.boolean(), 'true or false').optional(),
  /** Helm values merged over the add-on's defaults. */
  values: expects(z.record(z.string(), z.unknown()), 'a map of Helm values').optional(),
});

const addonShape = Object.fromEntries(ADDON_IDS.map((n) => [n, addonSettingsSchema.optional()])) as {
  [K in AddonId]: z.ZodOptional<typeof addonSettingsSchema>;
};

/** The controllers and CRDs the rendered objects need (inferred; see docs/platform.md). */
export const platformSchema = z.strictObject({
  addons: z.strictObject(addonShape).optional(),
  /**
   * cert-manager ClusterIssuers by name (what `border.tls.issuer` names with
   * issuerKind ClusterIssuer): rendered from an ACME account, or provided by
   * the cluster (docs/platform.md, "ClusterIssuers").
   */
  clusterIssuers: z.record(dnsLabel, clusterIssuerSchema).optional(),
});

const DISTRIBUTIONS = ['kind', 'k0s', 'eks', 'aks', 'gke', 'generic'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/**
 * Where the cluster's persistent volumes come from (docs/platform.md,
 * "Storage"): a StorageClass every claim names (`storageClass`), or the
 * statement that the cluster has a default class (`clusterDefault: true`,
 * claims then name none); and in words what provisions it, which the
 * render does not install.
 */
export const clusterStorageSchema = z
  .strictObject({
    storageClass: expects(z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/), 'a StorageClass name such as "gp3" (lower-case DNS subdomain)').optional(),
    clusterDefault: expects(z.literal(true), 'true (the cluster has a default StorageClass; leave it out and name storageClass otherwise)').optional(),
    provisionedBy: expects(z.string().trim().min(1), 'what provides the class, such as "EKS add-on aws-ebs-csi-driver; StorageClass gp3 created with the cluster"'),
  })
  .superRefine((st, ctx) => {
    if ((st.storageClass === undefined) === (st.clusterDefault === undefined)) {
      ctx.addIssue({ code: 'custom', path: [st.storageClass === undefined ? 'storageClass' : 'clusterDefault'], message: st.storageClass === undefined
        ? 'a StorageClass name such as "gp3", or clusterDefault: true where the cluster has a default class'
        : 'either storageClass or clusterDefault: true, not both (claims name the class, or leave it to the cluster\'s default)' });
    }
  });

export const environmentSchema = z.strictObject({
  environment: z.strictObject({
    tier: expects(z.enum(TIERS), TIERS.map((t) => JSON.stringify(t)).join(', ').replace(/^/, 'one of ')),
    description: nonEmpty.optional(),
  }),
  cluster: z.strictObject({
    name: dnsLabel,
    server: expects(z.string().url(), 'an https:// API server URL such as "https://kubernetes.default.svc"'),
    distribution: expects(z.enum(DISTRIBUTIONS), 'one of "kind", "k0s", "eks", "aks", "gke", "generic"').optional(),
    storage: clusterStorageSchema.optional(),
    /**
     * What gives LoadBalancer Services an address where the distribution has
     * no provider of its own (kind, k0s), e.g. "MetalLB (add-on of the
     * cluster's operators), pool 192.0.2.0/28". @default none on kind and k0s
     */
    loadBalancerProvider: expects(z.string().trim().min(1), 'what gives LoadBalancer Services an address, such as "MetalLB, pool 192.0.2.0/28"').optional(),
    mode: clusterModeSchema.optional(),
    /**
     * Where the Kubernetes API server's endpoints are, for the egress of pods
     * that call the API (service discovery, log metadata, Backstage). Policies
     * see the endpoint address after the Service's NAT.
     */
    apiServer: z
      .strictObject({
        cidrs: expects(z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/)).min(1), 'a list of CIDR blocks such as ["10.0.0.0/16"] (the control plane\'s addresses)'),
        ports: expects(z.array(z.number().int().min(1).max(65535)).min(1), 'a list of ports such as [443] (EKS) or [6443] (kubeadm, kind, k0s)').optional(),
      })
      .optional(),
  }),
  systems: z.strictObject({
    ecosystem: systemSchema.optional(),
    // The charts of these systems compose the services their documents name (components-schema.ts).
    fediflow: systemSchema.superRefine(requireServices(['fediflow-api', 'activity-processor', 'email-sender'], 'the FediFlow document')).optional(),
    idp: systemSchema.superRefine(requireServices(['backstage', 'platform-api'], 'the IDP document')).optional(),
    infometis: systemSchema.optional(),
    specify: systemSchema.superRefine(requireServices(['specify'], 'the Specify document')).optional(),
  }),
  gitops: gitopsSchema.optional(),
  platform: platformSchema.optional(),
  ...environmentSecurityFields,
})
  .superRefine(requireTlsOutsideDevelopment)
  .superRefine(requireMeshAdmission)
  .superRefine(requireDeclaredClusterIssuers)
  .superRefine(requireBackupStorage)
  .superRefine(tierProblems);

type ServiceTierFields = {
  image: { tag: string; digest?: string };
  replicas?: number;
  scaledToZero?: string;
  strategy?: object;
};

/**
 * The tier rules (lib/core/tier.ts) on the services of an environment:
 * - `replicas: 0` removes a service's pods and its PodDisruptionBudget: where
 *   the tier says so (production), only with `scaledToZero: "<reason>"`; and
 *   a reason without `replicas: 0` is a stale opt-in;
 * - where the tier wants release images, every tag a service can deploy
 *   (image.tag, blue/green tags, canaryTag) is a release tag unless the image
 *   is pinned by digest: reported here at its line, before the validation
 *   gate would refuse the rendered image.
 */
function tierProblems(
  env: { environment: { tier: string }; systems: Record<string, { services: Record<string, ServiceTierFields> } | undefined> },
  ctx: z.RefinementCtx,
): void {
  const rules = tierRules(env.environment.tier);
  for (const [system, s] of Object.entries(env.systems)) {
    for (const [name, svc] of Object.entries(s?.services ?? {})) {
      const at = ['systems', system, 'services', name];
      if (rules.releaseImagesOnly && svc.image.digest === undefined) {
        const strategy = (svc.strategy ?? {}) as { tags?: { blue?: string; green?: string }; canaryTag?: string };
        const tags: Array<[string[], string | undefined]> = [
          [['image', 'tag'], svc.image.tag],
          [['strategy', 'tags', 'blue'], strategy.tags?.blue],
          [['strategy', 'tags', 'green'], strategy.tags?.green],
          [['strategy', 'canaryTag'], strategy.canaryTag],
        ];
        for (const [p, tag] of tags) {
          // A tag that is no tag at all is already reported by its own field.
          if (tag !== undefined && IMAGE_TAG.test(tag) && !RELEASE_TAG.test(tag)) {
            ctx.addIssue({ code: 'custom', path: [...at, ...p], message: `a release tag such as "v1.4.2" (semantic version) in a ${env.environment.tier}-tier environment, or an image.digest` });
          }
        }
      }
      if (svc.replicas === 0 && svc.scaledToZero === undefined && rules.zeroReplicasNeedReason) {
        ctx.addIssue({ code: 'custom', path: [...at, 'replicas'], message: `an integer >= 1 in a ${env.environment.tier}-tier environment (0 runs no pods and drops the PodDisruptionBudget; to scale ${name} to zero on purpose, add scaledToZero: "<reason>" beside replicas)` });
      }
      if (svc.scaledToZero !== undefined && svc.replicas !== 0) {
        ctx.addIssue({ code: 'custom', path: [...at, 'scaledToZero'], message: `only beside replicas: 0 (${name} runs ${svc.replicas ?? 'the default number of'} replicas): remove it` });
      }
    }
  }
}

export type EnvironmentFile = z.infer<typeof environmentSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type SystemConfig = z.infer<typeof systemSchema>;
export type ImageConfig = z.infer<typeof imageSchema>;
export type ResourcesConfig = z.infer<typeof resourcesSchema>;
export type AutoscalingConfig = z.infer<typeof autoscalingSchema>;
export type StrategyConfig = z.infer<typeof strategySchema>;
export type SystemName = keyof EnvironmentFile['systems'];
export type GitOpsConfig = z.infer<typeof gitopsSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
export type GitOpsController = (typeof GITOPS_CONTROLLERS)[number];

/** A fully resolved environment: defaults merged with the environment file, validated. */
export interface EnvironmentConfig extends EnvironmentFile {
  /** The environment's name: its file name without `.yaml`. */
  readonly name: string;
}
