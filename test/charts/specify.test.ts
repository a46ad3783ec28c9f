// Specify (../shared/seeds/004_65e3847b87ad8b3d.txt): the document's numbers in the rendered objects.
import { renderSystem } from './systems';

describe('Specify', () => {
  const dev = renderSystem('dev', 'specify');
  const staging = renderSystem('staging', 'specify');
  const prod = renderSystem('prod', 'specify');

  test('GIVEN prod WHEN rendered THEN the pods run 100m/256Mi-1000m/1Gi as UID 1000, read-only, capabilities dropped, with three probes', () => {
    const d = prod.find('Deployment', 'specify-blue');
    const c = d.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1Gi' } });
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, privileged: false });
    expect(c.livenessProbe && c.readinessProbe && c.startupProbe).toBeTruthy();
  });

  test('GIVEN prod WHEN rendered THEN each blue-green colour has its own HPA, 3-10 at 70% CPU / 80% memory', () => {
    for (const c of ['blue', 'green']) {
      const hpa = prod.find('HorizontalPodAutoscaler', `specify-${c}`);
      expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: `specify-${c}` }, minReplicas: 3, maxReplicas: 10 });
      expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    }
  });

  test('GIVEN any environment WHEN rendered THEN the Service is ClusterIP 8080 http + 8081 metrics with ClientIP affinity 10800 s', () => {
    for (const r of [dev, staging, prod]) {
      const s = r.find('Service', 'specify').spec;
      expect(s.type).toBe('ClusterIP');
      expect(s.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 8080], ['metrics', 8081]]);
      expect(s.sessionAffinity).toBe('ClientIP');
      expect(s.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    }
  });

  test('GIVEN prod WHEN rendered THEN PDB minAvailable 2, anti-affinity weight 100 on the hostname and zone spreading', () => {
    // One budget per colour: over both, the idle colour's pods would count as available while a drain evicts the active ones.
    for (const c of ['blue', 'green']) expect(prod.find('PodDisruptionBudget', `specify-${c}`).spec).toMatchObject({ minAvailable: 2, selector: { matchLabels: { version: c } } });
    const pod = prod.find('Deployment', 'specify-blue').spec.template.spec;
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]).toMatchObject({ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } });
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
  });

  test('GIVEN dev WHEN rendered THEN the rolling update is maxSurge 1 / maxUnavailable 0', () => {
    expect(dev.find('Deployment', 'specify').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('GIVEN prod WHEN rendered THEN blue-green switches the Service by the version label', () => {
    expect(prod.find('Service', 'specify').spec.selector.version).toBe('blue');
  });

  test('GIVEN staging WHEN rendered THEN the canary takes 10% through the mesh (90/10)', () => {
    const vs = staging.find('VirtualService', 'specify');
    const weights = vs.spec.http[0].route.map((r: any) => r.weight);
    expect(weights).toEqual([90, 10]);
  });

  test('GIVEN the RBAC WHEN rendered THEN configmaps/secrets get+list and pods get+list+watch', () => {
    expect(prod.find('Role', 'specify').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('GIVEN PostgreSQL WHEN rendered THEN prod is a 50Gi StatefulSet, dev a 10Gi Deployment, both with a backup CronJob', () => {
    const sts = prod.find('StatefulSet', 'postgres');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(dev.find('Deployment', 'postgres').spec.strategy.type).toBe('Recreate');
    expect(dev.find('PersistentVolumeClaim', 'postgres-data').spec.resources.requests.storage).toBe('10Gi');
    for (const r of [dev, prod]) expect(r.find('CronJob', 'postgres-backup').spec.concurrencyPolicy).toBe('Forbid');
  });

  test('GIVEN Redis WHEN rendered THEN AOF, LRU and the exporter, 5Gi in dev and 20Gi in prod', () => {
    const conf = prod.find('ConfigMap', 'redis-config').data['redis.conf'];
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory-policy allkeys-lru$/m);
    expect(prod.find('StatefulSet', 'redis').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis', 'exporter']);
    expect(prod.find('StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(dev.find('PersistentVolumeClaim', 'redis-data').spec.resources.requests.storage).toBe('5Gi');
  });

  test('GIVEN the network WHEN rendered THEN default deny, ingress from Prometheus, egress to PostgreSQL and Redis', () => {
    expect(prod.find('NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const own = prod.find('NetworkPolicy', 'specify').spec;
    const egressPorts = own.egress.flatMap((e: any) => e.ports.map((p: any) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining(['postgres', 'redis']));
    expect(JSON.stringify(own.ingress)).toContain('prometheus');
  });

  test('GIVEN prod WHEN rendered THEN NGINX serves it with a Let\'s Encrypt certificate, SSL redirect, rate limit and CORS', () => {
    const ing = prod.find('Ingress', 'specify');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['specify.example.com'], secretName: 'specify-tls' }]);
    expect(ing.metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rps': '50',
      'nginx.ingress.kubernetes.io/enable-cors': 'true',
    });
  });

  test('GIVEN the observability layer WHEN rendered THEN Prometheus keeps 30 days on 20Gi, Grafana has Prometheus, Jaeger and Loki, Jaeger samples 100% in dev and 10% in prod', () => {
    const prom = prod.find('StatefulSet', 'prometheus').spec;
    expect(prom.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=30d');
    expect(prom.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    const ds = prod.find('ConfigMap', 'grafana-provisioning').data['datasources.yaml'];
    for (const t of ['prometheus', 'jaeger', 'loki']) expect(ds).toContain(`type: ${t}`);
    const rate = (r: typeof dev) => JSON.parse(r.find('ConfigMap', 'jaeger-config').data['sampling.json']).default_strategy.param;
    expect([rate(dev), rate(prod)]).toEqual([1, 0.1]);
    expect(prod.find('Deployment', 'kibana').kind).toBe('Deployment');
  });

  test('GIVEN the Loki of systems.specify.logging.loki WHEN rendered THEN Grafana reads it at that address and its Deployment states who runs it', () => {
    expect(prod.cfg.systems.specify!.logging?.loki).toMatchObject({ host: 'loki.logging.svc', port: 3100 });
    expect(prod.find('ConfigMap', 'grafana-provisioning').data['datasources.yaml']).toContain('url: http://loki.logging.svc:3100');
    expect(prod.find('Deployment', 'grafana').metadata.annotations!['validate.platform.dev/external-provider']).toBe(prod.cfg.systems.specify!.logging!.loki!.providedBy);
  });

  test('GIVEN the network WHEN rendered THEN the API reaches Jaeger (OTLP and sampling) and nothing else of the observability layer', () => {
    const egress = prod.find('NetworkPolicy', 'specify').spec.egress;
    const toJaeger = egress.find((e: any) => e.to[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'jaeger');
    expect(toJaeger.ports.map((p: any) => p.port)).toEqual(['otlp-grpc', 'sampling']);
    expect(prod.find('ConfigMap', 'specify-config').data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger.specify-prod.svc:4317');
  });

  test('GIVEN staging and prod WHEN rendered THEN the mesh enforces STRICT mTLS; dev has no mesh objects', () => {
    expect(prod.find('PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
    expect(prod.find('Namespace', 'specify-prod').metadata.labels!['istio-injection']).toBe('enabled');
    expect(dev.all('PeerAuthentication')).toEqual([]);
  });

  test('GIVEN logs WHEN rendered THEN Fluent Bit collects them from a privileged namespace of its own', () => {
    expect(prod.find('DaemonSet', 'fluent-bit').metadata.namespace).toBe('specify-prod-logging');
    const ns = prod.find('Namespace', 'specify-prod-logging').metadata;
    expect(ns.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.annotations!['validate.platform.dev/pod-security-reason']).toMatch(/hostPath/);
    expect(prod.find('Namespace', 'specify-prod').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('Specify "ELK Stack": Logstash is the log processing pipeline', () => {
  test.each(['dev', 'staging', 'prod'])('GIVEN %s WHEN rendered THEN Fluent Bit ships to Logstash, which writes specify-logs-YYYY.MM.DD to the ELK Elasticsearch, and the service graph allows both hops', (env) => {
    const r = renderSystem(env, 'specify');
    const ns = r.cfg.systems.specify!.namespace;
    const fluent: string = r.find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf'];
    const output = fluent.split('\n\n').find((s) => s.startsWith('[OUTPUT]'))!;
    expect(output).toMatch(new RegExp(`Name\\s+http\\n\\s+Match\\s+kube\\.\\*\\n\\s+Host\\s+logstash\\.${ns}\\.svc\\n\\s+Port\\s+8080`));
    const pipeline: string = r.find('ConfigMap', 'logstash-config').data['logstash.conf'];
    expect(pipeline).toContain(`hosts => ["http://elasticsearch.${ns}.svc:9200"]`);
    expect(pipeline).toContain('index => "specify-logs-%{+YYYY.MM.dd}"');
    expect(r.find('StatefulSet', 'logstash').spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    // Fluent Bit (in <ns>-logging) may reach Logstash's input; Logstash may reach Elasticsearch's http port.
    const toLogstash = r.find('NetworkPolicy', 'logstash').spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === 'http'));
    expect(toLogstash.from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `${ns}-logging` } }, podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'fluent-bit' }) } });
    const esIngress = r.find('NetworkPolicy', 'elasticsearch').spec.ingress;
    expect(esIngress.some((i: any) => i.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'logstash'))).toBe(true);
  });
});
