// Deployment strategies in environment files (`systems.<s>.services.<svc>.strategy`).
// The canary rules live beside the canary construct (lib/strategies/canary-rules.ts),
// so that code users and environment files get the same checks in the same words.
import { z } from 'zod';
import {
  CANARY_BACKENDS,
  DURATION_TEXT,
  flaggerStageProblems,
  MANUAL,
  PAUSE_TEXT,
  parseDuration,
  replicaRatioProblem,
  routerProblem,
  routerSettingsProblems,
  StageLike,
  stageProblems,
  validWeight,
} from '../../lib/strategies/canary-rules';
import type { CanaryBackend } from '../../lib/strategies/routers/router';
import { CANARY_ROUTERS, CanaryRouter, routerType } from '../../lib/strategies/traffic-router';
import { COLORS, type Color } from '../../lib/core/color';
import { expects } from './schema-kit';

export type { CanaryBackend, CanaryRouter, Color };
export { COLORS };

export const BLUE_GREEN_BACKENDS = ['plain', 'argo-rollouts'] as const;

export type BlueGreenBackend = (typeof BLUE_GREEN_BACKENDS)[number];

const list = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

// ---- zod schemas -----------------------------------------------------------

const positiveInt = expects(z.number().int().min(1), 'an integer >= 1');
const nonNegativeInt = expects(z.number().int().min(0), 'an integer >= 0');
const dnsLabel = expects(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/), 'a DNS-1123 label (lowercase letters, digits and "-", e.g. "user-service")');
const labelKey = expects(z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/), 'a label key such as "color" or "version"');
const imageTag = expects(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), 'an image tag such as "v1.2.0" (letters, digits, ".", "_", "-")');
const durationText = expects(z.string().refine((s) => parseDuration(s) !== undefined, { message: DURATION_TEXT }), DURATION_TEXT);
const positiveNumber = expects(z.number().positive(), 'a number > 0');

export const stageSchema = z.strictObject({
  weight: expects(z.number().int().min(1).max(100), 'an integer percentage from 1 to 100'),
  pause: expects(z.string().refine((s) => s === MANUAL || parseDuration(s) !== undefined, { message: PAUSE_TEXT }), PAUSE_TEXT).optional(),
});

const thresholds = z.strictObject({
  errorRatePercent: expects(z.number().min(0).max(100), 'a percentage from 0 to 100, e.g. 0.1'),
  latencyP95Ms: positiveNumber,
});

/** Success criteria and rollback triggers; between them a result is inconclusive. */
export const analysisSchema = z
  .strictObject({
    success: thresholds,
    rollback: thresholds,
    interval: durationText.optional(),
    prometheusAddress: expects(z.string().regex(/^https?:\/\/\S+$/), 'an http(s) URL such as "http://prometheus-operated.monitoring.svc:9090"').optional(),
    requestsMetric: expects(z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/), 'a Prometheus metric name such as "http_requests_total"').optional(),
    durationMetric: expects(z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/), 'a Prometheus histogram name such as "http_request_duration_seconds"').optional(),
  })
  .superRefine((a, ctx) => {
    for (const k of ['errorRatePercent', 'latencyP95Ms'] as const) {
      if (a.rollback[k] < a.success[k]) {
        ctx.addIssue({ code: 'custom', path: ['rollback', k], message: `a rollback trigger at or above the success bound (${a.success[k]})` });
      }
    }
  });

const blueGreenSchema = z
  .strictObject({
    type: z.literal('blue-green'),
    backend: expects(z.enum(BLUE_GREEN_BACKENDS), `one of ${list(BLUE_GREEN_BACKENDS)}`).optional(),
    activeColor: expects(z.enum(COLORS), 'one of "blue", "green"').optional(),
    tags: z.strictObject({ blue: imageTag.optional(), green: imageTag.optional() }).optional(),
    standby: expects(z.enum(['keep', 'scale-to-zero']), 'one of "keep", "scale-to-zero"').optional(),
    colorLabel: labelKey.optional(),
    autoPromotion: expects(z.boolean(), 'true or false').optional(),
    scaleDownDelaySeconds: nonNegativeInt.optional(),
    analysis: analysisSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const backend = b.backend ?? 'plain';
    const only = (keys: readonly (keyof typeof b)[], on: BlueGreenBackend, why: string) => {
      if (backend === on) return;
      for (const k of keys) {
        if (b[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `no ${k} with backend ${JSON.stringify(backend)} (${why})` });
      }
    };
    only(['activeColor', 'tags', 'standby', 'colorLabel'], 'plain', 'Argo Rollouts picks the active ReplicaSet itself; set the new version in image.tag');
    only(['autoPromotion', 'scaleDownDelaySeconds', 'analysis'], 'argo-rollouts', 'these drive the Argo Rollouts controller; with plain manifests a person switches activeColor');
    if (backend === 'plain' && b.activeColor === undefined) {
      ctx.addIssue({ code: 'custom', path: ['activeColor'], message: 'activeColor "blue" or "green" (the colour the Service sends traffic to)' });
    }
  });

