// The cross-cutting parts of an environment file: cluster mode, secrets,
// mesh, border, observability, backups, and per-system namespace policy.
// Kept apart from schema.ts so the security/observability owners can grow it
// without touching the shared file beyond one import and a few fields.
import { z } from 'zod';
import { tierRules } from '../../lib/core/tier';
import { expects } from './schema-kit';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = expects(z.string().regex(DNS_LABEL), 'a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
const positiveInt = expects(z.number().int().min(1), 'an integer >= 1');
const nonEmpty = expects(z.string().min(1), 'a non-empty string');
const cpu = expects(z.union([z.string().regex(/^(\d+m|\d+(\.\d{1,3})?)$/), z.number().positive()]), 'a CPU quantity such as "250m", "0.5" or 1');
const memory = expects(z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/), 'a byte quantity such as "512Mi" or "1Gi"');
const duration = expects(z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/).refine((s) => s.length > 0), 'a duration such as "30s", "10m" or "720h"');
const labelMap = expects(z.record(z.string().min(1), z.string()), 'a map of label keys to values, e.g. { app.kubernetes.io/name: prometheus }');
const hostname = expects(
  z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/),
  'a DNS host name such as "api.example.com"',
);
const origin = expects(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/), 'an origin such as "https://app.example.com" (scheme, host, optional port; no "*")');
const url = expects(z.string().regex(/^https?:\/\/\S+$/), 'a URL such as "https://vault.example.com:8200"');

/** Pods outside the system that take part in the service graph (ingress controller, Prometheus). */
export const peerSelectorSchema = z.strictObject({
  namespace: dnsLabel,
  labels: labelMap,
  /** ServiceAccount of the pods when they run an Istio sidecar: mesh policies then name their identity, and NGINX routes through the sidecar. @default not in the mesh */
  serviceAccountName: dnsLabel.optional(),
});

export const clusterModeSchema = expects(z.enum(['independent', 'shared']), 'one of "independent" (we own the cluster) or "shared" (only our assigned namespaces)');

/** Where ExternalSecrets read from. `local` reads hand-made Secrets in the namespace, so Git never holds values. */
export const secretStoreSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('vault'),
    server: url,
    path: nonEmpty,
    version: expects(z.enum(['v1', 'v2']), '"v1" or "v2" (the KV engine version)').optional(),
    /** Vault role; "{namespace}" stands for each system's namespace (one role per system). */
    role: nonEmpty,
    authMountPath: nonEmpty.optional(),
  }),
  z.strictObject({
    kind: z.literal('aws'),
    region: expects(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/), 'an AWS region such as "eu-west-1"'),
    /** IAM role for IRSA; "{namespace}" stands for each system's namespace (one role per system). */
    roleArn: expects(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/), 'an IAM role ARN for IRSA, e.g. "arn:aws:iam::123456789012:role/{namespace}-external-secrets"').optional(),
  }),
  z.strictObject({
    kind: z.literal('local'),
  }),
]);

export const securitySchema = z.strictObject({
  secretStore: secretStoreSchema,
});

const computeBudget = z.strictObject({ cpu, memory });

export const meshSchema = z.strictObject({
  enabled: expects(z.boolean(), 'true or false'),
  /**
   * Istio runs with its CNI plugin (no `istio-init` container needing
   * NET_ADMIN/NET_RAW, which restricted and baseline Pod Security reject).
   * Required when enabled.
   */
  cni: expects(z.boolean(), 'true or false').optional(),
  /**
   * The proxy runs as a Kubernetes native sidecar (SidecarContainers,
   * Kubernetes >= 1.29; Istio ENABLE_NATIVE_SIDECARS): Jobs finish when their
   * container exits. Required when enabled.
   */
  nativeSidecars: expects(z.boolean(), 'true or false').optional(),
  /**
   * Requests and limits of every injected Istio sidecar and of its init
   * container (istiod's `global.proxy.resources` and
   * `global.proxy_init.resources`); the quota check counts them in every pod
   * of an injected namespace. @default requests 50m/64Mi, limits 500m/256Mi
   * (DEFAULT_SIDECAR_RESOURCES in lib/security/sidecar-injection.ts)
   */
  proxy: z.strictObject({ requests: computeBudget, limits: computeBudget }).optional(),
  /** Circuit breaking of every DestinationRule. */
  maxConnections: positiveInt.optional(),
  maxPendingRequests: positiveInt.optional(),
  consecutive5xxErrors: positiveInt.optional(),
  baseEjectionTime: duration.optional(),
});

