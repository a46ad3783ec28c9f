/**
 * For every rule: one object set that violates it (and names the rule, the
 * object and the field) and one that passes it.
 */
import { MESH_CNI_ANNOTATION, MESH_NATIVE_SIDECARS_ANNOTATION, ManifestDocument, RULE_IDS, RuleId, ValidateOptions, ValidationReport, Violation, waiverAnnotation } from '../../lib/validate';
import { parseManifestText } from '../../lib/validate/load';
import { Obj, securePodSpec, toDocs, validDocs, validObjects, withChange } from './fixtures';
import { summary, validate, violationsOf } from './helpers';

/** api may reach the database: egress from api, ingress to db. */
const apiToDb = (): Obj[] => [
  {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-to-db', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db-from-api', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }] },
  },
];

const requestRate = { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } } };

/**
 * The baseline's api (replicas 2, HPA `api`) as the blue colour, the Service
 * on blue, and a green Deployment with `green.replicas` (absent when
 * undefined) and, with `green.hpa`, an HPA of its own; `blueReplicas: false`
 * drops blue's replicas.
 */
function blueGreen(green: { replicas: number | undefined; hpa: boolean }, blueReplicas = true): Obj[] {
  const objects = validObjects();
  const api = find(objects, 'Deployment', 'api');
  const greenDeployment = JSON.parse(JSON.stringify(api));
  for (const [d, c] of [[api, 'blue'], [greenDeployment, 'green']] as const) {
    d.metadata.name = `api-${c}`;
    d.spec.selector.matchLabels.color = c;
    d.spec.template.metadata.labels.color = c;
  }
  if (green.replicas === undefined) delete greenDeployment.spec.replicas; else greenDeployment.spec.replicas = green.replicas;
  if (!blueReplicas) delete api.spec.replicas;
  find(objects, 'Service', 'api').spec.selector.color = 'blue';
  const hpa = find(objects, 'HorizontalPodAutoscaler', 'api');
  hpa.spec.scaleTargetRef.name = 'api-blue';
  const out = [...objects, greenDeployment];
  if (green.hpa) {
    const greenHpa = JSON.parse(JSON.stringify(hpa));
    greenHpa.metadata.name = 'api-green';
    greenHpa.spec.scaleTargetRef.name = 'api-green';
    out.push(greenHpa);
  }
  return out;
}

/** An Argo Rollouts AnalysisTemplate in shop querying `address`. */
const analysisTemplate = (address: string, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'api-slo', namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { metrics: [{ name: 'error-rate', successCondition: 'result[0] < 0.01', provider: { prometheus: { address, query: 'sum(rate(http_requests_total[2m]))' } } }] },
});

const vaultStore = (role: string): Obj => ({
  apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault', namespace: 'shop' },
  spec: { provider: { vault: { server: 'https://vault.example.com', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role } } } } },
});

interface Case {
  /** what the violating set does, for the test name */
  readonly given: string;
  readonly violating: () => ManifestDocument[] | ValidationReport;
  /** the violation must be on this object and field */
  readonly expect: { readonly kind?: string; readonly name?: string; readonly path?: string | RegExp; readonly message?: RegExp };
  /** a set that exercises the rule and passes; the baseline when omitted */
  readonly passing?: () => ManifestDocument[] | ValidationReport;
  readonly options?: ValidateOptions;
}

function withAdded(...extra: Obj[]): ManifestDocument[] {
  return toDocs([...validObjects(), ...extra]);
}

function withObjects(change: (objects: Obj[]) => Obj[]): ManifestDocument[] {
  return toDocs(change(validObjects()));
}

function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

const apiContainer = (o: Obj): Obj => o.spec.template.spec.containers[0];

const rollout = (workload: string, replicas = 2): Obj => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api-rollout', namespace: 'shop' },
  spec: {
    replicas,
    workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workload, scaleDown: 'progressively' },
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '5m' } }] } },
  },
});

const canary = (target: string): Obj => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'api', namespace: 'shop' },
  spec: {
    provider: 'traefik',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
    autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'api' },
    service: { port: 80, targetPort: 'http' },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
});

const httpRoute = (service: string, port: number): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api', namespace: 'shop' },
  spec: {
    parentRefs: [{ name: 'public', namespace: 'gateway' }],
    hostnames: ['shop.example.com'],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: service, port }] }],
  },
});

const podMonitor = (port: string): Obj => ({
  apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'db', namespace: 'shop' },
  spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, podMetricsEndpoints: [{ port }] },
});

