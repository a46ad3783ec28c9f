// `npm run drift` on live exports recorded from dist/prod the way an API
// server would return them: defaulted fields, server metadata, GitOps
// tracking, controller-owned replicas and canary weights, objects the cluster
// makes by itself. The server side is modelled here per kind, independently
// of app/gitops/drift-ignore.ts, so a row missing from the table shows up as
// false drift and a row too broad hides an injected drift.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump } from 'js-yaml';

const stringify = (o: unknown): string => dump(o, { noRefs: true, lineWidth: -1 });
import { gitopsCli } from '../../app/gitops/cli';
import { objectsOf } from '../../lib/gitops/dist-objects';
import { detectDrift, DriftReport, Json, LiveObject, parseLive, readClusterObjects, resourceName } from '../../app/gitops/drift';
import { IGNORED_FIELDS } from '../../app/gitops/drift-ignore';
import { readFileSet } from '../../lib/synth';
import { ROOT } from '../helpers/project';

const ENV = 'prod';
const files = new Map([...readFileSet(path.join(ROOT, 'dist'))].filter(([p]) => p.startsWith(`${ENV}/`)));
const desired = [...objectsOf(files).values()].map((d) => d.object as unknown as Json);

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
let serial = 0;

/** Sets `o[k]` to `v` unless Git set it: API-server defaulting. */
function def(o: Json, k: string, v: unknown): void {
  if (o[k] === undefined) o[k] = clone(v);
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  def(p, 'timeoutSeconds', 1);
  def(p, 'periodSeconds', 10);
  def(p, 'successThreshold', 1);
  def(p, 'failureThreshold', 3);
  if (isObject(p.httpGet)) def(p.httpGet, 'scheme', 'HTTP');
}

function defaultPodTemplate(t: Json): void {
  const meta = (t.metadata ??= {}) as Json;
  meta.creationTimestamp = null;
  const spec = t.spec as Json;
  def(spec, 'dnsPolicy', 'ClusterFirst');
  def(spec, 'restartPolicy', 'Always');
  def(spec, 'schedulerName', 'default-scheduler');
  def(spec, 'securityContext', {});
  def(spec, 'terminationGracePeriodSeconds', 30);
  if (spec.serviceAccountName) def(spec, 'serviceAccount', spec.serviceAccountName);
  for (const c of [...((spec.containers as Json[]) ?? []), ...((spec.initContainers as Json[]) ?? [])]) {
    def(c, 'terminationMessagePath', '/dev/termination-log');
    def(c, 'terminationMessagePolicy', 'File');
    def(c, 'imagePullPolicy', 'IfNotPresent');
    for (const p of (c.ports as Json[]) ?? []) def(p, 'protocol', 'TCP');
    for (const e of (c.env as Json[]) ?? []) if (isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) def(e.valueFrom.fieldRef, 'apiVersion', 'v1');
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
  }
  for (const v of (spec.volumes as Json[]) ?? []) for (const s of ['configMap', 'secret', 'projected', 'downwardAPI']) if (isObject(v[s])) def(v[s], 'defaultMode', 420);
}

const hpaTargets = new Set(desired.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => `${(o.metadata as Json).namespace}/${((o.spec as Json).scaleTargetRef as Json).name}`));

