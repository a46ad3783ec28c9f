import { Nifi } from '../../lib/data/nifi';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

const base = {
  namespace: 'infometis',
  sensitivePropertiesKey: { secret: 'nifi-keys', key: 'sensitive' },
  adminCredentials: { secret: 'nifi-admin' },
};

describe('Nifi', () => {
  describe('defaults: one HTTPS node', () => {
    const c = chart();
    const nifi = new Nifi(c, 'nifi', { ...base, proxyHosts: ['nifi.dev.example.com', 'localhost:8443'] });
    const r = render(c);
    const sts = r.get('StatefulSet/nifi');
    const props = r.get('ConfigMap/nifi-config').data['nifi.properties'];

    test('HTTPS on 8443, proxy hosts from props, repositories on the volume, not clustered', () => {
      expect(props).toContain('nifi.web.https.port=8443');
      expect(props).toContain('nifi.web.http.port=\n');
      expect(props).toContain('nifi.web.proxy.host=nifi.dev.example.com,localhost:8443');
      expect(props).toContain('nifi.content.repository.directory.default=/opt/nifi/data/content_repository');
      expect(props).toContain('nifi.cluster.is.node=false');
      // Jetty 12 answers "400 Invalid SNI" to the pod IP the kubelet would send; localhost is on NiFi's certificate.
      expect(container(sts, 'nifi').readinessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/nifi/', httpHeaders: [{ name: 'Host', value: 'localhost' }] });
      expect(nifi.url).toBe('https://nifi.infometis.svc:8443/nifi');
    });

    test('the sensitive key and admin password come from Secrets and are length-checked at start', () => {
      const cfg = container(sts, 'configure');
      expect(envOf(cfg).NIFI_SENSITIVE_PROPS_KEY).toEqual({ secretKeyRef: { name: 'nifi-keys', key: 'sensitive' } });
      expect(envOf(cfg).ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: 'nifi-admin', key: 'password' } });
      expect(cfg.command[2]).toContain('[ "${#NIFI_SENSITIVE_PROPS_KEY}" -ge 12 ]');
      expect(props).not.toContain('sensitive.props.key');
    });

    test('protected StatefulSet, no API token, no RBAC, JVM metrics agent with ServiceMonitor', () => {
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
      expect(r.has('Role/nifi')).toBe(false);
      expect(container(sts, 'nifi').ports).toContainEqual({ name: 'metrics', containerPort: 5556, protocol: 'TCP' });
      expect(container(sts, 'otel-agent').image).toMatch(/^ghcr\.io\/open-telemetry\//);
      expect(container(sts, 'configure').command[2]).toContain('echo "java.arg.otel0=-javaagent:/otel-agent/javaagent.jar" >> "$boot"');
      expect(container(sts, 'nifi').volumeMounts).toContainEqual({ name: 'otel-agent', mountPath: '/otel-agent', readOnly: true });
      expect(r.get('ServiceMonitor/nifi').spec.endpoints[0].port).toBe('metrics');
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('cluster: Kubernetes leader election and state provider, no ZooKeeper, least-privilege Role, shared TLS', () => {
    const c = chart();
    new Nifi(c, 'nifi', {
      ...base, replicas: 3, tls: { secret: 'nifi-tls', password: { secret: 'nifi-tls-password', key: 'password' } },
      contentStorage: { size: '100Gi', storageClass: 'fast' }, provenanceStorage: { size: '50Gi' },
    });
    const r = render(c);
    const props = r.get('ConfigMap/nifi-config').data['nifi.properties'];
    expect(props).toContain('nifi.cluster.is.node=true');
    expect(props).toContain('nifi.cluster.leader.election.implementation=KubernetesLeaderElectionManager');
    expect(props).toContain('nifi.state.management.provider.cluster=kubernetes-provider');
    expect(props).toContain('nifi.zookeeper.connect.string=\n');
    expect(props).toContain('nifi.security.keystore=/opt/nifi/tls/keystore.p12');
    expect(props).toContain('nifi.content.repository.directory.default=/opt/nifi/content/content_repository');
    expect(r.get('Role/nifi').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
    const sts = r.get('StatefulSet/nifi');
    expect(sts.spec.template.spec.serviceAccountName).toBe('nifi');
    expect(sts.spec.volumeClaimTemplates.map((v: any) => v.metadata.name)).toEqual(['data', 'content', 'provenance']);
    expect(container(sts, 'configure').command[2]).toContain('set_prop nifi.cluster.node.address "$HOSTNAME.nifi-headless.infometis.svc"');
    expect(r.get('Service/nifi-headless').spec.publishNotReadyAddresses).toBe(true);
    expect(r.get('Service/nifi').spec.sessionAffinity).toBe('ClientIP');
    expect(r.get('PodDisruptionBudget/nifi').spec.maxUnavailable).toBe(1);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['cluster without TLS', { replicas: 2 }, 'test/nifi: tls: expected a keystore Secret shared by all nodes when replicas > 1'],
    ['proxy host with scheme', { proxyHosts: ['https://nifi.example.com'] }, 'proxyHosts[0]: expected a host name with an optional port'],
    ['missing sensitive key', { sensitivePropertiesKey: undefined }, 'sensitivePropertiesKey: expected a Secret key holding a key of at least 12 characters ({ secret, key }); literal keys are not accepted, got nothing'],
    ['missing admin credentials', { adminCredentials: undefined }, 'adminCredentials: expected the Secret holding the single-user name and password'],
    ['too little memory', { resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } } }, 'resources.limits.memory: expected at least 1Gi'],
    ['zero replicas', { replicas: 0 }, 'replicas: expected an integer from 1 to 50, got 0'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new Nifi(chart(), 'nifi', { ...base, ...(props as object) } as any)).toThrow(message);
  });
});
