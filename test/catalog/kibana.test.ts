import * as yaml from 'js-yaml';
import { Kibana } from '../../lib/data/kibana';
import { ElasticsearchCluster } from '../../lib/data/elasticsearch';
import { gateErrors } from './gate';
import { chart, container, render } from './util';

describe('Kibana', () => {
  test('defaults: one pod pointed at the Elasticsearch construct, status readiness, telemetry off', () => {
    const c = chart();
    const es = new ElasticsearchCluster(c, 'es', { namespace: 'logging' });
    new Kibana(c, 'kibana', { namespace: 'logging', elasticsearchUrl: es.url, publicBaseUrl: 'https://logs.example.com' });
    const r = render(c);
    const cfg = yaml.load(r.get('ConfigMap/kibana-config').data['kibana.yml']) as any;
    expect(cfg['elasticsearch.hosts']).toEqual(['http://es.logging.svc:9200']);
    expect(cfg['server.publicBaseUrl']).toBe('https://logs.example.com');
    expect(cfg['telemetry.enabled']).toBe(false);
    const d = r.get('Deployment/kibana');
    expect(container(d, 'kibana').readinessProbe.httpGet.path).toBe('/api/status');
    expect(r.has('PodDisruptionBudget/kibana')).toBe(false);
    expect(container(d, 'kibana').env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=768' }]);
    expect(r.has('ServiceMonitor/kibana')).toBe(false);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('replicated: PDB and spreading', () => {
    const c = chart();
    new Kibana(c, 'kibana', { namespace: 'logging', elasticsearchUrl: 'http://es:9200', replicas: 2 });
    const r = render(c);
    expect(r.get('PodDisruptionBudget/kibana').spec.maxUnavailable).toBe(1);
    expect(r.get('Deployment/kibana').spec.template.spec.affinity).toBeDefined();
  });

  test.each([
    ['url with path', { elasticsearchUrl: 'http://es:9200/x' }, 'test/kibana: elasticsearchUrl: expected an http(s) URL without a path'],
    ['trailing slash', { publicBaseUrl: 'https://logs.example.com/' }, 'publicBaseUrl: expected an absolute http(s) URL without a trailing slash'],
    ['zero replicas', { replicas: 0 }, 'replicas: expected an integer from 1 to 20, got 0'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Kibana(chart(), 'kibana', { namespace: 'l', elasticsearchUrl: 'http://es:9200', ...(props as object) })).toThrow(message);
  });
});
