import { CanaryStrategy } from '../../lib/strategies/canary';
import { TrafficRouter } from '../../lib/strategies/traffic-router';
import { errorOf, render, stableIngress } from './render';

const STAGES_060 = [{ weight: 5, pause: '10m' }, { weight: 25, pause: '20m' }, { weight: 100 }];
const SLO = { success: { errorRatePercent: 0.1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 1, latencyP95Ms: 1000 } };
const EVEN = [{ weight: 10, pause: '5m' }, { weight: 50, pause: '5m' }, { weight: 100 }];
const GATEWAY = { gateway: { name: 'public', namespace: 'gateway' } };

describe('CanaryStrategy.argoRollouts', () => {
  test('GIVEN the 060 stages, criteria and Istio WHEN rendered THEN steps, routing, services and analysis match the document', () => {
    const { get, svc } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.istio(), analysis: SLO }));
    const canary = get('Rollout', 'user-service').spec.strategy.canary;
    expect(canary.steps).toEqual([{ setWeight: 5 }, { pause: { duration: '10m' } }, { setWeight: 25 }, { pause: { duration: '20m' } }, { setWeight: 100 }]);
    expect(canary.canaryService).toBe('user-service-canary');
    expect(canary.stableService).toBe('user-service');
    expect(canary.trafficRouting).toEqual({
      istio: { virtualService: { name: 'user-service', routes: ['primary'] }, destinationRule: { name: 'user-service', canarySubsetName: 'canary', stableSubsetName: 'stable' } },
    });
    expect(canary.analysis).toEqual({ templates: [{ templateName: 'user-service-slo' }], args: [{ name: 'namespace', value: 'shop' }, { name: 'service', value: 'user-service-canary' }], startingStep: 1 });
    const vs = get('VirtualService', 'user-service');
    expect(vs.spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 100], ['canary', 0]]);
    expect(get('DestinationRule', 'user-service').spec.subsets.map((s: any) => s.name)).toEqual(['stable', 'canary']);
    expect(get('Service', 'user-service-canary').spec.ports.map((p: any) => p.name)).toEqual(['http', 'metrics']);
    expect(svc.binding.gitOps!.syncOptions).toEqual(['RespectIgnoreDifferences=true']);
    expect(svc.binding.gitOps!.ignoreDifferences).toEqual(expect.arrayContaining([
      { group: 'networking.istio.io', kind: 'VirtualService', name: 'user-service', namespace: 'shop', jqPathExpressions: ['.spec.http[].route[].weight'] },
      { group: 'networking.istio.io', kind: 'DestinationRule', name: 'user-service', namespace: 'shop', jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'] },
    ]));
  });

  test('GIVEN the 060 criteria WHEN the AnalysisTemplate is rendered THEN success < 0.1% / 500 ms, failure > 1% / 1000 ms, NaN and empty are inconclusive, buckets summed by le', () => {
    const { get } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.istio(), analysis: SLO }));
    const [errors, latency] = get('AnalysisTemplate', 'user-service-slo').spec.metrics;
    expect(errors.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] < 0.001');
    expect(errors.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 0.01');
    expect(errors.provider.prometheus.query).toBe(
      '(sum(rate(http_requests_total{namespace="{{args.namespace}}",service="{{args.service}}",status=~"5.."}[2m])) or vector(0)) / sum(rate(http_requests_total{namespace="{{args.namespace}}",service="{{args.service}}"}[2m]))',
    );
    expect(latency.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] < 0.5');
    expect(latency.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 1');
    expect(latency.provider.prometheus.query).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{args.namespace}}",service="{{args.service}}"}[2m])))',
    );
    for (const m of [errors, latency]) {
      // One inconclusive measurement pauses the rollout for a person; one failure aborts.
      expect(m).toMatchObject({ interval: '1m', initialDelay: '1m', inconclusiveLimit: 0, failureLimit: 0 });
    }
  });

  test('GIVEN istio host mode WHEN rendered THEN the VirtualService splits between the stable and canary Services without a DestinationRule', () => {
    const { get, all } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.istio({ mode: 'host' }) }));
    expect(get('VirtualService', 'user-service').spec.http[0].route.map((r: any) => r.destination.host)).toEqual(['user-service', 'user-service-canary']);
    expect(all('DestinationRule')).toHaveLength(0);
    expect(get('Rollout', 'user-service').spec.strategy.canary.trafficRouting.istio.destinationRule).toBeUndefined();
    expect(all('AnalysisTemplate')).toHaveLength(0);
  });

  test('GIVEN nginx WHEN the stable Ingress exists THEN the Rollout names it and renders no Ingress of its own', () => {
    const { get, all } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.nginx({ ingress: 'user-service' }) }), {}, (c) => stableIngress(c));
    expect(get('Rollout', 'user-service').spec.strategy.canary.trafficRouting).toEqual({ nginx: { stableIngress: 'user-service' } });
    expect(all('Ingress')).toHaveLength(1);
  });

  test('GIVEN nginx WHEN the named Ingress is missing or routes elsewhere THEN synth fails saying so', () => {
    expect(errorOf(() => render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.nginx({ ingress: 'users' }) }), {}, (c) => stableIngress(c)))).toContain(
      'strategy.router.ingress: expected the name of an Ingress in namespace shop of this chart, got "users" (Ingresses here: user-service)',
    );
    expect(errorOf(() => render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.nginx({ ingress: 'user-service' }) }), {}, (c) => stableIngress(c, 'user-service', 'other')))).toContain(
      'strategy.router.ingress: expected Ingress "user-service" to route to the stable Service "user-service", but it routes to other',
    );
  });

  test('GIVEN traefik WHEN rendered THEN a weighted TraefikService starts at 100/0 and its weights are left to the controller', () => {
    const { get, svc } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.traefik() }));
    expect(get('TraefikService', 'user-service').spec.weighted.services).toEqual([
      { name: 'user-service', port: 8080, weight: 100 },
      { name: 'user-service-canary', port: 8080, weight: 0 },
    ]);
    expect(get('Rollout', 'user-service').spec.strategy.canary.trafficRouting).toEqual({ traefik: { weightedTraefikServiceName: 'user-service' } });
    expect(svc.binding.gitOps!.ignoreDifferences).toContainEqual({ group: 'traefik.io', kind: 'TraefikService', name: 'user-service', namespace: 'shop', jqPathExpressions: ['.spec.weighted.services[].weight'] });
  });

  test('GIVEN gateway-api WHEN rendered THEN an HTTPRoute and the Gateway API plugin', () => {
    const { get } = render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.gatewayApi(GATEWAY) }));
    const route = get('HTTPRoute', 'user-service');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'user-service', port: 8080, weight: 100 }, { name: 'user-service-canary', port: 8080, weight: 0 }]);
    expect(get('Rollout', 'user-service').spec.strategy.canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'user-service', namespace: 'shop' } } });
  });

  test('GIVEN no router (replicas) and 20 replicas WHEN rendered THEN no trafficRouting and a manual gate becomes an indefinite pause', () => {
    const { get } = render(CanaryStrategy.argoRollouts({ stages: [{ weight: 5, pause: 'manual' }, { weight: 50, pause: '1h' }], router: TrafficRouter.replicas() }), { replicas: 20 });
    const canary = get('Rollout', 'user-service').spec.strategy.canary;
    expect(canary.trafficRouting).toBeUndefined();
    expect(canary.steps).toEqual([{ setWeight: 5 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1h' } }]);
  });

  test('GIVEN no router and 5 replicas WHEN 5% is asked for THEN it is an error that says 20 replicas are needed', () => {
    expect(errorOf(() => render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: TrafficRouter.replicas() })))).toBe(
      'test/user-service: strategy.stages[0].weight: expected a weight 5 replicas can express as whole pods (multiples of 20%): 5% needs a multiple of 20 replicas (at least 20), or a traffic router (istio, nginx, traefik, gateway-api), got 5',
    );
  });
});

