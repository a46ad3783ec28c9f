import * as yaml from 'js-yaml';
import { Kibana, KibanaProps } from '../../lib/data/kibana';
import { ElasticsearchCluster } from '../../lib/data/elasticsearch';
import { KubeNetworkPolicy } from '../../imports/k8s';
import { validateManifests } from '../../lib/validate';
import { gateErrors } from './gate';
import { chart, container, render } from './util';

/** Kibana with `props` in a namespace whose NetworkPolicy denies all ingress, through the library's validation gate: its network/unreachable findings and waivers. */
function inDefaultDeny(props: Partial<KibanaProps>) {
  const c = chart();
  new KubeNetworkPolicy(c, 'deny', { metadata: { name: 'default-deny', namespace: 'logging' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  new Kibana(c, 'kibana', { namespace: 'logging', elasticsearchUrl: 'http://es:9200', ...props });
  const r = render(c);
  const report = validateManifests(r.all.map((o) => ({ file: `dist/dev/logging/${o.kind}-${o.metadata.name}.yaml`, object: o })));
  return {
    service: r.get('Service/kibana'),
    unreachable: report.violations.filter((v) => v.rule === 'network/unreachable').map((v) => `${v.object.kind}/${v.object.name}`),
    waivers: report.waivers.filter((w) => w.rule === 'network/unreachable').map((w) => ({ object: w.object.name, reason: w.reason, suppressed: w.suppressed })),
  };
}

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

  test('GIVEN no caller and no portForwardOnly WHEN validated in a default-deny namespace THEN network/unreachable reports the Service, public URL or not (the construct waives nothing by itself)', () => {
    for (const props of [{}, { publicBaseUrl: 'https://logs.example.com' }]) {
      const { service, unreachable, waivers } = inDefaultDeny(props);
      expect(Object.keys(service.metadata.annotations ?? {}).filter((k) => k.startsWith('validate.platform.dev/waive.'))).toEqual([]);
      expect(unreachable).toEqual(['Service/kibana']);
      expect(waivers).toEqual([]);
    }
  });

  test('GIVEN portForwardOnly WHEN validated in a default-deny namespace THEN the Service carries the waiver with the given reason, it suppresses the finding and the report lists it', () => {
    const reason = 'operators open Kibana with kubectl port-forward; not exposed in this environment';
    const { service, unreachable, waivers } = inDefaultDeny({ portForwardOnly: { reason } });
    expect(service.metadata.annotations['validate.platform.dev/waive.network.unreachable']).toBe(reason);
    expect(unreachable).toEqual([]);
    expect(waivers).toEqual([{ object: 'kibana', reason, suppressed: 1 }]);
  });

  test.each([
    ['empty waiver reason', { portForwardOnly: { reason: ' ' } }, 'test/kibana: portForwardOnly.reason: expected a non-empty, one-line reason nothing in the cluster calls Kibana, such as "operators open Kibana with kubectl port-forward; not exposed through the border", got " "'],
    ['two-line waiver reason', { portForwardOnly: { reason: 'a\nb' } }, 'portForwardOnly.reason: expected a non-empty, one-line reason'],
    ['url with path', { elasticsearchUrl: 'http://es:9200/x' }, 'test/kibana: elasticsearchUrl: expected an http(s) URL without a path'],
    ['trailing slash', { publicBaseUrl: 'https://logs.example.com/' }, 'publicBaseUrl: expected an absolute http(s) URL without a trailing slash'],
    ['zero replicas', { replicas: 0 }, 'replicas: expected an integer from 1 to 20, got 0'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Kibana(chart(), 'kibana', { namespace: 'l', elasticsearchUrl: 'http://es:9200', ...(props as object) })).toThrow(message);
  });
});
