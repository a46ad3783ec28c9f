import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../../imports/k8s';
import { SYNC_WAVE } from './annotations';

/** The argocd-cm key that chooses how Argo CD marks the objects an Application owns. */
export const TRACKING_METHOD_KEY = 'application.resourceTrackingMethod';

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
 * Applied server-side, so only this key is ours: the rest of argocd-cm stays
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
      data: { [TRACKING_METHOD_KEY]: 'annotation' },
    });
  }
}
