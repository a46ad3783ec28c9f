import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../../imports/k8s';
import { SYNC_WAVE } from './annotations';

/** The argocd-cm key that chooses how Argo CD marks the objects an Application owns. */
export const TRACKING_METHOD_KEY = 'application.resourceTrackingMethod';

/** The argocd-cm key of a health check for Applications themselves (app of apps). */
export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

/**
 * An Application is as healthy as its own status says. Argo CD dropped this
 * check in 1.8, so a parent Application treats a child as healthy once it
 * exists, and sync waves between Applications (platform add-ons before the
 * systems that use their CRDs) order creation only, not readiness.
 */
const APPLICATION_HEALTH = [
  'hs = { status = "Progressing", message = "" }',
  'if obj.status ~= nil and obj.status.health ~= nil then',
  '  hs.status = obj.status.health.status',
  '  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end',
  'end',
  'return hs',
  '',
].join('\n');

export interface ArgoCdSettingsProps {
  /** Namespace Argo CD runs in. */
  readonly namespace: string;
}

/**
 * The Argo CD settings the rendered output relies on, as the part of
 * `argocd-cm` they live in. Label tracking (the default before Argo CD 3.0)
 * writes the Application name into `app.kubernetes.io/instance` of every
 * object it syncs; our Services, ServiceMonitors and selectors use that label
 * for the component instance, so label tracking would break monitoring and
 * keep every object out of sync. Annotation tracking
 * (`argocd.argoproj.io/tracking-id`) leaves the labels alone.
 *
 * The health check for Applications makes the waves between Applications
 * wait: platform add-ons are healthy before the systems that need their CRDs
 * and controllers are synced.
 *
 * Applied server-side, so only these keys are ours: the rest of argocd-cm stays
 * with the Argo CD installation; never pruned or deleted with the root
 * Application.
 */
export class ArgoCdSettings extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoCdSettingsProps) {
    super(scope, id);
    this.resource = new KubeConfigMap(this, 'Resource', {
      metadata: {
        name: 'argocd-cm',
        namespace: props.namespace,
        // Argo CD reads only the argocd-cm that carries these labels.
        labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
        annotations: {
          // before the Applications, so their first sync already tracks by annotation
          [SYNC_WAVE]: '-1',
          'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false',
        },
      },
      data: { [TRACKING_METHOD_KEY]: 'annotation', [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH },
    });
  }
}
