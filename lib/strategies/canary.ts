import { Canary, CanarySpecAutoscalerRefKind, CanarySpecTargetRefKind } from '../../imports/flagger-flagger.app';
import * as k8s from '../../imports/k8s';
import { RolloutSpecStrategyCanary, RolloutSpecStrategyCanarySteps, RolloutSpecStrategyCanaryStepsPauseDuration } from '../../imports/rollouts-rollout-argoproj.io';
import { PropsError } from '../core/errors';
import { admitAnalysisController, AnalysisCriteria, resolveAnalysis } from './analysis';
import { flaggerStageProblems, MANUAL, parseDuration, replicaRatioProblem, routerProblem, ROUTERS_BY_BACKEND, StageLike, StageProblem, stageProblems } from './canary-rules';
import { ignoreOn, RESPECT_IGNORE_DIFFERENCES, recordHints, waveOf } from './gitops';
import { ANALYSIS_ARGS, SloAnalysisTemplate } from './slo-analysis-template';
import { SloMetricTemplates } from './slo-metric-templates';
import { DeploymentStrategy, IgnoreDifference, StrategyBinding, StrategyContext } from './strategy';
import { CanaryBackend } from './routers/router';
import { TrafficRouter } from './traffic-router';
import { checkTag, extraService, httpPort, newRollout, PROGRESS_DEADLINE_SECONDS, REVISION_HISTORY_LIMIT, serviceSelectorIgnore, variantTemplate } from './variants';

/** One step of a canary: `weight`% of traffic to the new version, held for `pause` ("10m") or until a person decides ("manual"). */
export type CanaryStage = StageLike;

interface CanaryCommonProps {
  /** Weights 1-100, ascending, each with a pause except a final 100% stage. */
  readonly stages: readonly CanaryStage[];
  /** How traffic is split between stable and canary. */
  readonly router: TrafficRouter;
}

/** Canary driven by the Argo Rollouts controller. */
export interface ArgoCanaryProps extends CanaryCommonProps {
  /** SLO analysis running in the background from the first stage on. @default none (stages advance on time alone) */
  readonly analysis?: AnalysisCriteria;
}

/** Canary driven by Flagger (which generates the primary Deployment, Services and routes). */
export interface FlaggerCanaryProps extends CanaryCommonProps {
  /** Metric checks every step must pass. */
  readonly analysis: AnalysisCriteria;
  /** Failed checks before Flagger rolls back. @default 1 */
  readonly threshold?: number;
}

/** Canary with plain manifests: a stable and a canary Deployment, weights set from Git. */
export interface PlainCanaryProps extends CanaryCommonProps {
  /** Image tag the canary runs; without it no canary runs and all traffic stays on stable. @default none */
  readonly canaryTag?: string;
  /** Index into `stages` of the weight the canary gets now; advancing is a one-line change. @default 0 */
  readonly stage?: number;
  /** Canary pods with a traffic router. @default the stage's share of the replicas, at least 1 */
  readonly canaryReplicas?: number;
}

type Shape =
  | { readonly backend: 'argo-rollouts'; readonly props: ArgoCanaryProps }
  | { readonly backend: 'flagger'; readonly props: FlaggerCanaryProps }
  | { readonly backend: 'plain'; readonly props: PlainCanaryProps };

/** Pod label separating the stable and canary Deployments of the plain backend. */
export const TRACK_LABEL = 'track';

export { GATEWAY_API_PLUGIN } from './routers/gateway-api';

/**
 * A new version gets a growing share of traffic, stage by stage. Three
 * backends: `argoRollouts()` (a Rollout with steps and an AnalysisTemplate),
 * `flagger()` (a Flagger Canary with MetricTemplates) and `plain()` (stable
 * and canary Deployments whose weight is set in Git).
 */
export class CanaryStrategy extends DeploymentStrategy {
  public static argoRollouts(props: ArgoCanaryProps): CanaryStrategy {
    return new CanaryStrategy({ backend: 'argo-rollouts', props });
  }

