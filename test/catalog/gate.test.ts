import { gateErrors, schemaErrors } from './gate';

// The catalog tests trust this gate, so it must catch what it claims to.
describe('catalog test gate', () => {
  test('rejects unknown fields, wrong types and missing required fields in core kinds', () => {
    const errors = schemaErrors({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: '80' }], selectr: {} } });
    expect(errors).toEqual(['spec.ports[0].port: expected integer, got "80"', 'spec.selectr: unknown field']);
    expect(schemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} })).toContain('spec.selector: required');
  });

  test('checks custom resources against their CRD schema', () => {
    const errors = schemaErrors({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { selector: {}, endpoints: [{ prot: 'x' }] } });
    expect(errors).toEqual(['spec.endpoints[0].prot: unknown field']);
  });

  test('flags privileged, root, writable and unbounded containers', () => {
    const errors = gateErrors([
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
        spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:latest', securityContext: { privileged: true, runAsUser: 0 } }] } } },
      },
    ]);
    expect(errors).toEqual(expect.arrayContaining([
      'Deployment/d container c: privileged',
      'Deployment/d container c: runAsUser 0',
      'Deployment/d container c: root filesystem writable',
      'Deployment/d container c: no requests.cpu',
      'Deployment/d container c: image x:latest not pinned',
      'Deployment/d container c: missing readiness or liveness probe',
    ]));
  });
});
