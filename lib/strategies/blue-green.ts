import * as k8s from '../../imports/k8s';
import { RolloutSpecStrategyBlueGreenPrePromotionAnalysis } from '../../imports/rollouts-rollout-argoproj.io';
import { Color, COLORS } from '../core/color';
import { PropsError } from '../core/errors';
import { admitAnalysisController, AnalysisCriteria, resolveAnalysis } from './analysis';
import { RESPECT_IGNORE_DIFFERENCES, recordHints, waveOf } from './gitops';
import { ANALYSIS_ARGS, SloAnalysisTemplate } from './slo-analysis-template';
import { DeploymentStrategy, IgnoreDifference, StrategyBinding, StrategyContext } from './strategy';
import { checkTag, extraService, newRollout, PROGRESS_DEADLINE_SECONDS, REVISION_HISTORY_LIMIT, serviceSelectorIgnore, variantTemplate } from './variants';

export type { Color };

/** What happens to the colour that does not get traffic. */
export type StandbyPolicy = 'keep' | 'scale-to-zero';

/** Blue-green with plain Deployments and a Service selector (no controller). */
export interface PlainBlueGreenProps {
  /** The colour the main Service sends traffic to; the other is reachable as `<name>-preview`. */
  readonly activeColor: Color;
  /** Image tag per colour. @default the service's image tag for a colour not listed */
  readonly tags?: { readonly blue?: string; readonly green?: string };
  /** The idle colour keeps its pods for an instant rollback, or is scaled to zero. @default "keep" */
  readonly standby?: StandbyPolicy;
  /** Pod label that carries the colour (`color` or, for instance, `version`). @default "color" */
  readonly colorLabel?: string;
}

/** Blue-green driven by the Argo Rollouts controller. */
export interface ArgoBlueGreenProps {
  /** Promote the preview to active without a person once it is ready (and pre-promotion analysis passed). @default false */
  readonly autoPromotion?: boolean;
  /** Seconds the old ReplicaSet keeps running after a promotion, for an instant rollback. @default 1800 */
  readonly scaleDownDelaySeconds?: number;
  /** SLO analysis run on the preview before promotion and on the active version after it. @default none */
  readonly analysis?: AnalysisCriteria;
  /** Pods the preview starts with before promotion. @default the full replica count */
  readonly previewReplicas?: number;
}

type Shape = { readonly backend: 'plain'; readonly props: PlainBlueGreenProps } | { readonly backend: 'argo-rollouts'; readonly props: ArgoBlueGreenProps };

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Two versions side by side, traffic switched at once. `plain()` renders
 * `<name>-blue` and `<name>-green` Deployments and switches the Service
 * selector (a one-line change of `activeColor` in Git); `argoRollouts()` lets
 * the Argo Rollouts controller run the two ReplicaSets behind an active and a
 * preview Service.
 */
export class BlueGreenStrategy extends DeploymentStrategy {
  /** Plain Deployments per colour; the active Service selects `activeColor`. */
  public static plain(props: PlainBlueGreenProps): BlueGreenStrategy {
    return new BlueGreenStrategy({ backend: 'plain', props });
  }

  /** An Argo Rollouts Rollout with `blueGreen` strategy. */
  public static argoRollouts(props: ArgoBlueGreenProps = {}): BlueGreenStrategy {
    return new BlueGreenStrategy({ backend: 'argo-rollouts', props });
  }

  public readonly kind = 'blue-green';

  private constructor(private readonly shape: Shape) {
    super();
  }

  /** `plain` or `argo-rollouts`. */
  public get backend(): Shape['backend'] {
    return this.shape.backend;
  }

  public bind(ctx: StrategyContext): StrategyBinding {
    return this.shape.backend === 'plain' ? this.bindPlain(ctx, this.shape.props) : this.bindArgo(ctx, this.shape.props);
  }

