import { FluentBit } from '../../lib/platform/fluent-bit';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

describe('FluentBit', () => {
  describe('FediFlow: container logs to elasticsearch.logging.svc', () => {
    const c = chart();
    const fb = new FluentBit(c, 'fluent-bit', { namespace: 'logging', elasticsearch: { host: 'elasticsearch.logging.svc', indexPrefix: 'fediflow-logs' }, paths: ['/var/log/containers/*fediflow*.log'] });
    const r = render(c);
    const ds = r.get('DaemonSet/fluent-bit');
    const conf: string = r.get('ConfigMap/fluent-bit-config').data['fluent-bit.conf'];

    test('ES output with Suppress_Type_Name and Replace_Dots, daily indices with the prefix', () => {
      expect(conf).toMatch(/Suppress_Type_Name\s+On/);
      expect(conf).toMatch(/Replace_Dots\s+On/);
      expect(conf).toMatch(/Host\s+elasticsearch\.logging\.svc/);
      expect(conf).toMatch(/Logstash_Prefix\s+fediflow-logs/);
      expect(conf).toMatch(/Path\s+\/var\/log\/containers\/\*fediflow\*\.log/);
      expect(conf).toMatch(/Exclude_Path\s+\/var\/log\/containers\/fluent-bit-\*_logging_\*\.log/);
    });

    test('read-only hostPath of /var/log, no capabilities, read-only root filesystem', () => {
      const fbc = container(ds, 'fluent-bit');
      expect(fbc.volumeMounts).toContainEqual({ name: 'varlog', mountPath: '/var/log', readOnly: true });
      expect(fbc.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, privileged: false });
      expect(ds.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    });

    test('declares the privileged namespace it needs, with the reason', () => {
      expect(fb.podSecurity.level).toBe('privileged');
      expect(fb.podSecurity.reason).toContain('read-only hostPath');
    });

    test('read-only RBAC for the kubernetes filter; metrics ServiceMonitor on the Prometheus path', () => {
      expect(r.get('ClusterRole/logging-fluent-bit').rules).toEqual([{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }]);
      expect(r.get('ServiceMonitor/fluent-bit').spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/api/v2/metrics/prometheus' });
    });

    test('the gate finds only the documented exceptions (hostPath, root UID)', () => {
      expect(gateErrors(r.all)).toEqual([
        'DaemonSet/fluent-bit: volume varlog of type hostPath',
        'DaemonSet/fluent-bit: pod runAsUser 0',
        'DaemonSet/fluent-bit container fluent-bit: runAsNonRoot not true',
      ]);
    });
  });

  test('non-root UID and credentials from a Secret', () => {
    const c = chart();
    new FluentBit(c, 'fluent-bit', { namespace: 'logging', runAsUser: 10001, elasticsearch: { host: 'es.example.internal', port: 9243, tls: true, credentials: { secret: 'es-writer' } } });
    const r = render(c);
    const ds = r.get('DaemonSet/fluent-bit');
    expect(envOf(container(ds, 'fluent-bit')).ES_PASSWORD).toEqual({ secretKeyRef: { name: 'es-writer', key: 'password' } });
    const conf: string = r.get('ConfigMap/fluent-bit-config').data['fluent-bit.conf'];
    expect(conf).toMatch(/HTTP_Passwd\s+\$\{ES_PASSWORD\}/);
    expect(conf).toMatch(/tls\s+On/);
    expect(ds.spec.template.spec.securityContext).toMatchObject({ runAsUser: 10001, runAsNonRoot: true });
    expect(gateErrors(r.all)).toEqual(['DaemonSet/fluent-bit: volume varlog of type hostPath']);
  });

  test.each([
    ['path outside the mount', { paths: ['/var/lib/docker/containers/*.log'] }, 'test/fluent-bit: paths[0]: expected a glob under /var/log/containers/'],
    ['host with scheme', { elasticsearch: { host: 'http://es' } }, 'elasticsearch.host: expected a DNS host name'],
    ['upper-case prefix', { elasticsearch: { host: 'es', indexPrefix: 'Logs' } }, 'elasticsearch.indexPrefix: expected a lower-case index name prefix'],
    ['no paths', { paths: [] }, 'paths: expected at least one glob under /var/log/containers, got []'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new FluentBit(chart(), 'fluent-bit', { namespace: 'l', elasticsearch: { host: 'es' }, ...(props as object) } as any)).toThrow(message);
  });
});
