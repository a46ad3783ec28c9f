// FediFlow (../shared/seeds/002_7ad21f5926d1a696.txt): the document's numbers in the rendered objects.
import { renderSystem } from './systems';

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