describe('CanaryStrategy.flagger', () => {
  test.each([
    ['istio', TrafficRouter.istio(), 'istio'],
    ['nginx', TrafficRouter.nginx({ ingress: 'user-service' }), 'nginx'],
    ['traefik', TrafficRouter.traefik(), 'traefik'],
    ['gateway-api', TrafficRouter.gatewayApi(GATEWAY), 'gatewayapi:v1'],
  ])('GIVEN router %s WHEN rendered THEN a Canary with provider, step weights and p95/error-rate MetricTemplates', (_n, router, provider) => {
    const { get } = render(CanaryStrategy.flagger({ stages: EVEN, router, analysis: SLO }), {}, (c) => stableIngress(c));
    const canary = get('Canary', 'user-service');
    expect(canary.spec.provider).toBe(provider);
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'user-service' });
    expect(canary.spec.analysis).toMatchObject({ interval: '5m', threshold: 1, stepWeights: [10, 50] });
    expect(canary.spec.analysis.metrics).toEqual([
      { name: 'error-rate', templateRef: { name: 'user-service-error-rate', namespace: 'shop' }, thresholdRange: { max: 0.1 }, interval: '1m' },
      { name: 'latency-p95', templateRef: { name: 'user-service-latency-p95', namespace: 'shop' }, thresholdRange: { max: 500 }, interval: '1m' },
    ]);
    expect(canary.spec.service).toMatchObject({ port: 8080, portName: 'http', targetPort: 'http' });
    expect(get('MetricTemplate', 'user-service-latency-p95').spec.query).toBe(
      '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{ namespace }}",service="{{ target }}-canary"}[{{ interval }}])))',
    );
    if (provider === 'nginx') expect(canary.spec.ingressRef).toEqual({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'user-service' });
    if (provider === 'gatewayapi:v1') expect(canary.spec.service.gatewayRefs).toEqual([{ name: 'public', namespace: 'gateway' }]);
  });

  test('GIVEN an HPA WHEN rendered THEN the Canary references it and replicas are left to Flagger', () => {
    const { get, svc } = render(CanaryStrategy.flagger({ stages: EVEN, router: TrafficRouter.istio(), analysis: SLO }), { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('Canary', 'user-service').spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'user-service' });
    expect(get('Deployment', 'user-service').spec.replicas).toBeUndefined();
    expect(svc.binding.gitOps!.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'user-service', namespace: 'shop', jsonPointers: ['/spec/replicas'] },
      { group: '', kind: 'Service', name: 'user-service', namespace: 'shop', jsonPointers: ['/spec/selector'] },
    ]);
  });

  test.each([
    ['replicas router', { router: TrafficRouter.replicas() }, 'strategy.router: expected a router backend "flagger" supports: "istio", "nginx", "traefik", "gateway-api" (Flagger cannot split traffic by replica count; use backend "plain" or "argo-rollouts"), got "replicas"'],
    ['uneven pauses', { stages: STAGES_060 }, 'strategy.stages[1].pause: expected the same pause as the first stage (10m): Flagger advances one step per analysis interval (use backend "argo-rollouts" for per-stage pauses), got "20m"'],
    ['a manual gate', { stages: [{ weight: 10, pause: 'manual' }, { weight: 100 }] }, 'strategy.stages[0].pause: expected a timed pause: the flagger backend has no manual gate (use backend "argo-rollouts" or "plain" for one), got "manual"'],
    ['only 100%', { stages: [{ weight: 100 }] }, 'strategy.stages: expected at least one stage below 100% (Flagger promotes after its last step weight)'],
    ['threshold', { threshold: 0 }, 'strategy.threshold: expected an integer >= 1 (failed checks before rollback), got 0'],
  ])('GIVEN %s WHEN bound THEN PropsError', (_n, over, message) => {
    expect(errorOf(() => render(CanaryStrategy.flagger({ stages: EVEN, router: TrafficRouter.istio(), analysis: SLO, ...over })))).toContain(message);
  });
});

