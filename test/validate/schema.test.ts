import { ManifestDocument, ValidationReport, loadSchemaCatalog } from '../../lib/validate';
import { crdExamples, REQUIRED_CUSTOM_KINDS } from './crd-examples';
import { Obj, toDocs, withChange } from './fixtures';
import { summary, validate, violationsOf } from './helpers';

function schemaOnly(report: ValidationReport): string[] {
  return summary({ ...report, violations: report.violations.filter((v) => v.rule.startsWith('schema/') || v.rule.startsWith('structure/')) });
}

function one(o: Obj): ManifestDocument[] {
  return toDocs([o]);
}

const container = (o: Obj): Obj => o.spec.template.spec.containers[0];

describe('schema catalog', () => {
  test('GIVEN the project bindings WHEN the catalog is derived THEN every type reference resolves', () => {
    expect(loadSchemaCatalog().unresolved).toEqual([]);
  });

  test('GIVEN the catalog WHEN loaded twice THEN the same instance is returned (derived once per process)', () => {
    expect(loadSchemaCatalog()).toBe(loadSchemaCatalog());
  });

  test.each(REQUIRED_CUSTOM_KINDS)('GIVEN the issue\'s list WHEN looking up %s THEN it is known', (key) => {
    expect(loadSchemaCatalog().kinds[key]).toBeDefined();
  });

  test('GIVEN cluster-scoped custom kinds WHEN looked up THEN they are not namespaced', () => {
    const kinds = loadSchemaCatalog().kinds;
    expect(kinds['cert-manager.io/v1/ClusterIssuer'].namespaced).toBe(false);
    expect(kinds['external-secrets.io/v1/ClusterSecretStore'].namespaced).toBe(false);
    expect(kinds['cert-manager.io/v1/Issuer'].namespaced).toBe(true);
    expect(kinds['v1/Namespace'].namespaced).toBe(false);
    expect(kinds['apps/v1/Deployment'].namespaced).toBe(true);
  });
});

describe('custom resources', () => {
  test.each(crdExamples().map((o) => [`${o.apiVersion} ${o.kind}`, o]))('GIVEN a valid %s WHEN validated THEN no schema violation', (_name, o) => {
    expect(schemaOnly(validate(one(o)))).toEqual([]);
  });

  test('GIVEN a Rollout maxSurge as a percentage string and as a number WHEN validated THEN both are accepted (int-or-string)', () => {
    for (const maxSurge of ['25%', 1]) {
      const ro = crdExamples().find((o) => o.kind === 'Rollout')!;
      ro.spec.strategy.canary.maxSurge = maxSurge;
      expect(schemaOnly(validate(one(ro)))).toEqual([]);
    }
  });

  test('GIVEN an int-or-string field set to a boolean WHEN validated THEN schema/wrong-type says integer or string', () => {
    const ro = crdExamples().find((o) => o.kind === 'Rollout')!;
    ro.spec.strategy.canary.maxSurge = true;
    const [v] = violationsOf(validate(one(ro)), 'schema/wrong-type');
    expect(v.path).toBe('spec.strategy.canary.maxSurge');
    expect(v.message).toMatch(/expected integer or string, got boolean true/);
  });

  test('GIVEN free-form subtrees (x-kubernetes-preserve-unknown-fields) WHEN they hold arbitrary keys THEN they are accepted', () => {
    const app = crdExamples().find((o) => o.kind === 'Application')!;
    app.spec.source.helm.valuesObject = { deeply: { nested: { whatever: true } }, list: [{ a: 1 }] };
    const ro = crdExamples().find((o) => o.kind === 'Rollout')!;
    ro.spec.template.spec.volumes = [{ name: 'x', someFutureVolumeType: { a: 1 } }];
    expect(schemaOnly(validate(toDocs([app, ro])))).toEqual([]);
  });

  test('GIVEN a typo inside a CRD spec WHEN validated THEN schema/unknown-field names the path and suggests the field', () => {
    const cert = crdExamples().find((o) => o.kind === 'Certificate')!;
    cert.spec.dnsName = cert.spec.dnsNames;
    delete cert.spec.dnsNames;
    const [v] = violationsOf(validate(one(cert)), 'schema/unknown-field');
    expect(v.path).toBe('spec.dnsName');
    expect(v.message).toMatch(/unknown field "dnsName" in CertificateSpec \(did you mean "dnsNames"\?\)/);
    expect(v.message).toMatch(/imports\/certmanager-certificate-cert-manager\.io\.ts/);
  });

  test('GIVEN fields named like Object.prototype members, and a map key that needs quoting, WHEN validated THEN the field is unknown and the path quotes the key', () => {
    const cert = crdExamples().find((o) => o.kind === 'Certificate')!;
    cert.spec.constructor = 'x';
    cert.spec.toString = 'y';
    const paths = violationsOf(validate(one(cert)), 'schema/unknown-field').map((v) => v.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.constructor', 'spec.toString']));
    const d = crdExamples().find((o) => o.kind === 'Rollout')!;
    d.spec.template.metadata = { labels: { 'app.kubernetes.io/name': 7 } };
    const [wrong] = violationsOf(validate(one(d)), 'schema/wrong-type');
    expect(wrong.path).toBe('spec.template.metadata.labels["app.kubernetes.io/name"]');
  });

  test('GIVEN a numeric enum (HTTPRoute redirect statusCode) WHEN set to 418 THEN schema/enum-value lists the valid codes', () => {
    const route = crdExamples().find((o) => o.kind === 'HTTPRoute')!;
    route.spec.rules[0].filters[0].requestRedirect.statusCode = 418;
    const [v] = violationsOf(validate(one(route)), 'schema/enum-value');
    expect(v.path).toBe('spec.rules[0].filters[0].requestRedirect.statusCode');
    expect(v.message).toMatch(/418 is not allowed; valid values: 301, 302/);
  });

  test('GIVEN an enum value differing only in case from a valid one WHEN validated THEN it is accepted (generated enums may drop case variants)', () => {
    const git = crdExamples().find((o) => o.kind === 'GitRepository')!;
    git.spec.verify = { mode: 'HEAD', secretRef: { name: 'keys' } };
    expect(schemaOnly(validate(one(git)))).toEqual([]);
  });
});

describe('Kubernetes 1.27 core kinds', () => {
  const deployment = (): Obj => withChange('Deployment', 'api', () => undefined).map((d) => d.object as Obj).find((o) => o.kind === 'Deployment')!;

  test.each([
    ['a sidecar restartPolicy on an init container (1.28)', (o: Obj) => { o.spec.template.spec.initContainers = [{ name: 'proxy', image: 'proxy:1.0.0', restartPolicy: 'Always' }]; }, 'spec.template.spec.initContainers[0].restartPolicy'],
    ['securityContext.appArmorProfile (1.30)', (o: Obj) => { container(o).securityContext.appArmorProfile = { type: 'RuntimeDefault' }; }, 'spec.template.spec.containers[0].securityContext.appArmorProfile'],
    ['pod-level resources (1.32)', (o: Obj) => { o.spec.template.spec.resources = { limits: { cpu: '1' } }; }, 'spec.template.spec.resources'],
  ])('GIVEN %s WHEN validated THEN it is an unknown field in 1.27', (_what, change, path) => {
    const o = deployment();
    change(o);
    const hits = violationsOf(validate(one(o)), 'schema/unknown-field');
    expect(hits.map((v) => v.path)).toContain(path);
  });

  test('GIVEN quantities as numbers and strings WHEN validated THEN both are accepted', () => {
    const o = deployment();
    container(o).resources = { requests: { cpu: 0.1, memory: '128Mi' }, limits: { cpu: 1, memory: 268435456 } };
    expect(schemaOnly(validate(one(o)))).toEqual([]);
  });

  test('GIVEN a null optional field WHEN validated THEN it counts as unset', () => {
    const o = deployment();
    o.spec.strategy = null;
    expect(schemaOnly(validate(one(o)))).toEqual([]);
  });

  test('GIVEN a label value that is a number WHEN validated THEN schema/wrong-type names the map key path', () => {
    const o = deployment();
    o.metadata.labels['app.kubernetes.io/version'] = 2;
    const [v] = violationsOf(validate(one(o)), 'schema/wrong-type');
    expect(v.path).toBe('metadata.labels["app.kubernetes.io/version"]');
    expect(v.message).toBe('expected string, got number 2 [schema: Kubernetes 1.27]');
  });

  test('GIVEN a StatefulSet volumeClaimTemplate with apiVersion, kind and status WHEN validated THEN it is accepted like the API server does', () => {
    const sts = withChange('StatefulSet', 'db', () => undefined).map((d) => d.object as Obj).find((o) => o.kind === 'StatefulSet')!;
    Object.assign(sts.spec.volumeClaimTemplates[0], { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } });
    expect(schemaOnly(validate(one(sts)))).toEqual([]);
  });
});

