// Flux's Helm objects: source.toolkit.fluxcd.io/v1 HelmRepository and
// helm.toolkit.fluxcd.io/v2 HelmRelease. No pinned CRD copies exist for them,
// so they are typed here and their schema is hand-written in
// lib/validate/schema/hand-written.ts (the validation gate rejects unknown fields).
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PropsError } from '../core/errors';

export const HELM_REPOSITORY_API_VERSION = 'source.toolkit.fluxcd.io/v1';
export const HELM_RELEASE_API_VERSION = 'helm.toolkit.fluxcd.io/v2';

const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const EXACT_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

export interface FluxHelmRepositoryProps {
  readonly name: string;
  /** @default "flux-system" */
  readonly namespace?: string;
  /** Chart repository URL (https://). */
  readonly url: string;
  /** How often the index is fetched. @default "1h" */
  readonly interval?: string;
}

/** A Flux HelmRepository: a chart repository's index as a Flux source. */
export class FluxHelmRepository extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: FluxHelmRepositoryProps) {
    super(scope, id);
    if (!/^https:\/\//.test(props.url)) throw new PropsError(this, 'url', props.url, 'an https:// chart repository URL');
    const interval = props.interval ?? '1h';
    if (!DURATION.test(interval)) throw new PropsError(this, 'interval', interval, 'a duration such as "1h"');
    this.name = props.name;
    this.namespace = props.namespace ?? 'flux-system';
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: HELM_REPOSITORY_API_VERSION,
      kind: 'HelmRepository',
      metadata: { name: props.name, namespace: this.namespace },
      spec: { url: props.url, interval },
    });
  }
}

export interface FluxHelmReleaseProps {
  readonly name: string;
  /** @default "flux-system" */
  readonly namespace?: string;
  /** The HelmRepository the chart comes from. */
  readonly repository: FluxHelmRepository;
  readonly chart: string;
  /** Exact chart version: no ranges, so an upgrade is a reviewed commit. */
  readonly version: string;
  /** Namespace the release's objects go to (created when missing). */
  readonly targetNamespace: string;
  /** Helm release name. @default name */
  readonly releaseName?: string;
  /** Chart values. @default none */
  readonly values?: Record<string, unknown>;
  /** HelmReleases (same namespace) that must be ready first. @default none */
  readonly dependsOn?: readonly string[];
  /** Reconcile interval. @default "30m" */
  readonly interval?: string;
  /** Install/upgrade wait timeout. @default "10m" */
  readonly timeout?: string;
}

/**
 * A Flux HelmRelease of one pinned chart: CRDs created and replaced on
 * upgrade (CreateReplace), retried installs and upgrades, and ordered after
 * the releases it depends on.
 */
export class FluxHelmRelease extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: FluxHelmReleaseProps) {
    super(scope, id);
    if (!EXACT_VERSION.test(props.version)) throw new PropsError(this, 'version', props.version, 'an exact chart version such as "1.15.3" (no ranges)');
    const interval = props.interval ?? '30m';
    const timeout = props.timeout ?? '10m';
    for (const [field, v] of [['interval', interval], ['timeout', timeout]] as const) {
      if (!DURATION.test(v)) throw new PropsError(this, field, v, 'a duration such as "10m"');
    }
    if (props.dependsOn?.includes(props.name)) throw new PropsError(this, 'dependsOn', props.dependsOn, `other HelmReleases (not "${props.name}" itself)`);
    const values = props.values && Object.keys(props.values).length ? props.values : undefined;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: HELM_RELEASE_API_VERSION,
      kind: 'HelmRelease',
      metadata: { name: props.name, namespace: props.namespace ?? 'flux-system' },
      spec: {
        interval,
        timeout,
        releaseName: props.releaseName ?? props.name,
        targetNamespace: props.targetNamespace,
        chart: {
          spec: {
            chart: props.chart,
            version: props.version,
            sourceRef: { kind: 'HelmRepository', name: props.repository.name, namespace: props.repository.namespace },
          },
        },
        install: { createNamespace: true, crds: 'CreateReplace', remediation: { retries: 3 } },
        upgrade: { crds: 'CreateReplace', remediation: { retries: 3 } },
        dependsOn: props.dependsOn?.length ? [...props.dependsOn].sort().map((name) => ({ name })) : undefined,
        values,
      },
    });
  }
}
