/**
 * Schemas written by hand for kinds the project renders but has no pinned CRD
 * copy of (so no `cdk8s import` binding to derive from): Flux's
 * source.toolkit.fluxcd.io/v1 HelmRepository and helm.toolkit.fluxcd.io/v2
 * HelmRelease, as lib/gitops/flux-helm.ts emits them. Only the fields the
 * Flux API reference documents for these versions are listed, so a typo or a
 * field of another version is rejected like any unknown field.
 */
import { KindSchema, SchemaNode, StructSchema } from './types';

export interface HandWrittenSchemas {
  readonly structs: Readonly<Record<string, StructSchema>>;
  readonly kinds: Readonly<Record<string, KindSchema>>;
}

const M = 'hand-written';
const str: SchemaNode = { t: 'string' };
const bool: SchemaNode = { t: 'boolean' };
const num: SchemaNode = { t: 'number' };
const any: SchemaNode = { t: 'any' };
const ref = (name: string): SchemaNode => ({ t: 'ref', name: `${M}:${name}` });
const struct = (props: Record<string, SchemaNode>, required: string[] = []): StructSchema => ({ props, required });
const object = (spec: string): StructSchema => struct({ apiVersion: str, kind: str, metadata: { t: 'ref', name: 'k8s:ObjectMeta' }, spec: ref(spec), status: any });
const remediation = struct({ retries: num, ignoreTestFailures: bool, remediateLastFailure: bool, strategy: { t: 'enum', values: ['rollback', 'uninstall'] } });
const crdsPolicy: SchemaNode = { t: 'enum', values: ['Skip', 'Create', 'CreateReplace'] };

export const HAND_WRITTEN: HandWrittenSchemas = {
  structs: {
    [`${M}:HelmRepository`]: object('HelmRepositorySpec'),
    [`${M}:HelmRepositorySpec`]: struct({
      url: str, interval: str, timeout: str, type: { t: 'enum', values: ['default', 'oci'] }, provider: str,
      secretRef: ref('LocalObjectReference'), certSecretRef: ref('LocalObjectReference'), passCredentials: bool, insecure: bool, suspend: bool,
    }, ['url']),
    [`${M}:LocalObjectReference`]: struct({ name: str }, ['name']),
    [`${M}:CrossNamespaceObjectReference`]: struct({ apiVersion: str, kind: str, name: str, namespace: str }, ['kind', 'name']),
    [`${M}:DependencyReference`]: struct({ name: str, namespace: str }, ['name']),
    [`${M}:HelmRelease`]: object('HelmReleaseSpec'),
    [`${M}:HelmReleaseSpec`]: struct({
      chart: ref('HelmChartTemplate'), chartRef: ref('CrossNamespaceObjectReference'), interval: str, timeout: str, suspend: bool,
      releaseName: str, targetNamespace: str, storageNamespace: str, serviceAccountName: str, maxHistory: num,
      dependsOn: { t: 'array', items: ref('DependencyReference') },
      install: ref('Install'), upgrade: ref('Upgrade'), uninstall: any, rollback: any, test: any, driftDetection: any,
      values: any, valuesFrom: { t: 'array', items: any }, postRenderers: { t: 'array', items: any }, kubeConfig: any,
    }, ['interval']),
    [`${M}:HelmChartTemplate`]: struct({ metadata: any, spec: ref('HelmChartTemplateSpec') }, ['spec']),
    [`${M}:HelmChartTemplateSpec`]: struct({
      chart: str, version: str, sourceRef: ref('CrossNamespaceObjectReference'), interval: str,
      reconcileStrategy: { t: 'enum', values: ['ChartVersion', 'Revision'] }, valuesFiles: { t: 'array', items: str }, ignoreMissingValuesFiles: bool, verify: any,
    }, ['chart', 'sourceRef']),
    [`${M}:Install`]: struct({
      timeout: str, remediation: ref('Remediation'), createNamespace: bool, crds: crdsPolicy, disableWait: bool, disableWaitForJobs: bool,
      disableHooks: bool, disableOpenAPIValidation: bool, replace: bool, skipCRDs: bool,
    }),
    [`${M}:Upgrade`]: struct({
      timeout: str, remediation: ref('Remediation'), crds: crdsPolicy, disableWait: bool, disableWaitForJobs: bool, disableHooks: bool,
      disableOpenAPIValidation: bool, force: bool, preserveValues: bool, cleanupOnFail: bool,
    }),
    [`${M}:Remediation`]: remediation,
  },
  kinds: {
    'source.toolkit.fluxcd.io/v1/HelmRepository': { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', struct: `${M}:HelmRepository`, namespaced: true, source: 'lib/validate/schema/hand-written.ts' },
    'helm.toolkit.fluxcd.io/v2/HelmRelease': { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', struct: `${M}:HelmRelease`, namespaced: true, source: 'lib/validate/schema/hand-written.ts' },
  },
};