describe('unknown kinds', () => {
  test('GIVEN a kind that exists in another version WHEN validated THEN the message names that version', () => {
    const [v] = violationsOf(validate(one({ apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'x', namespace: 'shop' } })), 'schema/unknown-kind');
    expect(v.message).toMatch(/kind Deployment exists as: apps\/v1 Deployment/);
  });

  test('GIVEN an unknown kind in a known group WHEN validated THEN the known kinds of the group are listed', () => {
    const [v] = violationsOf(validate(one({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Probe', metadata: { name: 'x', namespace: 'shop' } })), 'schema/unknown-kind');
    expect(v.message).toMatch(/known kinds of group monitoring\.coreos\.com: monitoring\.coreos\.com\/v1 PodMonitor, monitoring\.coreos\.com\/v1 PrometheusRule, monitoring\.coreos\.com\/v1 ServiceMonitor/);
  });

  test('GIVEN an unknown group WHEN validated THEN the message says the group is not known', () => {
    const [v] = violationsOf(validate(one({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'shop' } })), 'schema/unknown-kind');
    expect(v.message).toMatch(/group "example\.com" is not known; known groups:/);
  });

  test.each([
    ['extensions/v1beta1', 'Ingress', 'networking.k8s.io/v1'],
    ['policy/v1beta1', 'PodDisruptionBudget', 'policy/v1'],
    ['batch/v1beta1', 'CronJob', 'batch/v1'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'autoscaling/v2'],
    ['policy/v1beta1', 'PodSecurityPolicy', 'Pod Security admission'],
    ['cert-manager.io/v1alpha2', 'Certificate', 'cert-manager.io/v1'],
    ['traefik.containo.us/v1alpha1', 'IngressRoute', 'traefik.io/v1alpha1'],
  ])('GIVEN %s %s WHEN validated THEN structure/deprecated-api points to %s', (apiVersion, kind, replacement) => {
    const [v] = violationsOf(validate(one({ apiVersion, kind, metadata: { name: 'x', namespace: 'shop' } })), 'structure/deprecated-api');
    expect(v.message).toContain(`use ${replacement}`);
  });
});