const acmeEmail = expects(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/), 'an e-mail address for expiry notices');

/**
 * A cert-manager ClusterIssuer of the environment (`platform.clusterIssuers.<name>`):
 * rendered into `dist/<env>/_platform/cluster-issuers/` from its ACME account
 * (`acme`), or provided by the cluster (`providedBy: "<who>"`). Exactly one.
 */
export const clusterIssuerSchema = z
  .strictObject({
    acme: z
      .strictObject({
        email: acmeEmail,
        /** ACME directory. @default Let's Encrypt production (https://acme-v02.api.letsencrypt.org/directory) */
        server: url.optional(),
        /** Secret (in cert-manager's namespace) for the ACME account key. @default "<name>-account-key" */
        accountKeySecret: dnsLabel.optional(),
        /**
         * How ACME proves the names. http01 (default): through the border's
         * ingress class (and a system's own Traefik for its Certificates);
         * dns01-route53: a TXT record in Route 53 (cert-manager's own AWS identity).
         */
        solver: z
          .discriminatedUnion('type', [
            z.strictObject({ type: z.literal('http01') }),
            z.strictObject({
              type: z.literal('dns01-route53'),
              region: expects(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/), 'an AWS region such as "eu-west-1"'),
              hostedZoneId: expects(z.string().regex(/^[A-Z0-9]+$/), 'a Route 53 hosted zone ID such as "Z0123456789ABC"').optional(),
            }),
          ])
          .optional(),
      })
      .optional(),
    /** Who provides it in the cluster (e.g. "platform team"): nothing is rendered, and the gate accepts references to it. */
    providedBy: nonEmpty.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.acme && c.providedBy === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'either acme: { email, server } (render the ClusterIssuer) or providedBy: "<who>" (the cluster has it)' });
    } else if (c.acme && c.providedBy !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['providedBy'], message: 'no providedBy beside acme: a rendered ClusterIssuer is provided by this environment (remove one of the two)' });
    }
  });

const nodePort = expects(z.number().int().min(30000).max(32767), 'a node port from 30000 to 32767 (the default NodePort range)');

/** Exposure types of the border's controller (`border.controller.exposure.type`). */
export const CONTROLLER_EXPOSURES = ['LoadBalancer', 'NodePort', 'hostPort'] as const;

/**
 * How traffic from outside reaches the border's ingress controller (the
 * ingress-nginx add-on; docs/platform.md, "Traffic into the cluster"):
 * - LoadBalancer: a cloud load balancer (EKS, AKS, GKE) or MetalLB;
 * - NodePort: fixed node ports, behind a load balancer or router outside the
 *   cluster that forwards 80/443 to them;
 * - hostPort: a DaemonSet binding 80/443 on every node (k0s, kind).
 * @default by `cluster.distribution`: hostPort on kind and k0s, LoadBalancer elsewhere
 */
export const controllerExposureSchema = z
  .strictObject({
    type: expects(z.enum(CONTROLLER_EXPOSURES), CONTROLLER_EXPOSURES.map((t) => `"${t}"`).join(', ').replace(/^/, 'one of ')),
    httpNodePort: nodePort.optional(),
    httpsNodePort: nodePort.optional(),
  })
  .superRefine((e, ctx) => nodePortProblems(e, ctx));

/**
 * NodePort exposure names both node ports (whatever forwards 80/443 from
 * outside must know where to send them: random ports change with every
 * re-creation of the Service), and two different ones; other types name none.
 */
export function nodePortProblems(e: { type: string; httpNodePort?: number; httpsNodePort?: number }, ctx: z.RefinementCtx): void {
  if (e.type === 'NodePort') {
    for (const f of ['httpNodePort', 'httpsNodePort'] as const) {
      if (e[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `a fixed node port from 30000 to 32767 for type NodePort (e.g. ${f === 'httpNodePort' ? 30080 : 30443}): the load balancer or router in front forwards port ${f === 'httpNodePort' ? 80 : 443} to it, and ACME HTTP-01 needs port 80 to arrive` });
    }
    if (e.httpNodePort !== undefined && e.httpNodePort === e.httpsNodePort) ctx.addIssue({ code: 'custom', path: ['httpsNodePort'], message: `a node port different from httpNodePort (${e.httpNodePort})` });
  } else {
    for (const f of ['httpNodePort', 'httpsNodePort'] as const) {
      if (e[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `no node port for type ${e.type} (only type NodePort takes one): remove it` });
    }
  }
}

