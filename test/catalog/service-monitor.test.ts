import { ServiceMonitor, monitorService } from '../../lib/observability/service-monitor';
import { gateErrors } from './gate';
import { chart, render } from './util';

describe('ServiceMonitor', () => {
  test('defaults: /metrics over http every 30s, only in its own namespace', () => {
    const c = chart();
    new ServiceMonitor(c, 'm', { name: 'api', namespace: 'shop', selector: { 'app.kubernetes.io/name': 'api' }, endpoints: [{ port: 'metrics' }] });
    const r = render(c);
    expect(r.get('ServiceMonitor/api').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
      namespaceSelector: { matchNames: ['shop'] },
      endpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s' }],
    });
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('options: https with self-signed certificate, honorLabels, custom path and interval', () => {
    const c = chart();
    new ServiceMonitor(c, 'm', {
      name: 'nifi', namespace: 'data', labels: { release: 'kps' }, selector: { a: 'b' },
      endpoints: [{ port: 'https', scheme: 'https', path: '/nifi-api/flow/metrics/prometheus', interval: '1m', honorLabels: true, insecureSkipVerify: true }],
    });
    const r = render(c);
    const m = r.get('ServiceMonitor/nifi');
    expect(m.metadata.labels).toEqual({ release: 'kps' });
    expect(m.spec.endpoints[0]).toEqual({ port: 'https', scheme: 'https', path: '/nifi-api/flow/metrics/prometheus', interval: '1m', honorLabels: true, tlsConfig: { insecureSkipVerify: true } });
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('monitorService honours serviceMonitor: false and merges the operator labels', () => {
    const c = chart();
    expect(monitorService(c, { serviceMonitor: false }, { name: 'x', namespace: 'n', labels: {}, selector: { a: 'b' }, endpoints: [{ port: 'metrics' }] })).toBeUndefined();
    const m = monitorService(c, { interval: '15s', labels: { release: 'kps' } }, { name: 'x', namespace: 'n', labels: { a: 'b' }, selector: { a: 'b' }, endpoints: [{ port: 'metrics' }] });
    expect(m!.resource.toJson().spec.endpoints[0].interval).toBe('15s');
    expect(m!.resource.toJson().metadata.labels).toEqual({ a: 'b', release: 'kps' });
  });

  test.each([
    ['no endpoints', { endpoints: [] }, 'test/m: endpoints: expected at least one endpoint, got []'],
    ['empty selector', { selector: {} }, 'selector: expected at least one label (an empty selector scrapes every Service in the namespace), got {}'],
    ['numeric-looking port name', { endpoints: [{ port: 'Metrics_Port' }] }, 'endpoints[0].port: expected the name of a Service port'],
    ['bad interval', { endpoints: [{ port: 'metrics', interval: '30 seconds' }] }, 'endpoints[0].interval: expected a duration such as "30s"'],
    ['relative path', { endpoints: [{ port: 'metrics', path: 'metrics' }] }, 'endpoints[0].path: expected an absolute path such as "/metrics", got "metrics"'],
  ])('invalid: %s', (_, override, message) => {
    expect(() => new ServiceMonitor(chart(), 'm', { name: 'x', namespace: 'n', selector: { a: 'b' }, endpoints: [{ port: 'metrics' }], ...(override as object) })).toThrow(message);
  });
});
