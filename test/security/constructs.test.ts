import { Testing } from 'cdk8s';
import { ApiAccess, READ_CONFIG, READ_PODS } from '../../lib/security/api-access';
import { ExternalSecret } from '../../lib/security/external-secret';
import { SecretBackend, SecretStore } from '../../lib/security/secret-store';
import { POD_SECURITY_REASON_ANNOTATION, SystemNamespace } from '../../lib/security/system-namespace';
import { find, Obj } from './fixtures';
import { testChart } from '../helpers/chart';

describe('SystemNamespace', () => {
  test('GIVEN defaults WHEN rendered THEN restricted in all three PSA modes, pinned version, environment labels', () => {
    const chart = testChart();
    new SystemNamespace(chart, 'Ns', { name: 'fediflow-prod', labels: { environment: 'prod', tier: 'production' } });
    const ns = find(Testing.synth(chart) as Obj[], 'Namespace', 'fediflow-prod');
    expect(ns.metadata.labels).toMatchObject({
      environment: 'prod',
      tier: 'production',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(ns.metadata.annotations).toBeUndefined();
  });

  test('GIVEN baseline with a reason THEN the reason is an annotation; without one THEN it throws', () => {
    const chart = testChart();
    new SystemNamespace(chart, 'Ns', { name: 'nifi', podSecurity: { level: 'baseline', reason: 'NiFi image runs as root' } });
    const ns = find(Testing.synth(chart) as Obj[], 'Namespace', 'nifi');
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(ns.metadata.annotations).toEqual({ [POD_SECURITY_REASON_ANNOTATION]: 'NiFi image runs as root' });
    expect(() => new SystemNamespace(testChart(), 'Ns', { name: 'x', podSecurity: { level: 'privileged', reason: ' ' } })).toThrow(
      /podSecurity.reason: expected a written reason why the namespace must be privileged instead of restricted/,
    );
  });

  test('GIVEN a quota and defaults WHEN rendered THEN ResourceQuota and LimitRange carry them; create:false renders no Namespace', () => {
    const chart = testChart();
    new SystemNamespace(chart, 'Ns', {
      name: 'shop',
      create: false,
      quota: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '8', memory: '16Gi' }, pods: 20 },
      containerDefaults: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } },
    });
    const objs = Testing.synth(chart) as Obj[];
    expect(objs.map((o) => o.kind).sort()).toEqual(['LimitRange', 'ResourceQuota']);
    expect(find(objs, 'ResourceQuota', 'shop').spec.hard).toEqual({ 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi', pods: '20' });
    expect(find(objs, 'LimitRange', 'shop').spec.limits).toEqual([{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } }]);
  });
});

describe('ApiAccess', () => {
  test('GIVEN the Specify grants WHEN rendered THEN a Role with exactly them bound to the ServiceAccount', () => {
    const chart = testChart();
    new ApiAccess(chart, 'Access', { name: 'specify', namespace: 'specify', serviceAccountName: 'specify', grants: [READ_CONFIG, READ_PODS] });
    const objs = Testing.synth(chart) as Obj[];
    expect(find(objs, 'Role', 'specify').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = find(objs, 'RoleBinding', 'specify');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'specify' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'specify', namespace: 'specify' }]);
    expect(objs.some((o) => o.kind.startsWith('Cluster'))).toBe(false);
  });

  test.each([
    [{ resources: ['*'], verbs: ['get'] }, /resources: expected a resource name/],
    [{ resources: ['pods'], verbs: ['*'] }, /verbs: expected one of get, list/],
    [{ resources: ['roles'], verbs: ['escalate'] }, /escalate, bind, impersonate and "\*" are never granted/],
    [{ apiGroup: '*', resources: ['pods'], verbs: ['get'] }, /apiGroup: expected one API group/],
    [{ resources: ['secrets'], verbs: ['list'], resourceNames: ['db'] }, /resourceNames: expected only with get/],
  ])('GIVEN grant %j THEN it is refused', (grant, message) => {
    expect(() => new ApiAccess(testChart(), 'A', { name: 'a', namespace: 'a', serviceAccountName: 'a', grants: [grant as any] })).toThrow(message);
  });
});

describe('SecretStore and ExternalSecret', () => {
  const render = (backend: SecretBackend) => {
    const chart = testChart();
    const store = new SecretStore(chart, 'Store', { namespace: 'shop', backend, keyPrefix: 'prod/shop' });
    new ExternalSecret(chart, 'Db', { name: 'database-secret', store, data: { url: { key: 'database', property: 'url' } } });
    return Testing.synth(chart) as Obj[];
  };

  test('GIVEN Vault WHEN rendered THEN Kubernetes auth with the store ServiceAccount and prefixed keys; no Secret object', () => {
    const objs = render(SecretBackend.vault({ server: 'https://vault.example.com:8200', path: 'secret', role: 'shop' }));
    expect(find(objs, 'SecretStore', 'secret-store').spec.provider).toEqual({
      vault: { server: 'https://vault.example.com:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'shop', serviceAccountRef: { name: 'secret-store' } } } },
    });
    const es = find(objs, 'ExternalSecret', 'database-secret');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'secret-store' });
    expect(es.spec.target).toEqual({ name: 'database-secret', creationPolicy: 'Owner' });
    expect(es.spec.data).toEqual([{ secretKey: 'url', remoteRef: { key: 'prod/shop/database', property: 'url' } }]);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN AWS Secrets Manager WHEN rendered THEN IRSA on the ServiceAccount and JWT auth', () => {
    const objs = render(SecretBackend.awsSecretsManager({ region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/shop' }));
    expect(find(objs, 'SecretStore', 'secret-store').spec.provider).toEqual({
      aws: { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'secret-store' } } } },
    });
    expect(find(objs, 'ServiceAccount', 'secret-store').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/shop' });
  });

  test('GIVEN the local backend WHEN rendered THEN it reads hand-made Secrets of its own namespace, with a read-only Role, and renders no value', () => {
    const objs = render(SecretBackend.local());
    expect(find(objs, 'SecretStore', 'secret-store').spec.provider.kubernetes).toEqual({
      remoteNamespace: 'shop',
      server: { caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' } },
      auth: { serviceAccount: { name: 'secret-store' } },
    });
    expect(find(objs, 'Role', 'secret-store').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
    expect(find(objs, 'ExternalSecret', 'database-secret').spec.data[0].remoteRef).toEqual({ key: 'database', property: 'url' });
    expect(objs.filter((o) => o.kind === 'Secret' || JSON.stringify(o).includes('stringData'))).toEqual([]);
  });
});
