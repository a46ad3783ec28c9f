import * as path from 'path';
import { ManifestDocument, findProjectRoot, loadManifestDir, validateManifests } from '../../lib/validate';
import { RolloutOrderStats, checkRolloutOrder, rolloutGraph, servicesNamedIn } from '../../lib/validate/checks/rollout-order';
import { K8sObject, ObjectSet, Reporter, toK8sObject } from '../../lib/validate/model';
import { violationsOf } from './helpers';

const ROOT = findProjectRoot();
const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];
const WAVE = 'argocd.argoproj.io/sync-wave';

/** The wave table before issue 17: Services in wave 0 after the StatefulSets (-2), Certificates in -3, PVCs in -2, HPAs/PDBs in 2. */
const FORMER_WAVES: Record<string, string> = { Service: '0', Certificate: '-3', PersistentVolumeClaim: '-2', HorizontalPodAutoscaler: '2', PodDisruptionBudget: '2' };

function distDocs(env: string): ManifestDocument[] {
  return loadManifestDir(path.join(ROOT, 'dist', env), ROOT).docs;
}

function withWaves(docs: ManifestDocument[], waves: Record<string, string>): ManifestDocument[] {
  return docs.map((d) => {
    const o = d.object as { kind?: string; metadata?: { annotations?: Record<string, string> } };
    const w = o.kind === undefined ? undefined : waves[o.kind];
    if (w === undefined || o.metadata?.annotations?.[WAVE] === undefined) return d;
    return { ...d, object: { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [WAVE]: w } } } };
  });
}

function rolloutViolations(docs: ManifestDocument[]): Array<{ file: string; path: string; message: string }> {
  const report = validateManifests(docs);
  return violationsOf(report, 'gitops/rollout-order').map((v) => ({ file: path.basename(v.file), path: v.path, message: v.message }));
}

function objectsOf(docs: readonly ManifestDocument[]): K8sObject[] {
  return docs.map(toK8sObject).filter((o): o is K8sObject => o !== undefined);
}

describe('gitops/rollout-order on the committed dist/', () => {
  test.each(ENVS)('GIVEN dist/%s WHEN checked THEN no object that must become healthy waits on a later wave', (env) => {
    expect(rolloutViolations(distDocs(env))).toEqual([]);
  });

  test('GIVEN the five environments WHEN the rollout graph is built THEN it places every object and finds the dependencies the deadlocks were made of', () => {
    const stats: RolloutOrderStats = { objects: 0, edges: 0, violations: 0 };
    const edges: string[] = [];
    for (const env of ENVS) {
      const set = new ObjectSet(objectsOf(distDocs(env)));
      checkRolloutOrder(set, new Reporter(), stats);
      for (const e of rolloutGraph(set).edges) edges.push(`${env} ${e.from.kind}/${e.from.name} -> ${e.to.kind}/${e.to.name} @${e.path}`);
    }
    expect(stats.violations).toBe(0);
    expect(stats.objects).toBeGreaterThan(1000);
    expect(stats.edges).toBeGreaterThan(500);
    expect(edges).toEqual(expect.arrayContaining([
      'prod StatefulSet/elasticsearch -> Service/elasticsearch-headless @spec.serviceName',
      'prod StatefulSet/kafka -> Service/kafka-headless @spec.serviceName',
      'prod StatefulSet/prod-postgres-cluster-replica -> Service/prod-postgres-cluster @spec.template.spec.initContainers[0].command[2]',
      'prod Certificate/grafana -> Deployment/traefik @spec.dnsNames',
      'prod-shared Certificate/nifi -> Issuer/letsencrypt-prod @spec.issuerRef',
      'dev PersistentVolumeClaim/redis-data -> Deployment/redis @metadata.name',
    ]));
  });
});