describe('CanaryStrategy.plain', () => {
  test('GIVEN istio, canary v1.3.0 at stage 1 (25%) WHEN rendered THEN stable/canary Deployments by track and weights 75/25', () => {
    const { get } = render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.istio(), canaryTag: 'v1.3.0', stage: 1 }), { replicas: 4 });
    const stable = get('Deployment', 'user-service-stable');
    const canary = get('Deployment', 'user-service-canary');
    expect(stable.spec.selector.matchLabels.track).toBe('stable');
    expect(stable.spec.replicas).toBe(4);
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.template.spec.containers[0].image).toBe('registry.example.com/user-service:v1.3.0');
    expect(canary.spec.template.metadata.labels).toMatchObject({ track: 'canary', 'app.kubernetes.io/version': 'v1.3.0' });
    expect(get('VirtualService', 'user-service').spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 75], ['canary', 25]]);
    expect(get('DestinationRule', 'user-service').spec.subsets).toEqual([
      { name: 'stable', labels: { 'app.kubernetes.io/instance': 'user-service', 'app.kubernetes.io/name': 'user-service', track: 'stable' } },
      { name: 'canary', labels: { 'app.kubernetes.io/instance': 'user-service', 'app.kubernetes.io/name': 'user-service', track: 'canary' } },
    ]);
    expect(get('Service', 'user-service').spec.selector).not.toHaveProperty('track');
  });

  test('GIVEN Specify\'s 90/10 through the mesh WHEN rendered THEN the VirtualService sends 90 to stable and 10 to canary', () => {
    const { get } = render(CanaryStrategy.plain({ stages: [{ weight: 10, pause: 'manual' }, { weight: 100 }], router: TrafficRouter.istio(), canaryTag: 'v2.0.0' }), { replicas: 3 });
    expect(get('VirtualService', 'user-service').spec.http[0].route.map((r: any) => r.weight)).toEqual([90, 10]);
  });

  test('GIVEN no canaryTag WHEN rendered THEN the canary has no pods and no traffic', () => {
    const { get } = render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.traefik() }));
    expect(get('Deployment', 'user-service-canary').spec.replicas).toBe(0);
    expect(get('TraefikService', 'user-service').spec.weighted.services.map((s: any) => s.weight)).toEqual([100, 0]);
  });

  test('GIVEN nginx at 5% WHEN rendered THEN a canary Ingress copies the stable hosts with canary annotations and the main Service selects stable only', () => {
    const { get } = render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.nginx({ ingress: 'user-service' }), canaryTag: 'v1.3.0' }), {}, (c) => stableIngress(c));
    const ing = get('Ingress', 'user-service-canary');
    expect(ing.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '5' });
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'users.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'user-service-canary', port: { number: 8080 } } } }] } }],
    });
    expect(get('Service', 'user-service').spec.selector.track).toBe('stable');
    expect(get('Service', 'user-service-canary').spec.selector.track).toBe('canary');
  });

  test('GIVEN gateway-api at 25% WHEN rendered THEN the HTTPRoute weights are 75/25', () => {
    const { get } = render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.gatewayApi(GATEWAY), canaryTag: 'v1.3.0', stage: 1 }));
    expect(get('HTTPRoute', 'user-service').spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['user-service', 75], ['user-service-canary', 25]]);
  });

  test('GIVEN the replica ratio with 20 replicas at 25% WHEN rendered THEN 15 stable and 5 canary pods behind one Service', () => {
    const { get, all } = render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.replicas(), canaryTag: 'v1.3.0', stage: 1 }), { replicas: 20 });
    expect(get('Deployment', 'user-service-stable').spec.replicas).toBe(15);
    expect(get('Deployment', 'user-service-canary').spec.replicas).toBe(5);
    expect(get('Service', 'user-service').spec.selector).not.toHaveProperty('track');
    expect(all('Service').map((s) => s.metadata.name)).toEqual(['user-service']);
  });

  test.each([
    ['the replica ratio with 5 replicas', { router: TrafficRouter.replicas() }, {}, 'strategy.stages[0].weight: expected a weight 5 replicas can express as whole pods (multiples of 20%): 5% needs a multiple of 20 replicas (at least 20)'],
    ['the replica ratio under an HPA', { router: TrafficRouter.replicas() }, { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 } }, 'strategy.router: expected a traffic router other than "replicas" when autoscaling is set'],
    ['a stage index out of range', { canaryTag: 'v2', stage: 3 }, {}, 'strategy.stage: expected a stage index from 0 to 2, got 3'],
    ['a stage without canaryTag', { stage: 1 }, {}, 'strategy.stage: expected a canaryTag to go with stage'],
    ['canaryTag latest', { canaryTag: 'latest' }, {}, 'strategy.canaryTag: expected a pinned image tag such as "v1.3.0" (not "latest"), got "latest"'],
    ['canaryReplicas with the replica ratio', { router: TrafficRouter.replicas(), canaryReplicas: 2 }, { replicas: 20 }, 'strategy.canaryReplicas: expected no canaryReplicas with router "replicas"'],
  ])('GIVEN %s WHEN bound THEN PropsError', (_n, over, props, message) => {
    expect(errorOf(() => render(CanaryStrategy.plain({ stages: STAGES_060, router: TrafficRouter.istio(), ...over }), props as never))).toContain(message);
  });
});