/** The border's controller: the pods as a peer, and how traffic reaches them. */
export const borderControllerSchema = peerSelectorSchema.extend({ exposure: controllerExposureSchema.optional() });

export const borderSchema = z
  .strictObject({
    kind: expects(z.enum(['nginx', 'traefik', 'gateway']), 'one of "nginx", "traefik", "gateway"'),
    /** Ingress class (nginx) or the Gateway to attach to (gateway). */
    className: dnsLabel.optional(),
    gateway: z.strictObject({ name: dnsLabel, namespace: dnsLabel }).optional(),
    controller: borderControllerSchema.optional(),
    tls: z
      .strictObject({
        issuer: dnsLabel,
        issuerKind: expects(z.enum(['ClusterIssuer', 'Issuer']), '"ClusterIssuer" or "Issuer"'),
        /** ACME account of the namespaced Issuer, which the system renders itself (nobody else creates it in our namespace). */
        acme: z
          .strictObject({
            email: acmeEmail,
            server: url.optional(),
          })
          .optional(),
      })
      .superRefine((t, ctx) => {
        if (t.issuerKind === 'Issuer' && !t.acme) {
          ctx.addIssue({ code: 'custom', path: ['acme'], message: 'the ACME account ({ email }) of the Issuer: a namespaced Issuer is rendered with the system, since nothing else creates it in our namespace' });
        }
      })
      .optional(),
    corsOrigins: expects(z.array(origin), 'a list of origins such as ["https://app.example.com"]').optional(),
    rateLimit: z.strictObject({ requestsPerSecond: positiveInt, burst: positiveInt.optional() }).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'gateway' && !b.gateway) ctx.addIssue({ code: 'custom', path: ['gateway'], message: 'the Gateway (name and namespace) routes attach to when kind is "gateway"' });
    if (b.rateLimit?.burst !== undefined && b.rateLimit.burst < b.rateLimit.requestsPerSecond) {
      ctx.addIssue({ code: 'custom', path: ['rateLimit', 'burst'], message: `an integer >= requestsPerSecond (${b.rateLimit.requestsPerSecond})` });
    }
  });

export const observabilitySchema = z.strictObject({
  /**
   * The cluster's Prometheus: where its pods run (the NetworkPolicies let
   * exactly them scrape), and who runs it with the Prometheus Operator that
   * acts on our ServiceMonitors, PodMonitors and PrometheusRules
   * (`providedBy`, rendered as validate.platform.dev/external-provider on
   * each; without it the cluster gate refuses them: `_platform` installs
   * only the operator's CRDs).
   */
  prometheus: peerSelectorSchema
    .extend({
      providedBy: expects(z.string().trim().min(1), 'a short text naming who runs the Prometheus Operator and the Prometheus that selects our ServiceMonitors/PrometheusRules, such as "platform team (kube-prometheus-stack, namespace monitoring)"').optional(),
    })
    .optional(),
  /** Share of requests traced (Istio Telemetry), e.g. 100 in dev, 10 in prod. */
  tracingSamplingPercent: expects(z.number().min(0).max(100), 'a percentage from 0 to 100').optional(),
});

export const BACKUP_PROVIDERS = ['aws', 'gcp', 'azure'] as const;

/** A plugin image pinned to a release tag or a digest, e.g. "velero/velero-plugin-for-aws:v1.10.1". */
const pinnedImage = expects(
  z.string().regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)+(:v\d+\.\d+\.\d+|@sha256:[a-f0-9]{64})$/),
  'an image pinned to a release tag or a digest, e.g. "velero/velero-plugin-for-aws:v1.10.1"',
);

/**
 * Where the Velero that _platform installs keeps backups: its
 * BackupStorageLocation (and VolumeSnapshotLocation when volumes are
 * snapshotted), the provider plugin and the identity it writes with.
 */
