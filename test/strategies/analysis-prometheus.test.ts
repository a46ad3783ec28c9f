/**
 * Which Prometheus the automated analysis queries, and that it lets the
 * controller in: the library takes the address and the Prometheus pods as
 * props and declares the controller's queries on the chart's service graph;
 * the app wires each system's own Prometheus in and scrapes the Services the
 * analysis measures.
 */
import { App, Chart, Testing } from 'cdk8s';
import { load } from 'js-yaml';
import { EnvironmentConfig, loadEnvironment } from '../../app/config';
import { ENVIRONMENT_DECLARED, strategyFromConfig, SystemPrometheus } from '../../app/adapters/strategy';
import { SYSTEMS } from '../../charts';
import { ClusterIssuersChart } from '../../charts/platform';
import { AnalysisCriteria, analysedServiceNames } from '../../lib/strategies/analysis';
import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { TrafficRouter } from '../../lib/strategies/traffic-router';
import { DeploymentStrategy } from '../../lib/strategies/strategy';
import { Peer } from '../../lib/security/peer';
import { ServiceGraph } from '../../lib/security/service-graph';
import { EXTERNAL_PROVIDER_ANNOTATION, validateManifests } from '../../lib/validate';
import { Microservice } from '../../lib/workloads/microservice';
import { testChart } from '../helpers/chart';
import { errorOf, IMAGE, Obj } from './render';

const SLO: AnalysisCriteria = { success: { errorRatePercent: 0.1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 1, latencyP95Ms: 1000 } };
const PROM: Peer = { name: 'prometheus', namespace: 'shop', selectorLabels: { 'app.kubernetes.io/name': 'prometheus' }, ports: { http: 9090 } };
const PROM_URL = 'http://prometheus.shop.svc:9090';
const STAGES = [{ weight: 20, pause: '5m' }, { weight: 100 }];

/** A chart with a service graph holding the Prometheus pods, and one service on `strategy`. */
function renderWithGraph(strategy: DeploymentStrategy) {
  const chart = testChart();
  const graph = new ServiceGraph(chart, 'ServiceGraph');
  graph.add(PROM);
  new Microservice(chart, 'user-service', { namespace: 'shop', image: IMAGE, replicas: 4, strategy });
  const objects = Testing.synth(chart) as Obj[];
  const get = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  return { objects, get };
}

/** Who the Prometheus NetworkPolicy admits: `<namespace>/<label values>:<ports>`. */
function admitted(policy: Obj): string[] {
  return (policy.spec.ingress ?? []).map((r: Obj) => {
    const f = r.from[0];
    const ns = f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? 'shop';
    return `${ns}/${Object.values(f.podSelector.matchLabels).join(',')}:${r.ports.map((p: Obj) => p.port).join(',')}`;
  });
}

