import { ElasticsearchCluster } from '../../lib/data/elasticsearch';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

describe('ElasticsearchCluster', () => {
  describe('defaults: one node, no privileged container', () => {
    const c = chart();
    const es = new ElasticsearchCluster(c, 'es', { namespace: 'infometis' });
    const r = render(c);
    const sts = r.get('StatefulSet/es');
    const yml = r.get('ConfigMap/es-config').data['elasticsearch.yml'];

    test('single-node discovery, mmap off, heap half the 2Gi limit', () => {
      expect(yml).toContain('discovery.type: single-node');
      expect(yml).toContain('node.store.allow_mmap: false');
      expect(yml).toContain('node.name: "${POD_NAME}"');
      expect(envOf(container(sts, 'elasticsearch')).ES_JAVA_OPTS).toBe('-Xms1024m -Xmx1024m');
      expect(es.heapMb).toBe(1024);
      expect(es.podSecurity).toEqual({ level: 'restricted', reason: '' });
      expect(sts.spec.template.spec.initContainers.map((x: any) => x.name)).toEqual(['config']);
    });

    test('readiness waits for yellow with a timeout, so a single node becomes ready', () => {
      expect(container(sts, 'elasticsearch').readinessProbe.httpGet.path).toBe('/_cluster/health?wait_for_status=yellow&timeout=1s');
    });

    test('protected StatefulSet, Parallel start, headless Service publishing not-ready nodes', () => {
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(r.get('Service/es-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
      expect(r.has('PodDisruptionBudget/es')).toBe(false);
      expect(r.get('ServiceMonitor/es').spec.endpoints[0].port).toBe('metrics');
      expect(es.url).toBe('http://es.infometis.svc:9200');
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('three nodes: seed hosts and initial masters from the headless Service, PDB and spreading', () => {
    const c = chart();
    new ElasticsearchCluster(c, 'logs', {
      namespace: 'logging', replicas: 3, storage: { size: '100Gi', storageClass: 'fast' },
      resources: { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '2', memory: '8Gi' } }, settings: { 'action.destructive_requires_name': true },
    });
    const r = render(c);
    const yml = r.get('ConfigMap/logs-config').data['elasticsearch.yml'];
    expect(yml).toContain('discovery.seed_hosts: ["logs-headless"]');
    expect(yml).toContain('cluster.initial_master_nodes: ["logs-0", "logs-1", "logs-2"]');
    expect(yml).toContain('action.destructive_requires_name: true');
    const sts = r.get('StatefulSet/logs');
    expect(envOf(container(sts, 'elasticsearch')).ES_JAVA_OPTS).toBe('-Xms4096m -Xmx4096m');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '100Gi' } } });
    expect(sts.spec.template.spec.topologySpreadConstraints).toHaveLength(1);
    expect(r.get('PodDisruptionBudget/logs').spec.maxUnavailable).toBe(1);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('opt-in sysctl init: privileged init container, mmap on, privileged namespace with the reason', () => {
    const c = chart();
    const es = new ElasticsearchCluster(c, 'es', { namespace: 'search', maxMapCountInit: { reason: 'mmap halves query latency on the prod search tier' } });
    const r = render(c);
    const init = container(r.get('StatefulSet/es'), 'max-map-count');
    expect(init.command).toEqual(['sysctl', '-w', 'vm.max_map_count=262144']);
    expect(init.securityContext).toMatchObject({ privileged: true, runAsUser: 0 });
    expect(r.get('ConfigMap/es-config').data['elasticsearch.yml']).toContain('node.store.allow_mmap: true');
    expect(es.podSecurity.level).toBe('privileged');
    expect(es.podSecurity.reason).toContain('mmap halves query latency');
    // The only gate findings are the documented opt-in ones.
    expect(gateErrors(r.all)).toEqual([
      'StatefulSet/es container max-map-count: privileged',
      'StatefulSet/es container max-map-count: allowPrivilegeEscalation not false',
      'StatefulSet/es container max-map-count: runAsNonRoot not true',
      'StatefulSet/es container max-map-count: runAsUser 0',
      'StatefulSet/es container max-map-count: capabilities not dropping ALL',
    ]);
  });

  test.each([
    ['zero replicas', { replicas: 0 }, 'test/es: replicas: expected an integer from 1 to 99, got 0'],
    ['tiny memory', { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } } }, 'resources.limits.memory: expected at least 512Mi (half of it becomes the JVM heap), got "256Mi"'],
    ['sysctl without reason', { maxMapCountInit: { reason: '' } }, 'maxMapCountInit.reason: expected a sentence saying why a privileged init container is acceptable here'],
    ['overriding discovery', { settings: { 'discovery.type': 'multi-node' } }, 'settings.discovery.type: expected a setting the construct does not derive'],
    ['bad storage class', { storage: { size: '1Gi', storageClass: 'Fast_SSD' } }, 'storage.storageClass: expected a StorageClass name'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new ElasticsearchCluster(chart(), 'es', { namespace: 'ns', ...(props as object) })).toThrow(message);
  });
});
