/**
 * A small valid rendered set (the passing baseline) and helpers to corrupt
 * copies of it. File names follow the dist/ convention:
 * `<namespace or _cluster>--<kind>[.<group>]--<name>.yaml`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ManifestDocument } from '../../lib/validate';

export type Obj = Record<string, any>;

const NS = 'shop';
const labels = (name: string): Obj => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'shop' });

export function securePodSpec(name: string, image: string, extra: Obj = {}): Obj {
  return {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name,
      image,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
      livenessProbe: { httpGet: { path: '/live', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    ...extra,
  };
}

function fileName(o: Obj): string {
  if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') return `${o.metadata?.namespace ?? '_cluster'}--unknown--${o.metadata?.name ?? 'unnamed'}.yaml`;
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
  const builtIn = group === '' || !group.includes('.') || group.endsWith('.k8s.io');
  const kind = o.kind.toLowerCase() + (builtIn ? '' : `.${group}`);
  return `${o.metadata?.namespace ?? '_cluster'}--${kind}--${o.metadata?.name}.yaml`;
}

/** The valid baseline objects (fresh copies on every call). */
export function validObjects(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-ingress', namespace: NS },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }], ports: [{ port: 'http', protocol: 'TCP' }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-acme-http01-solver', namespace: NS },
      spec: {
        podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }], ports: [{ port: 8089, protocol: 'TCP' }] }],
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: NS }, automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'db', namespace: NS }, automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config', namespace: NS }, data: { LOG_LEVEL: 'info', DB_HOST: 'db-headless.shop.svc' } },
    {
      apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'vault' },
      spec: { provider: { vault: { server: 'https://vault.example.com', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso' } } } } },
    },
    {
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'api-db', namespace: NS },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { name: 'api-db', creationPolicy: 'Owner' },
        data: [{ secretKey: 'password', remoteRef: { key: 'shop/db', property: 'password' } }],
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: NS, labels: labels('api') },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
        template: {
          metadata: { labels: labels('api') },
          spec: securePodSpec('api', 'registry.example.com/shop/api:1.4.2', {}),
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: NS, labels: labels('api') },
      spec: {
        selector: { 'app.kubernetes.io/name': 'api' },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: NS },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } },
    },
    {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 2, maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'api', namespace: NS },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, endpoints: [{ port: 'metrics', interval: '30s', path: '/metrics' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'api', namespace: NS },
      spec: {
        ingressClassName: 'traefik',
        tls: [{ hosts: ['shop.example.com'], secretName: 'api-tls' }],
        rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
      },
    },
    {
      apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'api', namespace: NS },
      spec: { entryPoints: ['websecure'], routes: [{ match: 'Host(`api.example.com`)', kind: 'Rule', services: [{ name: 'api', port: 80 }] }], tls: { secretName: 'api-tls' } },
    },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api-tls', namespace: NS },
      spec: { secretName: 'api-tls', dnsNames: ['shop.example.com', 'api.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
    },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt' },
      spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: 'letsencrypt-account' }, solvers: [{ http01: { ingress: { ingressClassName: 'traefik' } } }] } },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'db-headless', namespace: NS, labels: labels('db') },
      spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'db' }, ports: [{ name: 'postgres', port: 5432, targetPort: 'postgres' }] },
    },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS, labels: labels('db') },
      spec: {
        replicas: 1,
        serviceName: 'db-headless',
        selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
        template: {
          metadata: { labels: labels('db') },
          spec: {
            ...securePodSpec('db', 'registry.example.com/mirror/postgres:16.4.0'),
            containers: [{
              ...securePodSpec('db', 'registry.example.com/mirror/postgres:16.4.0').containers[0],
              ports: [{ name: 'postgres', containerPort: 5432 }],
              readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 'postgres' }, periodSeconds: 10 },
              env: [{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } }],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
            }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    },
    {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cleanup', namespace: NS, labels: labels('cleanup') },
      spec: {
        schedule: '0 3 * * *',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels: labels('cleanup') },
              spec: {
                ...securePodSpec('api', 'registry.example.com/shop/api:1.4.2'),
                restartPolicy: 'OnFailure',
                containers: [{
                  name: 'cleanup',
                  image: 'registry.example.com/shop/api:1.4.2',
                  args: ['cleanup'],
                  envFrom: [{ configMapRef: { name: 'api-config' } }],
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                }],
              },
            },
          },
        },
      },
    },
  ];
}

/** Baseline objects as manifest documents with dist-style file names and construct paths. */
export function toDocs(objects: Obj[], dir = 'dist/dev/shop'): ManifestDocument[] {
  return objects.map((o) => ({
    file: `${dir}/${fileName(o)}`,
    object: o,
    constructPath: `shop-dev/${o.kind}-${o.metadata?.name ?? 'unnamed'}/Resource`,
  }));
}

export function validDocs(dir?: string): ManifestDocument[] {
  return toDocs(validObjects(), dir);
}

/** The baseline with one object changed (found by kind and name). */
export function withChange(kind: string, name: string, change: (o: Obj) => void, dir?: string): ManifestDocument[] {
  const objects = validObjects();
  const target = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`fixture has no ${kind} ${name}`);
  change(target);
  return toDocs(objects, dir);
}

/** Writes documents as a dist-like directory of YAML files (with `# construct:` comments); returns its root. */
export function writeDist(docs: ManifestDocument[], root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'))): string {
  for (const d of docs) {
    const file = path.join(root, d.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `# construct: ${d.constructPath ?? '?'}\n${stringify(d.object, { sortMapEntries: true })}`);
  }
  return root;
}

/**
 * The baseline repeated over `namespaces` namespaces (cluster-scoped objects
 * once): about 18 objects per namespace, all valid.
 */
export function scaledObjects(namespaces: number): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < namespaces; i++) {
    const ns = `shop-${i}`;
    for (const o of validObjects()) {
      if (o.kind === 'ClusterSecretStore' || o.kind === 'ClusterIssuer') {
        if (i === 0) out.push(o);
        continue;
      }
      if (o.kind === 'Namespace') o.metadata.name = ns;
      else o.metadata.namespace = ns;
      // in-cluster names follow the namespace (ref/dns-name)
      if (o.kind === 'ConfigMap') o.data.DB_HOST = `db-headless.${ns}.svc`;
      out.push(o);
    }
  }
  return out;
}