  public static flagger(props: FlaggerCanaryProps): CanaryStrategy {
    return new CanaryStrategy({ backend: 'flagger', props });
  }

  public static plain(props: PlainCanaryProps): CanaryStrategy {
    return new CanaryStrategy({ backend: 'plain', props });
  }

  public readonly kind = 'canary';

  private constructor(private readonly shape: Shape) {
    super();
  }

  public get backend(): CanaryBackend {
    return this.shape.backend;
  }

  public bind(ctx: StrategyContext): StrategyBinding {
    const { props } = this.shape;
    throwStageProblems(ctx, stageProblems(props.stages));
    const problem = routerProblem(this.shape.backend, props.router.kind);
    if (problem) throw new PropsError(ctx.scope, 'strategy.router', props.router.kind, problem);
    props.router.check(ctx.scope, 'strategy.router');
    const shape = this.shape;
    if (shape.backend === 'argo-rollouts') return this.bindArgo(ctx, shape.props);
    if (shape.backend === 'flagger') return this.bindFlagger(ctx, shape.props);
    return this.bindPlain(ctx, shape.props);
  }

  private bindArgo(ctx: StrategyContext, props: ArgoCanaryProps): StrategyBinding {
    const { scope, name, namespace } = ctx;
    const router = props.router;
    if (router.splitsByReplicas) checkReplicaRatio(ctx, props.stages);
    const canaryService = `${name}-canary`;
    extraService(ctx, 'CanaryService', canaryService, ctx.selectorLabels, waveOf('Service'));
    const routing = router.render(scope, {
      name,
      namespace,
      labels: ctx.labels,
      port: httpPort(ctx),
      stableService: name,
      canaryService,
      stableSubsetLabels: ctx.selectorLabels,
      canarySubsetLabels: ctx.selectorLabels,
      canaryWeight: 0,
      controllerOwnsWeights: true,
    });
    router.addChecks(scope, namespace, name);

    const analysis = props.analysis && resolveAnalysis(scope, 'strategy.analysis', props.analysis);
    if (analysis) admitAnalysisController(scope, analysis, 'argo-rollouts');
    const canary: RolloutSpecStrategyCanary = {
      canaryService,
      stableService: name,
      trafficRouting: router.argoTrafficRouting(name, namespace),
      steps: argoSteps(props.stages),
      analysis: analysis && {
        templates: [{ templateName: new SloAnalysisTemplate(scope, 'Analysis', { name: `${name}-slo`, namespace, labels: ctx.labels, analysis }).name }],
        args: [{ name: ANALYSIS_ARGS.namespace, value: namespace }, { name: ANALYSIS_ARGS.service, value: canaryService }],
        // From the first pause on: step 0 sets the first weight.
        startingStep: 1,
      },
    };
    const workload = newRollout(ctx, { canary });
    const ignores: IgnoreDifference[] = [
      ...[name, canaryService].map((s) => serviceSelectorIgnore(s, namespace, 'rollouts-pod-template-hash')),
      ...routing.ignoreDifferences,
    ];
    const gitOps = recordHints(scope, { ignoreDifferences: ignores, syncOptions: [RESPECT_IGNORE_DIFFERENCES] });
    return { workload, serviceSelector: ctx.selectorLabels, disruptionSelector: ctx.selectorLabels, serviceAnnotations: waveOf('Service'), gitOps };
  }

