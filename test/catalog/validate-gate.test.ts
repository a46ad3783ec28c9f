import { Testing } from 'cdk8s';
import { ManifestDocument, validateManifests } from '../../lib/validate';
import { PostgresDatabase } from '../../lib/data/postgres';
import { RedisCache } from '../../lib/data/redis';
import { ElasticsearchCluster } from '../../lib/data/elasticsearch';
import { Kibana } from '../../lib/data/kibana';
import { KafkaCluster } from '../../lib/data/kafka';
import { Nifi } from '../../lib/data/nifi';
import { Grafana } from '../../lib/platform/grafana';
import { Prometheus } from '../../lib/platform/prometheus';
import { Jaeger } from '../../lib/platform/jaeger';
import { Logstash } from '../../lib/platform/logstash';
import { FluentBit } from '../../lib/platform/fluent-bit';
import { TraefikController } from '../../lib/platform/traefik';
import { testChart } from '../helpers/chart';

// Every catalog construct, in its richest shape, through the project's validation gate.
describe('catalog through lib/validate', () => {
  const c = testChart();
  const s = (secret: string, key = 'password') => ({ secret, key });
  new PostgresDatabase(c, 'postgres', {
    namespace: 'data', credentials: { secret: 'pg' }, replicationPassword: s('pg-repl'),
    mode: { type: 'statefulset', readReplicas: 2 }, backup: { storage: { size: '20Gi' } },
  });
  new PostgresDatabase(c, 'postgres-dev', { namespace: 'data', credentials: { secret: 'pg' }, mode: { type: 'deployment' } });
  new PostgresDatabase(c, 'postgres-rds', { namespace: 'data', mode: { type: 'external', host: 'db.example.com', secretStore: { name: 'aws' }, remoteKey: 'prod/db' } });
  new RedisCache(c, 'redis', { namespace: 'data', password: s('redis') });
  new RedisCache(c, 'redis-sts', { namespace: 'data', password: s('redis'), mode: { type: 'statefulset' } });
  const es = new ElasticsearchCluster(c, 'es', { namespace: 'search', replicas: 3 });
  new Kibana(c, 'kibana', { namespace: 'search', elasticsearchUrl: es.url, replicas: 2 });
  const esMmap = new ElasticsearchCluster(c, 'es-mmap', { namespace: 'search-mmap', maxMapCountInit: { reason: 'mmap for the prod search tier, accepted by the platform team' } });
  new KafkaCluster(c, 'kafka', { namespace: 'data', clusterId: s('kafka', 'id'), roles: { type: 'separate' } });
  new Nifi(c, 'nifi', {
    namespace: 'data', replicas: 3, sensitivePropertiesKey: s('nifi', 'key'), adminCredentials: { secret: 'nifi-admin' },
    tls: { secret: 'nifi-tls', password: s('nifi-tls-password') }, proxyHosts: ['nifi.example.com'],
  });
  new Grafana(c, 'grafana', { namespace: 'obs', adminCredentials: { secret: 'grafana' }, datasources: [{ type: 'prometheus', name: 'Prometheus', url: 'http://prometheus:9090' }] });
  new Prometheus(c, 'prometheus', { namespace: 'obs', replicas: 2, discovery: { scope: 'namespaces', namespaces: ['obs', 'data'] } });
  new Jaeger(c, 'jaeger', { namespace: 'obs' });
  const fb = new FluentBit(c, 'fluent-bit', { namespace: 'logging', output: { kind: 'elasticsearch', host: 'es.search.svc' } });
  new TraefikController(c, 'traefik', { namespace: 'ingress' });
  new Logstash(c, 'logstash', { namespace: 'logging', elasticsearch: { url: 'http://es.search.svc:9200', indexPrefix: 'logs' } });
  const objects = Testing.synth(c) as Record<string, any>[];

  // What the systems add around the catalog: a default-deny policy per namespace, the
  // Secrets the constructs reference (made by ExternalSecrets), and namespaces whose
  // Pod Security level the constructs' `podSecurity` declares.
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter(Boolean))].sort();
  const secrets = new Map<string, Set<string>>();
  const visit = (v: any, ns: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, ns));
    if (!v || typeof v !== 'object') return;
    if (v.secretKeyRef) secrets.set(`${ns}/${v.secretKeyRef.name}`, (secrets.get(`${ns}/${v.secretKeyRef.name}`) ?? new Set()).add(v.secretKeyRef.key));
    if (v.secret?.secretName) secrets.set(`${ns}/${v.secret.secretName}`, secrets.get(`${ns}/${v.secret.secretName}`) ?? new Set(['keystore.p12', 'truststore.p12']));
    Object.values(v).forEach((x) => visit(x, ns));
  };
  objects.forEach((o) => visit(o.spec, o.metadata.namespace));
  // The systems' service graphs also let the platform Prometheus scrape every
  // pod, and clients reach the Traefik entry points (the gate evaluates those
  // required flows).
  const prometheus = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };
  const extra = [
    ...namespaces.map((ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } })),
    ...namespaces.map((ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-prometheus', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [prometheus] }] } })),
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-clients', namespace: 'ingress' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 'web', protocol: 'TCP' }, { port: 'websecure', protocol: 'TCP' }] }] },
    },
    ...[...secrets].filter(([k]) => !objects.some((o) => o.kind === 'ExternalSecret' && `${o.metadata.namespace}/${o.spec.target.name}` === k)).map(([k, keys]) => ({
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: k.split('/')[1], namespace: k.split('/')[0] },
      spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, target: { name: k.split('/')[1] }, data: [...keys].sort().map((key) => ({ secretKey: key, remoteRef: { key: k, property: key } })) },
    })),
  ];
  const docs: ManifestDocument[] = [...objects, ...extra].map((o) => ({ file: `dist/test/catalog/${o.metadata.namespace ?? '_cluster'}--${o.kind}--${o.metadata.name}.yaml`, object: o }));

  test('every object passes schema, reference and policy checks; only the declared namespaces are privileged', () => {
    const report = validateManifests(docs, {
      environment: 'test',
      // A staging-tier environment: an environment of unknown tier is held to production's image rule (lib/core/tier.ts).
      tiers: { test: 'staging' },
      namespacePolicies: {
        logging: { level: fb.podSecurity.level, reason: fb.podSecurity.reason },
        'search-mmap': { level: esMmap.podSecurity.level, reason: esMmap.podSecurity.reason },
      },
    });
    expect(report.violations.map((v) => `${v.rule} ${v.file} ${v.path}: ${v.message}`)).toEqual([]);
    expect(report.objects).toBeGreaterThan(100);
  });

  test('without the privileged declarations the gate flags exactly Fluent Bit and the opt-in sysctl', () => {
    const report = validateManifests(docs, { environment: 'test', tiers: { test: 'staging' } });
    const flagged = [...new Set(report.violations.map((v) => `${v.rule} ${v.object.namespace}/${v.object.name}`))].sort();
    expect(flagged).toEqual(['policy/pss-restricted logging/fluent-bit', 'policy/pss-restricted search-mmap/es-mmap']);
  });
});