/** What `kubectl get -o yaml` returns for an object applied from Git by Argo CD (client-side apply), after its controllers ran. */
function asServerReturns(source: Json): Json {
  const o = clone(source);
  const m = o.metadata as Json;
  const ns = m.namespace as string | undefined;
  serial += 1;
  Object.assign(m, {
    uid: `0b7f${String(serial).padStart(4, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`,
    resourceVersion: String(1000 + serial),
    creationTimestamp: '2026-11-30T09:14:03Z',
    generation: 3,
    managedFields: [{ apiVersion: o.apiVersion, fieldsType: 'FieldsV1', manager: 'argocd-controller', operation: 'Update', time: '2026-11-30T09:14:03Z' }],
  });
  m.annotations = {
    ...(m.annotations as Json | undefined),
    'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(source),
    'argocd.argoproj.io/tracking-id': `prod-app:${o.apiVersion}:${o.kind}:${ns ?? ''}/${m.name}`,
  };
  const spec = (o.spec ?? {}) as Json;
  switch (o.kind) {
    case 'Namespace':
      m.labels = { ...(m.labels as Json | undefined), 'kubernetes.io/metadata.name': m.name };
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
      break;
    case 'Service': {
      const ip = `10.96.${serial % 250}.${(serial * 7) % 250}`;
      def(spec, 'type', 'ClusterIP');
      if (spec.clusterIP !== 'None') def(spec, 'clusterIP', ip);
      def(spec, 'clusterIPs', [spec.clusterIP]);
      def(spec, 'ipFamilies', ['IPv4']);
      def(spec, 'ipFamilyPolicy', 'SingleStack');
      def(spec, 'sessionAffinity', 'None');
      def(spec, 'internalTrafficPolicy', 'Cluster');
      if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') def(spec, 'externalTrafficPolicy', 'Cluster');
      for (const p of (spec.ports as Json[]) ?? []) {
        def(p, 'protocol', 'TCP');
        def(p, 'targetPort', p.port);
      }
      o.status = { loadBalancer: {} };
      break;
    }
    case 'Deployment':
      m.annotations = { ...(m.annotations as Json), 'deployment.kubernetes.io/revision': '4' };
      def(spec, 'progressDeadlineSeconds', 600);
      def(spec, 'revisionHistoryLimit', 10);
      def(spec, 'strategy', { type: 'RollingUpdate' });
      if ((spec.strategy as Json).type === 'RollingUpdate') def(spec.strategy as Json, 'rollingUpdate', { maxSurge: '25%', maxUnavailable: '25%' });
      // an HPA scaled it; otherwise the default of 1 when Git leaves replicas out
      spec.replicas = hpaTargets.has(`${ns}/${m.name}`) ? 7 : spec.replicas ?? 1;
      defaultPodTemplate(spec.template as Json);
      o.status = { availableReplicas: spec.replicas, observedGeneration: 3, readyReplicas: spec.replicas, replicas: spec.replicas, updatedReplicas: spec.replicas };
      break;
    case 'StatefulSet':
      def(spec, 'replicas', 1);
      def(spec, 'podManagementPolicy', 'OrderedReady');
      def(spec, 'revisionHistoryLimit', 10);
      def(spec, 'updateStrategy', { type: 'RollingUpdate' });
      if ((spec.updateStrategy as Json).type === 'RollingUpdate') def(spec.updateStrategy as Json, 'rollingUpdate', { partition: 0 });
      def(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      for (const t of (spec.volumeClaimTemplates as Json[]) ?? []) {
        def(t, 'apiVersion', 'v1');
        def(t, 'kind', 'PersistentVolumeClaim');
        def(t.spec as Json, 'volumeMode', 'Filesystem');
        t.status = { phase: 'Pending' };
      }
      defaultPodTemplate(spec.template as Json);
      o.status = { availableReplicas: spec.replicas, currentRevision: `${m.name}-6d4f`, replicas: spec.replicas };
      break;
    case 'DaemonSet':
      def(spec, 'revisionHistoryLimit', 10);
      def(spec, 'updateStrategy', { type: 'RollingUpdate' });
      if ((spec.updateStrategy as Json).type === 'RollingUpdate') def(spec.updateStrategy as Json, 'rollingUpdate', { maxSurge: 0, maxUnavailable: 1 });
      defaultPodTemplate(spec.template as Json);
      o.status = { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberReady: 3 };
      break;
    case 'CronJob':
      def(spec, 'concurrencyPolicy', 'Allow');
      def(spec, 'suspend', false);
      def(spec, 'successfulJobsHistoryLimit', 3);
      def(spec, 'failedJobsHistoryLimit', 1);
      defaultPodTemplate(((spec.jobTemplate as Json).spec as Json).template as Json);
      o.status = { lastScheduleTime: '2026-12-05T02:00:00Z' };
      break;
    case 'NetworkPolicy':
      def(spec, 'policyTypes', spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      for (const rule of [...((spec.ingress as Json[]) ?? []), ...((spec.egress as Json[]) ?? [])]) for (const p of (rule.ports as Json[]) ?? []) def(p, 'protocol', 'TCP');
      break;
    case 'HorizontalPodAutoscaler':
      for (const dir of ['scaleUp', 'scaleDown']) if (isObject((spec.behavior as Json | undefined)?.[dir])) def((spec.behavior as Json)[dir] as Json, 'selectPolicy', 'Max');
      o.status = { currentReplicas: 7, desiredReplicas: 7 };
      break;
    case 'PersistentVolumeClaim':
      m.finalizers = ['kubernetes.io/pvc-protection'];
      m.annotations = { ...(m.annotations as Json), 'pv.kubernetes.io/bind-completed': 'yes', 'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com' };
      def(spec, 'storageClassName', 'gp3');
      def(spec, 'volumeMode', 'Filesystem');
      spec.volumeName = `pvc-${serial}`;
      o.status = { phase: 'Bound' };
      break;
    case 'Rollout':
      m.annotations = { ...(m.annotations as Json), 'rollout.argoproj.io/revision': '5' };
      o.status = { phase: 'Healthy', stableRS: '7c9d' };
      break;
    case 'VirtualService':
      // Argo Rollouts is mid-canary: it moved the weights of the routes the Rollout names.
      for (const route of (spec.http as Json[]) ?? []) {
        const dest = route.route as Json[] | undefined;
        if (dest?.length === 2) [dest[0].weight, dest[1].weight] = [80, 20];
      }
      break;
    case 'Application':
      o.status = { sync: { status: 'Synced' }, health: { status: 'Healthy' } };
      break;
    default:
      if (/ExternalSecret|Certificate/.test(String(o.kind))) o.status = { conditions: [{ type: 'Ready', status: 'True' }] };
  }
  if (o.spec !== undefined || Object.keys(spec).length) o.spec = o.kind === 'Namespace' ? o.spec : spec;
  return o;
}

/** Objects the cluster makes by itself next to those from Git: never drift. */
function clusterMade(): Json[] {
  const namespaces = desired.filter((o) => o.kind === 'Namespace').map((o) => (o.metadata as Json).name as string);
  return namespaces.flatMap((ns): Json[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: ns, uid: 'a' }, data: { 'ca.crt': 'x' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns, uid: 'b' } },
  ]).concat(<Json[]>[
    // the Secret an ExternalSecret created, owned by it
    { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'redis-credentials', namespace: 'ecosystem-prod', ownerReferences: [{ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', name: 'redis-credentials', uid: 'c', controller: true }] } },
    // someone else's namespace
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' } },
    // a cluster-scoped object of no system of ours
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:aggregate-to-view', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } } },
  ]);
}

/** The recorded live export: every object of dist/prod as the server returns it, plus what the cluster made. */
function recordLive(): Json[] {
  serial = 0;
  return [...desired.map(asServerReturns), ...clusterMade()];
}

function find(live: Json[], kind: string, ns: string, name: string): Json {
  const o = live.find((x) => x.kind === kind && (x.metadata as Json).namespace === ns && (x.metadata as Json).name === name);
  if (!o) throw new Error(`no ${kind} ${ns}/${name} in dist/${ENV}: the test picks objects that exist`);
  return o;
}

const asLive = (objects: Json[]): LiveObject[] => objects.map((object, i) => ({ source: `live.yaml#${i + 1}`, object }));
const drift = (objects: Json[]): DriftReport => detectDrift(ENV, files, asLive(objects));
const containers = (o: Json, path = ['spec', 'template', 'spec']): Json[] => path.reduce((x: Json, k) => x[k] as Json, o).containers as Json[];

describe('drift: a live export with only server-side additions', () => {
  test('GIVEN every object of dist/prod as the API server returns it WHEN compared THEN nothing drifts', () => {
    const live = recordLive();
    const report = drift(live);
    expect(report.entries).toEqual([]);
    expect(report.desired).toBe(desired.length);
    expect(report.live).toBe(live.length);
  });

  test('the recorded export really carries what the table must ignore (replicas scaled by an HPA, canary weights, defaults, tracking)', () => {
    const live = recordLive();
    const target = [...hpaTargets][0].split('/');
    expect((find(live, 'Deployment', target[0], target[1]).spec as Json).replicas).toBe(7);
    const vs = JSON.stringify(live.filter((o) => o.kind === 'VirtualService'));
    expect(vs).toContain('"weight":80');
    const svc = live.find((o) => o.kind === 'Service')!;
    expect(Object.keys(svc.spec as Json)).toEqual(expect.arrayContaining(['clusterIP', 'clusterIPs', 'ipFamilies', 'sessionAffinity']));
    expect(JSON.stringify(live)).toContain('"terminationMessagePath":"/dev/termination-log"');
  });

  test('a field left out of the ignore table shows: a server default without its row is reported', () => {
    const live = recordLive();
    const svc = live.find((o) => o.kind === 'Service')!;
    (svc.spec as Json).publishNotReadyAddresses = false;
    expect(drift(live).entries.map((e) => e.fields.map((f) => f.path))).toEqual([['spec.publishNotReadyAddresses']]);
  });
});

describe('drift: injected drifts, each found alone and all together', () => {
  const cases: Array<{ name: string; inject: (live: Json[]) => Json[]; expected: unknown }> = [
    {
      name: 'image changed by hand on the canary Rollout',
      inject: (live) => {
        containers(find(live, 'Rollout', 'ecosystem-prod', 'user-service'))[0].image = 'registry.example.com/ecosystem/user-service:v9.9.9-hotfix';
        return live;
      },
      expected: { change: 'changed', id: 'Rollout/ecosystem-prod/user-service', fields: [{ path: expect.stringMatching(/^spec\.template\.spec\.containers\[name=[^\]]+\]\.image$/), before: expect.any(String), after: 'registry.example.com/ecosystem/user-service:v9.9.9-hotfix' }] },
    },
    {
      name: 'replicas scaled by hand on a Deployment no HPA targets',
      inject: (live) => {
        (find(live, 'Deployment', 'ecosystem-prod', 'grafana').spec as Json).replicas = 5;
        return live;
      },
      expected: { change: 'changed', id: 'Deployment/ecosystem-prod/grafana', fields: [{ path: 'spec.replicas', before: expect.any(Number), after: 5 }] },
    },
    {
      name: 'env var added with kubectl set env',
      inject: (live) => {
        const c = containers(find(live, 'Deployment', 'ecosystem-prod', 'kibana'))[0];
        c.env = [...((c.env as Json[]) ?? []), { name: 'DEBUG', value: 'true' }];
        return live;
      },
      expected: { change: 'changed', id: 'Deployment/ecosystem-prod/kibana', fields: [{ path: expect.stringMatching(/containers\[name=[^\]]+\]\.env(\[name=DEBUG\])?$/), before: undefined, after: expect.anything() }] },
    },
    {
      name: 'object deleted from the cluster',
      inject: (live) => live.filter((o) => o !== find(live, 'ConfigMap', 'ecosystem-prod', 'redis-config')),
      expected: { change: 'missing', id: 'ConfigMap/ecosystem-prod/redis-config', fields: [] },
    },
    {
      name: 'extra object created by hand in a namespace Git owns',
      inject: (live) => [...live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'debug-overrides', namespace: 'ecosystem-prod', uid: 'z' }, data: { LOG_LEVEL: 'trace' } }],
      expected: { change: 'extra', id: 'ConfigMap/ecosystem-prod/debug-overrides', fields: [] },
    },
    {
      name: 'NetworkPolicy opened to every namespace',
      inject: (live) => {
        const np = find(live, 'NetworkPolicy', 'ecosystem-prod', 'user-service').spec as Json;
        np.ingress = [...((np.ingress as Json[]) ?? []), { from: [{ namespaceSelector: {} }] }];
        return live;
      },
      expected: { change: 'changed', id: 'NetworkPolicy/ecosystem-prod/user-service', fields: [{ path: expect.stringMatching(/^spec\.ingress\[\d+\]$/), before: undefined, after: { from: [{ namespaceSelector: {} }] } }] },
    },
    {
      name: 'a defaulted field set by hand away from its default (revisionHistoryLimit)',
      inject: (live) => {
        (find(live, 'Deployment', 'ecosystem-prod', 'grafana').spec as Json).revisionHistoryLimit = 2;
        return live;
      },
      expected: { change: 'changed', id: 'Deployment/ecosystem-prod/grafana', fields: [{ path: 'spec.revisionHistoryLimit', before: undefined, after: 2 }] },
    },
  ];

  test.each(cases)('$name is reported, field by field, and nothing else', ({ inject, expected }) => {
    const report = drift(inject(recordLive()));
    expect(report.entries).toEqual([expect.objectContaining(expected)]);
  });

  test('all seven drifts together: six objects (two drifts on one Deployment); the HPA-scaled replicas and canary weights stay silent', () => {
    let live = recordLive();
    for (const c of cases) live = c.inject(live);
    const report = drift(live);
    expect(report.entries.map((e) => `${e.change} ${e.id}`).sort()).toEqual([
      'changed Deployment/ecosystem-prod/grafana',
      'changed Deployment/ecosystem-prod/kibana',
      'changed NetworkPolicy/ecosystem-prod/user-service',
      'changed Rollout/ecosystem-prod/user-service',
      'extra ConfigMap/ecosystem-prod/debug-overrides',
      'missing ConfigMap/ecosystem-prod/redis-config',
    ]);
    expect(report.entries.find((e) => e.id === 'Deployment/ecosystem-prod/grafana')!.fields.map((f) => f.path)).toEqual(['spec.replicas', 'spec.revisionHistoryLimit']);
  });

  test('replicas of a workload an HPA targets are the HPA\'s, but without the HPA in Git they are drift', () => {
    const [ns, name] = [...hpaTargets][0].split('/');
    const withoutHpa = new Map([...files].filter(([p]) => !/--horizontalpodautoscaler--/.test(p) || !p.includes(ns)));
    const report = detectDrift(ENV, withoutHpa, asLive(recordLive().filter((o) => o.kind !== 'HorizontalPodAutoscaler' || (o.metadata as Json).namespace !== ns)));
    expect(report.entries.filter((e) => e.id === `Deployment/${ns}/${name}`).map((e) => e.fields.map((f) => [f.path, f.after]))).toEqual([[['spec.replicas', 7]]]);
  });
});