  private bindFlagger(ctx: StrategyContext, props: FlaggerCanaryProps): StrategyBinding {
    const { scope, name, namespace } = ctx;
    throwStageProblems(ctx, flaggerStageProblems(props.stages));
    const threshold = props.threshold ?? 1;
    if (!Number.isInteger(threshold) || threshold < 1) throw new PropsError(scope, 'strategy.threshold', threshold, 'an integer >= 1 (failed checks before rollback)');
    const analysis = resolveAnalysis(scope, 'strategy.analysis', props.analysis);
    admitAnalysisController(scope, analysis, 'flagger');
    const router = props.router;
    const routing = router.flaggerRouting();
    if (!routing) throw new PropsError(scope, 'strategy.router', router.kind, `a router Flagger can drive (one of ${ROUTERS_BY_BACKEND.flagger.join(', ')})`);

    const workload = new k8s.KubeDeployment(scope, 'Resource', {
      metadata: { name, namespace, labels: ctx.labels },
      spec: {
        replicas: ctx.replicas,
        revisionHistoryLimit: REVISION_HISTORY_LIMIT,
        progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
        selector: { matchLabels: ctx.selectorLabels },
        template: ctx.podTemplate,
      },
    });
    const templates = new SloMetricTemplates(scope, 'MetricTemplates', { name, namespace, labels: ctx.labels, analysis });
    const timed = props.stages.filter((s) => s.weight < 100);
    const port = ctx.servicePorts.find((p) => p.name === 'http') ?? ctx.servicePorts[0];
    new Canary(scope, 'Canary', {
      metadata: { name, namespace, labels: ctx.labels, annotations: waveOf('Canary') },
      spec: {
        provider: routing.provider,
        targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name },
        autoscalerRef: ctx.autoscaled ? { apiVersion: 'autoscaling/v2', kind: CanarySpecAutoscalerRefKind.HORIZONTAL_POD_AUTOSCALER, name } : undefined,
        ingressRef: routing.ingressRef,
        progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
        service: {
          port: httpPort(ctx),
          portName: port?.name,
          targetPort: port?.targetPort?.value,
          gatewayRefs: routing.gatewayRefs,
        },
        analysis: {
          // Flagger holds each step for one interval: the stages' common pause.
          interval: timed[0].pause,
          threshold,
          stepWeights: timed.map((s) => s.weight),
          metrics: templates.metrics,
        },
      },
    });
    router.addChecks(scope, namespace, name);
    const deploymentIgnore: IgnoreDifference = ignoreOn(workload, { jsonPointers: ['/spec/replicas'] });
    const gitOps = recordHints(scope, {
      ignoreDifferences: [
        // Flagger scales the target to zero once the primary runs, and repoints the apex Service to the primary.
        deploymentIgnore,
        { group: '', kind: 'Service', name, namespace, jsonPointers: ['/spec/selector'] },
      ],
      syncOptions: [RESPECT_IGNORE_DIFFERENCES],
    });
    return { workload, serviceSelector: ctx.selectorLabels, disruptionSelector: ctx.selectorLabels, gitOps };
  }

  private bindPlain(ctx: StrategyContext, props: PlainCanaryProps): StrategyBinding {
    const { scope, name, namespace } = ctx;
    const router = props.router;
    const stage = props.stage ?? 0;
    if (!Number.isInteger(stage) || stage < 0 || stage >= props.stages.length) {
      throw new PropsError(scope, 'strategy.stage', stage, `a stage index from 0 to ${props.stages.length - 1}`);
    }
    if (props.canaryTag !== undefined) checkTag(ctx, 'strategy.canaryTag', props.canaryTag);
    if (props.stage !== undefined && props.canaryTag === undefined) {
      throw new PropsError(scope, 'strategy.stage', props.stage, 'a canaryTag to go with stage (the version that receives the stage weight)');
    }
    const weight = props.canaryTag !== undefined ? props.stages[stage].weight : 0;

    let stableReplicas = ctx.replicas;
    let canaryReplicas: number;
    if (router.splitsByReplicas) {
      if (props.canaryReplicas !== undefined) throw new PropsError(scope, 'strategy.canaryReplicas', props.canaryReplicas, 'no canaryReplicas with router "replicas" (the stage weight decides the canary replicas)');
      const total = checkReplicaRatio(ctx, props.stages);
      canaryReplicas = (total * weight) / 100;
      stableReplicas = total - canaryReplicas;
    } else {
      const explicit = props.canaryReplicas;
      if (explicit !== undefined && (!Number.isInteger(explicit) || explicit < 1)) throw new PropsError(scope, 'strategy.canaryReplicas', explicit, 'an integer >= 1');
      const share = ctx.replicas !== undefined ? Math.max(1, Math.ceil((ctx.replicas * weight) / 100)) : 1;
      canaryReplicas = weight === 0 ? 0 : explicit ?? share;
    }

    const track = (t: 'stable' | 'canary') => ({ ...ctx.selectorLabels, [TRACK_LABEL]: t });
    const deployment = (id: string, t: 'stable' | 'canary', replicas: number | undefined, tag?: string) =>
      new k8s.KubeDeployment(scope, id, {
        metadata: { name: `${name}-${t}`, namespace, labels: { ...ctx.labels, [TRACK_LABEL]: t } },
        spec: {
          replicas,
          revisionHistoryLimit: REVISION_HISTORY_LIMIT,
          progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
          selector: { matchLabels: track(t) },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template: variantTemplate(ctx, { [TRACK_LABEL]: t }, tag),
        },
      });
    const workload = deployment('Resource', 'stable', stableReplicas);
    deployment('Canary', 'canary', canaryReplicas, props.canaryTag);

    // The mesh and the replica ratio split traffic behind the main Service; the
    // other routers send to the main Service (stable) and `<name>-canary` explicitly.
    const layout = router.plainServices();
    const canaryService = `${name}-canary`;
    const stableService = layout.stableService ? `${name}-stable` : name;
    if (layout.canaryService) extraService(ctx, 'CanaryService', canaryService, track('canary'));
    router.render(scope, {
      name,
      namespace,
      labels: ctx.labels,
      port: httpPort(ctx),
      stableService,
      canaryService,
      stableSubsetLabels: track('stable'),
      canarySubsetLabels: track('canary'),
      canaryWeight: weight,
      controllerOwnsWeights: false,
    });
    if (layout.stableService) extraService(ctx, 'StableService', stableService, track('stable'));
    router.addChecks(scope, namespace, name);
    return { workload, serviceSelector: layout.mainSelectsBoth ? ctx.selectorLabels : track('stable'), disruptionSelector: ctx.selectorLabels };
  }
}