describe('issue 17 item 1: the former wave table deadlocks the first sync', () => {
  test('GIVEN prod rendered with Services in wave 0 and Certificates in -3 WHEN checked THEN the clustered StatefulSets, the PostgreSQL replica and the Certificates behind Traefik are reported', () => {
    const found = rolloutViolations(withWaves(distDocs('prod'), FORMER_WAVES));
    const lines = found.map((v) => `${v.file} ${v.path}`);
    expect(lines).toEqual(expect.arrayContaining([
      'ecosystem-prod--statefulset--elasticsearch.yaml spec.serviceName',
      'infometis-prod--statefulset--elasticsearch.yaml spec.serviceName',
      'infometis-prod--statefulset--kafka.yaml spec.serviceName',
      'ecosystem-prod--statefulset--prod-postgres-cluster-replica.yaml spec.template.spec.initContainers[0].command[2]',
      'infometis-prod--certificate.cert-manager.io--grafana.yaml spec.dnsNames',
      'infometis-prod--certificate.cert-manager.io--nifi.yaml spec.dnsNames',
    ]));
    const replica = found.find((v) => v.file.includes('replica') && v.path.includes('initContainers'))!;
    expect(replica.message).toContain('StatefulSet prod-postgres-cluster-replica (wave -2) must become healthy but depends on v1 Service ecosystem-prod/prod-postgres-cluster (wave 0)');
    expect(replica.message).toContain('in wave -2 or earlier');
    const cert = found.find((v) => v.file.includes('certificate') && v.file.includes('grafana'))!;
    expect(cert.message).toMatch(/Certificate grafana \(wave -3\).*Deployment infometis-prod\/traefik \(wave 1\).*HTTP-01/);
  });

  test('GIVEN the five environments rendered with the former wave table WHEN checked THEN the ten clustered StatefulSets of the issue, four Certificates and eleven claims are reported', () => {
    const all = ENVS.flatMap((env) => rolloutViolations(withWaves(distDocs(env), FORMER_WAVES)));
    const statefulSets = new Set(all.filter((v) => v.file.includes('--statefulset--')).map((v) => v.file));
    // the ten; StatefulSets added since (Logstash, Prometheus with its Alertmanager) may stall too
    expect([...statefulSets].sort()).toEqual(expect.arrayContaining([
      'ecosystem-prod--statefulset--elasticsearch.yaml',
      'ecosystem-prod--statefulset--prod-postgres-cluster-replica.yaml',
      'infometis-dev--statefulset--elasticsearch.yaml',
      'infometis-dev--statefulset--kafka.yaml',
      'infometis-prod--statefulset--elasticsearch.yaml',
      'infometis-prod--statefulset--kafka.yaml',
      'infometis-staging--statefulset--elasticsearch.yaml',
      'infometis-staging--statefulset--kafka.yaml',
      'team-infometis--statefulset--elasticsearch.yaml',
      'team-infometis--statefulset--kafka.yaml',
    ]));
    expect(all.filter((v) => v.file.includes('--certificate')).length).toBe(4);
    const claims = all.filter((v) => v.file.includes('--persistentvolumeclaim--'));
    // eight of Deployments in dev (wave 1), three of the backup CronJob (binds at its first run)
    expect(claims.filter((v) => v.message.includes('until a pod using it is scheduled')).length).toBe(8);
    expect(claims.filter((v) => v.message.includes('binds at the first run')).map((v) => v.file)).toEqual([
      'specify-dev--persistentvolumeclaim--postgres-backups.yaml',
      'specify-staging--persistentvolumeclaim--postgres-backups.yaml',
      'specify-prod--persistentvolumeclaim--postgres-backups.yaml',
    ]);
  });
});

function obj(kind: string, name: string, extra: Record<string, unknown> = {}, wave?: string, apiVersion = 'v1'): ManifestDocument {
  return {
    file: `dist/x/app/${kind}-${name}.yaml`,
    object: { apiVersion, kind, metadata: { name, namespace: 'ns', ...(wave === undefined ? {} : { annotations: { [WAVE]: wave } }) }, ...extra },
  };
}

function deployment(name: string, wave: string, container: Record<string, unknown>, kind = 'Deployment'): ManifestDocument {
  return obj(kind, name, {
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1', ...container }] } },
    },
  }, wave, 'apps/v1');
}

