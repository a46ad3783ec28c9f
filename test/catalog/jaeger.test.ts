import * as yaml from 'js-yaml';
import { Jaeger } from '../../lib/platform/jaeger';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, render } from './util';

describe('Jaeger', () => {
  describe('defaults (dev): 100% sampling, Badger on a protected PVC', () => {
    const c = chart();
    const j = new Jaeger(c, 'jaeger', { namespace: 'observability' });
    const r = render(c);
    const sts = r.get('StatefulSet/jaeger');
    const cfg = yaml.load(r.get('ConfigMap/jaeger-config').data['config.yaml']) as any;

    test('sampling strategies file serves probabilistic 1.0', () => {
      expect(JSON.parse(r.get('ConfigMap/jaeger-config').data['sampling.json'])).toEqual({ default_strategy: { type: 'probabilistic', param: 1 } });
      expect(cfg.extensions.remote_sampling.file.path).toBe('/etc/jaeger/sampling.json');
    });

    test('Badger on the volume, single writer, OTLP receivers on 4317/4318', () => {
      expect(cfg.extensions.jaeger_storage.backends.main.badger).toMatchObject({ ephemeral: false, directories: { keys: '/badger/keys', values: '/badger/values' }, ttl: { spans: '168h' } });
      expect(cfg.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
      expect(sts.spec.replicas).toBe(1);
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(r.get('Service/jaeger').spec.ports.map((p: any) => p.name)).toEqual(['otlp-grpc', 'otlp-http', 'query', 'sampling', 'sampling-grpc', 'metrics']);
      expect(container(sts, 'jaeger').readinessProbe.httpGet).toMatchObject({ path: '/status', port: 'health' });
      expect(j.otlpGrpcEndpoint).toBe('http://jaeger.observability.svc:4317');
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('prod: 10% sampling with a per-service override, Elasticsearch storage, two stateless replicas', () => {
    const c = chart();
    new Jaeger(c, 'jaeger', { namespace: 'prod', samplingRate: 0.1, serviceSamplingRates: { checkout: 0.5 }, storage: { type: 'elasticsearch', url: 'http://es.logging.svc:9200', replicas: 2 } });
    const r = render(c);
    expect(JSON.parse(r.get('ConfigMap/jaeger-config').data['sampling.json'])).toEqual({
      default_strategy: { type: 'probabilistic', param: 0.1 },
      service_strategies: [{ service: 'checkout', type: 'probabilistic', param: 0.5 }],
    });
    const cfg = yaml.load(r.get('ConfigMap/jaeger-config').data['config.yaml']) as any;
    expect(cfg.extensions.jaeger_storage.backends.main).toEqual({ elasticsearch: { server_urls: ['http://es.logging.svc:9200'], indices: { index_prefix: 'jaeger' } } });
    expect(r.get('Deployment/jaeger').spec.replicas).toBe(2);
    expect(r.has('StatefulSet/jaeger')).toBe(false);
    expect(r.get('PodDisruptionBudget/jaeger').spec.maxUnavailable).toBe(1);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['rate above 1', { samplingRate: 10 }, 'test/jaeger: samplingRate: expected a sampling probability from 0 to 1 (0.1 samples 10% of traces), got 10'],
    ['negative service rate', { serviceSamplingRates: { api: -0.1 } }, 'serviceSamplingRates.api: expected a sampling probability from 0 to 1'],
    ['elasticsearch url without scheme', { storage: { type: 'elasticsearch', url: 'es:9200' } }, 'storage.url: expected an http(s) URL'],
    ['badger retention in days', { storage: { type: 'badger', volume: { size: '5Gi' }, retention: '7d' } }, 'storage.retention: expected a duration such as "30s", "5m" or "1h" (units s, m, h), got "7d"'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Jaeger(chart(), 'jaeger', { namespace: 'n', ...(props as object) })).toThrow(message);
  });
});
