/**
 * The image facts table (lib/core/images.ts) and the gate's image/* rules:
 * each defect of issue 17 items 2-4 reproduced on the shape dist/ had, caught,
 * and gone from the current render.
 */
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ANY, IMAGES, imageFactsOf, MOVED_REPOSITORIES, movedRepository, normalizeRepository, parseImageRef, unknownConfigKeys } from '../../lib/core/images';
import { KafkaCluster } from '../../lib/data/kafka';
import { Nifi } from '../../lib/data/nifi';
import { Jaeger } from '../../lib/platform/jaeger';
import { ManifestDocument, validateManifests, Violation } from '../../lib/validate';
import { checkImages, ImageCheckStats } from '../../lib/validate/checks/images';
import { loadManifestDir } from '../../lib/validate/load';
import { ObjectSet, Reporter, toK8sObject } from '../../lib/validate/model';
import { findProjectRoot } from '../../lib/validate';
import { testChart } from '../helpers/chart';

type Obj = Record<string, any>;

function docsOf(objects: Obj[]): ManifestDocument[] {
  return objects.map((object, i) => ({ file: `dist/test/x/${i}.yaml`, object }));
}

function imageViolations(objects: Obj[]): Violation[] {
  return validateManifests(docsOf(objects), { environment: 'test' }).violations.filter((v) => v.rule.startsWith('image/'));
}

function statefulSet(objects: Obj[], name: string): Obj {
  return objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name)!;
}

describe('image facts table', () => {
  test('GIVEN every catalog entry THEN its repository is normalized, not moved, and a config schema describes its pinned version', () => {
    for (const [id, f] of Object.entries(IMAGES)) {
      expect([id, normalizeRepository(f.repository)]).toEqual([id, f.repository]);
      expect([id, movedRepository(f.repository)]).toEqual([id, undefined]);
      if ('config' in f) expect(`${id}: ${Object.keys(f.config.keys).join(', ')}`).toContain(f.version);
    }
  });

  test('GIVEN image references THEN repositories are normalized the way a container runtime resolves them', () => {
    expect(parseImageRef('fediflow/api:v1.2.0')).toEqual({ repository: 'docker.io/fediflow/api', tag: 'v1.2.0' });
    expect(parseImageRef('redis:7.2.5')).toEqual({ repository: 'docker.io/library/redis', tag: '7.2.5' });
    expect(parseImageRef('localhost:5000/x/y@sha256:abc')).toEqual({ repository: 'localhost:5000/x/y', digest: 'sha256:abc' });
    expect(imageFactsOf('apache/nifi')?.id).toBe('nifi');
    expect(movedRepository('k8s.gcr.io/pause')?.instead).toBe('registry.k8s.io/');
    expect(MOVED_REPOSITORIES.map((m) => m.prefix)).toContain('docker.io/bitnami/');
  });

  test('GIVEN the Jaeger key sets WHEN checking remote_sampling.file.reload_interval THEN 2.1.0 refuses it and 2.2.0 (the pin) accepts it', () => {
    const config = { extensions: { remote_sampling: { file: { path: '/etc/jaeger/sampling.json', reload_interval: '1m' } } }, receivers: { otlp: {} } };
    expect(unknownConfigKeys(config, IMAGES.jaeger.config.keys['2.1.0'])).toEqual(['extensions.remote_sampling.file.reload_interval']);
    expect(unknownConfigKeys(config, IMAGES.jaeger.config.keys['2.2.0'])).toEqual([]);
    expect(IMAGES.jaeger.version).toBe('2.2.0');
    expect(unknownConfigKeys({ a: { b: 1 } }, { '*': { b: ANY } })).toEqual([]);
  });
});