describe('gitops/rollout-order model', () => {
  test('GIVEN a Deployment whose ConfigMap names a Service of a later wave WHEN checked THEN the chain through the Service to its workload is reported', () => {
    const docs = [
      deployment('api', '1', { envFrom: [{ configMapRef: { name: 'api-config' } }] }),
      obj('ConfigMap', 'api-config', { data: { 'app.yaml': 'search:\n  url: http://search:9200\n' } }, '-3'),
      obj('Service', 'search', { spec: { selector: { app: 'search' }, ports: [{ port: 9200 }] } }, '-3'),
      deployment('search', '3', {}),
    ];
    const found = rolloutViolations(docs);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('depends on apps/v1 Deployment ns/search (wave 3)');
    expect(found[0].message).toContain('Service ns/search');
  });

  test('GIVEN a Deployment reading a Secret written by an ExternalSecret of a later wave WHEN checked THEN it is reported; in the same wave THEN not', () => {
    const reader = deployment('api', '1', { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'p' } } }] });
    const es = (wave: string) => obj('ExternalSecret', 'creds', { spec: { target: { name: 'creds' } } }, wave, 'external-secrets.io/v1beta1');
    expect(rolloutViolations([reader, es('2')]).map((v) => v.path)).toEqual(['spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name']);
    expect(rolloutViolations([reader, es('1')])).toEqual([]);
  });

  test('GIVEN a Certificate whose rendered Issuer solves DNS-01 WHEN the ingress controller comes later THEN nothing is reported', () => {
    const docs = [
      obj('Issuer', 'le', { spec: { acme: { solvers: [{ dns01: { route53: { region: 'eu-west-1' } } }] } } }, '-4', 'cert-manager.io/v1'),
      obj('Certificate', 'web', { spec: { dnsNames: ['a.example.com'], issuerRef: { kind: 'Issuer', name: 'le' }, secretName: 'web-tls' } }, '-3', 'cert-manager.io/v1'),
      { file: 'dist/x/app/route.yaml', object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns' }, spec: { ingressClassName: 'own', rules: [{ host: 'a.example.com' }] } } },
      deployment('ctl', '1', { args: ['--ingress-class=own'] }),
    ];
    const found = rolloutViolations(docs);
    expect(found.filter((v) => v.file.startsWith('Certificate'))).toEqual([]);
    // the Ingress itself waits for the controller to publish its status
    expect(found.map((v) => v.file)).toEqual(['route.yaml']);
  });

  test('GIVEN a claim used only by a CronJob WHEN anything comes in a later wave THEN the claim is reported; in the last wave THEN not', () => {
    const claim = (wave: string) => obj('PersistentVolumeClaim', 'backups', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, wave);
    const cron = obj('CronJob', 'backup', {
      spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x:1' }], volumes: [{ name: 'b', persistentVolumeClaim: { claimName: 'backups' } }] } } } } },
    }, '1', 'batch/v1');
    const hpa = obj('HorizontalPodAutoscaler', 'api', { spec: { maxReplicas: 2, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } } }, '2', 'autoscaling/v2');
    const found = rolloutViolations([claim('1'), cron, hpa]);
    expect(found.map((v) => v.file)).toEqual(['PersistentVolumeClaim-backups.yaml']);
    expect(found[0].message).toContain('used only by CronJob backup');
    expect(found[0].message).toContain('Valid: the claim in the last wave of its Application (wave 2 or later)');
    expect(rolloutViolations([claim('2'), cron, hpa])).toEqual([]);
  });

  test('GIVEN two Flux Kustomizations WHEN a workload of the first needs a Service of the second that dependsOn the first THEN it is reported', () => {
    const docs: ManifestDocument[] = [
      { file: 'dist/x/a/d.yaml', object: (deployment('api', '0', { env: [{ name: 'DB_HOST', value: 'db.other' }] }).object) },
      { file: 'dist/x/b/s.yaml', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'other' }, spec: { ports: [{ port: 5432 }] } } },
      { file: 'dist/x/_gitops/flux/a.yaml', object: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'a', namespace: 'flux-system' }, spec: { path: './dist/x/a' } } },
      { file: 'dist/x/_gitops/flux/b.yaml', object: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'b', namespace: 'flux-system' }, spec: { path: './dist/x/b', dependsOn: [{ name: 'a' }] } } },
    ];
    const found = rolloutViolations(docs);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('Flux Kustomization (dist/x/b) dependsOn the one of dist/x/a');
  });

  test('GIVEN strings of a pod WHEN looking for Service DNS names THEN qualified names always count, bare ones only in host positions', () => {
    const names = (ns: string): ReadonlySet<string> => new Set(ns === 'ns' ? ['postgres', 'kafka-headless'] : ns === 'db' ? ['main'] : []);
    const refs = (text: string, hostKey = false) => servicesNamedIn(text, 'ns', names, hostKey).map((r) => `${r.namespace}/${r.name}`);
    expect(refs('until pg_isready -h main.db.svc -p 5432')).toEqual(['db/main']);
    expect(refs('0@kafka-0.kafka-headless:9093,1@kafka-1.kafka-headless.ns.svc.cluster.local:9093')).toEqual(['ns/kafka-headless']);
    expect(refs('jdbc:postgresql://postgres:5432/app')).toEqual(['ns/postgres']);
    expect(refs('postgres', true)).toEqual(['ns/postgres']);
    // the program name and a database name are no host
    expect(refs('postgres')).toEqual([]);
    expect(refs('-c max_connections=100 postgres')).toEqual([]);
  });
});