describe('library: the analysis names the Prometheus and admits the controller through the service graph', () => {
  const withPeer: AnalysisCriteria = { ...SLO, prometheusAddress: PROM_URL, prometheusPeer: PROM };

  test.each([
    ['canary (Argo Rollouts)', CanaryStrategy.argoRollouts({ stages: STAGES, router: TrafficRouter.istio(), analysis: withPeer }), 'argo-rollouts/rollouts-controller,argo-rollouts:http'],
    ['blue-green (Argo Rollouts)', BlueGreenStrategy.argoRollouts({ analysis: withPeer }), 'argo-rollouts/rollouts-controller,argo-rollouts:http'],
    ['canary (Flagger)', CanaryStrategy.flagger({ stages: STAGES, router: TrafficRouter.istio(), analysis: withPeer }), 'flagger-system/flagger:http'],
  ])('GIVEN %s with prometheusPeer WHEN rendered THEN the Prometheus NetworkPolicy admits the controller on its http port', (_, strategy, rule) => {
    const { get } = renderWithGraph(strategy);
    expect(admitted(get('NetworkPolicy', 'prometheus'))).toEqual([rule]);
  });

  test('GIVEN the same analysis without prometheusPeer WHEN rendered THEN nobody is admitted (nothing rendered to open)', () => {
    const { get } = renderWithGraph(CanaryStrategy.argoRollouts({ stages: STAGES, router: TrafficRouter.istio(), analysis: { ...SLO, prometheusAddress: PROM_URL } }));
    expect(admitted(get('NetworkPolicy', 'prometheus'))).toEqual([]);
    expect(get('AnalysisTemplate', 'user-service-slo').spec.metrics[0].provider.prometheus.address).toBe(PROM_URL);
  });

  test('GIVEN two analysed services in one chart WHEN rendered THEN the controller has one rule, not one per service', () => {
    const chart = testChart();
    const graph = new ServiceGraph(chart, 'ServiceGraph');
    graph.add(PROM);
    for (const name of ['a', 'b']) new Microservice(chart, name, { namespace: 'shop', image: IMAGE, replicas: 2, strategy: BlueGreenStrategy.argoRollouts({ analysis: { ...SLO, prometheusAddress: PROM_URL, prometheusPeer: PROM } }) });
    const np = (Testing.synth(chart) as Obj[]).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'prometheus')!;
    expect(admitted(np)).toEqual(['argo-rollouts/rollouts-controller,argo-rollouts:http']);
  });

  test('GIVEN prometheusProvidedBy WHEN rendered THEN the AnalysisTemplate and both Flagger MetricTemplates carry the declaration', () => {
    const analysis = { ...SLO, prometheusAddress: 'http://kps-prometheus.monitoring.svc:9090', prometheusProvidedBy: 'kube-prometheus-stack' };
    const argo = renderWithGraph(CanaryStrategy.argoRollouts({ stages: STAGES, router: TrafficRouter.istio(), analysis }));
    expect(argo.get('AnalysisTemplate', 'user-service-slo').metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]).toBe('kube-prometheus-stack');
    const flagger = renderWithGraph(CanaryStrategy.flagger({ stages: STAGES, router: TrafficRouter.istio(), analysis }));
    for (const n of ['user-service-error-rate', 'user-service-latency-p95']) expect(flagger.get('MetricTemplate', n).metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]).toBe('kube-prometheus-stack');
    expect(renderWithGraph(BlueGreenStrategy.argoRollouts({ analysis: SLO })).get('AnalysisTemplate', 'user-service-slo').metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]).toBeUndefined();
  });

  test.each([
    ['an address off the peer\'s ports', { prometheusAddress: 'http://prometheus.shop.svc:9091', prometheusPeer: PROM }, 'strategy.analysis.prometheusAddress: expected an address on a port of prometheusPeer prometheus (http: 9090), not port 9091, got "http://prometheus.shop.svc:9091"'],
    ['a peer and an external provider', { prometheusAddress: PROM_URL, prometheusPeer: PROM, prometheusProvidedBy: 'them' }, 'strategy.analysis.prometheusProvidedBy: expected no prometheusProvidedBy with prometheusPeer (prometheus is rendered with the chart), got "them"'],
    ['an empty provider', { prometheusProvidedBy: '' }, 'strategy.analysis.prometheusProvidedBy: expected who runs that Prometheus'],
  ])('GIVEN %s WHEN rendered THEN a PropsError names the field', (_, extra, message) => {
    expect(errorOf(() => renderWithGraph(BlueGreenStrategy.argoRollouts({ analysis: { ...SLO, ...extra } })))).toContain(message);
  });

});

describe('app: the environment file\'s analysis goes to the system\'s Prometheus unless it names another', () => {
  const system: SystemPrometheus = { address: 'http://prometheus.ecosystem-prod.svc:9090', peer: PROM };
  const canary = (analysis: object) => ({ type: 'canary', backend: 'argo-rollouts', router: 'istio', stages: STAGES, analysis: { ...SLO, ...analysis } }) as never;
  /** The criteria the adapter hands to the library (read back from the template it renders). */
  const templateOf = (strategy: DeploymentStrategy) => renderWithGraph(strategy).get('AnalysisTemplate', 'user-service-slo');

  test('GIVEN no address and a system Prometheus WHEN adapted THEN the analysis queries it and admits the controller', () => {
    const { get } = renderWithGraph(strategyFromConfig(canary({}), system)!);
    expect(get('AnalysisTemplate', 'user-service-slo').spec.metrics[0].provider.prometheus.address).toBe(system.address);
    expect(admitted(get('NetworkPolicy', 'prometheus'))).toEqual(['argo-rollouts/rollouts-controller,argo-rollouts:http']);
  });

  test('GIVEN another address in the environment file WHEN adapted THEN it is used and declared external; the system Prometheus admits nobody', () => {
    const { get } = renderWithGraph(strategyFromConfig(canary({ prometheusAddress: 'http://kps.monitoring.svc:9090' }), system)!);
    const t = get('AnalysisTemplate', 'user-service-slo');
    expect([t.spec.metrics[0].provider.prometheus.address, t.metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]]).toEqual(['http://kps.monitoring.svc:9090', ENVIRONMENT_DECLARED]);
    expect(admitted(get('NetworkPolicy', 'prometheus'))).toEqual([]);
  });

  test('GIVEN the system Prometheus\'s own address in the file WHEN adapted THEN it counts as the system\'s (admitted, not declared external)', () => {
    const t = templateOf(strategyFromConfig(canary({ prometheusAddress: system.address }), system)!);
    expect(t.metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]).toBeUndefined();
  });

  test('GIVEN no address and no system Prometheus WHEN adapted THEN the library default stays, undeclared (the gate refuses it)', () => {
    const t = templateOf(strategyFromConfig(canary({}))!);
    expect([t.spec.metrics[0].provider.prometheus.address, t.metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]]).toEqual(['http://prometheus-operated.monitoring.svc:9090', undefined]);
  });
});

