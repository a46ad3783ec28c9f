import { Testing } from 'cdk8s';
import { analyzeNetwork } from '../../lib/security/network-analysis';
import { ExternalPeer } from '../../lib/security/peer';
import { ServiceGraph } from '../../lib/security/service-graph';
import { Microservice } from '../../lib/workloads/microservice';
import { find, Obj, shopChart } from './fixtures';
import { testChart } from '../helpers/chart';

const prometheus = ExternalPeer.pods({ name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } });
const controller = ExternalPeer.pods({ name: 'ingress-nginx', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } });

describe('ServiceGraph', () => {
  test('GIVEN api connects to backend WHEN synthesized THEN default deny, DNS and both sides of the edge on named ports', () => {
    const { chart, api, backend, graph } = shopChart();
    api.connectsTo(backend, 'http');
    graph.scrape(api, 'metrics', prometheus);
    graph.expose(api, 'http', controller);
    const objs = Testing.synth(chart) as Obj[];

    const deny = find(objs, 'NetworkPolicy', 'default-deny');
    expect(deny.metadata.namespace).toBe('shop');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    const dns = find(objs, 'NetworkPolicy', 'allow-kube-dns');
    expect(dns.spec.podSelector).toEqual({});
    expect(dns.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      },
    ]);

    const apiPolicy = find(objs, 'NetworkPolicy', 'api');
    expect(apiPolicy.spec.podSelector).toEqual({ matchLabels: api.selectorLabels });
    expect(apiPolicy.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: backend.selectorLabels } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(apiPolicy.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [{ port: 'http', protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] },
    ]);
    const backendPolicy = find(objs, 'NetworkPolicy', 'backend');
    expect(backendPolicy.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: api.selectorLabels } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(backendPolicy.spec.egress).toBeUndefined();
  });

  test('GIVEN the rendered policies WHEN analyzed THEN exactly the declared edges are allowed', () => {
    const { chart, api, backend, graph } = shopChart();
    api.connectsTo(backend, 'http');
    graph.scrape(api, 'metrics', prometheus);
    const edges = analyzeNetwork(Testing.synth(chart) as Obj[]).edges.map((e) => `${e.from} -> ${e.to} :${e.port}`);
    expect(edges).toEqual([
      'ext:monitoring/app.kubernetes.io/name=prometheus -> shop/api :metrics',
      'shop/api -> ext:kube-system/k8s-app=kube-dns :53/TCP',
      'shop/api -> ext:kube-system/k8s-app=kube-dns :53/UDP',
      'shop/api -> shop/backend :http',
      'shop/backend -> ext:kube-system/k8s-app=kube-dns :53/TCP',
      'shop/backend -> ext:kube-system/k8s-app=kube-dns :53/UDP',
    ]);
  });

  test('GIVEN a port the server does not have WHEN connecting THEN the error names the ports it has', () => {
    const { api, backend } = shopChart();
    expect(() => api.connectsTo(backend, 'metrics')).toThrow(/connection api -> backend: expected a port name of backend \(http\), got "metrics"/);
  });

  test('GIVEN a chart without a graph WHEN a service declares a connection THEN it is told to add one', () => {
    const chart = testChart();
    const image = { repository: 'registry.example.com/app', tag: 'v1.0.0' };
    const a = new Microservice(chart, 'a', { namespace: 'x', image });
    const b = new Microservice(chart, 'b', { namespace: 'x', image });
    expect(() => a.connectsTo(b, 'http')).toThrow(/a ServiceGraph in the chart/);
  });

  test('GIVEN no graph WHEN a Microservice renders THEN no NetworkPolicy appears (output unchanged)', () => {
    const chart = testChart();
    new Microservice(chart, 'a', { namespace: 'x', image: { repository: 'registry.example.com/app', tag: 'v1.0.0' } });
    expect((Testing.synth(chart) as Obj[]).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('GIVEN a peer in another namespace WHEN connected THEN the selector names its namespace', () => {
    const { chart, api } = shopChart();
    const other = new Microservice(chart, 'billing', { namespace: 'billing', image: { repository: 'registry.example.com/app', tag: 'v1.0.0' } });
    api.connectsTo(other, 'http');
    const objs = Testing.synth(chart) as Obj[];
    expect(objs.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny').map((o) => o.metadata.namespace).sort()).toEqual(['billing', 'shop']);
    const billing = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'billing')!;
    expect(billing.spec.ingress[0].from[0].namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'shop' } });
  });

  test('GIVEN an address range WHEN connected THEN egress uses ipBlock and the numeric port', () => {
    const { chart, api, graph } = shopChart();
    graph.connect(api, ExternalPeer.addresses({ name: 'rds', cidrs: ['10.0.100.0/24'], ports: { postgres: 5432 } }), 'postgres');
    const p = find(Testing.synth(chart) as Obj[], 'NetworkPolicy', 'api');
    expect(p.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.100.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
  });

  test('GIVEN two graphs in one chart THEN the second is refused', () => {
    const { chart } = shopChart();
    expect(() => new ServiceGraph(chart, 'Another')).toThrow(/one graph per chart/);
  });

  test('GIVEN a clustered peer WHEN its pods are connected within THEN its own policy lets them reach each other on those ports, the graph lists the edge for the mesh, and a wrong port or an external peer is refused', () => {
    const { chart, backend, graph } = shopChart();
    graph.connectWithin(backend, ['http']);
    const objs = Testing.synth(chart) as Obj[];
    const self = [{ podSelector: { matchLabels: backend.selectorLabels } }];
    const p = find(objs, 'NetworkPolicy', 'backend');
    expect(p.spec.ingress).toEqual([{ from: self, ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(p.spec.egress).toEqual([{ to: self, ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['allow-kube-dns', 'api', 'backend', 'default-deny']);
    expect(graph.connections().filter((c) => c.from === backend && c.to === backend).map((c) => c.port)).toEqual(['http']);
    expect(() => graph.connectWithin(backend, ['gossip'])).toThrow(/expected a port name of backend \(http\), got "gossip"/);
    expect(() => graph.connectWithin(prometheus, ['http'])).toThrow(/pods rendered in this chart/);
    expect(() => graph.connect(backend, backend, 'http')).toThrow(/connectWithin/);
  });
});
