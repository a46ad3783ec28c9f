/**
 * One valid object per custom resource kind the charts may emit, written
 * from the upstream documentation (not from our bindings), so that schema
 * tests exercise every CRD, int-or-string fields and free-form subtrees.
 */
import { Obj } from './fixtures';

const ns = 'shop';
const md = (name: string): Obj => ({ name, namespace: ns });
const pod = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0', ports: [{ name: 'http', containerPort: 8080 }] }] },
};

export function crdExamples(): Obj[] {
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop', namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/platform/manifests.git', targetRevision: 'main', path: 'dist/prod/shop', helm: { valuesObject: { anything: { goes: [1, 'two'] } } } },
        destination: { server: 'https://kubernetes.default.svc', namespace: ns },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'shop', namespace: 'argocd' },
      spec: { sourceRepos: ['https://git.example.com/platform/manifests.git'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: ns }] },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: md('web'),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: pod,
        strategy: { canary: { maxSurge: '25%', maxUnavailable: 0, steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }, { plugin: { name: 'x/y', config: { free: 'form' } } }] } },
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: md('success-rate'),
      spec: {
        args: [{ name: 'service' }],
        metrics: [{ name: 'success-rate', interval: '1m', successCondition: 'result[0] >= 0.95', failureLimit: 3, provider: { prometheus: { address: 'http://prometheus:9090', query: 'sum(rate(x[1m]))' } } }],
      },
    },
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'manifests', namespace: 'flux-system' },
      spec: { interval: '1m', url: 'https://git.example.com/platform/manifests.git', ref: { branch: 'main' } },
    },
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'shop', namespace: 'flux-system' },
      spec: { interval: '5m', path: './dist/prod/shop', prune: true, sourceRef: { kind: 'GitRepository', name: 'manifests' }, targetNamespace: ns },
    },
    {
      apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: md('web'),
      spec: {
        provider: 'istio',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        service: { port: 80, targetPort: 8080 },
        analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }] },
      },
    },
    {
      apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: md('latency'),
      spec: { provider: { type: 'prometheus', address: 'http://prometheus:9090' }, query: 'histogram_quantile(0.99, x)' },
    },
    {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: md('web'),
      spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', port: { number: 80 } }, weight: 100 }], timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s' } }] },
    },
    {
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: md('web'),
      spec: { host: 'web', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { maxConnections: 100 } } } },
    },
    {
      apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: md('public'),
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }] },
    },
    {
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: md('default'),
      spec: { mtls: { mode: 'STRICT' } },
    },
    {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: md('web'),
      spec: { selector: { matchLabels: { app: 'web' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/ingress'] } }], to: [{ operation: { methods: ['GET'] } }] }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: md('web'),
      spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http', interval: '30s' }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: md('web'),
      spec: { selector: { matchLabels: { app: 'web' } }, podMetricsEndpoints: [{ port: 'http' }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: md('web'),
      spec: { groups: [{ name: 'web', rules: [{ alert: 'WebDown', expr: 'up{job="web"} == 0', for: '5m', labels: { severity: 'page' }, annotations: { summary: 'web is down' } }] }] },
    },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: md('web-tls'),
      spec: { secretName: 'web-tls', dnsNames: ['shop.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' }, privateKey: { algorithm: 'ECDSA', size: 256 } },
    },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: md('selfsigned'),
      spec: { selfSigned: {} },
    },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt' },
      spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', email: 'ops@example.com', privateKeySecretRef: { name: 'acme' }, solvers: [{ http01: { ingress: { ingressClassName: 'traefik' } } }] } },
    },
    {
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: md('db'),
      spec: { refreshInterval: '1h', secretStoreRef: { kind: 'SecretStore', name: 'vault' }, target: { name: 'db', template: { type: 'Opaque', data: { url: 'postgres://{{ .user }}@db' } } }, dataFrom: [{ extract: { key: 'shop/db' } }] },
    },
    {
      apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: md('vault'),
      spec: { provider: { vault: { server: 'https://vault.example.com', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'shop' } } } } },
    },
    {
      apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'aws' },
      spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: md('web'),
      spec: { entryPoints: ['websecure'], routes: [{ match: 'Host(`shop.example.com`)', kind: 'Rule', services: [{ name: 'web', port: 'http' }], middlewares: [{ name: 'headers' }] }], tls: { secretName: 'web-tls' } },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: md('headers'),
      spec: { headers: { stsSeconds: 31536000, frameDeny: true, contentTypeNosniff: true } },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: md('web-weighted'),
      spec: { weighted: { services: [{ name: 'web', port: 80, weight: 90 }, { name: 'web-canary', port: 80, weight: 10 }] } },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'TLSOption', metadata: md('modern'),
      spec: { minVersion: 'VersionTLS13', sniStrict: true },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'ServersTransport', metadata: md('internal'),
      spec: { serverName: 'web.shop.svc', insecureSkipVerify: false, rootCAs: [{ secret: 'internal-ca' }] },
    },
    {
      apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'daily', namespace: 'velero' },
      spec: { schedule: '0 2 * * *', template: { includedNamespaces: [ns], ttl: '720h0m0s', snapshotVolumes: true } },
    },
    {
      apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'before-upgrade', namespace: 'velero' },
      spec: { includedNamespaces: [ns], ttl: '168h0m0s' },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: md('public'),
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'web-tls' }] } }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: md('web'),
      spec: {
        parentRefs: [{ name: 'public' }],
        hostnames: ['shop.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }], backendRefs: [{ name: 'web', port: 80 }] }],
      },
    },
  ];
}

/** The kinds the issue names, each of which must be known to the gate. */
export const REQUIRED_CUSTOM_KINDS = [
  'argoproj.io/v1alpha1/Application', 'argoproj.io/v1alpha1/AppProject', 'argoproj.io/v1alpha1/Rollout', 'argoproj.io/v1alpha1/AnalysisTemplate',
  'source.toolkit.fluxcd.io/v1/GitRepository', 'kustomize.toolkit.fluxcd.io/v1/Kustomization',
  'flagger.app/v1beta1/Canary', 'flagger.app/v1beta1/MetricTemplate',
  'networking.istio.io/v1/VirtualService', 'networking.istio.io/v1/DestinationRule', 'networking.istio.io/v1/Gateway',
  'security.istio.io/v1/PeerAuthentication', 'security.istio.io/v1/AuthorizationPolicy',
  'monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule',
  'cert-manager.io/v1/Certificate', 'cert-manager.io/v1/Issuer', 'cert-manager.io/v1/ClusterIssuer',
  'external-secrets.io/v1/ExternalSecret', 'external-secrets.io/v1/SecretStore', 'external-secrets.io/v1/ClusterSecretStore',
  'traefik.io/v1alpha1/IngressRoute', 'traefik.io/v1alpha1/Middleware', 'traefik.io/v1alpha1/TraefikService', 'traefik.io/v1alpha1/TLSOption', 'traefik.io/v1alpha1/ServersTransport',
  'velero.io/v1/Schedule', 'velero.io/v1/Backup',
  'gateway.networking.k8s.io/v1/HTTPRoute', 'gateway.networking.k8s.io/v1/Gateway',
];
