import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { clusterFacts } from '../../charts/platform';
import { declareClusterPrometheus } from '../../app/adapters/monitoring';
import { SystemBase } from '../../app/adapters/system';
import { loadEnvironment } from '../../app/config';
import { ServiceMonitor } from '../../lib/observability/service-monitor';
import { SloRules } from '../../lib/observability/slo-rules';
import { TracingSampling } from '../../lib/observability/tracing-sampling';
import { checkCluster, GateObject } from '../../lib/platform/cluster-gate';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../../lib/validate/rules';
import { find, Obj } from '../security/fixtures';
import { testChart } from '../helpers/chart';
import { ROOT } from '../helpers/project';
import { committedGateObjects } from '../helpers/dist';

const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];
const load = (env: string) => loadEnvironment(env, { dir: path.join(ROOT, 'environments'), root: ROOT });
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const DIST = committedGateObjects();
const inEnv = (env: string) => DIST.filter((o) => o.dir.split('/')[0] === env);
const isMonitoring = (o: GateObject) => o.object.apiVersion.startsWith('monitoring.coreos.com/') && ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(o.object.kind);

describe('who runs the cluster Prometheus (observability.prometheus.providedBy)', () => {
  test.each(ENVS)('%s: every ServiceMonitor/PodMonitor/PrometheusRule states the provider of the environment file', (env) => {
    const mons = inEnv(env).filter(isMonitoring);
    expect(mons.length).toBeGreaterThan(0);
    const providedBy = load(env).observability?.prometheus?.providedBy;
    expect(providedBy).toMatch(/kube-prometheus-stack/);
    for (const o of mons) expect([o.file, o.object.metadata.annotations?.[EXTERNAL_PROVIDER_ANNOTATION]]).toEqual([o.file, providedBy]);
  });

  test('GIVEN prod with the declaration removed from one ServiceMonitor and one PrometheusRule WHEN gated THEN cluster/unserved names each, and nothing else', () => {
    const objects = clone(inEnv('prod'));
    const sm = objects.find((o) => o.object.kind === 'ServiceMonitor' && o.object.metadata.name === 'user-service')!;
    const rule = objects.find((o) => o.object.kind === 'PrometheusRule')!;
    for (const o of [sm, rule]) delete o.object.metadata.annotations![EXTERNAL_PROVIDER_ANNOTATION];
    const v = checkCluster('prod', objects, clusterFacts(load('prod'))).violations;
    expect(v).toEqual([
      expect.stringMatching(/^cluster\/unserved: dist\/prod\/ecosystem\/.*\(PrometheusRule ecosystem-prod\/user-service-slo\)/),
      expect.stringMatching(new RegExp(`^cluster/unserved: dist/prod/ecosystem/${sm.file} \\(ServiceMonitor ecosystem-prod/user-service\\): a ServiceMonitor does nothing without a running Prometheus Operator.*validate\\.platform\\.dev/external-provider.*environments/prod\\.yaml: observability\\.prometheus\\.providedBy`)),
    ]);
  });

  test('GIVEN prod-shared with every declaration removed WHEN gated as the shared cluster it is THEN accepted (its owners bring every add-on); gated as our own cluster THEN refused', () => {
    const objects = clone(inEnv('prod-shared'));
    const mons = objects.filter(isMonitoring);
    for (const o of mons) delete o.object.metadata.annotations![EXTERNAL_PROVIDER_ANNOTATION];
    expect(checkCluster('prod-shared', objects, { shared: true, external: [] }).violations).toEqual([]);
    const own = checkCluster('prod-shared', objects, { shared: false, external: [] }).violations.filter((v) => v.startsWith('cluster/unserved'));
    expect(own).toHaveLength(mons.length);
  });

  test('GIVEN an environment without providedBy WHEN a chart is declared THEN nothing is annotated; with it, only monitoring.coreos.com objects are', () => {
    const build = (providedBy?: string) => {
      const chart = testChart();
      new ServiceMonitor(chart, 'sm', { name: 'api', namespace: 'shop', selector: { app: 'api' }, endpoints: [{ port: 'metrics' }] });
      new SloRules(chart, 'slo', { service: 'api', namespace: 'shop' });
      const base = { env: { observability: { prometheus: { namespace: 'monitoring', labels: {}, providedBy } } } } as unknown as SystemBase;
      declareClusterPrometheus(base, chart);
      return Testing.synth(chart) as Obj[];
    };
    const annotations = (objs: Obj[]) => objs.map((o) => [o.kind, (o.metadata as { annotations?: Record<string, string> }).annotations?.[EXTERNAL_PROVIDER_ANNOTATION]]);
    expect(annotations(build())).toEqual([['ServiceMonitor', undefined], ['PrometheusRule', undefined]]);
    expect(annotations(build('ops team'))).toEqual([['ServiceMonitor', 'ops team'], ['PrometheusRule', 'ops team']]);
  });

  test('GIVEN docs/observability.md WHEN it names the rule selector THEN every rendered PrometheusRule carries that label', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8');
    const [, key, value] = /ruleSelector` should match\s+`([^:`]+): ([^`]+)`/.exec(doc)!;
    const rules = DIST.filter((o) => o.object.kind === 'PrometheusRule');
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.object.metadata.labels?.[key]).toBe(value);
  });
});

describe('Istio tracing goes to the system\'s Jaeger', () => {
  test('GIVEN otlp WHEN rendered THEN the Telemetry names the provider and extensionProvider is istiod\'s entry; a provider beside otlp is refused', () => {
    const chart = testChart();
    const t = new TracingSampling(chart, 'T', { namespace: 'shop', samplingPercent: 10, otlp: { name: 'jaeger-shop', opentelemetry: { service: 'jaeger.shop.svc.cluster.local', port: 4317 } } });
    expect(find(Testing.synth(chart) as Obj[], 'Telemetry', 'tracing').spec).toEqual({ tracing: [{ randomSamplingPercentage: 10, providers: [{ name: 'jaeger-shop' }] }] });
    expect(t.extensionProvider).toEqual({ name: 'jaeger-shop', opentelemetry: { service: 'jaeger.shop.svc.cluster.local', port: 4317 } });
    expect(() => new TracingSampling(testChart(), 'T', { namespace: 'shop', samplingPercent: 10, provider: 'x', otlp: t.extensionProvider })).toThrow(/provider: .*no provider beside otlp/);
    expect(() => new TracingSampling(testChart(), 'T', { namespace: 'shop', samplingPercent: 10, otlp: { name: 'j', opentelemetry: { service: 'jaeger', port: 4317 } } })).toThrow(/otlp\.opentelemetry\.service: .*a Service host/);
  });

  test.each(['staging', 'prod'])('%s: a Telemetry only where the system runs Jaeger, naming a provider the rendered istiod defines, pointing at that Jaeger\'s OTLP port', (env) => {
    const tels = inEnv(env).filter((o) => o.object.kind === 'Telemetry');
    expect(tels.map((o) => o.object.metadata.namespace).sort()).toEqual([`ecosystem-${env}`, `specify-${env}`]);
    const istiod = inEnv(env).find((o) => o.object.kind === 'Application' && o.object.metadata.name === `istiod-${env}`)!;
    const providers = ((istiod.object.spec as { source: { helm: { valuesObject: { meshConfig: { extensionProviders: unknown[] } } } } }).source.helm.valuesObject.meshConfig.extensionProviders);
    for (const t of tels) {
      const ns = t.object.metadata.namespace!;
      expect((t.object.spec as { tracing: unknown[] }).tracing).toEqual([{ randomSamplingPercentage: load(env).observability!.tracingSamplingPercent, providers: [{ name: `jaeger-${ns}` }] }]);
      expect(providers).toContainEqual({ name: `jaeger-${ns}`, opentelemetry: { service: `jaeger.${ns}.svc.cluster.local`, port: 4317 } });
      expect(inEnv(env).find((o) => o.object.kind === 'Service' && o.object.metadata.namespace === ns && o.object.metadata.name === 'jaeger')).toBeDefined();
    }
  });

  test('GIVEN prod WHEN every pod of a Jaeger namespace is looked at THEN its NetworkPolicy lets it reach Jaeger on otlp-grpc, and Jaeger\'s AuthorizationPolicy admits 4317', () => {
    for (const ns of ['ecosystem-prod', 'specify-prod']) {
      const policies = inEnv('prod').filter((o) => o.object.kind === 'NetworkPolicy' && o.object.metadata.namespace === ns && o.object.metadata.name !== 'default-deny' && o.object.metadata.name !== 'jaeger' && !o.object.metadata.name.startsWith('allow-'));
      expect(policies.length).toBeGreaterThan(2);
      type Rule = { ports?: Array<{ port: unknown }>; to?: Array<{ podSelector?: { matchLabels?: Record<string, string> } }> };
      for (const p of policies) {
        const egress = ((p.object.spec as { egress?: Rule[] }).egress ?? []);
        const ok = egress.some((r) => r.ports?.some((x) => x.port === 'otlp-grpc') && r.to?.some((t) => t.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'jaeger'));
        expect([p.object.metadata.name, ok]).toEqual([p.object.metadata.name, true]);
      }
      const authz = inEnv('prod').find((o) => o.object.kind === 'AuthorizationPolicy' && o.object.metadata.namespace === ns && o.object.metadata.name === 'jaeger')!;
      expect(JSON.stringify(authz.object.spec)).toContain('"4317"');
    }
  });

  test('GIVEN staging with a Telemetry naming an undefined provider, or none WHEN gated THEN cluster/unserved says which', () => {
    const objects = clone(inEnv('staging'));
    const tel = objects.filter((o) => o.object.kind === 'Telemetry');
    (tel[0].object.spec as { tracing: Array<{ providers?: unknown }> }).tracing[0].providers = [{ name: 'zipkin' }];
    delete (tel[1].object.spec as { tracing: Array<{ providers?: unknown }> }).tracing[0].providers;
    const v = checkCluster('staging', objects, clusterFacts(load('staging'))).violations;
    expect(v).toEqual([
      expect.stringMatching(/^cluster\/unserved: dist\/staging\/\w+\/.*\(Telemetry \w+-staging\/tracing\): spec\.tracing\[0\]\.providers names "zipkin", which .*istiod-staging\) does not define; expected one of meshConfig\.extensionProviders \(jaeger-ecosystem-staging, jaeger-specify-staging\)/),
      expect.stringMatching(/^cluster\/unserved: .*\(Telemetry \w+-staging\/tracing\): spec\.tracing\[0\] names no provider/),
    ]);
  });
});