describe('stage validation (every backend)', () => {
  test.each([
    ['no stages', [], 'strategy.stages: expected at least one stage ({ weight, pause }), got []'],
    ['weight 0', [{ weight: 0, pause: '1m' }], 'strategy.stages[0].weight: expected an integer percentage from 1 to 100, got 0'],
    ['weight 101', [{ weight: 101 }], 'strategy.stages[0].weight: expected an integer percentage from 1 to 100, got 101'],
    ['descending weights', [{ weight: 25, pause: '1m' }, { weight: 5, pause: '1m' }], 'strategy.stages[1].weight: expected a weight above the previous stage\'s 25 (weights must ascend), got 5'],
    ['an unparseable pause', [{ weight: 5, pause: 'ten minutes' }], 'strategy.stages[0].pause: expected a duration such as "30s", "10m" or "1h30m" (greater than zero), or "manual" to wait for a person, got "ten minutes"'],
    ['a zero pause', [{ weight: 5, pause: '0s' }], 'strategy.stages[0].pause: expected a duration such as "30s", "10m" or "1h30m" (greater than zero), or "manual"'],
    ['a missing pause before 100%', [{ weight: 5 }, { weight: 100 }], 'strategy.stages[0].pause: expected a pause ('],
  ])('GIVEN %s WHEN bound THEN PropsError', (_n, stages, message) => {
    for (const s of [
      CanaryStrategy.argoRollouts({ stages, router: TrafficRouter.istio() }),
      CanaryStrategy.flagger({ stages, router: TrafficRouter.istio(), analysis: SLO }),
      CanaryStrategy.plain({ stages, router: TrafficRouter.istio() }),
    ]) {
      expect(errorOf(() => render(s))).toContain(message);
    }
  });

  test.each([
    ['nginx without an ingress name', () => TrafficRouter.nginx({ ingress: '' }), 'strategy.router.ingress: expected the name of the Ingress that routes to the stable Service'],
    ['gateway-api without a gateway', () => TrafficRouter.gatewayApi({ gateway: { name: '' } }), 'strategy.router.gateway.name: expected the name of the Gateway the HTTPRoute attaches to'],
    ['istio with an unknown mode', () => TrafficRouter.istio({ mode: 'mesh' as never }), 'strategy.router.mode: expected one of "subset", "host", got "mesh"'],
  ])('GIVEN %s WHEN bound THEN PropsError', (_n, router, message) => {
    expect(errorOf(() => render(CanaryStrategy.argoRollouts({ stages: STAGES_060, router: router() })))).toContain(message);
  });
});
