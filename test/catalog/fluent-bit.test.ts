import { FluentBit } from '../../lib/platform/fluent-bit';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

describe('FluentBit', () => {
  describe('FediFlow: container logs to elasticsearch.logging.svc', () => {
    const c = chart();
    const fb = new FluentBit(c, 'fluent-bit', { namespace: 'logging', output: { kind: 'elasticsearch', host: 'elasticsearch.logging.svc', indexPrefix: 'fediflow-logs' }, paths: ['/var/log/containers/*fediflow*.log'] });
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
      // Retries never give up: the on-disk buffer is capped below the 1Gi state volume, or the pod is evicted.
      expect(conf).toMatch(/storage\.total_limit_size\s+512M/);
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
    new FluentBit(c, 'fluent-bit', { namespace: 'logging', runAsUser: 10001, output: { kind: 'elasticsearch', host: 'es.example.internal', port: 9243, tls: true, credentials: { secret: 'es-writer' } } });
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
    ['host with scheme', { output: { kind: 'elasticsearch', host: 'http://es' } }, 'output.host: expected a DNS host name'],
    ['upper-case prefix', { output: { kind: 'elasticsearch', host: 'es', indexPrefix: 'Logs' } }, 'output.indexPrefix: expected a lower-case index name prefix'],
    ['field named namespace', { recordFields: { namespace: 'x' } }, 'recordFields.namespace: expected a lower-case field name other than "namespace"'],
    ['field value with a space', { recordFields: { environment: 'prod eu' } }, 'recordFields.environment: expected a value of letters'],
    ['no paths', { paths: [] }, 'paths: expected at least one glob under /var/log/containers, got []'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new FluentBit(chart(), 'fluent-bit', { namespace: 'l', output: { kind: 'elasticsearch', host: 'es' }, ...(props as object) } as any)).toThrow(message);
  });

  describe('centralized logging with environment context (InfoMetis): every record carries environment, system and namespace', () => {
    const c = chart();
    new FluentBit(c, 'fluent-bit', { namespace: 'specify-prod-logging', output: { kind: 'logstash', host: 'logstash.specify-prod.svc' }, recordFields: { system: 'specify', environment: 'prod' } });
    const conf: string = render(c).get('ConfigMap/fluent-bit-config').data['fluent-bit.conf'];
    const sections = conf.split('\n\n');

    test('a modify filter sets the configured fields after the kubernetes filter, and a lua filter copies the pod namespace', () => {
      const at = (re: RegExp) => sections.findIndex((s) => re.test(s));
      const kube = at(/Name\s+kubernetes/);
      const modify = at(/Name\s+modify/);
      const lua = at(/Name\s+lua/);
      expect(kube).toBeGreaterThan(0);
      expect(modify).toBeGreaterThan(kube);
      expect(lua).toBeGreaterThan(kube);
      expect(sections[modify]).toMatch(/Set\s+environment prod\n\s+Set\s+system specify/);
      expect(sections[lua]).toContain('record["namespace"] = k["namespace_name"]');
    });

    test('the http output to Logstash sends JSON with an ISO 8601 @timestamp', () => {
      const output = sections.find((s) => s.startsWith('[OUTPUT]'))!;
      expect(output).toMatch(/Name\s+http/);
      expect(output).toMatch(/Host\s+logstash\.specify-prod\.svc/);
      expect(output).toMatch(/Port\s+8080/);
      expect(output).toMatch(/Format\s+json\n/);
      expect(output).toMatch(/json_date_key\s+@timestamp/);
      expect(output).toMatch(/json_date_format\s+iso8601/);
    });
  });
});
