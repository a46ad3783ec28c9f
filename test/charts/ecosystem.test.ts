// "060" ecosystem (../shared/seeds/001_c28e73b2af604930.txt): the data tier and the observability stack.
import { load } from 'js-yaml';
import { renderSystem } from './systems';

describe('060 ecosystem', () => {
  const dev = renderSystem('dev', 'ecosystem');
  const prod = renderSystem('prod', 'ecosystem');

  test('GIVEN the environment table WHEN rendered THEN the database is dev-postgres in dev and prod-postgres-cluster with a read replica in prod', () => {
    expect(dev.find('Deployment', 'dev-postgres').spec.strategy.type).toBe('Recreate');
    expect(prod.find('StatefulSet', 'prod-postgres-cluster').spec.replicas).toBe(1);
    expect(prod.find('StatefulSet', 'prod-postgres-cluster-replica').spec.replicas).toBe(1);
    expect(prod.find('ConfigMap', 'user-service-config').data).toMatchObject({ DATABASE_HOST: 'prod-postgres-cluster', DATABASE_NAME: 'users', REDIS_HOST: 'redis' });
  });

  test('GIVEN Redis WHEN rendered THEN it persists (AOF on a volume)', () => {
    expect(prod.find('ConfigMap', 'redis-config').data['redis.conf']).toMatch(/^appendonly yes$/m);
    expect(prod.find('StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(dev.find('PersistentVolumeClaim', 'redis-data').kind).toBe('PersistentVolumeClaim');
  });

  test('GIVEN the service graph WHEN rendered THEN user-service reaches the primary, the read replica, Redis and Jaeger', () => {
    const egress = prod.find('NetworkPolicy', 'user-service').spec.egress;
    const targets = egress.map((e: any) => `${e.to[0].podSelector.matchLabels['app.kubernetes.io/name']}/${e.to[0].podSelector.matchLabels['app.kubernetes.io/component'] ?? ''}:${e.ports.map((p: any) => p.port).join(',')}`);
    expect(targets).toEqual(expect.arrayContaining(['prod-postgres-cluster/primary:postgres', 'prod-postgres-cluster/read-replica:postgres', 'redis/:redis', 'jaeger/:otlp-grpc']));
  });

  test('GIVEN the observability stack WHEN rendered THEN Prometheus keeps 30d on 100Gi in prod, Grafana has Prometheus, Jaeger and Elasticsearch, logs go through Fluent Bit to Elasticsearch and Kibana', () => {
    const prom = prod.find('StatefulSet', 'prometheus').spec;
    expect(prom.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=30d');
    expect(prom.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
    const ds = prod.find('ConfigMap', 'grafana-provisioning').data['datasources.yaml'];
    for (const t of ['prometheus', 'jaeger', 'elasticsearch']) expect(ds).toContain(`type: ${t}`);
    expect(prod.find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf']).toMatch(/Host\s+elasticsearch\.ecosystem-prod\.svc/);
    expect(prod.find('Deployment', 'kibana').kind).toBe('Deployment');
    expect(dev.find('StatefulSet', 'elasticsearch').spec.replicas).toBe(1);
  });
});

describe('060 "Alerting Strategy": AlertManager routes the SLO alerts by severity', () => {
  const prod = renderSystem('prod', 'ecosystem');
  const am = load(prod.find('ConfigMap', 'alertmanager-config').data['alertmanager.yml']) as any;
  const promData = prod.find('ConfigMap', 'prometheus-config').data;
  const prom = load(promData['prometheus.yml']) as any;

  test('GIVEN prod WHEN rendered THEN critical pages through PagerDuty at once, warning goes to Slack only in business hours, info notifies nobody', () => {
    const route = (severity: string) => am.route.routes.find((r: any) => r.matchers.includes(`severity="${severity}"`));
    const receiver = (name: string) => am.receivers.find((r: any) => r.name === name);
    expect(receiver(route('critical').receiver).pagerduty_configs).toHaveLength(1);
    expect(route('critical').active_time_intervals).toBeUndefined();
    expect(receiver(route('warning').receiver).slack_configs).toHaveLength(1);
    expect(route('warning').active_time_intervals).toEqual(['business-hours']);
    expect(am.time_intervals).toEqual([{ name: 'business-hours', time_intervals: [{ weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }], location: 'UTC' }] }]);
    expect(Object.keys(receiver(route('info').receiver))).toEqual(['name']);
  });

  test('GIVEN prod WHEN rendered THEN receivers\' keys are files of a Secret the secret store fills, never values in Git', () => {
    const text = prod.find('ConfigMap', 'alertmanager-config').data['alertmanager.yml'];
    expect(text).not.toMatch(/routing_key:|api_url:|hooks\.slack\.com|events\.pagerduty\.com/);
    const es = prod.find('ExternalSecret', 'alertmanager-receivers').spec;
    expect(es.data.map((d: any) => [d.secretKey, d.remoteRef.property])).toEqual([['pagerduty-routing-key', 'pagerduty-routing-key'], ['slack-webhook-url', 'slack-webhook-url']]);
    const pod = prod.find('StatefulSet', 'alertmanager').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'alertmanager-receivers' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'secret-0', mountPath: '/etc/alertmanager/secrets/alertmanager-receivers', readOnly: true });
  });

  test('GIVEN prod WHEN rendered THEN the system\'s Prometheus evaluates the SLO rules (the PrometheusRule\'s groups), scrapes user-service and sends alerts to the Alertmanager', () => {
    expect(prom.rule_files).toEqual(['/etc/prometheus/rules.yml']);
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager.ecosystem-prod.svc:9093']);
    const rules = load(promData['rules.yml']) as any;
    const cr = prod.find('PrometheusRule', 'user-service-slo').spec;
    expect(rules.groups.map((g: any) => [g.name, g.rules.length])).toEqual(cr.groups.map((g: any) => [g.name, g.rules.length]));
    expect(rules.groups[1].rules.map((r: any) => r.labels.severity).sort()).toEqual(['critical', 'critical', 'info', 'info', 'warning', 'warning']);
    const job = prom.scrape_configs.find((j: any) => j.job_name === 'services');
    expect(job.relabel_configs[0]).toMatchObject({ regex: '(user-service;http|user-service-canary;http|user-service-preview;http)', action: 'keep' });
    // The policies let Prometheus reach user-service and the Alertmanager, and the Alertmanager reach the internet on 443.
    const amPolicy = prod.find('NetworkPolicy', 'alertmanager').spec;
    expect(amPolicy.egress.some((e: any) => e.to.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0') && e.ports.some((p: any) => p.port === 443))).toBe(true);
    expect(amPolicy.ingress.some((i: any) => i.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus'))).toBe(true);
    const userIngress = prod.find('NetworkPolicy', 'user-service').spec.ingress;
    expect(userIngress.some((i: any) => i.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus' && !f.namespaceSelector))).toBe(true);
  });
});