const canarySchema = z
  .strictObject({
    type: z.literal('canary'),
    backend: expects(z.enum(CANARY_BACKENDS as [CanaryBackend, ...CanaryBackend[]]), `one of ${list(CANARY_BACKENDS)}`),
    router: expects(z.enum(CANARY_ROUTERS as [CanaryRouter, ...CanaryRouter[]]), `one of ${list(CANARY_ROUTERS)}`),
    stages: z.array(stageSchema),
    analysis: analysisSchema.optional(),
    istioMode: expects(z.enum(['subset', 'host']), 'one of "subset" (DestinationRule subsets), "host" (stable and canary Services)').optional(),
    ingress: dnsLabel.optional(),
    gateway: z.strictObject({ name: dnsLabel, namespace: dnsLabel.optional() }).optional(),
    canaryTag: imageTag.optional(),
    stage: nonNegativeInt.optional(),
    canaryReplicas: positiveInt.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // zod runs this refinement even when a stage failed its own schema: report
    // only what stageSchema cannot see (order, missing pauses, the empty list).
    for (const p of stageProblems(c.stages)) {
      if (p.index === undefined) issue(['stages'], p.expected);
      else if (validWeight(c.stages[p.index].weight) && (p.field === 'weight' || p.value === undefined)) issue(['stages', p.index, p.field!], p.expected);
    }
    if (c.backend === 'flagger') for (const p of flaggerStageProblems(c.stages)) issue(p.index === undefined ? ['stages'] : ['stages', p.index, p.field!], p.expected);
    const r = routerProblem(c.backend, c.router);
    if (r) issue(['router'], r);
    for (const [key, expected] of routerSettingsProblems(c.router, c.backend, c)) issue([key], expected);
    if (c.backend === 'flagger' && c.analysis === undefined) issue(['analysis'], 'analysis criteria (Flagger promotes on metric checks; without them every step passes blindly)');
    if (c.backend === 'plain') {
      if (c.analysis !== undefined) issue(['analysis'], 'no analysis with backend "plain" (nothing runs it; use "argo-rollouts" or "flagger" for automated analysis)');
      if (c.stage !== undefined && c.stage >= c.stages.length) issue(['stage'], `a stage index from 0 to ${c.stages.length - 1}`);
      if (c.stage !== undefined && c.canaryTag === undefined) issue(['stage'], 'a canaryTag to go with stage (the version that receives the stage weight)');
      if (routerType(c.router)?.splitsByReplicas && c.canaryReplicas !== undefined) issue(['canaryReplicas'], `no canaryReplicas with router ${JSON.stringify(c.router)} (the stage weight decides the canary replicas)`);
    } else {
      for (const k of ['canaryTag', 'stage', 'canaryReplicas'] as const) {
        if (c[k] !== undefined) issue([k], `no ${k} with backend ${JSON.stringify(c.backend)} (the controller runs the canary from image.tag and advances stages itself)`);
      }
    }
  });

export { blueGreenSchema, canarySchema };

/** What a service-level check needs: the strategy and the replica settings beside it. */
export interface ServiceStrategyInput {
  readonly replicas?: number;
  readonly autoscaling?: unknown;
  readonly strategy?: { readonly type: string } & Record<string, unknown>;
}

/**
 * Checks that need the service's replicas or autoscaler as well as its
 * strategy, as [path below the service, expected text] pairs.
 */
export function serviceStrategyProblems(svc: ServiceStrategyInput, defaultReplicas = 2): Array<[PropertyKey[], string]> {
  const s = svc.strategy;
  if (!s) return [];
  const out: Array<[PropertyKey[], string]> = [];
  const autoscaled = svc.autoscaling !== undefined;
  if (s.type === 'blue-green' && (s.backend ?? 'plain') === 'plain' && s.standby === 'scale-to-zero' && autoscaled) {
    out.push([['strategy', 'standby'], 'standby "keep" when autoscaling is set (an HPA never scales a Deployment up from zero, so the colour you switch to would stay empty)']);
  }
  if (s.type === 'canary' && routerType(String(s.router))?.splitsByReplicas && s.backend !== 'flagger') {
    if (autoscaled) {
      out.push([['strategy', 'router'], 'a traffic router other than "replicas" when autoscaling is set (the replica ratio needs a fixed replica count)']);
    } else {
      const replicas = svc.replicas ?? defaultReplicas;
      (s.stages as StageLike[]).forEach((st, i) => {
        if (st.weight >= 100) return;
        const p = replicaRatioProblem(replicas, st.weight);
        if (p) out.push([['strategy', 'stages', i, 'weight'], p]);
      });
    }
  }
  return out;
}
export type BlueGreenConfig = z.infer<typeof blueGreenSchema>;
export type CanaryConfig = z.infer<typeof canarySchema>;
export type AnalysisConfig = z.infer<typeof analysisSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