describe('image/* rules on the catalog constructs', () => {
  test('GIVEN Jaeger rendered at 2.1.0 with the sampling reload (dist/ before the fix) WHEN gated THEN the config key and the version are violations', () => {
    const c = testChart();
    new Jaeger(c, 'jaeger', { namespace: 'obs', image: { repository: 'docker.io/jaegertracing/jaeger', tag: '2.1.0' } });
    const v = imageViolations(Testing.synth(c));
    expect(v).toContainEqual(expect.objectContaining({
      rule: 'image/config-key', object: expect.objectContaining({ kind: 'ConfigMap', name: 'jaeger-config' }),
      path: 'data["config.yaml"].extensions.remote_sampling.file.reload_interval', message: expect.stringMatching(/jaeger:2\.1\.0 .*does not accept .*exits at start/),
    }));
    expect(v.map((x) => x.rule).sort()).toEqual(['image/catalog-version', 'image/config-key']);
  });

  test('GIVEN Jaeger with its defaults WHEN gated THEN no image rule fires and the pinned image is 2.2.0', () => {
    const c = testChart();
    new Jaeger(c, 'jaeger', { namespace: 'obs' });
    const objects = Testing.synth(c);
    expect(imageViolations(objects)).toEqual([]);
    expect(statefulSet(objects, 'jaeger').spec.template.spec.containers[0].image).toBe('docker.io/jaegertracing/jaeger:2.2.0');
  });

  const nifiProps = { namespace: 'infometis', sensitivePropertiesKey: { secret: 'k', key: 'k' }, adminCredentials: { secret: 'admin' } };

  test('GIVEN NiFi 2.0 with a readiness probe that sends no Host header (dist/ before the fix) WHEN gated THEN image/probe names the Host it needs', () => {
    const c = testChart();
    new Nifi(c, 'nifi', nifiProps);
    const objects = Testing.synth(c);
    delete statefulSet(objects, 'nifi').spec.template.spec.containers[0].readinessProbe.httpGet.httpHeaders;
    expect(imageViolations(objects)).toEqual([expect.objectContaining({
      rule: 'image/probe', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.httpHeaders',
      message: expect.stringMatching(/needs the probe to send Host: localhost .*it sends the pod IP/),
    })]);
  });

  test('GIVEN NiFi and Kafka with their defaults WHEN gated THEN no image rule fires and no image comes from docker.io/bitnami', () => {
    const c = testChart();
    new Nifi(c, 'nifi', nifiProps);
    new KafkaCluster(c, 'kafka', { namespace: 'infometis', clusterId: { secret: 'kafka', key: 'id' } });
    const objects = Testing.synth(c);
    expect(imageViolations(objects)).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('bitnami');
  });

  test('GIVEN Kafka with the Bitnami jmx-exporter image (dist/ before the fix) WHEN gated THEN image/moved-registry names the replacement', () => {
    const c = testChart();
    new KafkaCluster(c, 'kafka', { namespace: 'infometis', clusterId: { secret: 'kafka', key: 'id' }, metricsAgentImage: { repository: 'docker.io/bitnami/jmx-exporter', tag: '1.0.1' } });
    expect(imageViolations(Testing.synth(c))).toEqual([expect.objectContaining({
      rule: 'image/moved-registry', path: 'spec.template.spec.initContainers[0].image', message: expect.stringMatching(/bitnamilegacy.*use the upstream project's own image/),
    })]);
  });
});

describe('image/* rules over the committed dist/', () => {
  test('GIVEN the five environments WHEN every container is checked against the table THEN there is no violation', () => {
    const loaded = loadManifestDir(path.join(findProjectRoot(), 'dist'));
    const set = new ObjectSet(loaded.docs.map(toK8sObject).filter((o): o is NonNullable<typeof o> => o !== undefined));
    const r = new Reporter();
    const stats: ImageCheckStats = { containers: 0, catalogContainers: 0, configFiles: 0 };
    checkImages(set, r, stats);
    expect(r.entries.map((e) => `${e.violation.file} ${e.violation.path}: ${e.violation.message}`)).toEqual([]);
    expect(stats.containers).toBeGreaterThan(100);
    expect(stats.catalogContainers).toBeGreaterThan(50);
    expect(stats.configFiles).toBe(6); // the Jaeger config of ecosystem and specify in dev, staging and prod
  });
});