describe('app: prod ecosystem rendered with each Argo Rollouts strategy passes the gate', () => {
  /** The prod ecosystem with user-service on `strategy`, its objects and the gate's violations. */
  function renderProd(strategy: object) {
    const cfg = loadEnvironment('prod');
    const eco = cfg.systems.ecosystem!;
    const env = { ...cfg, systems: { ...cfg.systems, ecosystem: { ...eco, services: { ...eco.services, 'user-service': { ...eco.services['user-service'], strategy } } } } } as EnvironmentConfig;
    const app = new App();
    const chart: Chart = SYSTEMS.ecosystem(app, 'ecosystem', env, env.systems.ecosystem!);
    const objects = chart.toJson() as Obj[];
    // The environment's ClusterIssuer, which the Ingress names (rendered into _platform/cluster-issuers).
    const issuers = new ClusterIssuersChart(app, 'cluster-issuers', { config: env, targets: [] }).toJson() as Obj[];
    const report = validateManifests([
      ...objects.map((object, i) => ({ file: `dist/prod/ecosystem/${i}.yaml`, object })),
      ...issuers.map((object, i) => ({ file: `dist/prod/_platform/cluster-issuers/${i}.yaml`, object })),
    ], { environment: 'prod' });
    const scrapeRegex = (load(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!.data['prometheus.yml']) as Obj)
      .scrape_configs.find((j: Obj) => j.job_name === 'services').relabel_configs[0].regex;
    return { objects, report, scrapeRegex };
  }

  test('GIVEN blue-green with pre/post-promotion analysis WHEN rendered THEN the system Prometheus is queried, scrapes user-service-preview, and nothing in the gate fails', () => {
    const { objects, report, scrapeRegex } = renderProd({ type: 'blue-green', backend: 'argo-rollouts', analysis: SLO });
    const t = objects.find((o) => o.kind === 'AnalysisTemplate')!;
    expect(t.spec.metrics.map((m: Obj) => m.provider.prometheus.address)).toEqual(['http://prometheus.ecosystem-prod.svc:9090', 'http://prometheus.ecosystem-prod.svc:9090']);
    expect(scrapeRegex).toBe('(user-service;http|user-service-canary;http|user-service-preview;http)');
    expect(report.violations.map((v) => `${v.rule} ${v.object.kind}/${v.object.name} ${v.path}: ${v.message}`)).toEqual([]);
  });

  test('GIVEN the canary of environments/prod.yaml, blue-green and rolling WHEN rendered THEN the Prometheus scrapes through the same Services (user-service, -canary, -preview): one configuration for every strategy', () => {
    const regexes = [loadEnvironment('prod').systems.ecosystem!.services['user-service'].strategy!, { type: 'blue-green', backend: 'argo-rollouts', analysis: SLO }, { type: 'rolling' }].map((s) => renderProd(s).scrapeRegex);
    expect(new Set(regexes)).toEqual(new Set([`(${analysedServiceNames('user-service').map((n) => `${n};http`).join('|')})`]));
    expect(analysedServiceNames('user-service')).toEqual(['user-service', 'user-service-canary', 'user-service-preview']);
  });
});
