import { Testing } from 'cdk8s';
import * as net from '../../imports/istio-networking.istio.io';
import { MeshPolicies } from '../../lib/mesh/mesh-policies';
import { ExternalPeer } from '../../lib/security/peer';
import { find, Obj, shopChart } from '../security/fixtures';

const prometheus = ExternalPeer.pods({ name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } });

describe('MeshPolicies', () => {
  test('GIVEN a graph WHEN the mesh is on THEN STRICT mTLS, allow-nothing, and per service ALLOW rules mirroring the graph', () => {
    const { chart, graph, api, backend } = shopChart();
    new MeshPolicies(chart, 'Mesh', { graph });
    api.connectsTo(backend, 'http');
    graph.scrape(api, 'metrics', prometheus);
    const objs = Testing.synth(chart) as Obj[];

    expect(find(objs, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(objs, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    expect(find(objs, 'AuthorizationPolicy', 'backend').spec).toEqual({
      selector: { matchLabels: backend.selectorLabels },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/api'] } }], to: [{ operation: { ports: ['8081'] } }] }],
    });
    // Prometheus is outside the mesh: only its port, PERMISSIVE on that workload alone.
    expect(find(objs, 'AuthorizationPolicy', 'api').spec.rules).toEqual([{ to: [{ operation: { ports: ['9090'] } }] }]);
    expect(find(objs, 'PeerAuthentication', 'api').spec).toEqual({ selector: { matchLabels: api.selectorLabels }, mtls: { mode: 'STRICT' }, portLevelMtls: { '9090': { mode: 'PERMISSIVE' } } });
    expect(find(objs, 'PeerAuthentication', 'backend').spec.portLevelMtls).toBeUndefined();
    // Sidecars reach istiod.
    expect(find(objs, 'NetworkPolicy', 'allow-istiod').spec.egress[0].ports).toEqual([{ port: 15012, protocol: 'TCP' }]);
  });

  test('GIVEN meshed namespaces WHEN a collector in a namespace without sidecars calls a service THEN it gets no policies and its port is PERMISSIVE', () => {
    const { chart, graph, backend } = shopChart();
    new MeshPolicies(chart, 'Mesh', { graph, namespaces: ['shop'] });
    const collector = { name: 'collector', namespace: 'shop-logging', selectorLabels: { app: 'collector' }, serviceAccountName: 'collector', ports: {} };
    graph.connect(collector, backend, 'http', 'log');
    const objs = Testing.synth(chart) as Obj[];
    expect(objs.filter((o) => o.metadata.namespace === 'shop-logging' && o.apiVersion.includes('istio.io'))).toEqual([]);
    expect(find(objs, 'AuthorizationPolicy', 'backend').spec.rules).toEqual([{ to: [{ operation: { ports: ['8081'] } }] }]);
    expect(find(objs, 'PeerAuthentication', 'backend').spec.portLevelMtls).toEqual({ '8081': { mode: 'PERMISSIVE' } });
  });

  test('GIVEN an ingress controller we do not render that names its ServiceAccount WHEN it calls a service THEN it is authorized by its mesh identity and the port stays STRICT', () => {
    const { chart, graph, backend } = shopChart();
    new MeshPolicies(chart, 'Mesh', { graph, namespaces: ['shop'] });
    const controller = ExternalPeer.pods({ name: 'ingress-nginx', namespace: 'ingress-nginx', labels: { app: 'ingress-nginx' }, serviceAccountName: 'ingress-nginx' });
    graph.expose(backend, 'http', controller);
    const objs = Testing.synth(chart) as Obj[];
    expect(find(objs, 'AuthorizationPolicy', 'backend').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }], to: [{ operation: { ports: ['8081'] } }] },
    ]);
    expect(find(objs, 'PeerAuthentication', 'backend').spec.portLevelMtls).toBeUndefined();
  });

  test('GIVEN circuit breaker settings THEN every service gets a DestinationRule with pool limits and outlier detection', () => {
    const { chart, graph } = shopChart();
    new MeshPolicies(chart, 'Mesh', { graph, circuitBreaker: { maxConnections: 200, consecutive5xxErrors: 3, baseEjectionTime: '1m' } });
    const dr = find(Testing.synth(chart) as Obj[], 'DestinationRule', 'api');
    expect(dr.spec).toEqual({
      host: 'api.shop.svc.cluster.local',
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 200 }, http: { http1MaxPendingRequests: 100 } },
        outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '1m', maxEjectionPercent: 50 },
      },
    });
  });

  test('GIVEN a canary that already owns the host DestinationRule THEN the circuit breaker is merged into it, not duplicated', () => {
    const { chart, graph, api } = shopChart();
    new net.DestinationRule(api, 'CanaryRule', { metadata: { name: 'api', namespace: 'shop' }, spec: { host: 'api', subsets: [{ name: 'stable', labels: { a: 'b' } }] } });
    new MeshPolicies(chart, 'Mesh', { graph });
    const rules = (Testing.synth(chart) as Obj[]).filter((o) => o.kind === 'DestinationRule' && o.metadata.name === 'api');
    expect(rules).toHaveLength(1);
    expect(rules[0].spec.subsets).toHaveLength(1);
    expect(rules[0].spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
  });

  test('GIVEN an invalid ejection percentage THEN it is refused', () => {
    const { chart, graph } = shopChart();
    expect(() => new MeshPolicies(chart, 'Mesh', { graph, circuitBreaker: { maxEjectionPercent: 0 } })).toThrow(/maxEjectionPercent: expected a percentage from 1 to 100/);
  });
});
