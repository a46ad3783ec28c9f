/**
 * `ref/dns-name` (lib/validate/checks/dns-names.ts): every fully qualified
 * in-cluster DNS name a pod is pointed at is rendered, or declared as run by
 * someone else; over the baseline fixture (namespace shop: Services api with
 * ports 80/9090 and the headless db-headless of StatefulSet db) and over the
 * committed dist/.
 */
import * as path from 'path';
import { EXTERNAL_PROVIDER_ANNOTATION, ManifestDocument, validateDirectory, validateManifests, Violation } from '../../lib/validate';
import { dnsNamesIn } from '../../lib/validate/checks/rollout-order';
import { loadManifestDir } from '../../lib/validate/load';
import { Obj, toDocs, validObjects } from './fixtures';

const RULE = 'ref/dns-name';
const DIST = path.resolve(__dirname, '../../dist');

function dnsViolations(docs: ManifestDocument[]): Violation[] {
  return validateManifests(docs).violations.filter((v) => v.rule === RULE);
}

const find = (objects: Obj[], kind: string, name: string): Obj => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};

/** The baseline with the api Deployment's first container given `env`, after `change`. */
function apiWithEnv(env: Array<{ name: string; value: string }>, change: (objects: Obj[]) => void = () => undefined): ManifestDocument[] {
  const objects = validObjects();
  find(objects, 'Deployment', 'api').spec.template.spec.containers[0].env = env;
  change(objects);
  return toDocs(objects);
}

const ENV_PATH = 'spec.template.spec.containers[0].env[0].value';

