// Helpers shared by strategies that run more than one version of a service
// side by side (blue/green colours, stable/canary tracks).
import { ApiObject } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { Rollout, RolloutSpecStrategy, toJson_RolloutSpec } from '../../imports/rollouts-rollout-argoproj.io';
import { sanitizeLabelValue } from '../core/labels';
import { PropsError } from '../core/errors';
import { waveOf } from './gitops';
import { StrategyContext, StrategyImage } from './strategy';

const VERSION_LABEL = 'app.kubernetes.io/version';

export function imageRef(image: StrategyImage): string {
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Throws PropsError unless `tag` is a pinned image tag and the context says which image to retag. */
export function checkTag(ctx: StrategyContext, field: string, tag: string): void {
  if (!TAG.test(tag) || tag === 'latest') throw new PropsError(ctx.scope, field, tag, 'a pinned image tag such as "v1.3.0" (not "latest")');
  if (!ctx.image) throw new PropsError(ctx.scope, field, tag, 'no per-version tag: the service did not pass its image in the strategy context (StrategyContext.image)');
}

/**
 * The service's pod template with extra labels and, when `tag` differs from
 * the service's own, the main container running that tag (the digest pins
 * the service's tag only, so it is dropped for another one).
 */
export function variantTemplate(ctx: StrategyContext, labels: Record<string, string>, tag?: string): k8s.PodTemplateSpec {
  const t = ctx.podTemplate;
  const retag = tag !== undefined && ctx.image !== undefined && tag !== ctx.image.tag;
  const from = ctx.image ? imageRef(ctx.image) : undefined;
  const to = retag ? imageRef({ repository: ctx.image.repository, tag }) : undefined;
  const podLabels = { ...(t.metadata?.labels ?? {}), ...labels };
  if (retag && podLabels[VERSION_LABEL] !== undefined) podLabels[VERSION_LABEL] = sanitizeLabelValue(tag);
  return {
    ...t,
    metadata: { ...t.metadata, labels: podLabels },
    spec: t.spec && {
      ...t.spec,
      containers: t.spec.containers.map((c) => (to && c.image === from ? { ...c, image: to } : c)),
    },
  };
}

/** Defaults the rolling strategy uses too, so switching strategy does not change them. */
export const REVISION_HISTORY_LIMIT = 10;
export const PROGRESS_DEADLINE_SECONDS = 600;

/**
 * An Argo Rollouts Rollout running the service's pod template. `replicas` is
 * left out under an HPA, which then owns it (as with a Deployment).
 *
 * The strategy is typed through the CRD bindings, but the pod template is
 * rendered as the core type renders it and the object is a plain ApiObject:
 * the generated Rollout class re-maps its whole spec after JSON patches and
 * treats quantities and int-or-strings differently, and a Rollout must run
 * exactly the pods a Deployment of the same service would.
 */
export function newRollout(ctx: StrategyContext, strategy: RolloutSpecStrategy): ApiObject {
  const spec = toJson_RolloutSpec({
    replicas: ctx.replicas,
    revisionHistoryLimit: REVISION_HISTORY_LIMIT,
    progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
    selector: { matchLabels: ctx.selectorLabels },
    strategy,
  });
  return new ApiObject(ctx.scope, 'Resource', {
    ...Rollout.GVK,
    metadata: { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels, annotations: waveOf('Rollout') },
    spec: { ...spec, template: k8s.toJson_PodTemplateSpec(ctx.podTemplate) },
  });
}

/** A ClusterIP Service with the service's ports selecting `selector`. */
export function extraService(ctx: StrategyContext, id: string, name: string, selector: Record<string, string>, annotations?: Record<string, string>): k8s.KubeService {
  return new k8s.KubeService(ctx.scope, id, {
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels, annotations },
    spec: { type: 'ClusterIP', selector, ports: ctx.servicePorts },
  });
}

/** The Service port named `http` (or the first), which routers send traffic to. */
export function httpPort(ctx: StrategyContext): number {
  const p = ctx.servicePorts.find((sp) => sp.name === 'http') ?? ctx.servicePorts[0];
  if (!p) throw new PropsError(ctx.scope, 'servicePorts', ctx.servicePorts, 'at least one Service port for the traffic router to send to');
  return p.port;
}

/** Ignore entry for a controller-injected selector key on a Service this strategy does not own as an object. */
export function serviceSelectorIgnore(name: string, namespace: string, key: string): { group: string; kind: string; name: string; namespace: string; jsonPointers: string[] } {
  return { group: '', kind: 'Service', name, namespace, jsonPointers: [`/spec/selector/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`] };
}