describe('reading live exports', () => {
  test('a List, multi-document files and a directory of them give the same objects', () => {
    const live = recordLive();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-live-'));
    try {
      const third = Math.ceil(live.length / 3);
      fs.writeFileSync(path.join(dir, 'list.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: live.slice(0, third), metadata: { resourceVersion: '' } }));
      fs.writeFileSync(path.join(dir, 'multi.yml'), live.slice(third, 2 * third).map((o) => stringify(o)).join('---\n'));
      fs.mkdirSync(path.join(dir, 'one-per-file'));
      live.slice(2 * third).forEach((o, i) => fs.writeFileSync(path.join(dir, 'one-per-file', `${i}.json`), JSON.stringify(o)));
      const out: string[] = [];
      const code = gitopsCli(['drift', '--env', ENV, '--live', dir, '--exit-code'], { render: () => { throw new Error('drift must not render'); }, root: ROOT, stdout: (s) => out.push(s) });
      expect(out.join('')).toBe(`prod: no drift (${desired.length} objects in dist/prod, ${live.length} live)\n`);
      expect(code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['not YAML', 'apiVersion: v1\nkind: [', /^broken\.yaml:3:1: not valid YAML: /],
    ['a scalar', 'just text\n', /^broken\.yaml#1: expected a Kubernetes object or a List, got "just text"/],
    ['no kind', 'apiVersion: v1\nmetadata: {name: x}\n', /^broken\.yaml#1: kind: expected a non-empty string such as "Deployment", got \(absent\)/],
    ['no name', '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /^broken\.yaml#2: metadata\.name: expected a non-empty string, got \(absent\)/],
    ['List items not a list', 'apiVersion: v1\nkind: List\nitems: 3\n', /^broken\.yaml#1: items: expected a list of objects, got 3/],
  ])('%s: a located error', (_, text, message) => {
    expect(() => parseLive(text, 'broken.yaml')).toThrow(message);
  });
});

describe('npm run drift: options, output and exit codes', () => {
  let dir: string;
  let liveFile: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cli-'));
    liveFile = path.join(dir, 'live.yaml');
    const live = recordLive();
    (find(live, 'Deployment', 'ecosystem-prod', 'grafana').spec as Json).replicas = 5;
    fs.writeFileSync(liveFile, stringify({ apiVersion: 'v1', kind: 'List', items: live }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (argv: string[], extra: Partial<Parameters<typeof gitopsCli>[1]> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = gitopsCli(argv, { render: () => { throw new Error('drift must not render'); }, root: ROOT, stdout: (s) => out.push(s), stderr: (s) => err.push(s), ...extra });
    return { code, out: out.join(''), err: err.join('') };
  };

  test('text: one line per drifted object and per field, git value -> live value; exit 0 without --exit-code, 1 with', () => {
    const r = run(['drift', '--env', 'prod', '--live', liveFile]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^prod: drift: 0 missing, 0 extra, 1 changed \(\d+ objects in dist\/prod, \d+ live\)\n {2}~ Deployment\/ecosystem-prod\/grafana {2}\(dist\/prod\/ecosystem\)\n {6}spec\.replicas: git \d+ -> live 5\n$/);
    expect(run(['drift', '--env', 'prod', '--live', liveFile, '--exit-code']).code).toBe(1);
  });

  test('--system: only that rendered directory is compared, so an export of its namespaces has nothing missing', () => {
    const ecosystem = path.join(dir, 'ecosystem.yaml');
    const idOf = (o: Json | { kind: string; metadata: unknown }) => `${o.kind}/${(o.metadata as Json).namespace}/${(o.metadata as Json).name}`;
    const mine = new Set([...objectsOf(files).values()].filter((d) => d.dir === 'prod/ecosystem').map((d) => idOf(d.object)));
    const live = recordLive().filter((o) => mine.has(idOf(o)) || (o.metadata as Json).namespace === 'ecosystem-prod');
    fs.writeFileSync(ecosystem, stringify({ apiVersion: 'v1', kind: 'List', items: live }));
    const r = run(['drift', '--env', 'prod', '--system', 'ecosystem', '--live', ecosystem, '--exit-code']);
    expect(r.out).toMatch(/^prod: no drift \(\d+ objects in dist\/prod, \d+ live\)\n$/);
    expect(r.code).toBe(0);
    // the whole environment against the same export: every other system's objects are missing
    expect(run(['drift', '--env', 'prod', '--live', ecosystem]).out).toMatch(/^prod: drift: [1-9]\d* missing, 0 extra, 0 changed/);
    expect(run(['drift', '--env', 'prod', '--system', 'nope', '--live', ecosystem]).err).toMatch(/--system nope: dist\/prod\/nope does not exist; rendered: .*ecosystem/);
  });

  test('--markdown: a heading and a git/live table per object', () => {
    const r = run(['drift', '--env=prod', '--live', liveFile, '--markdown']);
    expect(r.out).toContain('## Drift: prod');
    expect(r.out).toContain('- **changed** `Deployment/ecosystem-prod/grafana` in `prod/ecosystem/`');
    expect(r.out).toMatch(/\| `spec\.replicas` \| `\d+` \| `5` \|/);
  });

  test.each([
    [['drift', '--env', 'prod'], /drift needs one of --live FILE_OR_DIR .* or --context KUBE_CONTEXT/],
    [['drift', '--env', 'prod', '--live', 'x', '--context', 'y'], /drift needs one of --live/],
    [['drift', '--live', 'x'], /drift needs exactly one --env/],
    [['drift', '--env', 'nowhere', '--live', 'x'], /--env nowhere: dist\/nowhere does not exist; rendered environments: .*prod/],
    [['drift', '--env', 'prod', '--live', '/no/such/export.yaml'], /--live \/no\/such\/export\.yaml: no such file or directory/],
    [['drift', '--env', 'prod', '--live'], /--live needs a value/],
  ])('usage error %j: exit 2 with the reason and the usage', (argv, message) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('npm run drift -- --env NAME');
  });

  test('an invalid export: exit 1 naming file, document and field', () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    metadata: {name: x}\n');
    const r = run(['drift', '--env', 'prod', '--live', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml#1 items\[0\]: kind: expected a non-empty string such as "Deployment", got \(absent\)/);
  });
});

describe('npm run drift --context: live state read with kubectl (a fake kubectl on PATH)', () => {
  let dir: string;
  let savedPath: string | undefined;
  const live = recordLive();
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-kubectl-'));
    const served = path.join(dir, 'served');
    fs.mkdirSync(served);
    // the fake cluster serves every kind but Velero's Schedule (CRD not installed)
    const byResource = new Map<string, Json[]>();
    for (const o of live) {
      const r = resourceName(String(o.apiVersion), String(o.kind));
      byResource.set(r, [...(byResource.get(r) ?? []), o]);
    }
    for (const [r, items] of byResource) if (r !== 'schedule.velero.io') fs.writeFileSync(path.join(served, r), stringify({ apiVersion: 'v1', kind: 'List', items }));
    fs.writeFileSync(path.join(dir, 'kubectl'), [
      '#!/bin/sh',
      `echo "$*" >> "${dir}/calls"`,
      '[ "$1" = --context ] && [ "$2" = prod-eu ] || { echo "error: context \\"$2\\" does not exist" >&2; exit 1; }',
      `f="${served}/$4"`,
      '[ -f "$f" ] || { echo "error: the server doesn\'t have a resource type \\"$4\\"" >&2; exit 1; }',
      'cat "$f"',
    ].join('\n'), { mode: 0o755 });
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${process.env.PATH}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('one kubectl get per kind in dist/prod, all namespaces, YAML; kinds the cluster does not serve are missing', () => {
    const { objects, notServed } = readClusterObjects('prod-eu', files);
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    const kinds = [...new Set(desired.map((o) => resourceName(String(o.apiVersion), String(o.kind))))];
    expect(calls).toHaveLength(kinds.length);
    expect(calls).toContain('--context prod-eu get deployment.apps --all-namespaces --output yaml');
    expect(calls).toContain('--context prod-eu get configmap --all-namespaces --output yaml');
    expect(calls).toContain('--context prod-eu get rollout.argoproj.io --all-namespaces --output yaml');
    expect(notServed).toEqual(['schedule.velero.io']);
    // kubectl is asked only for kinds dist/prod holds: the ExternalSecret's Secret is not fetched
    expect(objects.length).toBe(live.filter((o) => o.kind !== 'Schedule' && kinds.includes(resourceName(String(o.apiVersion), String(o.kind)))).length);
    expect(objects.some((o) => o.object.kind === 'Secret')).toBe(false);
  });

  test('through the CLI: the Velero Schedules show as missing, a note names the kind, nothing else drifts', () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = gitopsCli(['drift', '--env', 'prod', '--context', 'prod-eu', '--exit-code'], { render: () => undefined, root: ROOT, stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
    expect(code).toBe(1);
    expect(err.join('')).toContain('the cluster serves no schedule.velero.io');
    const schedules = desired.filter((o) => o.kind === 'Schedule').length;
    expect(schedules).toBeGreaterThan(0);
    expect(out.join('')).toMatch(new RegExp(`drift: ${schedules} missing, 0 extra, 0 changed`));
  });

  test('an unknown context: exit 1 naming the context and how to list them', () => {
    const err: string[] = [];
    const code = gitopsCli(['drift', '--env', 'prod', '--context', 'nope'], { render: () => undefined, root: ROOT, stdout: () => undefined, stderr: (s) => err.push(s) });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/kubectl --context nope get \S+ --all-namespaces --output yaml failed: error: context "nope" does not exist \(is context "nope" in kubectl config get-contexts/);
  });
});

test('the ignore table: every row has a reason, and defaults carry their value', () => {
  for (const r of IGNORED_FIELDS) {
    expect(r.why.length).toBeGreaterThan(3);
    if (r.reason === 'default') expect('value' in r).toBe(true);
    if (r.reason === 'controller') expect(r.when).toBeDefined();
  }
});