const instanceLabelled = (objects: Obj[]): Obj[] => {
  find(objects, 'Deployment', 'api').metadata.labels['app.kubernetes.io/instance'] = 'api';
  return objects;
};

const argoApplication = (): Obj => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop', namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example.com/m.git', path: 'dist/prod/shop' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' } },
});

const argoCm = (): Obj => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/part-of': 'argocd' } },
  data: { 'application.resourceTrackingMethod': 'annotation' },
});

const waive = (rule: string, reason: string) => (o: Obj): void => {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [`validate.platform.dev/waive.${rule.replace('/', '.')}`]: reason };
};

const weightedSplit = (): Obj => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api', namespace: 'shop' },
  spec: {
    hosts: ['api'],
    http: [{ name: 'primary', route: [{ destination: { host: 'api', subset: 'stable' }, weight: 90 }, { destination: { host: 'api', subset: 'canary' }, weight: 10 }] }],
  },
});

/**
 * The baseline in the mesh: injected namespace, istiod reachable, the
 * controller's identity authorized (so it has a sidecar), NGINX sending to
 * the Service by its cluster name, and a weighted split that applies.
 */
function meshedShop(): ManifestDocument[] {
  return withObjects((os) => {
    find(os, 'Namespace', 'shop').metadata.labels['istio-injection'] = 'enabled';
    // the mesh mode an injected restricted namespace needs (mesh/pss-admission, mesh/job-completion)
    find(os, 'Namespace', 'shop').metadata.annotations = { [MESH_CNI_ANNOTATION]: 'true', [MESH_NATIVE_SIDECARS_ANNOTATION]: 'true' };
    find(os, 'Ingress', 'api').metadata.annotations = {
      'nginx.ingress.kubernetes.io/service-upstream': 'true',
      'nginx.ingress.kubernetes.io/upstream-vhost': 'api.shop.svc.cluster.local',
    };
    return [
      ...os.filter((o) => o.kind !== 'IngressRoute'),
      weightedSplit(),
      {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-istiod', namespace: 'shop' },
        spec: {
          podSelector: {}, policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }], ports: [{ port: 15012, protocol: 'TCP' }] }],
        },
      },
      {
        apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'shop' },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
          rules: [
            { from: [{ source: { principals: ['cluster.local/ns/traefik/sa/traefik'] } }], to: [{ operation: { ports: ['8080'] } }] },
            { to: [{ operation: { ports: ['9090'] } }] },
          ],
        },
      },
    ];
  });
}

/** A catalog image (Jaeger, lib/core/images.ts) rendered the way its facts ask: the image/* rules pass on it. */
const jaeger = (change: (container: Obj, pod: Obj, config: Obj) => void = () => undefined): ManifestDocument[] => {
  const pod = securePodSpec('jaeger', 'docker.io/jaegertracing/jaeger:2.2.0', {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'jaeger-config' } }],
  });
  delete pod.serviceAccountName;
  const c = pod.containers[0];
  c.args = ['--config', '/etc/jaeger/config.yaml'];
  c.ports = [{ name: 'health', containerPort: 13133, protocol: 'TCP' }, { name: 'query', containerPort: 16686, protocol: 'TCP' }];
  c.readinessProbe = { httpGet: { path: '/status', port: 'health' }, periodSeconds: 10 };
  c.livenessProbe = { tcpSocket: { port: 'query' }, periodSeconds: 20 };
  c.volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/jaeger', readOnly: true }];
  const config: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'jaeger-config', namespace: 'shop' }, data: { 'config.yaml': 'extensions:\n  remote_sampling:\n    file:\n      path: /etc/jaeger/sampling.json\n      reload_interval: 1m\n' } };
  change(c, pod, config);
  return withAdded({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jaeger', namespace: 'shop' },
    spec: { replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger' } }, template: { metadata: { labels: { 'app.kubernetes.io/name': 'jaeger' } }, spec: pod } },
  }, config);
};

