// The rules a canary's stages and router must meet, as plain functions: the
// canary construct applies them to code users, and the environment-file
// schema (app/config/strategy-schema.ts) imports them, so both report a
// problem in the same words.
import { CanaryBackend, RouterSettings } from './routers/router';
import { CanaryRouter, ROUTER_TYPES, routerType } from './traffic-router';

export const CANARY_BACKENDS: readonly CanaryBackend[] = ['argo-rollouts', 'flagger', 'plain'];

/** Which traffic routers each canary backend can drive. */
export const ROUTERS_BY_BACKEND: Readonly<Record<CanaryBackend, readonly CanaryRouter[]>> = {
  'argo-rollouts': routersFor('argo-rollouts'),
  flagger: routersFor('flagger'),
  plain: routersFor('plain'),
};

function routersFor(backend: CanaryBackend): CanaryRouter[] {
  return ROUTER_TYPES.filter((t) => t.backends.includes(backend)).map((t) => t.kind);
}

const list = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

/**
 * Problem text (the "expected ..." part) when `backend` cannot drive the
 * registered router `router`. A router from outside the registry answers for
 * itself (`flaggerRouting()` undefined: Flagger cannot drive it).
 */
export function routerProblem(backend: CanaryBackend, router: string): string | undefined {
  const ok = ROUTERS_BY_BACKEND[backend];
  const type = routerType(router);
  if (!type || type.backends.includes(backend)) return undefined;
  const why = type.unsupportedWhy?.[backend];
  return `a router backend ${JSON.stringify(backend)} supports: ${list(ok)}${why ? ` (${why})` : ''}`;
}

/**
 * Problems with the router settings of a canary (as [setting, expected
 * text]): what the chosen router requires, and settings that belong to
 * another router.
 */
export function routerSettingsProblems(router: string, backend: CanaryBackend, settings: RouterSettings): Array<[keyof RouterSettings, string]> {
  const type = routerType(router);
  if (!type) return [];
  const out = type.settingsProblems(settings, backend);
  for (const other of ROUTER_TYPES) {
    if (other === type) continue;
    for (const s of other.settings) {
      if (settings[s.key] === undefined || type.settings.some((own) => own.key === s.key)) continue;
      out.push([s.key, `no ${s.key} with router ${JSON.stringify(router)}${s.does ? ` (only router ${JSON.stringify(other.kind)} ${s.does})` : ''}`]);
    }
  }
  return out;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a Go/Argo-style duration ("30s", "10m", "1h30m"), or undefined when unparseable or zero. */
export function parseDuration(s: string): number | undefined {
  const m = DURATION.exec(s);
  if (!m || s === '') return undefined;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : undefined;
}

export const DURATION_TEXT = 'a duration such as "30s", "10m" or "1h30m" (greater than zero)';
export const MANUAL = 'manual';
export const PAUSE_TEXT = `${DURATION_TEXT}, or "manual" to wait for a person`;

/** One canary stage: send `weight`% of traffic to the new version, then wait. */
export interface StageLike {
  readonly weight: number;
  /** How long to hold this weight, or "manual" to wait for a person. Optional only on a final 100% stage. */
  readonly pause?: string;
}

export interface StageProblem {
  /** Index of the offending stage; undefined for the list as a whole. */
  readonly index?: number;
  readonly field?: 'weight' | 'pause';
  readonly value: unknown;
  /** What would be valid ("expected ..." text). */
  readonly expected: string;
}

/** An integer percentage from 1 to 100. */
export const validWeight = (w: number) => Number.isInteger(w) && w >= 1 && w <= 100;

/** Weights 1-100 ascending, durations parseable, at least one stage, a pause wherever one is needed. */
export function stageProblems(stages: readonly StageLike[]): StageProblem[] {
  if (stages.length === 0) return [{ value: stages, expected: 'at least one stage ({ weight, pause })' }];
  const problems: StageProblem[] = [];
  stages.forEach((s, index) => {
    if (!validWeight(s.weight)) {
      problems.push({ index, field: 'weight', value: s.weight, expected: 'an integer percentage from 1 to 100' });
    } else if (index > 0 && s.weight <= stages[index - 1].weight && validWeight(stages[index - 1].weight)) {
      problems.push({ index, field: 'weight', value: s.weight, expected: `a weight above the previous stage's ${stages[index - 1].weight} (weights must ascend)` });
    }
    if (s.pause === undefined) {
      const last = index === stages.length - 1;
      if (!(last && s.weight === 100)) {
        problems.push({ index, field: 'pause', value: undefined, expected: `a pause (${DURATION_TEXT}, or "manual"); only a final 100% stage may go without one` });
      }
    } else if (s.pause !== MANUAL && parseDuration(s.pause) === undefined) {
      problems.push({ index, field: 'pause', value: s.pause, expected: PAUSE_TEXT });
    }
  });
  return problems;
}

/**
 * Flagger advances one step per analysis interval and has no per-step pause
 * or manual gate, so every stage short of 100% must hold for the same time.
 */
export function flaggerStageProblems(stages: readonly StageLike[]): StageProblem[] {
  const problems: StageProblem[] = [];
  const timed = stages.filter((s) => s.weight < 100);
  if (stages.length > 0 && timed.length === 0) {
    return [{ value: stages, expected: 'at least one stage below 100% (Flagger promotes after its last step weight)' }];
  }
  const first = timed[0]?.pause;
  stages.forEach((s, index) => {
    if (s.weight === 100) return;
    if (s.pause === MANUAL) {
      problems.push({ index, field: 'pause', value: s.pause, expected: 'a timed pause: the flagger backend has no manual gate (use backend "argo-rollouts" or "plain" for one)' });
    } else if (s.pause !== undefined && first !== undefined && first !== MANUAL && parseDuration(s.pause) !== parseDuration(first)) {
      problems.push({ index, field: 'pause', value: s.pause, expected: `the same pause as the first stage (${first}): Flagger advances one step per analysis interval (use backend "argo-rollouts" for per-stage pauses)` });
    }
  });
  return problems;
}

/** The fewest pods that express `weight`% as whole pods. */
export function minReplicasFor(weight: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return 100 / gcd(weight, 100);
}

/** Problem text when `replicas` pods cannot carry exactly `weight`% (e.g. 5% with fewer than 20). */
export function replicaRatioProblem(replicas: number, weight: number): string | undefined {
  if ((replicas * weight) % 100 === 0) return undefined;
  const step = minReplicasFor(weight);
  const unit = 100 / replicas;
  return `a weight ${replicas} replicas can express as whole pods (multiples of ${Number.isInteger(unit) ? unit : unit.toFixed(1)}%): ${weight}% needs a multiple of ${step} replicas (at least ${step}), or a traffic router (istio, nginx, traefik, gateway-api)`;
}
