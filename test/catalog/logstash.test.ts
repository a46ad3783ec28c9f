import { Logstash } from '../../lib/platform/logstash';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

describe('Logstash', () => {
  describe('GIVEN a pipeline to Elasticsearch with default fields and a 10Gi queue', () => {
    const c = chart();
    const ls = new Logstash(c, 'logstash', {
      namespace: 'logs',
      elasticsearch: { url: 'http://elasticsearch.logs.svc:9200', indexPrefix: 'specify-logs' },
      defaultFields: { system: 'specify', environment: 'prod' },
      removeFields: ['stream'],
      queueStorage: { size: '10Gi' },
    });
    const r = render(c);
    const sts = r.get('StatefulSet/logstash');
    const cm = r.get('ConfigMap/logstash-config').data;
    const main = container(sts, 'logstash');

    test('THEN the pipeline reads the http input on 8080, sets missing context fields, and writes daily indices', () => {
      expect(cm['logstash.conf']).toBe(ls.pipeline);
      expect(ls.pipeline).toContain('http { host => "0.0.0.0" port => 8080 }');
      expect(ls.pipeline).toMatch(/if !\[environment\] \{\n\s+mutate \{ add_field => \{ "environment" => "prod" \} \}/);
      expect(ls.pipeline).toMatch(/if !\[system\] \{\n\s+mutate \{ add_field => \{ "system" => "specify" \} \}/);
      expect(ls.pipeline).toContain('mutate { remove_field => ["stream"] }');
      expect(ls.pipeline).toContain('hosts => ["http://elasticsearch.logs.svc:9200"]');
      expect(ls.pipeline).toContain('index => "specify-logs-%{+YYYY.MM.dd}"');
      expect(ls.pipeline).toContain('data_stream => false');
    });

    test('THEN the queue is persisted on the pod\'s own volume (80% of it), protected from pruning and kept when the StatefulSet goes', () => {
      expect(cm['logstash.yml']).toContain('queue.type: persisted');
      expect(cm['logstash.yml']).toContain('queue.max_bytes: 8192mb');
      expect(cm['logstash.yml']).toContain('path.data: /usr/share/logstash/data');
      expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } }, spec: { resources: { requests: { storage: '10Gi' } } } });
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(main.volumeMounts).toContainEqual({ name: 'data', mountPath: '/usr/share/logstash/data' });
    });

    test('THEN the monitoring API listens on 9600 and the probes use it; the heap is half the memory limit', () => {
      expect(main.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8080], ['monitoring', 9600]]);
      expect(main.readinessProbe.httpGet).toEqual({ path: '/', port: 'monitoring' });
      expect(main.startupProbe.failureThreshold * main.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
      expect(envOf(main).LS_JAVA_OPTS).toBe('-Xms512m -Xmx512m');
      expect(r.get('Service/logstash').spec.ports.map((p: any) => p.name)).toEqual(['http', 'monitoring']);
    });

    test('THEN it meets the restricted Pod Security Standard with every written path on a volume', () => {
      expect(ls.podSecurity.level).toBe('restricted');
      expect(gateErrors(r.all)).toEqual([]);
      const mounted = [...main.volumeMounts, ...container(sts, 'config').volumeMounts].map((m: any) => m.mountPath);
      for (const p of ['/usr/share/logstash/config', '/usr/share/logstash/logs', '/tmp', '/usr/share/logstash/data']) expect(mounted).toContain(p);
    });
  });

  test('GIVEN credentials THEN the output authenticates with env vars from the Secret', () => {
    const c = chart();
    const ls = new Logstash(c, 'logstash', { namespace: 'logs', elasticsearch: { url: 'https://es.example.internal:9243', indexPrefix: 'logs', credentials: { secret: 'es-writer' } } });
    const env = envOf(container(render(c).get('StatefulSet/logstash'), 'logstash'));
    expect(env.ES_PASSWORD).toEqual({ secretKeyRef: { name: 'es-writer', key: 'password' } });
    expect(ls.pipeline).toContain('password => "${ES_PASSWORD}"');
  });

  test.each([
    ['URL with a path', { elasticsearch: { url: 'http://es:9200/x', indexPrefix: 'logs' } }, 'elasticsearch.url: expected an http(s) URL without a path'],
    ['upper-case index', { elasticsearch: { url: 'http://es:9200', indexPrefix: 'Logs' } }, 'elasticsearch.indexPrefix: expected a lower-case index name prefix'],
    ['field reference in a value', { defaultFields: { environment: '%{[x]}' } }, 'defaultFields.environment: expected a value of letters'],
    ['removing @timestamp', { removeFields: ['@timestamp'] }, 'removeFields[0]: expected a top-level field name other than "@timestamp"'],
    ['too little memory', { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } } }, 'resources.limits.memory: expected at least 512Mi'],
  ])('GIVEN %s THEN construction fails naming the field', (_, props, message) => {
    expect(() => new Logstash(chart(), 'logstash', { namespace: 'l', elasticsearch: { url: 'http://es:9200', indexPrefix: 'logs' }, ...(props as object) } as any)).toThrow(message);
  });
});