describe('ref/dns-name over the baseline set', () => {
  test('GIVEN the baseline (its ConfigMap names db-headless.shop.svc) WHEN validated THEN nothing is reported', () => {
    expect(dnsViolations(toDocs(validObjects()))).toEqual([]);
  });

  test('GIVEN env naming a rendered Service with one of its ports WHEN validated THEN it passes', () => {
    expect(dnsViolations(apiWithEnv([{ name: 'SELF_URL', value: 'http://api.shop.svc.cluster.local:9090/metrics' }]))).toEqual([]);
  });

  test('GIVEN env naming a Service the rendered namespace does not have WHEN validated THEN it fails with the path, the name and the Services that are there', () => {
    const v = dnsViolations(apiWithEnv([{ name: 'CART_URL', value: 'http://cart.shop.svc:8080' }]));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ object: { kind: 'Deployment', name: 'api' }, path: ENV_PATH, value: 'cart.shop.svc:8080', file: 'dist/dev/shop/shop--deployment--api.yaml' });
    expect(v[0].message).toMatch(/"cart\.shop\.svc:8080": this environment renders namespace shop but no Service cart in it.*Valid: the Service rendered in shop, or the name of one that is \(api, db-headless\)/);
  });

  test('GIVEN env naming a Service in a namespace the render does not touch WHEN nothing declares it THEN it fails naming the annotation; WHEN the workload declares who runs it THEN it passes', () => {
    const env = [{ name: 'ES_HOST', value: 'elasticsearch.logging.svc.cluster.local' }];
    const v = dnsViolations(apiWithEnv(env));
    expect(v).toHaveLength(1);
    expect(v[0].path).toBe(ENV_PATH);
    expect(v[0].message).toMatch(/namespace logging is not rendered by this environment and nothing declares who runs Service elasticsearch there.*validate\.platform\.dev\/external-provider: "<who runs it>" on Deployment api/);
    const declared = apiWithEnv(env, (objects) => { find(objects, 'Deployment', 'api').metadata.annotations = { [EXTERNAL_PROVIDER_ANNOTATION]: 'platform team (logging stack)' }; });
    expect(dnsViolations(declared)).toEqual([]);
    const blank = apiWithEnv(env, (objects) => { find(objects, 'Deployment', 'api').metadata.annotations = { [EXTERNAL_PROVIDER_ANNOTATION]: '  ' }; });
    expect(dnsViolations(blank)).toHaveLength(1);
  });

  test('GIVEN a declaration WHEN the name is in a namespace the environment renders THEN it does not excuse a missing Service', () => {
    const docs = apiWithEnv([{ name: 'CART_URL', value: 'http://cart.shop.svc:8080' }], (objects) => {
      find(objects, 'Deployment', 'api').metadata.annotations = { [EXTERNAL_PROVIDER_ANNOTATION]: 'someone' };
    });
    expect(dnsViolations(docs).map((v) => v.value)).toEqual(['cart.shop.svc:8080']);
  });

  test('GIVEN a port the rendered Service does not have WHEN validated THEN it fails listing its ports', () => {
    const v = dnsViolations(apiWithEnv([{ name: 'SELF_URL', value: 'http://api.shop.svc:8080' }]));
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(/Service shop\/api has no port 8080, so the connection is refused\. Valid: one of its ports \(80, 9090\)/);
  });

  test('GIVEN the pod form <pod>.<service>.<namespace>.svc WHEN the Service is headless THEN it passes on a container port; WHEN it is not headless or the port is wrong THEN it fails', () => {
    expect(dnsViolations(apiWithEnv([{ name: 'DB_HOST', value: 'db-0.db-headless.shop.svc.cluster.local:5432' }]))).toEqual([]);
    const wrongPort = dnsViolations(apiWithEnv([{ name: 'DB_HOST', value: 'db-0.db-headless.shop.svc:5433' }]));
    expect(wrongPort.map((v) => v.message)).toEqual([expect.stringMatching(/Service shop\/db-headless has no port 5433 and selects no pod listening on it.*\(5432\)/)]);
    const notHeadless = dnsViolations(apiWithEnv([{ name: 'API_POD', value: 'api-0.api.shop.svc' }]));
    expect(notHeadless.map((v) => v.message)).toEqual([expect.stringMatching(/Service shop\/api is not headless.*no record for pod api-0/)]);
    const missing = dnsViolations(apiWithEnv([{ name: 'KAFKA', value: 'kafka-0.kafka-headless.shop.svc:9092' }]));
    expect(missing.map((v) => v.value)).toEqual(['kafka-0.kafka-headless.shop.svc:9092']);
  });

  test('GIVEN names in args and a probe host WHEN they name nothing rendered THEN each is reported at its own field', () => {
    const objects = validObjects();
    const c = find(objects, 'Deployment', 'api').spec.template.spec.containers[0];
    c.args = ['--upstream=http://auth.identity.svc:4180'];
    c.startupProbe = { httpGet: { host: 'gone.shop.svc', path: '/', port: 80 }, periodSeconds: 5 };
    const paths = dnsViolations(toDocs(objects)).map((v) => `${v.path} ${v.value}`).sort();
    expect(paths).toEqual([
      'spec.template.spec.containers[0].args[0] auth.identity.svc:4180',
      'spec.template.spec.containers[0].startupProbe.httpGet.host gone.shop.svc',
    ]);
  });

  test('GIVEN a name inside a ConfigMap a pod reads WHEN nothing declares it THEN the reader fails at the ConfigMap key; WHEN the ConfigMap declares it THEN it passes', () => {
    const objects = validObjects();
    find(objects, 'ConfigMap', 'api-config').data.LOKI_URL = 'http://loki.logging.svc:3100';
    const v = dnsViolations(toDocs(objects));
    // api-config is read by the cleanup CronJob (envFrom)
    expect(v.map((x) => [x.object.kind, x.object.name, x.path, x.value])).toEqual([
      ['CronJob', 'cleanup', 'spec.jobTemplate.spec.template.spec.containers[0].envFrom[0].configMapRef.name -> ConfigMap api-config data.LOKI_URL', 'loki.logging.svc:3100'],
    ]);
    expect(v[0].message).toMatch(/on CronJob cleanup or on ConfigMap api-config/);
    find(objects, 'ConfigMap', 'api-config').metadata.annotations = { [EXTERNAL_PROVIDER_ANNOTATION]: 'platform team (Loki)' };
    expect(dnsViolations(toDocs(objects))).toEqual([]);
  });

  test('GIVEN names in a ConfigMap no pod reads WHEN validated THEN they are not judged', () => {
    const objects = validObjects();
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'shop' }, data: { url: 'http://nowhere.logging.svc:1', other: 'http://missing.shop.svc' } });
    expect(dnsViolations(toDocs(objects))).toEqual([]);
  });

  test('GIVEN the API server name kubernetes.default.svc WHEN validated THEN it passes on 443 and fails on another port', () => {
    expect(dnsViolations(apiWithEnv([{ name: 'KUBE', value: 'https://kubernetes.default.svc:443' }]))).toEqual([]);
    expect(dnsViolations(apiWithEnv([{ name: 'KUBE', value: 'https://kubernetes.default.svc.cluster.local' }]))).toEqual([]);
    expect(dnsViolations(apiWithEnv([{ name: 'KUBE', value: 'https://kubernetes.default.svc:6443' }])).map((v) => v.value)).toEqual(['kubernetes.default.svc:6443']);
  });

  test('GIVEN a waiver of ref/dns-name on the workload WHEN validated THEN the violation is suppressed and listed', () => {
    const docs = apiWithEnv([{ name: 'ES_HOST', value: 'es.logging.svc' }], (objects) => {
      find(objects, 'Deployment', 'api').metadata.annotations = { 'validate.platform.dev/waive.ref.dns-name': 'logging namespace arrives with the cluster bootstrap (OPS-1)' };
    });
    const report = validateManifests(docs);
    expect(report.violations.filter((v) => v.rule === RULE)).toEqual([]);
    expect(report.waivers.map((w) => [w.rule, w.suppressed])).toEqual([[RULE, 1]]);
  });
});

