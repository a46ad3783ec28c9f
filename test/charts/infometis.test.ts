// InfoMetis (../shared/seeds/000_b6a2db994fa10b80.txt): core services, independent and shared-cluster modes.
import { App } from 'cdk8s';
import { SYSTEMS } from '../../charts';
import { isClusterScoped } from '../../lib/security/shared-cluster';
import { renderSystem } from './systems';

describe('InfoMetis', () => {
  const dev = renderSystem('dev', 'infometis');
  const prod = renderSystem('prod', 'infometis');
  const shared = renderSystem('prod-shared', 'infometis');

  test('GIVEN dev and prod WHEN rendered THEN dev targets kind and both run Kafka in KRaft mode and Elasticsearch', () => {
    expect(dev.cfg.cluster.distribution).toBe('kind');
    for (const r of [dev, prod]) {
      expect(r.find('StatefulSet', 'kafka').spec.replicas).toBe(3);
      expect(r.find('StatefulSet', 'elasticsearch').spec.replicas).toBe(3);
    }
    expect(JSON.stringify(prod.find('StatefulSet', 'kafka'))).not.toMatch(/zookeeper/i);
  });

  test('GIVEN independent-cluster prod WHEN rendered THEN it owns its Namespace', () => {
    expect(prod.find('Namespace', 'infometis-prod').kind).toBe('Namespace');
  });

  test('GIVEN shared-cluster prod WHEN rendered THEN nothing is cluster-scoped and everything is in the assigned namespace', () => {
    expect(shared.cfg.cluster.mode).toBe('shared');
    expect(shared.objects.filter((o) => isClusterScoped(o as any)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect([...new Set(shared.objects.map((o) => o.metadata.namespace))]).toEqual(['team-infometis']);
  });

  test('GIVEN every environment WHEN rendered THEN NiFi, Kafka, Elasticsearch and Grafana are the core services, NiFi proxied for its public host', () => {
    for (const r of [dev, prod, shared]) {
      expect(r.find('StatefulSet', 'nifi').spec.replicas).toBe(1);
      expect(r.find('Deployment', 'grafana').kind).toBe('Deployment');
      const host = r.cfg.systems.infometis!.components!.nifi!.expose!.host;
      expect(r.find('ConfigMap', 'nifi-config').data['nifi.properties']).toContain(`nifi.web.proxy.host=${host}\n`);
    }
  });

  test('GIVEN prod WHEN rendered THEN its own Traefik serves NiFi and Grafana with TLS from cert-manager, HTTPS redirect and basic auth', () => {
    expect(prod.find('Deployment', 'traefik').spec.replicas).toBe(2);
    expect(prod.find('Service', 'traefik').spec.type).toBe('LoadBalancer');
    const route = prod.find('IngressRoute', 'nifi');
    expect(route.metadata.annotations).toEqual({ 'kubernetes.io/ingress.class': 'infometis-prod-traefik' });
    expect(route.spec.entryPoints).toEqual(['websecure']);
    expect(route.spec.tls).toEqual({ secretName: 'nifi-tls' });
    expect(route.spec.routes[0].middlewares.map((m: any) => m.name)).toContain('nifi-auth');
    expect(route.spec.routes[0].services[0]).toMatchObject({ name: 'nifi', port: 'https', scheme: 'https', serversTransport: 'nifi' });
    expect(prod.find('Middleware', 'nifi-auth').spec.basicAuth.secret).toBe('border-auth');
    expect(prod.find('Certificate', 'grafana').spec).toMatchObject({ dnsNames: ['grafana.infometis.example.com'], issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' } });
  });

  test('GIVEN dev on kind WHEN rendered THEN Traefik is on node ports, plain HTTP, without authentication', () => {
    expect(dev.find('Service', 'traefik').spec.type).toBe('NodePort');
    const route = dev.find('IngressRoute', 'grafana');
    expect(route.spec.entryPoints).toEqual(['web']);
    expect(route.spec.tls).toBeUndefined();
    expect(dev.all('Middleware').filter((m) => m.metadata.name.endsWith('-auth'))).toEqual([]);
  });

  test('GIVEN shared-cluster prod WHEN rendered THEN the owners\' Traefik is used (no controller, no quota of our own) and TLS comes from a namespaced Issuer', () => {
    expect(shared.all('Deployment').map((d) => d.metadata.name)).not.toContain('traefik');
    expect(shared.all('ResourceQuota')).toEqual([]);
    expect(shared.find('Certificate', 'nifi').spec.issuerRef).toMatchObject({ kind: 'Issuer', name: 'letsencrypt-prod' });
    const nifiPolicy = shared.find('NetworkPolicy', 'nifi').spec.ingress;
    expect(nifiPolicy).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } }], ports: [{ port: 'https', protocol: 'TCP' }] });
  });

  test('GIVEN shared-cluster prod with a quota the workloads do not fit WHEN rendered THEN synthesis fails at the quota field with the peak', () => {
    const cfg = shared.cfg;
    const tight = { ...cfg.systems.infometis!, quota: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } } };
    const chart = SYSTEMS.infometis(new App(), 'infometis', cfg, tight);
    expect(() => chart.toJson()).toThrow(/systems\.infometis\.quota\.requests\.cpu: expected at least the peak of namespace team-infometis's workloads \(\d+m of requests\.cpu: HPA maxima plus rollout surge\), got "2"; raise systems\.infometis\.quota\.requests\.cpu$/);
  });

  test('GIVEN a production environment without a TLS issuer WHEN InfoMetis renders THEN it refuses to expose NiFi and Grafana in plain HTTP', () => {
    const cfg = { ...prod.cfg, border: { ...prod.cfg.border!, tls: undefined } };
    expect(() => SYSTEMS.infometis(new App(), 'infometis', cfg, cfg.systems.infometis!)).toThrow(/infometis: border\.tls: expected a cert-manager issuer .* TLS is required outside development \(tier production\)/);
  });
});
