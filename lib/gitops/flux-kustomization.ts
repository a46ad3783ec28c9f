import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecDeletionPolicy, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { PropsError } from '../core/errors';

export interface FluxKustomizationProps {
  /** `metadata.name`, e.g. `shop-prod`. */
  readonly name: string;
  /** Namespace Flux runs in. @default "flux-system" */
  readonly namespace?: string;
  /** Name of the GitRepository in the same namespace. */
  readonly sourceName: string;
  /** Directory inside the repository, e.g. `dist/prod/shop`. */
  readonly path: string;
  /** Reconcile interval. @default "5m" */
  readonly interval?: string;
  /** Retry interval after a failure. @default "1m" */
  readonly retryInterval?: string;
  /** How long to wait for apply and health. @default "5m" */
  readonly timeout?: string;
  /** Prune objects removed from Git (protected objects are kept regardless). @default true */
  readonly prune?: boolean;
  /** Wait until every applied object is healthy before reporting ready. @default true */
  readonly wait?: boolean;
  /** Kustomizations (same namespace) that must be ready first. @default none */
  readonly dependsOn?: string[];
}

const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;

/**
 * A Flux Kustomization applying one rendered directory: pruned, health-waited
 * (`wait: true`, so dependants only start once every object is ready) and
 * ordered after the Kustomizations it depends on. Deleting it orphans its
 * objects instead of deleting them.
 */
export class FluxKustomization extends Construct {
  public readonly resource: Kustomization;

  constructor(scope: Construct, id: string, props: FluxKustomizationProps) {
    super(scope, id);
    const interval = props.interval ?? '5m';
    const retryInterval = props.retryInterval ?? '1m';
    const timeout = props.timeout ?? '5m';
    for (const [field, v] of [['interval', interval], ['retryInterval', retryInterval], ['timeout', timeout]] as const) {
      if (!v || !DURATION.test(v)) throw new PropsError(this, field, v, 'a duration such as "30s", "5m" or "1h"');
    }
    if (props.path.startsWith('/') || props.path.split('/').includes('..')) {
      throw new PropsError(this, 'path', props.path, 'a path relative to the repository root, e.g. "dist/prod/shop"');
    }
    if (props.dependsOn?.includes(props.name)) throw new PropsError(this, 'dependsOn', props.dependsOn, `a list of other Kustomizations (not "${props.name}" itself)`);
    this.resource = new Kustomization(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace ?? 'flux-system' },
      spec: {
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.sourceName },
        path: `./${props.path}`,
        interval,
        retryInterval,
        timeout,
        prune: props.prune ?? true,
        wait: props.wait ?? true,
        // Deleting the Kustomization leaves its objects running, as deleting an Argo CD Application does.
        deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
        dependsOn: props.dependsOn?.length ? [...props.dependsOn].sort().map((name) => ({ name })) : undefined,
      },
    });
  }
}