function throwStageProblems(ctx: StrategyContext, problems: readonly StageProblem[]): void {
  const p = problems[0];
  if (!p) return;
  const field = p.index === undefined ? 'strategy.stages' : `strategy.stages[${p.index}].${p.field}`;
  throw new PropsError(ctx.scope, field, p.value, p.expected);
}

/** The replica ratio must express every stage exactly; returns the replica count. */
function checkReplicaRatio(ctx: StrategyContext, stages: readonly CanaryStage[]): number {
  if (ctx.replicas === undefined) {
    throw new PropsError(ctx.scope, 'strategy.router', 'replicas', 'a traffic router other than "replicas" when autoscaling is set (the replica ratio needs a fixed replica count)');
  }
  stages.forEach((s, i) => {
    if (s.weight >= 100) return;
    const problem = replicaRatioProblem(ctx.replicas!, s.weight);
    if (problem) throw new PropsError(ctx.scope, `strategy.stages[${i}].weight`, s.weight, problem);
  });
  return ctx.replicas;
}

function argoSteps(stages: readonly CanaryStage[]): RolloutSpecStrategyCanarySteps[] {
  return stages.flatMap((s): RolloutSpecStrategyCanarySteps[] => {
    const steps: RolloutSpecStrategyCanarySteps[] = [{ setWeight: s.weight }];
    if (s.pause === MANUAL) steps.push({ pause: {} });
    else if (s.pause !== undefined && parseDuration(s.pause) !== undefined) steps.push({ pause: { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(s.pause) } });
    return steps;
  });
}