export const backupStorageSchema = z
  .strictObject({
    provider: expects(z.enum(BACKUP_PROVIDERS), 'one of "aws", "gcp", "azure" (the object store and snapshot API Velero writes to)'),
    /** Bucket (Azure: blob container) the backups go to; it must exist. */
    bucket: expects(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/), 'a bucket (Azure: container) name such as "example-prod-velero"'),
    /** Path inside the bucket. @default the bucket's root */
    prefix: expects(z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/), 'a path inside the bucket such as "prod" (no leading or trailing "/")').optional(),
    /** Region of the bucket and of the volume snapshots (required for aws). */
    region: expects(z.string().regex(/^[a-z]+(-[a-z0-9]+)+$/), 'a region such as "eu-west-1"').optional(),
    /** Further BackupStorageLocation config of the provider's plugin (azure: resourceGroup, storageAccount, subscriptionId). */
    config: expects(z.record(z.string().min(1), z.string()), 'a map of plugin settings such as { resourceGroup: backups, storageAccount: examplebackups }').optional(),
    /** The provider plugin (an init container). @default the plugin release of the Velero 1.14 line for the provider (app/adapters/backup.ts) */
    pluginImage: pinnedImage.optional(),
    /** The identity Velero writes with: exactly one of the two. */
    credentials: z
      .strictObject({
        /** Annotations of Velero's ServiceAccount: IRSA (eks.amazonaws.com/role-arn), GKE (iam.gke.io/gcp-service-account) or Azure workload identity (azure.workload.identity/client-id). */
        serviceAccountAnnotations: expects(z.record(z.string().min(1), z.string().min(1)), 'a map of annotations such as { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/velero" }').optional(),
        /** A Secret in Velero's namespace, made by hand, whose key "cloud" holds the provider's credentials file. */
        existingSecret: dnsLabel.optional(),
      })
      .superRefine((c, ctx) => {
        const set = [c.serviceAccountAnnotations, c.existingSecret].filter((x) => x !== undefined).length;
        if (set !== 1) {
          ctx.addIssue({ code: 'custom', path: set ? ['existingSecret'] : [], message: set
            ? 'only one of serviceAccountAnnotations (workload identity) and existingSecret (a Secret with key "cloud"), not both'
            : 'one of serviceAccountAnnotations (workload identity) or existingSecret (a Secret with key "cloud")' });
        }
      }),
  })
  .superRefine((s, ctx) => {
    if (s.provider === 'aws' && !s.region) ctx.addIssue({ code: 'custom', path: ['region'], message: 'the region of the bucket and the EBS snapshots, e.g. "eu-west-1" (required for provider aws)' });
    if (s.provider === 'azure') {
      for (const k of ['resourceGroup', 'storageAccount']) {
        if (!s.config?.[k]) ctx.addIssue({ code: 'custom', path: ['config', ...(s.config ? [k] : [])], message: `config.${k}: the storage account's ${k === 'resourceGroup' ? 'resource group' : 'name'} (required for provider azure)` });
      }
    }
  });

export const backupSchema = z.strictObject({
  /** Cron schedule of the Velero Schedule. */
  schedule: expects(z.string().regex(/^(\S+\s+){4}\S+$/), 'a 5-field cron expression such as "0 2 * * *"'),
  ttl: duration,
  snapshotVolumes: expects(z.boolean(), 'true or false').optional(),
  namespace: dnsLabel.optional(),
  /** Where backups go; required when _platform installs Velero (not with platform.addons.velero.external or a shared cluster). */
  storage: backupStorageSchema.optional(),
});

/** Pod Security Admission level of the system namespace; relaxing it needs a written reason. */
export const podSecuritySchema = z
  .strictObject({
    level: expects(z.enum(['restricted', 'baseline', 'privileged']), 'one of "restricted", "baseline", "privileged"'),
    reason: nonEmpty.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.level !== 'restricted' && !p.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: `a written reason why the namespace cannot be restricted (level ${p.level})` });
  });

/** The namespace's share of the cluster: rendered as ResourceQuota, or in shared mode checked against. */
export const quotaSchema = z.strictObject({
  requests: computeBudget,
  limits: computeBudget,
  pods: positiveInt.optional(),
});

