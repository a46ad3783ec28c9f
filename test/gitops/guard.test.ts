import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { parse } from 'yaml';
import * as k8s from '../../imports/k8s';
import { PostgresDatabase } from '../../lib/data/postgres';
import { applyDeliveryMetadata } from '../../lib/gitops/delivery-metadata';
import { DestructiveChange, DestructiveChangeGuard, findDestructiveChanges } from '../../lib/gitops/destructive-change-guard';
import { CheckFailedError, synthesize, toYaml } from '../../lib/synth';
import { listTree, removeScratch, runSynth, scratchProject, snapshotTree } from '../helpers/project';
import { testChart } from '../helpers/chart';

/** A data system: PostgreSQL (StatefulSet in prod) and an API Deployment selecting `app: <selector>`. */
function dataChart(opts: { postgres: boolean; selector: string }): Chart {
  const chart = testChart();
  if (opts.postgres) new PostgresDatabase(chart, 'postgres', { namespace: 'shop-prod', credentials: { secret: 'db-credentials' } });
  new k8s.KubeDeployment(chart, 'api', {
    metadata: { name: 'api', namespace: 'shop-prod' },
    spec: {
      selector: { matchLabels: { app: opts.selector } },
      template: { metadata: { labels: { app: opts.selector } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } },
    },
  });
  applyDeliveryMetadata(chart);
  return chart;
}

describe('destructive-change guard', () => {
  let outDir: string;
  const synth = (chart: Chart, allow: string[] = [], allowed: DestructiveChange[] = []) =>
    synthesize({
      outDir,
      environments: ['prod'],
      complete: false,
      render: () => [{ dir: 'prod/shop', chart }],
      checks: [new DestructiveChangeGuard({ allow, onAllowed: (c) => allowed.push(c) })],
    });

  beforeEach(() => {
    // GIVEN a committed render with PostgreSQL and the API selecting app=api
    outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'guard-')), 'dist');
    synth(dataChart({ postgres: true, selector: 'api' }));
  });
  afterEach(() => fs.rmSync(path.dirname(outDir), { recursive: true, force: true }));

  test('refuses a render that drops the PostgreSQL StatefulSet, naming it, and leaves dist/ untouched', () => {
    const before = snapshotTree(outDir);
    expect(Object.keys(before)).toContain('prod/shop/shop-prod--statefulset--postgres.yaml');
    // WHEN postgres disappears from the chart
    let error: unknown;
    try {
      synth(dataChart({ postgres: false, selector: 'api' }));
    } catch (e) {
      error = e;
    }
    // THEN
    expect(error).toBeInstanceOf(CheckFailedError);
    const message = (error as Error).message;
    expect(message).toContain('prod/shop: StatefulSet/shop-prod/postgres:');
    expect(message).toMatch(/StatefulSet\/shop-prod\/postgres:\n\s+would be removed from Git: it is marked never to be pruned/);
    expect(message).toContain('--allow-destructive StatefulSet/shop-prod/postgres');
    expect(message).toContain('dist/ left unchanged');
    expect(snapshotTree(outDir)).toEqual(before);
  });

  test('refuses a changed Deployment selector with the field and old -> new value', () => {
    const before = snapshotTree(outDir);
    expect(() => synth(dataChart({ postgres: true, selector: 'api-v2' }))).toThrow(
      /Deployment\/shop-prod\/api:\n\s+spec\.selector\.matchLabels\.app: "api" -> "api-v2" \(the selector of a workload is immutable\)/,
    );
    expect(snapshotTree(outDir)).toEqual(before);
  });

  test('accepts both when each object is named with --allow-destructive, and reports them', () => {
    // WHEN
    const allowed: DestructiveChange[] = [];
    synth(dataChart({ postgres: false, selector: 'api-v2' }), ['StatefulSet/shop-prod/postgres', 'deployment/shop-prod/api'], allowed);
    // THEN
    expect(allowed.map((c) => c.id).sort()).toEqual(['Deployment/shop-prod/api', 'StatefulSet/shop-prod/postgres']);
    const after = snapshotTree(outDir);
    expect(Object.keys(after)).not.toContain('prod/shop/shop-prod--statefulset--postgres.yaml');
    expect(after['prod/shop/shop-prod--deployment--api.yaml']).toContain('app: api-v2');
  });

  test('allowing one object does not allow another', () => {
    expect(() => synth(dataChart({ postgres: false, selector: 'api-v2' }), ['Deployment/shop-prod/api'])).toThrow(/StatefulSet\/shop-prod\/postgres/);
  });
});

