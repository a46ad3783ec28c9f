// FediFlow (../shared/seeds/002_7ad21f5926d1a696.txt): the document's numbers in the rendered objects.
import { App, Chart } from 'cdk8s';
import { loadEnvironment, providedEndpointSchema, SystemConfig } from '../../app/config';
import { SYSTEMS } from '../../charts';
import { EXTERNAL_PROVIDER_ANNOTATION, validateManifests } from '../../lib/validate';
import { K8s, renderSystem } from './systems';

describe('FediFlow', () => {
  const prod = renderSystem('prod', 'fediflow');
  const staging = renderSystem('staging', 'fediflow');
  const failover = renderSystem('prod-failover', 'fediflow');

  test('GIVEN prod WHEN rendered THEN the namespace is fediflow-prod labelled environment and tier', () => {
    expect(prod.find('Namespace', 'fediflow-prod').metadata.labels).toMatchObject({ environment: 'production', tier: 'application' });
  });

  test('GIVEN prod WHEN rendered THEN fediflow-api runs on 3000 with /health and /ready, 250m/256Mi-500m/512Mi, UID 1001, 5 initial replicas', () => {
    const d = prod.find('Deployment', 'fediflow-api-blue');
    const c = d.spec.template.spec.containers[0];
    expect(c.ports).toContainEqual({ name: 'http', containerPort: 3000, protocol: 'TCP' });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5 });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001 });
    expect(d.spec.replicas).toBe(5);
    expect(c.env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'database-credentials', key: 'url' } } });
  });

  test('GIVEN prod WHEN rendered THEN the HPA is 3-50 at 70% CPU / 80% memory with the exact behavior', () => {
    const hpa = prod.find('HorizontalPodAutoscaler', 'fediflow-api-blue');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'fediflow-api-blue' }, minReplicas: 3, maxReplicas: 50 });
    // The idle colour has an HPA of its own, with the same spec but a floor at the starting count (replicas: 5) a switch sends all traffic to.
    const standby = prod.find('HorizontalPodAutoscaler', 'fediflow-api-green');
    expect(standby.spec).toEqual({ ...hpa.spec, scaleTargetRef: { ...hpa.spec.scaleTargetRef, name: 'fediflow-api-green' }, minReplicas: 5 });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(hpa.spec.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  test('GIVEN prod WHEN rendered THEN blue-green switches the Service selector colour', () => {
    expect(prod.find('Service', 'fediflow-api').spec.selector.color).toBe('blue');
    expect(prod.find('Deployment', 'fediflow-api-green').spec.template.metadata.labels.color).toBe('green');
  });

  test('GIVEN staging WHEN rendered THEN the ConfigMap carries the document\'s staging values', () => {
    expect(staging.find('ConfigMap', 'fediflow-api-config').data).toEqual({
      NODE_ENV: 'staging', LOG_LEVEL: 'debug', FEDERATION_ENABLED: 'true', RATE_LIMIT_ENABLED: 'false', MONITORING_ENABLED: 'true',
    });
  });

  test('GIVEN prod WHEN rendered THEN a ServiceMonitor scrapes port metrics every 30s with honorLabels', () => {
    expect(prod.find('ServiceMonitor', 'fediflow-api').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s', honorLabels: true }]);
  });

  test('GIVEN prod WHEN rendered THEN the activity processor is a queue-consumer Deployment and the email sender a 5-minute CronJob', () => {
    const worker = prod.find('Deployment', 'activity-processor');
    expect(worker.spec.template.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(prod.find('ConfigMap', 'activity-processor-config').data).toMatchObject({ BATCH_SIZE: '10', MAX_BATCHING_WINDOW_SECONDS: '5', HANDLER_TIMEOUT_SECONDS: '30' });
    const cron = prod.find('CronJob', 'email-sender');
    expect(cron.spec.schedule).toBe('*/5 * * * *');
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(60);
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].resources.limits.memory).toBe('256Mi');
  });

  test('GIVEN prod WHEN rendered THEN the database and Redis are the managed services in external mode', () => {
    expect(prod.find('Service', 'postgres').spec).toMatchObject({ type: 'ExternalName', externalName: expect.stringMatching(/rds\.amazonaws\.com$/) });
    expect(prod.find('Service', 'redis').spec.type).toBe('ExternalName');
  });

  test('GIVEN the failover target WHEN rendered THEN the API is scaled to 10 replicas and the HPA keeps that floor', () => {
    for (const c of ['blue', 'green']) {
      expect(failover.find('Deployment', `fediflow-api-${c}`).spec.replicas).toBe(10);
      expect(failover.find('HorizontalPodAutoscaler', `fediflow-api-${c}`).spec).toMatchObject({ minReplicas: 10, maxReplicas: 50 });
    }
  });

  test('GIVEN prod WHEN rendered THEN Fluent Bit tails *fediflow* logs to elasticsearch.logging:9200, index fediflow-logs', () => {
    const conf = prod.find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf'];
    expect(conf).toMatch(/Path\s+\/var\/log\/containers\/\*fediflow\*\.log/);
    expect(conf).toMatch(/Host\s+elasticsearch\.logging\.svc\.cluster\.local/);
    expect(conf).toMatch(/Port\s+9200/);
    expect(conf).toMatch(/Logstash_Prefix\s+fediflow-logs/);
    expect(prod.find('DaemonSet', 'fluent-bit').metadata.namespace).toBe('fediflow-prod-logging');
  });

  test('GIVEN prod WHEN rendered THEN the API is exposed at api.fediflow.edu with TLS and the mesh enforces mTLS with circuit breaking', () => {
    const ing = prod.find('Ingress', 'fediflow-api');
    expect(ing.spec.rules[0].host).toBe('api.fediflow.edu');
    expect(ing.metadata.annotations!['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(prod.find('PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
    expect(prod.find('DestinationRule', 'fediflow-api').spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
  });
});

describe('FediFlow: where the logs go is the environment\'s setting (systems.fediflow.logging.elasticsearch)', () => {
  const prod = renderSystem('prod', 'fediflow');

  /** FediFlow of prod with `logging` in place of the merged one (undefined: the block removed). */
  function renderWith(logging: SystemConfig['logging']) {
    const cfg = loadEnvironment('prod');
    const system = { ...cfg.systems.fediflow!, logging };
    const chart: Chart = SYSTEMS.fediflow(new App(), 'fediflow', cfg, system);
    const objects = chart.toJson() as K8s[];
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
    const gate = () => validateManifests(objects.map((object, i) => ({ file: `dist/prod/fediflow/${i}.yaml`, object })), { environment: 'prod' })
      .violations.filter((v) => v.rule === 'ref/dns-name');
    return { find, gate };
  }

  test('GIVEN the defaults WHEN prod is rendered THEN the Fluent Bit DaemonSet states who runs the logging Elasticsearch, and the gate passes', () => {
    expect(prod.cfg.systems.fediflow!.logging?.elasticsearch).toEqual({ host: 'elasticsearch.logging.svc.cluster.local', port: 9200, providedBy: 'platform team (cluster logging stack, namespace logging)' });
    expect(prod.find('DaemonSet', 'fluent-bit').metadata.annotations![EXTERNAL_PROVIDER_ANNOTATION]).toBe('platform team (cluster logging stack, namespace logging)');
    expect(renderWith(prod.cfg.systems.fediflow!.logging).gate()).toEqual([]);
  });

  test('GIVEN another in-cluster Elasticsearch with its provider WHEN rendered THEN Fluent Bit writes there and its egress goes to that namespace and port', () => {
    const r = renderWith({ elasticsearch: { host: 'logs.observability.svc', port: 9201, providedBy: 'observability team' } });
    const conf = r.find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf'];
    expect(conf).toMatch(/Host\s+logs\.observability\.svc\n/);
    expect(conf).toMatch(/Port\s+9201\n/);
    expect(r.find('DaemonSet', 'fluent-bit').metadata.annotations![EXTERNAL_PROVIDER_ANNOTATION]).toBe('observability team');
    expect(r.find('NetworkPolicy', 'fluent-bit').spec.egress).toContainEqual({
      ports: [{ port: 9201, protocol: 'TCP' }],
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'logs' } } }],
    });
    expect(r.gate()).toEqual([]);
  });

  test('GIVEN an environment that states no provider (or no logging block) WHEN rendered THEN nothing is declared and the gate names the host', () => {
    for (const logging of [{ elasticsearch: { host: 'elasticsearch.logging.svc.cluster.local', port: 9200 } }, undefined]) {
      const r = renderWith(logging);
      expect(r.find('DaemonSet', 'fluent-bit').metadata.annotations?.[EXTERNAL_PROVIDER_ANNOTATION]).toBeUndefined();
      expect(r.gate().map((v) => [v.object.name, v.value, v.message.includes(EXTERNAL_PROVIDER_ANNOTATION)])).toEqual([['fluent-bit', 'elasticsearch.logging.svc.cluster.local', true]]);
    }
  });

  test('GIVEN the setting WHEN a host outside the cluster has no addresses or the provider is blank THEN the schema names the field', () => {
    const problems = (v: unknown) => { const r = providedEndpointSchema.safeParse(v); return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`); };
    expect(problems({ host: 'search.example.com', port: 443, providedBy: 'vendor' })).toEqual([expect.stringMatching(/^cidrs: the addresses of search\.example\.com/)]);
    expect(problems({ host: 'search.example.com', port: 443, providedBy: 'vendor', cidrs: ['10.20.0.0/16'] })).toEqual([]);
    expect(problems({ host: 'elasticsearch.logging.svc', port: 9200, providedBy: ' ' })).toEqual([expect.stringMatching(/^providedBy: /)]);
    expect(problems({ host: 'http://elasticsearch.logging.svc', port: 9200 })).toEqual([expect.stringMatching(/^host: /)]);
  });
});