/** Defaults for containers that do not say (LimitRange). */
export const limitRangeSchema = z.strictObject({
  defaultRequest: computeBudget,
  default: computeBudget,
});

/** Fields added to each system (namespace policy). */
export const systemSecurityFields = {
  podSecurity: podSecuritySchema.optional(),
  /**
   * The identity of this system's SecretStore: a Vault role (vault) or an IAM
   * role ARN (aws), instead of the one derived from security.secretStore.
   */
  secretStoreIdentity: nonEmpty.optional(),
  quota: quotaSchema.optional(),
  limitRange: limitRangeSchema.optional(),
};

/** Fields added to each service (exposure through the border). */
export const serviceExposureFields = {
  expose: z.strictObject({ host: hostname, path: expects(z.string().regex(/^\/\S*$/), 'a path such as "/" or "/api"').optional() }).optional(),
};

/** Fields added to the environment. */
export const environmentSecurityFields = {
  security: securitySchema.optional(),
  mesh: meshSchema.optional(),
  border: borderSchema.optional(),
  observability: observabilitySchema.optional(),
  backup: backupSchema.optional(),
};

export type ClusterMode = z.infer<typeof clusterModeSchema>;
export type SecretStoreConfig = z.infer<typeof secretStoreSchema>;
export type SecurityConfig = z.infer<typeof securitySchema>;
export type MeshConfig = z.infer<typeof meshSchema>;
export type BorderConfig = z.infer<typeof borderSchema>;
export type ControllerExposure = z.infer<typeof controllerExposureSchema>;
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
export type BackupConfig = z.infer<typeof backupSchema>;
export type BackupStorageConfig = z.infer<typeof backupStorageSchema>;
export type PodSecurityConfig = z.infer<typeof podSecuritySchema>;
export type QuotaConfig = z.infer<typeof quotaSchema>;
export type LimitRangeConfig = z.infer<typeof limitRangeSchema>;
export type PeerSelectorConfig = z.infer<typeof peerSelectorSchema>;
export type ClusterIssuerConfig = z.infer<typeof clusterIssuerSchema>;

/**
 * Environment-wide rule: outside development every exposure goes through a
 * border with TLS. Registered on the environment schema with superRefine.
 */
export function requireTlsOutsideDevelopment(
  env: {
    environment: { tier: string };
    border?: BorderConfig;
    systems: Record<string, { services: Record<string, { expose?: unknown }>; components?: object } | undefined>;
  },
  ctx: z.RefinementCtx,
): void {
  // Services and catalog components (InfoMetis' NiFi and Grafana) alike.
  const exposed = Object.values(env.systems).some(
    (s) => s && [...Object.values(s.services), ...(Object.values(s.components ?? {}) as { expose?: unknown }[])].some((x) => x?.expose),
  );
  if (!exposed) return;
  if (!env.border) {
    ctx.addIssue({ code: 'custom', path: ['border'], message: 'a border (kind nginx, traefik or gateway) because a service sets expose' });
  } else if (tierRules(env.environment.tier).tlsRequired && !env.border.tls) {
    ctx.addIssue({ code: 'custom', path: ['border', 'tls'], message: `a TLS issuer (issuer and issuerKind): TLS is required outside development (tier ${env.environment.tier})` });
  }
}

/**
 * Environment-wide rule on ClusterIssuers: the border's ClusterIssuer is one
 * the environment declares (rendered from `acme`, or `providedBy` the
 * cluster); a shared cluster renders nothing cluster-scoped, so its
 * ClusterIssuers can only be provided; an HTTP-01 solver answers through the
 * border's ingress class, which a Gateway border has not.
 */
