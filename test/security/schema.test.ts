// Every kind this issue renders is valid against the Kubernetes 1.27 schema or
// its CRD schema (through the validation gate), with unknown fields rejected.
import { Testing } from 'cdk8s';
import { Border } from '../../lib/border/border';
import { CertificateIssuer } from '../../lib/border/certificate-issuer';
import { VeleroSchedule } from '../../lib/backup/velero-schedule';
import { MeshPolicies } from '../../lib/mesh/mesh-policies';
import { ServiceDashboard } from '../../lib/observability/service-dashboard';
import { SloRules } from '../../lib/observability/slo-rules';
import { ApiAccess, READ_CONFIG } from '../../lib/security/api-access';
import { ExternalSecret } from '../../lib/security/external-secret';
import { ExternalPeer } from '../../lib/security/peer';
import { SecretBackend, SecretStore } from '../../lib/security/secret-store';
import { SystemNamespace } from '../../lib/security/system-namespace';
import { validateManifests } from '../../lib/validate';
import { Obj, shopChart } from './fixtures';

test('GIVEN every construct of the issue WHEN validated by the gate THEN there is no schema or structure violation', () => {
  const { chart, graph, api, backend } = shopChart();
  new SystemNamespace(chart, 'Ns', {
    name: 'shop',
    podSecurity: { level: 'baseline', reason: 'test' },
    quota: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '8', memory: '16Gi' }, pods: 20 },
    containerDefaults: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } },
  });
  new MeshPolicies(chart, 'Mesh', { graph });
  api.connectsTo(backend, 'http');
  graph.scrape(api, 'metrics', ExternalPeer.pods({ name: 'prometheus', namespace: 'monitoring', labels: { app: 'prometheus' } }));
  const tls = { name: 'le', kind: 'Issuer' as const };
  Border.nginx({ tls, corsOrigins: ['https://a.example.com'], rateLimit: { requestsPerSecond: 5 } }).expose(chart, api, { host: 'a.example.com' });
  Border.traefik({ tls, auth: { forwardAuthUrl: 'http://auth.auth.svc/verify' }, rateLimit: { requestsPerSecond: 5 }, corsOrigins: ['https://a.example.com'] }).expose(chart, backend, { host: 'b.example.com' });
  Border.gatewayApi({ tls, gateway: { name: 'gw', namespace: 'gateways' } }).expose(chart, { ...backend, name: 'backend-gw', serviceName: 'backend', ports: backend.ports }, { host: 'c.example.com' });
  new CertificateIssuer(chart, 'Issuer', { name: 'le', namespace: 'shop', source: { kind: 'acme', email: 'ops@example.com', solver: { kind: 'dns01-route53', region: 'eu-west-1' } } });
  new CertificateIssuer(chart, 'ClusterIssuer', { name: 'le-cluster', source: { kind: 'self-signed' } });
  for (const [i, backendKind] of [SecretBackend.vault({ server: 'https://vault:8200', path: 'secret', role: 'r' }), SecretBackend.awsSecretsManager({ region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/x' }), SecretBackend.local()].entries()) {
    const store = new SecretStore(chart, `Store${i}`, { namespace: 'shop', backend: backendKind, name: `store-${i}` });
    new ExternalSecret(chart, `Secret${i}`, { name: `secret-${i}`, store, data: { url: { key: 'db', property: 'url' } } });
  }
  new ApiAccess(chart, 'Access', { name: 'api', namespace: 'shop', serviceAccountName: 'api', grants: [READ_CONFIG] });
  new SloRules(chart, 'Slo', { service: 'api', namespace: 'shop' });
  new ServiceDashboard(chart, 'Dash', { service: 'api', namespace: 'shop' });
  new VeleroSchedule(chart, 'Backup', { name: 'shop', includedNamespaces: ['shop'], schedule: '0 2 * * *', ttl: '720h' });

  const objs = Testing.synth(chart) as Obj[];
  const kinds = new Set(objs.map((o) => o.kind));
  for (const k of ['NetworkPolicy', 'Namespace', 'ResourceQuota', 'LimitRange', 'PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'Ingress', 'IngressRoute', 'Middleware', 'Certificate', 'HTTPRoute', 'Issuer', 'ClusterIssuer', 'SecretStore', 'ExternalSecret', 'Role', 'RoleBinding', 'PrometheusRule', 'ConfigMap', 'Schedule']) {
    expect(kinds.has(k)).toBe(true);
  }
  const report = validateManifests(objs.map((object, i) => ({ file: `dist/test/shop/${i}.yaml`, object })));
  const structural = report.violations.filter((v) => v.rule.startsWith('schema/') || v.rule.startsWith('structure/'));
  expect(structural.map((v) => `${v.object.kind}/${v.object.name} ${v.path}: ${v.message}`)).toEqual([]);
});
