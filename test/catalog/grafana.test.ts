import * as yaml from 'js-yaml';
import { Testing } from 'cdk8s';
import { Grafana } from '../../lib/platform/grafana';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

const adminCredentials = { secret: 'grafana-admin' };

describe('Grafana', () => {
  describe('Specify: Prometheus, Jaeger and Loki datasources plus a dashboard', () => {
    const c = chart();
    const g = new Grafana(c, 'grafana', {
      namespace: 'observability', adminCredentials, rootUrl: 'https://grafana.example.com/',
      datasources: [
        { type: 'prometheus', name: 'Prometheus', url: 'http://prometheus:9090', isDefault: true },
        { type: 'jaeger', name: 'Jaeger', url: 'http://jaeger:16686' },
        { type: 'loki', name: 'Loki', url: 'http://loki:3100' },
      ],
      dashboards: { 'specify-overview': { title: 'Specify' } },
    });
    g.addDashboard('user-service', { title: 'user-service' });
    const r = render(c);
    const d = r.get('Deployment/grafana');

    test('datasources are provisioned read-only from a ConfigMap', () => {
      const ds = yaml.load(r.get('ConfigMap/grafana-provisioning').data['datasources.yaml']) as any;
      expect(ds.datasources.map((x: any) => [x.type, x.uid, x.isDefault, x.editable])).toEqual([
        ['prometheus', 'prometheus', true, false], ['jaeger', 'jaeger', false, false], ['loki', 'loki', false, false],
      ]);
    });

    test('dashboards from props and addDashboard() land in the dashboards ConfigMap', () => {
      expect(Object.keys(r.get('ConfigMap/grafana-dashboards').data)).toEqual(['specify-overview.json', 'user-service.json']);
      expect(container(d, 'grafana').volumeMounts).toContainEqual({ name: 'dashboards', mountPath: '/etc/grafana/dashboards', readOnly: true });
    });

    test('admin login from the Secret, UID 472, root URL, metrics on http', () => {
      const env = envOf(container(d, 'grafana'));
      expect(env.GF_SECURITY_ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: 'grafana-admin', key: 'password' } });
      expect(env.GF_SERVER_ROOT_URL).toBe('https://grafana.example.com/');
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 472, fsGroup: 472 });
      expect(r.get('ServiceMonitor/grafana').spec.endpoints[0].port).toBe('http');
      expect(d.spec.strategy.type).toBe('RollingUpdate');
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('Elasticsearch datasource and a PVC switch to Recreate', () => {
    const c = chart();
    new Grafana(c, 'grafana', {
      namespace: 'infometis', adminCredentials, storage: { size: '1Gi' },
      datasources: [{ type: 'elasticsearch', name: 'Logs', url: 'http://es:9200', index: 'logs-*' }],
    });
    const r = render(c);
    const ds = yaml.load(r.get('ConfigMap/grafana-provisioning').data['datasources.yaml']) as any;
    expect(ds.datasources[0].jsonData).toEqual({ index: 'logs-*', timeField: '@timestamp' });
    expect(r.get('Deployment/grafana').spec.strategy).toEqual({ type: 'Recreate' });
    expect(r.get('PersistentVolumeClaim/grafana-data').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('dashboards above the ConfigMap limit fail validation with the size', () => {
    const c = chart();
    const g = new Grafana(c, 'grafana', { namespace: 'n', adminCredentials });
    g.addDashboard('huge', { panels: 'x'.repeat(1024 * 1024) });
    expect(() => Testing.synth(c)).toThrow(/dashboards: expected at most 1 MiB of JSON in total \(the ConfigMap limit\), got \d+ bytes/);
  });

  test.each([
    ['two defaults', { datasources: [{ type: 'loki', name: 'a', url: 'http://a', isDefault: true }, { type: 'loki', name: 'b', url: 'http://b', isDefault: true }] }, 'datasources: expected at most one datasource with isDefault, got ["a","b"]'],
    ['duplicate names', { datasources: [{ type: 'loki', name: 'a', url: 'http://a' }, { type: 'jaeger', name: 'a', url: 'http://b' }] }, 'datasources[1].name: expected a name not used by another datasource, got "a"'],
    ['url without scheme', { datasources: [{ type: 'prometheus', name: 'p', url: 'prometheus:9090' }] }, 'datasources[0].url: expected an http(s) URL'],
    ['elasticsearch without index', { datasources: [{ type: 'elasticsearch', name: 'e', url: 'http://es:9200', index: '' }] }, 'datasources[0].index: expected an index pattern'],
    ['bad dashboard file', { dashboards: { 'My Dashboard': {} } }, 'dashboards.My Dashboard: expected a file name'],
    ['missing admin', { adminCredentials: undefined }, 'test/grafana: adminCredentials: expected the Secret holding the admin user name and password'],
    ['relative root url', { rootUrl: '/grafana' }, 'rootUrl: expected an absolute http(s) URL'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Grafana(chart(), 'grafana', { namespace: 'n', adminCredentials, ...(props as object) } as any)).toThrow(message);
  });
});