describe('dnsNamesIn', () => {
  test('GIVEN texts with Service, pod and cluster-domain forms WHEN scanned THEN each name, namespace, pod and port is read; short names and other domains are not', () => {
    expect(dnsNamesIn('Host elasticsearch.logging.svc.cluster.local\nPort 9200')).toEqual([{ host: 'elasticsearch.logging.svc.cluster.local', name: 'elasticsearch', namespace: 'logging' }]);
    expect(dnsNamesIn('kafka-0.kafka-headless.data.svc:9093,kafka-1.kafka-headless.data.svc:9093')).toEqual([
      { host: 'kafka-0.kafka-headless.data.svc', name: 'kafka-headless', namespace: 'data', pod: 'kafka-0', port: 9093 },
      { host: 'kafka-1.kafka-headless.data.svc', name: 'kafka-headless', namespace: 'data', pod: 'kafka-1', port: 9093 },
    ]);
    expect(dnsNamesIn('http://api:80 api.shop:80 www.example.com/svc db.shop.svc.corp.example:5432')).toEqual([
      { host: 'db.shop.svc.corp.example', name: 'db', namespace: 'shop', port: 5432 },
    ]);
  });
});

describe('the committed dist/', () => {
  test('GIVEN every environment of dist/ WHEN validated THEN ref/dns-name reports nothing', () => {
    const report = validateDirectory(DIST, {}, path.resolve(DIST, '..'));
    expect(report.violations.filter((v) => v.rule === RULE).map((v) => `${v.file} ${v.path}: ${v.message}`)).toEqual([]);
  });

  test('GIVEN dist/prod/fediflow WHEN the Fluent Bit DaemonSet loses its declaration THEN the gate names the Elasticsearch host in its ConfigMap', () => {
    const docs = loadManifestDir(path.join(DIST, 'prod/fediflow'), DIST).docs.map((d) => ({ ...d, object: JSON.parse(JSON.stringify(d.object)) as Obj }));
    const ds = docs.find((d) => d.object.kind === 'DaemonSet')!.object;
    expect(ds.metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION]).toMatch(/platform team/);
    delete ds.metadata.annotations[EXTERNAL_PROVIDER_ANNOTATION];
    const v = validateManifests(docs, { environment: 'prod' }).violations.filter((x) => x.rule === RULE);
    expect(v.map((x) => [x.object.name, x.path, x.value])).toEqual([
      ['fluent-bit', 'spec.template.spec.volumes[0].configMap.name -> ConfigMap fluent-bit-config data.fluent-bit.conf', 'elasticsearch.logging.svc.cluster.local'],
    ]);
  });
});
