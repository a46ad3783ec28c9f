import * as yaml from 'js-yaml';
import { Prometheus } from '../../lib/platform/prometheus';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, render } from './util';

describe('Prometheus', () => {
  describe('defaults: namespaced discovery, no cluster-scoped objects', () => {
    const c = chart();
    const p = new Prometheus(c, 'prometheus', { namespace: 'monitoring' });
    const r = render(c);
    const sts = r.get('StatefulSet/prometheus');

    test('one replica per TSDB, 15d retention, size cap at 85% of 20Gi, protected volume', () => {
      expect(sts.spec.replicas).toBe(1);
      expect(container(sts, 'prometheus').args).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=15d', '--storage.tsdb.retention.size=17408MB']));
      expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    });

    test('least-privilege Role in its own namespace only', () => {
      expect(r.all.filter((o) => !o.metadata.namespace)).toEqual([]);
      expect(r.get('Role/prometheus').rules).toEqual([
        { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      ]);
      expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    });

    test('scrape config in a ConfigMap: endpoints with a port named metrics, in the discovered namespaces', () => {
      const cfg = yaml.load(r.get('ConfigMap/prometheus-config').data['prometheus.yml']) as any;
      expect(cfg.global.scrape_interval).toBe('30s');
      const job = cfg.scrape_configs.find((j: any) => j.job_name === 'metrics-ports');
      expect(job.kubernetes_sd_configs).toEqual([{ role: 'endpointslice', namespaces: { names: ['monitoring'] } }]);
      expect(job.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: 'metrics', action: 'keep' });
      expect(p.url).toBe('http://prometheus.monitoring.svc:9090');
    });

    test('probes /-/ready and /-/healthy; passes the gate', () => {
      expect(container(sts, 'prometheus').readinessProbe.httpGet.path).toBe('/-/ready');
      expect(container(sts, 'prometheus').livenessProbe.httpGet.path).toBe('/-/healthy');
      expect(gateErrors(r.all)).toEqual([]);
    });
  });

  test('Specify: 30d on 20Gi, cluster-wide discovery with a ClusterRole, HA pair with PDB', () => {
    const c = chart();
    new Prometheus(c, 'prometheus', { namespace: 'specify', retention: '30d', storage: { size: '20Gi', storageClass: 'gp3' }, discovery: { scope: 'cluster' }, replicas: 2, extraScrapeConfigs: [{ job_name: 'blackbox', static_configs: [{ targets: ['x:9115'] }] }] });
    const r = render(c);
    expect(container(r.get('StatefulSet/prometheus'), 'prometheus').args).toContain('--storage.tsdb.retention.time=30d');
    expect(r.get('ClusterRole/specify-prometheus').rules).toHaveLength(2);
    expect(r.get('ClusterRoleBinding/specify-prometheus').subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'specify' }]);
    expect(r.has('Role/prometheus')).toBe(false);
    expect(r.get('PodDisruptionBudget/prometheus').spec.maxUnavailable).toBe(1);
    const cfg = yaml.load(r.get('ConfigMap/prometheus-config').data['prometheus.yml']) as any;
    expect(cfg.scrape_configs.map((j: any) => j.job_name)).toEqual(['prometheus', 'metrics-ports', 'blackbox']);
    expect(cfg.scrape_configs[1].kubernetes_sd_configs).toEqual([{ role: 'endpointslice' }]);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('namespaced discovery over several namespaces renders a Role and RoleBinding in each', () => {
    const c = chart();
    new Prometheus(c, 'prometheus', { namespace: 'monitoring', discovery: { scope: 'namespaces', namespaces: ['shop', 'monitoring'] } });
    const r = render(c);
    expect(r.all.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace)).toEqual(['monitoring', 'shop']);
    expect(r.all.filter((o) => o.kind === 'RoleBinding').every((o) => o.subjects[0].namespace === 'monitoring')).toBe(true);
  });

  test.each([
    ['bad retention', { retention: '30 days' }, 'test/prometheus: retention: expected a duration such as "30s", "5m" or "1h"'],
    ['empty namespaces', { discovery: { scope: 'namespaces', namespaces: [] } }, 'discovery.namespaces: expected at least one namespace, got []'],
    ['bad namespace', { discovery: { scope: 'namespaces', namespaces: ['Shop'] } }, 'discovery.namespaces[0]: expected a DNS label'],
    ['duplicate job', { extraScrapeConfigs: [{ job_name: 'prometheus' }] }, 'extraScrapeConfigs[0].job_name: expected a job name not used by another job'],
    ['too many replicas', { replicas: 9 }, 'replicas: expected an integer from 1 to 5, got 9'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Prometheus(chart(), 'prometheus', { namespace: 'm', ...(props as object) })).toThrow(message);
  });
});