const CASES: Record<RuleId, Case> = {
  'schema/invalid-yaml': {
    given: 'a file with an unclosed flow sequence',
    violating: () => ({ ok: false, files: 1, objects: 0, violations: parseManifestText('bad.yaml', 'kind: ConfigMap\ndata: [1, 2\n').violations, waivers: [] }),
    expect: { message: /YAML syntax error/ },
    passing: () => ({ ok: true, files: 1, objects: 1, violations: parseManifestText('ok.yaml', 'kind: ConfigMap\ndata: [1, 2]\n').violations, waivers: [] }),
  },
  'schema/object-shape': {
    given: 'a ConfigMap without kind',
    violating: () => withChange('ConfigMap', 'api-config', (o) => { delete o.kind; }),
    expect: { name: 'api-config', path: 'kind' },
  },
  'schema/unknown-kind': {
    given: 'a misspelt kind',
    violating: () => withChange('Deployment', 'api', (o) => { o.kind = 'Deploymnet'; }),
    expect: { name: 'api', path: 'kind', message: /did you mean Deployment\?/ },
  },
  'schema/unknown-field': {
    given: 'spec.replica instead of spec.replicas',
    violating: () => withChange('Deployment', 'api', (o) => { o.spec.replica = 2; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.replica', message: /did you mean "replicas"/ },
  },
  'schema/wrong-type': {
    given: 'replicas as a string',
    violating: () => withChange('Deployment', 'api', (o) => { o.spec.replicas = '2'; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.replicas', message: /expected number, got string "2"/ },
  },
  'schema/required-field': {
    given: 'a container without a name',
    violating: () => withChange('Deployment', 'api', (o) => { delete apiContainer(o).name; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].name' },
  },
  'schema/enum-value': {
    given: 'a Certificate private key algorithm outside the enum',
    violating: () => withChange('Certificate', 'api-tls', (o) => { o.spec.privateKey = { algorithm: 'DSA' }; }),
    expect: { kind: 'Certificate', name: 'api-tls', path: 'spec.privateKey.algorithm', message: /"RSA", "ECDSA", "Ed25519"/ },
    passing: () => withChange('Certificate', 'api-tls', (o) => { o.spec.privateKey = { algorithm: 'ECDSA', size: 256 }; }),
  },
  'structure/duplicate': {
    given: 'the Service rendered twice (from two constructs)',
    violating: () => {
      const docs = validDocs();
      const svc = docs.find((d) => d.file.endsWith('--service--api.yaml'));
      return [...docs, { ...svc!, file: 'dist/dev/other/shop--service--api.yaml', constructPath: 'other/api/Resource' }];
    },
    expect: { kind: 'Service', name: 'api', path: 'metadata.name', message: /duplicate of v1 Service shop\/api in dist\/dev\/shop\/shop--service--api\.yaml \(construct shop-dev\/Service-api\/Resource\)/ },
  },
  'structure/namespace': {
    given: 'a ConfigMap without namespace',
    violating: () => withChange('ConfigMap', 'api-config', (o) => { delete o.metadata.namespace; }),
    expect: { kind: 'ConfigMap', name: 'api-config', path: 'metadata.namespace', message: /namespaced/ },
  },
  'structure/workload-selector': {
    given: 'a Deployment whose selector does not match its template',
    violating: () => withChange('Deployment', 'api', (o) => { o.spec.selector.matchLabels = { app: 'api' }; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.selector' },
  },
  'structure/deprecated-api': {
    given: 'an HPA in autoscaling/v2beta2',
    violating: () => withChange('HorizontalPodAutoscaler', 'api', (o) => { o.apiVersion = 'autoscaling/v2beta2'; }),
    expect: { kind: 'HorizontalPodAutoscaler', name: 'api', path: 'apiVersion', message: /removed in Kubernetes 1\.26; use autoscaling\/v2/ },
  },
  'ref/service-selector': {
    given: 'a Service selecting labels no pod has',
    violating: () => withChange('Service', 'api', (o) => { o.spec.selector = { 'app.kubernetes.io/name': 'apii' }; }),
    expect: { kind: 'Service', name: 'api', path: 'spec.selector', message: /app\.kubernetes\.io\/name=apii/ },
  },
  'ref/service-port': {
    given: 'a Service targetPort name the pods do not have',
    violating: () => withChange('Service', 'api', (o) => { o.spec.ports[0].targetPort = 'htp'; }),
    expect: { kind: 'Service', name: 'api', path: 'spec.ports[0].targetPort', message: /"htp".*http\/8080/ },
  },
  'ref/scale-target': {
    given: 'an HPA targeting a Deployment that is not rendered',
    violating: () => withChange('HorizontalPodAutoscaler', 'api', (o) => { o.spec.scaleTargetRef.name = 'apx'; }),
    expect: { kind: 'HorizontalPodAutoscaler', name: 'api', path: 'spec.scaleTargetRef.name', message: /Deployment "apx".*Deployment api/ },
  },
  'ref/pdb-selector': {
    given: 'a PDB selecting no pods',
    violating: () => withObjects((os) => [...os, {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'ghost', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'ghost' } } },
    }]),
    expect: { kind: 'PodDisruptionBudget', name: 'ghost', path: 'spec.selector' },
  },
  'ref/rollout-workload-ref': {
    given: 'a Rollout whose workloadRef names a missing Deployment',
    violating: () => withAdded(rollout('missing')),
    expect: { kind: 'Rollout', name: 'api-rollout', path: 'spec.workloadRef.name' },
    passing: () => withAdded(rollout('api')),
  },
  'ref/flagger-target': {
    given: 'a Canary targeting a missing Deployment',
    violating: () => withAdded(canary('web')),
    expect: { kind: 'Canary', name: 'api', path: 'spec.targetRef.name' },
    passing: () => withAdded(canary('api')),
  },
  'ref/ingress-backend': {
    given: 'an HTTPRoute to a Service port that does not exist',
    violating: () => withAdded(httpRoute('api', 8080)),
    expect: { kind: 'HTTPRoute', name: 'api', path: 'spec.rules[0].backendRefs[0]', message: /no port 8080; its ports: http\/80, metrics\/9090/ },
    // The gateway's pods are let in, so the route's required flow passes too.
    passing: () => withObjects((os) => {
      find(os, 'NetworkPolicy', 'api-ingress').spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } });
      return [...os, httpRoute('api', 80)];
    }),
  },
  'ref/servicemonitor-selector': {
    given: 'a ServiceMonitor endpoint port name the Service does not have',
    violating: () => withChange('ServiceMonitor', 'api', (o) => { o.spec.endpoints[0].port = 'metric'; }),
    expect: { kind: 'ServiceMonitor', name: 'api', path: 'spec.endpoints[0].port' },
  },
  'ref/podmonitor-selector': {
    given: 'a PodMonitor endpoint port name the pods do not have',
    violating: () => withAdded(podMonitor('prometheus')),
    expect: { kind: 'PodMonitor', name: 'db', path: 'spec.podMetricsEndpoints[0].port' },
    passing: () => withAdded(podMonitor('metrics')),
  },
  'ref/networkpolicy-selector': {
    given: 'a NetworkPolicy selecting no pods',
    violating: () => withChange('NetworkPolicy', 'api-ingress', (o) => { o.spec.podSelector = { matchLabels: { app: 'nope' } }; }),
    expect: { kind: 'NetworkPolicy', name: 'api-ingress', path: 'spec.podSelector' },
  },
  'ref/statefulset-service': {
    given: 'a StatefulSet governed by a Service that is not headless',
    violating: () => withChange('StatefulSet', 'db', (o) => { o.spec.serviceName = 'api'; }),
    expect: { kind: 'StatefulSet', name: 'db', path: 'spec.serviceName', message: /not headless/ },
  },
  'ref/config-source': {
    given: 'a secretKeyRef to a key the ExternalSecret does not produce',
    violating: () => withChange('StatefulSet', 'db', (o) => { apiContainer(o).env[0].valueFrom.secretKeyRef.key = 'passwd'; }),
    expect: { kind: 'StatefulSet', name: 'db', path: 'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name', message: /no key "passwd"; its keys: password/ },
  },
  'ref/certificate-issuer': {
    given: 'a Certificate whose namespaced Issuer is not rendered',
    violating: () => withChange('Certificate', 'api-tls', (o) => { o.spec.issuerRef.kind = 'Issuer'; }),
    expect: { kind: 'Certificate', name: 'api-tls', path: 'spec.issuerRef.name', message: /Issuer "letsencrypt" is not rendered in namespace "shop"/ },
  },
  'gitops/rollout-order': {
    given: 'a clustered StatefulSet in an earlier sync wave than its governing Service',
    violating: () => withObjects((objects) => {
      find(objects, 'StatefulSet', 'db').spec.replicas = 3;
      const headless = find(objects, 'Service', 'db-headless');
      headless.metadata.annotations = { ...(headless.metadata.annotations ?? {}), 'argocd.argoproj.io/sync-wave': '1' };
      return objects;
    }),
    expect: { kind: 'StatefulSet', name: 'db', path: 'spec.serviceName', message: /StatefulSet db \(wave 0\) must become healthy but depends on v1 Service shop\/db-headless \(wave 1\)/ },
  },
  'gitops/argocd-tracking': {
    given: 'an Argo CD Application and objects labelled app.kubernetes.io/instance, without argocd-cm',
    violating: () => withObjects((objects) => [...instanceLabelled(objects), argoApplication()]),
    expect: { kind: 'Application', name: 'shop', path: 'metadata.namespace', message: /no argocd-cm is rendered in namespace "argocd"/ },
    passing: () => withObjects((objects) => [...instanceLabelled(objects), argoApplication(), argoCm()]),
  },
  'ref/probe-port': {
    given: 'a readiness probe on a port name the container does not have',
    violating: () => withChange('Deployment', 'api', (o) => { apiContainer(o).readinessProbe.httpGet.port = 'htp'; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port' },
  },
  'policy/pss-restricted': {
    given: 'a privileged container',
    violating: () => withChange('Deployment', 'api', (o) => { apiContainer(o).securityContext.privileged = true; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].securityContext.privileged', message: /Privileged Containers/ },
  },
  'policy/pss-baseline': {
    given: 'a hostPath volume in a namespace declared baseline',
    violating: () => withObjects((os) => {
      find(os, 'Namespace', 'shop').metadata = { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { 'validate.platform.dev/pod-security-reason': 'legacy image runs as root' } };
      find(os, 'Deployment', 'api').spec.template.spec.volumes.push({ name: 'host', hostPath: { path: '/var/log' } });
      return os;
    }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.volumes[1].hostPath', message: /HostPath Volumes/ },
    passing: () => withObjects((os) => {
      find(os, 'Namespace', 'shop').metadata = { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' }, annotations: { 'validate.platform.dev/pod-security-reason': 'legacy image runs as root' } };
      const c = apiContainer(find(os, 'Deployment', 'api'));
      c.securityContext = { readOnlyRootFilesystem: true }; // fine for baseline, not for restricted
      return os;
    }),
  },
  'policy/pss-exemption-reason': {
    given: 'a namespace relaxed to privileged without a reason',
    violating: () => withChange('Namespace', 'shop', (o) => { o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged'; }),
    expect: { kind: 'Namespace', name: 'shop', path: /pod-security-reason/ },
    passing: () => withChange('Namespace', 'shop', (o) => {
      o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
      o.metadata.annotations = { 'validate.platform.dev/pod-security-reason': 'CNI agents need host networking' };
    }),
  },
  'policy/resources': {
    given: 'a container without a memory limit',
    violating: () => withChange('Deployment', 'api', (o) => { delete apiContainer(o).resources.limits.memory; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].resources', message: /limits\.memory/ },
  },
  'policy/probes': {
    given: 'identical readiness and liveness probes',
    violating: () => withChange('Deployment', 'api', (o) => { apiContainer(o).livenessProbe = { ...apiContainer(o).readinessProbe }; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].livenessProbe', message: /identical/ },
  },
  'policy/image-tag': {
    given: 'a latest image',
    violating: () => withChange('Deployment', 'api', (o) => { apiContainer(o).image = 'registry.example.com/shop/api:latest'; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].image', message: /latest/ },
    passing: () => withChange('Deployment', 'api', (o) => { apiContainer(o).image = `registry.example.com/shop/api@sha256:${'a'.repeat(64)}`; }, 'dist/prod/shop'),
  },
  'image/moved-registry': {
    given: 'an image from docker.io/bitnami (versioned tags moved to bitnamilegacy in 2025)',
    violating: () => withChange('Deployment', 'api', (o) => { apiContainer(o).image = 'docker.io/bitnami/jmx-exporter:1.0.1'; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].image', message: /bitnamilegacy/ },
  },
  'image/catalog-version': {
    given: 'a catalog image at a version the image table does not describe',
    violating: () => jaeger((c) => { c.image = 'docker.io/jaegertracing/jaeger:2.1.0'; }),
    expect: { kind: 'Deployment', name: 'jaeger', path: 'spec.template.spec.containers[0].image', message: /describes "2\.2\.0"/ },
    passing: () => jaeger(),
  },
  'image/run-as-user': {
    given: 'a catalog image running as another UID than its files belong to',
    violating: () => jaeger((_c, pod) => { pod.securityContext.runAsUser = 10002; }),
    expect: { kind: 'Deployment', name: 'jaeger', path: 'spec.template.spec.securityContext.runAsUser', message: /UID 10001/ },
    passing: () => jaeger(),
  },
  'image/writable-path': {
    given: 'a read-only root filesystem without a volume at a path the image writes',
    violating: () => jaeger((c) => { c.volumeMounts = c.volumeMounts.filter((m: Obj) => m.mountPath !== '/tmp'); }),
    expect: { kind: 'Deployment', name: 'jaeger', path: 'spec.template.spec.containers[0].volumeMounts', message: /writes \/tmp/ },
    passing: () => jaeger(),
  },
  'image/port': {
    given: 'a container port the catalog image does not listen on',
    violating: () => jaeger((c) => { c.ports.push({ name: 'extra', containerPort: 9999, protocol: 'TCP' }); }),
    expect: { kind: 'Deployment', name: 'jaeger', path: 'spec.template.spec.containers[0].ports[2].containerPort', message: /does not listen on 9999/ },
    passing: () => jaeger(),
  },
  'image/probe': {
    given: 'an HTTPS probe against an image that serves HTTP',
    violating: () => jaeger((c) => { c.readinessProbe.httpGet.scheme = 'HTTPS'; }),
    expect: { kind: 'Deployment', name: 'jaeger', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.scheme', message: /serves HTTP/ },
    passing: () => jaeger(),
  },
  'image/config-key': {
    given: 'a config key the pinned version does not accept',
    violating: () => jaeger((_c, _pod, config) => { config.data['config.yaml'] += '      refresh: 1m\n'; }),
    expect: { kind: 'ConfigMap', name: 'jaeger-config', path: 'data["config.yaml"].extensions.remote_sampling.file.refresh', message: /does not accept/ },
    passing: () => jaeger(),
  },
  'policy/pdb-required': {
    given: 'a PDB that allows no disruption for a replicated workload',
    violating: () => withChange('PodDisruptionBudget', 'api', (o) => { o.spec = { minAvailable: '100%', selector: o.spec.selector }; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec', message: /allows no voluntary disruption/ },
  },
  'policy/hpa-range': {
    given: 'an HPA with minReplicas above maxReplicas',
    violating: () => withChange('HorizontalPodAutoscaler', 'api', (o) => { o.spec.minReplicas = 6; }),
    expect: { kind: 'HorizontalPodAutoscaler', name: 'api', path: 'spec.minReplicas' },
  },
  'policy/secret-inline-data': {
    given: 'a Secret with inline data',
    violating: () => withAdded({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, data: { token: 'c2VjcmV0' } }),
    expect: { kind: 'Secret', name: 'creds', path: 'data', message: /keys: token/ },
    passing: () => withAdded({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'shop' }, type: 'Opaque' }),
  },
  'policy/credential-literal': {
    given: 'a password literal in a ConfigMap',
    violating: () => withChange('ConfigMap', 'api-config', (o) => { o.data.DB_PASSWORD = 'hunter2-but-longer'; }),
    expect: { kind: 'ConfigMap', name: 'api-config', path: 'data["DB_PASSWORD"]' },
    passing: () => withChange('ConfigMap', 'api-config', (o) => { o.data.DB_PASSWORD_FILE = '/run/secrets/db'; o.data.TOKEN_TTL = '3600'; }),
  },
  'policy/default-deny': {
    given: 'no default-deny NetworkPolicy in a namespace with pods',
    violating: () => withObjects((os) => os.filter((o) => o.metadata.name !== 'default-deny')),
    expect: { kind: 'Namespace', name: 'shop', path: '' },
  },
  'network/required-flow': {
    given: 'no policy lets the ingress controller reach cert-manager\'s HTTP-01 solver pods',
    violating: () => withObjects((os) => os.filter((o) => o.metadata.name !== 'allow-acme-http01-solver')),
    expect: { kind: 'Certificate', name: 'api-tls', path: 'spec.issuerRef', message: /acme flow from .*traefik.* to acme-http01-solver pods in shop .* port http\/8089\/TCP is blocked: ingress dropped by NetworkPolicy default-deny in shop/ },
  },
  'network/mesh-bypass': {
    given: 'a VirtualService splitting api by weight while the Ingress controller calls pod endpoints without a sidecar',
    violating: () => withAdded(weightedSplit()),
    expect: { kind: 'Ingress', name: 'api', path: 'spec.rules[0].http.paths[0].backend', message: /runs no Istio sidecar.*service-upstream.*upstream-vhost/ },
    passing: () => meshedShop(),
  },
  'network/mesh-inert': {
    given: 'a PeerAuthentication in a namespace without sidecar injection',
    violating: () => withAdded({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } } }),
    expect: { kind: 'PeerAuthentication', name: 'default', path: 'metadata.namespace', message: /no pod of namespace "shop" runs one/ },
    passing: () => meshedShop(),
  },
  'network/unreachable': {
    given: 'the api Service in a default-deny namespace with no NetworkPolicy admitting ingress to its pods',
    violating: () => withObjects((os) => os.filter((o) => o.metadata.name !== 'api-ingress')),
    expect: { kind: 'Service', name: 'api', path: 'spec.ports', message: /Service shop\/api forwards to shop\/Deployment api \(ports http\/8080\/TCP, metrics\/9090\/TCP\), but nothing may connect to them: no ingress rule of NetworkPolicy .*default-deny/ },
  },
  'flow/credentials': {
    given: 'a NetworkPolicy letting api reach PostgreSQL (POSTGRES_PASSWORD from api-db) while api reads no credential',
    violating: () => withAdded(...apiToDb()),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].env', message: /StatefulSet shop\/db on port postgres.*Secret api-db key password.*PGPASSWORD/ },
    passing: () => toDocs([...validObjects().map((o) => {
      if (o.kind === 'Deployment' && o.metadata.name === 'api') apiContainer(o).env = [{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } }];
      return o;
    }), ...apiToDb()]),
  },
  'ref/hpa-metric': {
    given: 'an HPA on a Pods metric no adapter rule serves',
    violating: () => withChange('HorizontalPodAutoscaler', 'api', (o) => { o.spec.metrics = [requestRate]; }),
    expect: { kind: 'HorizontalPodAutoscaler', name: 'api', path: 'spec.metrics[0]', message: /"http_requests_per_second".*prometheus-adapter rule/ },
    passing: () => toDocs([...validObjects().map((o) => {
      if (o.kind === 'HorizontalPodAutoscaler') o.spec.metrics = [requestRate];
      return o;
    }), {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'adapter-config', namespace: 'shop' },
      data: { 'config.yaml': 'rules:\n  - seriesQuery: \'http_requests_total{namespace!=""}\'\n    name: { matches: "^(.*)_total$", as: "http_requests_per_second" }\n    metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)\n' },
    }]),
  },
  'ref/analysis-provider': {
    given: 'an AnalysisTemplate querying a Prometheus Service that is neither rendered nor declared external',
    violating: () => withAdded(analysisTemplate('http://prometheus-operated.monitoring.svc:9090')),
    expect: { kind: 'AnalysisTemplate', name: 'api-slo', path: 'spec.metrics[0].provider.prometheus.address', message: /Service prometheus-operated in namespace monitoring: not rendered here and not declared external.*validate\.platform\.dev\/external-provider/ },
    passing: () => withAdded(analysisTemplate('http://prometheus-operated.monitoring.svc:9090', { 'validate.platform.dev/external-provider': 'kube-prometheus-stack, platform team' })),
  },
  'ref/dns-name': {
    given: 'a Deployment whose env points at Elasticsearch in a namespace the render does not touch, with nothing declaring who runs it',
    violating: () => withChange('Deployment', 'api', (d) => { apiContainer(d).env = [{ name: 'ES_URL', value: 'http://elasticsearch.logging.svc.cluster.local:9200' }]; }),
    expect: { kind: 'Deployment', name: 'api', path: 'spec.template.spec.containers[0].env[0].value', message: /"elasticsearch\.logging\.svc\.cluster\.local:9200": namespace logging is not rendered.*validate\.platform\.dev\/external-provider/ },
    passing: () => withChange('Deployment', 'api', (d) => {
      apiContainer(d).env = [{ name: 'ES_URL', value: 'http://elasticsearch.logging.svc.cluster.local:9200' }];
      d.metadata.annotations = { 'validate.platform.dev/external-provider': 'logging platform, SRE team' };
    }),
  },
  'ref/standby-replicas': {
    given: 'a blue-green pair whose standby colour has no replicas (the default 1) while the active one runs 2',
    violating: () => toDocs(blueGreen({ replicas: undefined, hpa: false })),
    expect: { kind: 'Deployment', name: 'api-green', path: 'spec.replicas', message: /flip to color=green lands on Deployment api-green with 1 replica.*at least 2/ },
    passing: () => toDocs(blueGreen({ replicas: 2, hpa: true })),
  },
  'gitops/switch-replicas': {
    given: 'a blue-green pair whose one HPA targets the active colour (no replicas) while the standby states replicas: 2',
    violating: () => toDocs(blueGreen({ replicas: 2, hpa: false }, false)),
    expect: {
      kind: 'Deployment', name: 'api-green', path: 'spec.replicas',
      message: /Deployment api-blue is the target of HPA api and states no replicas, but Deployment api-green is no HPA's target and states replicas: 2\. A switch then removes spec\.replicas from the manifest of one colour/,
    },
    passing: () => toDocs(blueGreen({ replicas: undefined, hpa: true }, false)),
  },
  'policy/store-identity': {
    given: 'a SecretStore authenticating as the Vault role the ClusterSecretStore of all namespaces uses',
    violating: () => withAdded(vaultStore('eso')),
    expect: { kind: 'SecretStore', name: 'vault', path: 'spec.provider.vault.auth.kubernetes.role', message: /Vault role "eso".*ClusterSecretStore vault/ },
    passing: () => withAdded(vaultStore('shop')),
  },
  'mesh/pss-admission': {
    given: 'an Istio-injected restricted namespace without the CNI plugin declared',
    violating: () => withChange('Namespace', 'shop', (o) => { o.metadata.labels['istio-injection'] = 'enabled'; }),
    expect: { kind: 'Namespace', name: 'shop', path: /mesh-cni/, message: /istio-init container needing NET_ADMIN and NET_RAW, which restricted rejects/ },
    passing: () => meshedShop(),
  },
  'mesh/job-completion': {
    given: 'a CronJob in an injected namespace with classic sidecars',
    violating: () => withChange('Namespace', 'shop', (o) => {
      o.metadata.labels['istio-injection'] = 'enabled';
      o.metadata.annotations = { [MESH_CNI_ANNOTATION]: 'true', [MESH_NATIVE_SIDECARS_ANNOTATION]: 'false' };
    }),
    expect: { kind: 'CronJob', name: 'cleanup', path: 'spec.jobTemplate.spec.template.metadata.annotations', message: /never completes/ },
    passing: () => meshedShop().map((d) => {
      const o = d.object as Obj;
      if (o.kind === 'Namespace') o.metadata.annotations[MESH_NATIVE_SIDECARS_ANNOTATION] = 'false';
      if (o.kind === 'CronJob') o.spec.jobTemplate.spec.template.metadata.annotations = { 'sidecar.istio.io/nativeSidecar': 'true' };
      return d;
    }),
  },
  'waiver/missing-reason': {
    given: 'a waiver with an empty reason',
    violating: () => withChange('Deployment', 'api', waive('policy/probes', '  ')),
    expect: { kind: 'Deployment', name: 'api', path: /waive\.policy\.probes/ },
    passing: () => withChange('Deployment', 'api', (o) => { delete apiContainer(o).livenessProbe; waive('policy/probes', 'the app restarts itself on deadlock')(o); }),
  },
  'waiver/unknown-rule': {
    given: 'a waiver naming a rule that does not exist',
    violating: () => withChange('Deployment', 'api', waive('policy/no-such-rule', 'because')),
    expect: { kind: 'Deployment', name: 'api', path: /waive\.policy\.no-such-rule/ },
  },
  'waiver/not-allowed': {
    given: 'a waiver of a schema rule',
    violating: () => withChange('Deployment', 'api', waive('schema/unknown-field', 'we like extra fields')),
    expect: { kind: 'Deployment', name: 'api', path: /waive\.schema\.unknown-field/ },
  },
};

function run(given: () => ManifestDocument[] | ValidationReport, options?: ValidateOptions): ValidationReport {
  const input = given();
  return Array.isArray(input) ? validate(input, options) : input;
}

function matches(v: Violation, e: Case['expect']): boolean {
  return (e.kind === undefined || v.object.kind === e.kind)
    && (e.name === undefined || v.object.name === e.name)
    && (e.path === undefined || (typeof e.path === 'string' ? v.path === e.path : e.path.test(v.path)))
    && (e.message === undefined || e.message.test(v.message));
}

describe('every rule has a violating and a passing case', () => {
  test('GIVEN the rule catalog WHEN listing cases THEN every rule id has one', () => {
    expect(Object.keys(CASES).sort()).toEqual([...RULE_IDS].sort());
  });

  test('GIVEN the valid baseline WHEN validated THEN there is no violation', () => {
    const report = validate(validDocs());
    expect(summary(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  describe.each(Object.entries(CASES) as Array<[RuleId, Case]>)('%s', (rule, c) => {
    test(`GIVEN ${c.given} WHEN validated THEN ${rule} names the object and field`, () => {
      const report = run(c.violating, c.options);
      const hits = violationsOf(report, rule);
      expect(hits.length).toBeGreaterThan(0);
      if (!hits.some((v) => matches(v, c.expect))) {
        throw new Error(`no ${rule} violation matching ${JSON.stringify(c.expect, (_k, v) => (v instanceof RegExp ? v.source : v))}; got:\n${summary(report).join('\n')}`);
      }
      expect(report.ok).toBe(false);
      for (const v of hits) {
        expect(v.file).toMatch(/\.yaml$/);
        expect(v.message.length).toBeGreaterThan(10);
      }
    });

    test(`GIVEN a set that exercises ${rule} correctly WHEN validated THEN it passes`, () => {
      const report = run(c.passing ?? validDocs, c.options);
      expect(summary(report)).toEqual([]);
    });
  });
});

describe('waiver annotation format', () => {
  test('GIVEN a rule id WHEN asking for its waiver annotation THEN "/" is written as "."', () => {
    expect(waiverAnnotation('policy/pss-restricted')).toBe('validate.platform.dev/waive.policy.pss-restricted');
  });
});