export function requireDeclaredClusterIssuers(
  env: {
    cluster: { mode?: string };
    border?: BorderConfig;
    platform?: { clusterIssuers?: Record<string, ClusterIssuerConfig> };
  },
  ctx: z.RefinementCtx,
): void {
  const declared = env.platform?.clusterIssuers ?? {};
  const t = env.border?.tls;
  if (t?.issuerKind === 'ClusterIssuer' && !declared[t.issuer]) {
    const known = Object.keys(declared);
    ctx.addIssue({
      code: 'custom',
      path: ['border', 'tls', 'issuer'],
      message: `a ClusterIssuer the environment declares, got ${JSON.stringify(t.issuer)}${known.length ? ` (declared: ${known.join(', ')})` : ''}: ` +
        `add platform.clusterIssuers.${t.issuer}: { acme: { email, server } } to render it, or platform.clusterIssuers.${t.issuer}: { providedBy: "<who>" } when the cluster already has it`,
    });
  }
  for (const [name, c] of Object.entries(declared)) {
    if (c.acme && env.cluster.mode === 'shared') {
      ctx.addIssue({ code: 'custom', path: ['platform', 'clusterIssuers', name, 'acme'], message: 'no acme in a shared cluster (cluster.mode: shared renders nothing cluster-scoped): declare providedBy: "<who>" for the owners\' ClusterIssuer, or use a namespaced Issuer (border.tls.issuerKind: Issuer)' });
    }
    if (c.acme && (c.acme.solver?.type ?? 'http01') === 'http01' && env.border?.kind === 'gateway') {
      ctx.addIssue({ code: 'custom', path: ['platform', 'clusterIssuers', name, 'acme', ...(c.acme.solver ? ['solver'] : [])], message: 'solver type "dns01-route53" with a Gateway border (border.kind: gateway): the HTTP-01 solver answers through an ingress class, which the Gateway border has not' });
    }
  }
}

/**
 * Environment-wide rule: a Velero that _platform installs (backups scheduled
 * on a cluster we own, Velero not declared external) needs to know where
 * backups go, or every scheduled backup fails; and its Schedules must live in
 * its namespace ("velero").
 */
export function requireBackupStorage(
  env: { backup?: BackupConfig; cluster: { mode?: ClusterMode }; platform?: { addons?: { velero?: { external?: boolean } } } },
  ctx: z.RefinementCtx,
): void {
  const b = env.backup;
  if (!b || env.cluster.mode === 'shared' || env.platform?.addons?.velero?.external === true) return;
  if (!b.storage) {
    ctx.addIssue({ code: 'custom', path: ['backup', 'storage'], message: 'where backups go (backup.storage: { provider, bucket, region, credentials }): backup schedules Velero backups and the Velero rendered into _platform has no other storage location; or declare platform.addons.velero.external: true when the cluster\'s own Velero is configured' });
  }
  if (b.namespace !== undefined && b.namespace !== 'velero') {
    ctx.addIssue({ code: 'custom', path: ['backup', 'namespace'], message: `"velero" (the namespace the Velero of _platform watches), got "${b.namespace}"; another namespace only with platform.addons.velero.external: true` });
  }
}

/**
 * Environment-wide rule: a mesh with injected sidecars names its mode, and a
 * mode whose `istio-init` container (NET_ADMIN, NET_RAW) restricted or
 * baseline Pod Security would reject is refused. Registered on the
 * environment schema with superRefine.
 */
export function requireMeshAdmission(
  env: { mesh?: MeshConfig; systems: Record<string, { namespace: string; podSecurity?: PodSecurityConfig } | undefined> },
  ctx: z.RefinementCtx,
): void {
  const m = env.mesh;
  if (!m?.enabled) return;
  for (const f of ['cni', 'nativeSidecars'] as const) {
    if (m[f] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mesh', f], message: f === 'cni'
        ? 'true or false: whether Istio runs its CNI plugin (required when mesh.enabled; without it every injected pod has an istio-init container that needs NET_ADMIN and NET_RAW)'
        : 'true or false: whether the proxy runs as a native sidecar (Kubernetes >= 1.29 and Istio ENABLE_NATIVE_SIDECARS; required when mesh.enabled, Jobs only finish with it)' });
    }
  }
  if (m.cni !== false) return;
  const strict = Object.entries(env.systems).filter(([, s]) => s && (s.podSecurity?.level ?? 'restricted') !== 'privileged');
  if (strict.length > 0) {
    const names = strict.map(([n, s]) => `${n} (${s!.namespace}: ${s!.podSecurity?.level ?? 'restricted'})`).join(', ');
    ctx.addIssue({ code: 'custom', path: ['mesh', 'cni'], message: `true: without the Istio CNI plugin every injected pod gets an istio-init container needing NET_ADMIN and NET_RAW, which Pod Security rejects in ${names}; install Istio with its CNI plugin (docs/security.md) or set mesh.enabled: false` });
  }
}
