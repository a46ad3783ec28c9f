// Gaia/Atmos IDP (../shared/seeds/003_2bb8c574063a4dc1.txt): the document's numbers in the rendered objects.
import { renderSystem } from './systems';

describe('IDP', () => {
  const prod = renderSystem('prod', 'idp');
  const staging = renderSystem('staging', 'idp');

  test('GIVEN prod WHEN rendered THEN Backstage scales 2-10 on CPU/memory and the Platform API 3-20 on CPU (no request-rate metric is served)', () => {
    for (const c of ['blue', 'green']) {
      const bs = prod.find('HorizontalPodAutoscaler', `backstage-${c}`).spec;
      expect(bs).toMatchObject({ scaleTargetRef: { name: `backstage-${c}` }, minReplicas: 2, maxReplicas: 10 });
      expect(bs.metrics.map((m: any) => m.resource.name)).toEqual(['cpu', 'memory']);
    }
    const api = prod.find('HorizontalPodAutoscaler', 'platform-api').spec;
    expect(api).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    // issue 17 item 13: a Pods metric nothing serves (no metrics port, ServiceMonitor or adapter rule) left the HPA without a value.
    expect(api.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  test('GIVEN prod WHEN rendered THEN PostgreSQL and Redis are managed (ExternalName + ExternalSecret), in-cluster in staging', () => {
    expect(prod.find('Service', 'postgres').spec.type).toBe('ExternalName');
    expect(prod.find('ExternalSecret', 'postgres-credentials').spec.data[0].remoteRef.key).toBe('prod/idp/rds');
    expect(prod.find('Service', 'redis').spec.type).toBe('ExternalName');
    expect(staging.find('StatefulSet', 'postgres').kind).toBe('StatefulSet');
  });

  test('GIVEN prod WHEN rendered THEN secrets come from AWS Secrets Manager, staging from Vault', () => {
    expect(prod.find('SecretStore', 'secret-store').spec.provider.aws.service).toBe('SecretsManager');
    expect(staging.find('SecretStore', 'secret-store').spec.provider.vault).toBeDefined();
  });

  test('GIVEN any environment WHEN rendered THEN the namespace enforces the restricted Pod Security Standard and denies by default', () => {
    expect(prod.find('Namespace', 'idp-prod').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(prod.find('NetworkPolicy', 'default-deny').spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(prod.find('Role', 'backstage').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
  });

  test('GIVEN prod WHEN rendered THEN Backstage is blue-green by the version selector', () => {
    expect(prod.find('Service', 'backstage').spec.selector.version).toBe('blue');
  });

  test('GIVEN prod WHEN rendered THEN Istio enforces mTLS with authorization per workload, and Velero backs the namespace up', () => {
    expect(prod.find('PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
    const authz = prod.find('AuthorizationPolicy', 'platform-api').spec;
    expect(authz.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/idp-prod/sa/backstage']);
    expect(prod.find('Schedule', 'idp-prod').spec.template).toMatchObject({ includedNamespaces: ['idp-prod'], ttl: '720h', snapshotVolumes: true });
  });

  test('GIVEN prod WHEN rendered THEN Backstage and the Platform API are exposed with TLS', () => {
    expect(prod.find('Ingress', 'backstage').spec.tls[0].hosts).toEqual(['backstage.example.com']);
    expect(prod.find('Ingress', 'platform-api').spec.tls[0].hosts).toEqual(['platform-api.example.com']);
  });
});