  private bindPlain(ctx: StrategyContext, props: PlainBlueGreenProps): StrategyBinding {
    const { scope } = ctx;
    if (!COLORS.includes(props.activeColor)) throw new PropsError(scope, 'strategy.activeColor', props.activeColor, 'one of "blue", "green"');
    const standby = props.standby ?? 'keep';
    if (standby !== 'keep' && standby !== 'scale-to-zero') throw new PropsError(scope, 'strategy.standby', standby, 'one of "keep", "scale-to-zero"');
    if (standby === 'scale-to-zero' && ctx.autoscaled) {
      throw new PropsError(scope, 'strategy.standby', standby, '"keep" when autoscaling is set (an HPA never scales a Deployment up from zero, so the colour you switch to would stay empty)');
    }
    const colorLabel = props.colorLabel ?? 'color';
    if (!LABEL_KEY.test(colorLabel) || colorLabel in ctx.selectorLabels) {
      throw new PropsError(scope, 'strategy.colorLabel', colorLabel, `a label key such as "color" or "version", other than the service's selector keys (${Object.keys(ctx.selectorLabels).join(', ')})`);
    }
    for (const c of COLORS) {
      const tag = props.tags?.[c];
      if (tag !== undefined) checkTag(ctx, `strategy.tags.${c}`, tag);
    }

    const idle: Color = props.activeColor === 'blue' ? 'green' : 'blue';
    const selectorOf = (c: Color) => ({ ...ctx.selectorLabels, [colorLabel]: c });
    const deployments = {} as Record<Color, k8s.KubeDeployment>;
    for (const c of COLORS) {
      // Ids by colour, not by role: a switch must not move objects in the construct tree.
      deployments[c] = new k8s.KubeDeployment(scope, c === 'blue' ? 'Blue' : 'Green', {
        metadata: { name: `${ctx.name}-${c}`, namespace: ctx.namespace, labels: { ...ctx.labels, [colorLabel]: c } },
        spec: {
          // Under an autoscaler neither colour states replicas: each colour is
          // its own scale unit with its own HPA (below), so a switch changes
          // the Service selectors only. A single HPA moved from colour to
          // colour would make the switch remove `replicas` from the manifest
          // of the colour that becomes active, and appliers (kubectl's
          // last-applied three-way merge, server-side apply field ownership)
          // then drop it to the Deployment default of 1 pod while it takes
          // all the traffic (docs/strategies.md).
          replicas: ctx.autoscaled ? undefined : c === idle && standby === 'scale-to-zero' ? 0 : ctx.replicas,
          revisionHistoryLimit: REVISION_HISTORY_LIMIT,
          progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
          selector: { matchLabels: selectorOf(c) },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template: variantTemplate(ctx, { [colorLabel]: c }, props.tags?.[c]),
        },
      });
    }
    extraService(ctx, 'PreviewService', `${ctx.name}-preview`, selectorOf(idle));
    // One HPA and one PDB per colour. The idle colour's HPA floor is what the
    // active one starts from (a switch sends it all the traffic at once); a
    // budget over both colours would count idle pods as available and let a
    // drain evict every pod of the active colour.
    const scaleUnits = COLORS.map((c) => ({
      suffix: c,
      workload: deployments[c],
      disruptionSelector: selectorOf(c),
      minReplicas: c === idle ? ctx.standbyReplicas : undefined,
    }));
    return { workload: deployments[props.activeColor], serviceSelector: selectorOf(props.activeColor), disruptionSelector: ctx.selectorLabels, scaleUnits };
  }

  private bindArgo(ctx: StrategyContext, props: ArgoBlueGreenProps): StrategyBinding {
    const { scope } = ctx;
    const scaleDownDelaySeconds = props.scaleDownDelaySeconds ?? 1800;
    if (!Number.isInteger(scaleDownDelaySeconds) || scaleDownDelaySeconds < 0) {
      throw new PropsError(scope, 'strategy.scaleDownDelaySeconds', scaleDownDelaySeconds, 'an integer >= 0 (seconds the old version stays up for a rollback)');
    }
    if (props.previewReplicas !== undefined && (!Number.isInteger(props.previewReplicas) || props.previewReplicas < 1)) {
      throw new PropsError(scope, 'strategy.previewReplicas', props.previewReplicas, 'an integer >= 1');
    }
    const preview = `${ctx.name}-preview`;
    let pre: RolloutSpecStrategyBlueGreenPrePromotionAnalysis | undefined;
    let post: RolloutSpecStrategyBlueGreenPrePromotionAnalysis | undefined;
    if (props.analysis) {
      const analysis = resolveAnalysis(scope, 'strategy.analysis', props.analysis);
      admitAnalysisController(scope, analysis, 'argo-rollouts');
      const template = new SloAnalysisTemplate(scope, 'Analysis', { name: `${ctx.name}-slo`, namespace: ctx.namespace, labels: ctx.labels, analysis });
      const run = (service: string) => ({
        templates: [{ templateName: template.name }],
        args: [{ name: ANALYSIS_ARGS.namespace, value: ctx.namespace }, { name: ANALYSIS_ARGS.service, value: service }],
      });
      pre = run(preview);
      post = run(ctx.name);
    }
    const workload = newRollout(ctx, {
      blueGreen: {
        activeService: ctx.name,
        previewService: preview,
        autoPromotionEnabled: props.autoPromotion ?? false,
        scaleDownDelaySeconds,
        previewReplicaCount: props.previewReplicas,
        prePromotionAnalysis: pre,
        postPromotionAnalysis: post,
      },
    });
    extraService(ctx, 'PreviewService', preview, ctx.selectorLabels, waveOf('Service'));
    // The controller points each Service at one ReplicaSet by adding this selector key.
    const ignores: IgnoreDifference[] = [ctx.name, preview].map((s) => serviceSelectorIgnore(s, ctx.namespace, 'rollouts-pod-template-hash'));
    const gitOps = recordHints(scope, { ignoreDifferences: ignores, syncOptions: [RESPECT_IGNORE_DIFFERENCES] });
    return { workload, serviceSelector: ctx.selectorLabels, disruptionSelector: ctx.selectorLabels, serviceAnnotations: waveOf('Service'), gitOps };
  }
}