describe('synth CLI with the guard', () => {
  test('exits 1 on a selector change against committed dist/, then passes with --allow-destructive', () => {
    // GIVEN a project copy with the committed dist/ of an environment (which
    // test/synth/dist.test.ts proves equal to a fresh render), whose
    // Deployment then gets an extra selector label (prod-failover: one of the
    // smallest environments with Deployments, so each run renders little)
    const env = 'prod-failover';
    const dir = scratchProject({ dist: [env] });
    try {
      const dist = path.join(dir, 'dist');
      const [file] = listTree(dist).filter((f) => /\/[^/]+--deployment--[^/]+\.yaml$/.test(f));
      expect(file).toBeDefined();
      const object = parse(fs.readFileSync(path.join(dist, file), 'utf8'), { version: '1.1' });
      object.spec.selector.matchLabels['test/old'] = 'x';
      fs.writeFileSync(path.join(dist, file), toYaml(object));
      const id = `Deployment/${object.metadata.namespace}/${object.metadata.name}`;
      const before = snapshotTree(dist);
      // WHEN
      const refused = runSynth(dir, ['--env', env]);
      // THEN
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`${id}:`);
      expect(refused.stderr).toContain('spec.selector.matchLabels["test/old"]: "x" -> (absent) (the selector of a workload is immutable)');
      expect(snapshotTree(dist)).toEqual(before);
      const allowed = runSynth(dir, ['--env', env, '--allow-destructive', id]);
      expect(allowed.stderr).toContain(`allowed destructive change of ${id}`);
      expect(allowed.status).toBe(0);
    } finally {
      removeScratch(dir);
    }
  });
});

describe('immutable fields and data-holding kinds', () => {
  const prev = (o: Record<string, any>) => new Map([[`prod/x/${o.metadata.namespace ?? '_cluster'}--${o.kind.toLowerCase()}--${o.metadata.name}.yaml`, toYaml(o)]]);
  const next = (o: Record<string, any>) => [{ dir: 'prod/x', file: `${o.metadata.namespace ?? '_cluster'}--${o.kind.toLowerCase()}--${o.metadata.name}.yaml`, constructPath: 'x', object: o as any }];
  const details = (a: Record<string, any>, b: Record<string, any> | undefined) => findDestructiveChanges({ previous: prev(a), objects: b ? next(b) : [] }).flatMap((c) => c.details);
  const meta = { name: 'n', namespace: 'ns' };

  test('Service: clusterIP and ExternalName switches are refused; ClusterIP -> LoadBalancer is not', () => {
    const svc = (spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec });
    expect(details(svc({ clusterIP: 'None' }), svc({}))).toEqual([expect.stringMatching(/^spec\.clusterIP: "None" -> \(absent\) \(clusterIP cannot change/)]);
    expect(details(svc({ type: 'ClusterIP' }), svc({ type: 'ExternalName', externalName: 'db.example.com' }))).toEqual([expect.stringMatching(/^spec\.type: "ClusterIP" -> "ExternalName"/)]);
    expect(details(svc({ type: 'ClusterIP' }), svc({ type: 'LoadBalancer' }))).toEqual([]);
  });

  test('PVC: storage class, access modes and shrinking are refused; growing is not', () => {
    const pvc = (storage: string, extra: object = {}) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...extra } });
    expect(details(pvc('10Gi'), pvc('20Gi'))).toEqual([]);
    expect(details(pvc('10Gi'), pvc('5Gi'))).toEqual(['spec.resources.requests.storage: "10Gi" -> "5Gi" (a volume can grow but never shrink)']);
    expect(details(pvc('10Gi'), pvc('10Gi', { storageClassName: 'fast', accessModes: ['ReadWriteMany'] }))).toEqual([
      'spec.storageClassName: (absent) -> "fast" (fixed once the claim is bound)',
      'spec.accessModes: ["ReadWriteOnce"] -> ["ReadWriteMany"] (fixed once the claim is bound)',
    ]);
  });

  test('StatefulSet: volumeClaimTemplates, serviceName and podManagementPolicy; replicas may change', () => {
    const sts = (size: string, serviceName = 'db', replicas = 1) => ({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta,
      spec: { replicas, serviceName, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: size } } } }] },
    });
    expect(details(sts('10Gi'), sts('10Gi', 'db', 3))).toEqual([]);
    expect(details(sts('10Gi'), sts('20Gi', 'db-headless'))).toEqual([
      expect.stringMatching(/^spec\.volumeClaimTemplates\[name=data\]\.spec\.resources\.requests\.storage: "10Gi" -> "20Gi" \(volumeClaimTemplates are immutable/),
      'spec.serviceName: "db" -> "db-headless" (immutable on a StatefulSet)',
    ]);
  });

  test('removals: Namespace and PVC refused, a plain ConfigMap or a StatefulSet-less Deployment not', () => {
    expect(details({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }, undefined)).toEqual([expect.stringContaining('deleting a Namespace deletes everything in it')]);
    expect(details({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta }, undefined)).toEqual([expect.stringContaining('a PersistentVolumeClaim holds data')]);
    expect(details({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta }, undefined)).toEqual([]);
    expect(details({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta }, undefined)).toEqual([]);
  });
});
