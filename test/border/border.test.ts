import { Testing } from 'cdk8s';
import { Border } from '../../lib/border/border';
import { CertificateIssuer } from '../../lib/border/certificate-issuer';
import { find, Obj, shopChart } from '../security/fixtures';
import { testChart } from '../helpers/chart';

const tls = { name: 'letsencrypt-prod', kind: 'ClusterIssuer' as const };

describe('Border', () => {
  test('GIVEN NGINX with TLS, rate limit and CORS WHEN a service is exposed THEN the Ingress carries the issuer, redirect, limits and the origin list; the controller may reach the port', () => {
    const { chart, api } = shopChart();
    Border.nginx({ tls, rateLimit: { requestsPerSecond: 20, burst: 40 }, corsOrigins: ['https://www.example.com', 'https://app.example.com'] }).expose(chart, api, { host: 'api.example.com' });
    const objs = Testing.synth(chart) as Obj[];
    const ing = find(objs, 'Ingress', 'api');
    expect(ing.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rps': '20',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '2',
      'nginx.ingress.kubernetes.io/enable-cors': 'true',
      'nginx.ingress.kubernetes.io/cors-allow-origin': 'https://app.example.com, https://www.example.com',
      'nginx.ingress.kubernetes.io/cors-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'nginx.ingress.kubernetes.io/cors-allow-credentials': 'true',
    });
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['api.example.com'], secretName: 'api-tls' }],
      rules: [{ host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
    });
    expect(find(objs, 'NetworkPolicy', 'api').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    expect(objs.some((o) => o.kind === 'IngressClass')).toBe(false);
  });

  test('GIVEN TLS from cert-manager WHEN a service is exposed THEN the HTTP-01 solver pods are let in from the controller on 8089, once per namespace', () => {
    const { chart, api, backend } = shopChart();
    const border = Border.nginx({ tls });
    border.expose(chart, api, { host: 'api.example.com' });
    border.expose(chart, backend, { host: 'backend.example.com' });
    const objs = Testing.synth(chart) as Obj[];
    const solver = objs.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('allow-acme-http01-solver'));
    expect(solver).toHaveLength(1);
    expect(solver[0].spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } } }],
        ports: [{ port: 8089, protocol: 'TCP' }],
      }],
    });
    // The namespace is not rendered with sidecar injection here: no Istio allowances.
    expect(objs.filter((o) => o.metadata.name === 'acme-http01-solver')).toEqual([]);
  });

  test('GIVEN a controller with a sidecar WHEN exposed through the mesh THEN NGINX sends to the Service by its cluster host name', () => {
    const { chart, api } = shopChart();
    Border.nginx({ tls, throughMesh: true }).expose(chart, api, { host: 'api.example.com' });
    const ing = find(Testing.synth(chart) as Obj[], 'Ingress', 'api');
    expect(ing.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/service-upstream': 'true',
      'nginx.ingress.kubernetes.io/upstream-vhost': 'api.shop.svc.cluster.local',
    });
  });

  test('GIVEN no issuer THEN exposure is refused unless plain HTTP is allowed (development)', () => {
    const { chart, api } = shopChart();
    expect(() => Border.nginx().expose(chart, api, { host: 'api.example.com' })).toThrow(/tls: expected a cert-manager issuer \(TLS everywhere outside development\)/);
    Border.nginx({ allowPlainHttp: true }).expose(chart, api, { host: 'api.localhost' });
    const ing = find(Testing.synth(chart) as Obj[], 'Ingress', 'api');
    expect(ing.spec.tls).toBeUndefined();
    expect(ing.metadata.annotations).toBeUndefined();
  });

  test('GIVEN a wildcard CORS origin THEN it is refused', () => {
    const { chart, api } = shopChart();
    expect(() => Border.nginx({ tls, corsOrigins: ['*'] }).expose(chart, api, { host: 'api.example.com' })).toThrow(/corsOrigins: expected an explicit origin/);
  });

  test('GIVEN Traefik with auth WHEN exposed THEN IngressRoute with auth/rate-limit/CORS middlewares, an HTTP->HTTPS redirect route and a Certificate', () => {
    const { chart, api } = shopChart();
    Border.traefik({ tls, rateLimit: { requestsPerSecond: 10 }, corsOrigins: ['https://app.example.com'], auth: { basicAuthSecret: 'api-users' } }).expose(chart, api, { host: 'nifi.example.com' });
    const objs = Testing.synth(chart) as Obj[];
    const route = find(objs, 'IngressRoute', 'api');
    expect(route.spec).toEqual({
      entryPoints: ['websecure'],
      routes: [{ kind: 'Rule', match: 'Host(`nifi.example.com`) && PathPrefix(`/`)', middlewares: [{ name: 'api-auth' }, { name: 'api-rate-limit' }, { name: 'api-cors' }], services: [{ name: 'api', port: 'http' }] }],
      tls: { secretName: 'api-tls' },
    });
    expect(find(objs, 'IngressRoute', 'api-redirect').spec.routes[0].middlewares).toEqual([{ name: 'api-redirect-https' }]);
    expect(find(objs, 'Middleware', 'api-redirect-https').spec).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
    expect(find(objs, 'Middleware', 'api-rate-limit').spec).toEqual({ rateLimit: { average: 10, burst: 20 } });
    expect(find(objs, 'Middleware', 'api-auth').spec).toEqual({ basicAuth: { secret: 'api-users', removeHeader: true } });
    expect(find(objs, 'Middleware', 'api-cors').spec.headers.accessControlAllowOriginList).toEqual(['https://app.example.com']);
    expect(find(objs, 'Certificate', 'api').spec).toEqual({ secretName: 'api-tls', dnsNames: ['nifi.example.com'], issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
    expect(find(objs, 'NetworkPolicy', 'api').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'traefik' });
  });

  test('GIVEN a Gateway API border WHEN exposed THEN an HTTPRoute on the https listener with the service port number', () => {
    const { chart, backend } = shopChart();
    Border.gatewayApi({ tls, gateway: { name: 'public', namespace: 'gateways' } }).expose(chart, backend, { host: 'b.example.com', path: '/api' });
    const route = find(Testing.synth(chart) as Obj[], 'HTTPRoute', 'backend');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['b.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'backend', port: 8081 }] }],
    });
  });

  test('GIVEN issuers WHEN rendered THEN Issuer with a namespace, ClusterIssuer without', () => {
    const chart = testChart();
    new CertificateIssuer(chart, 'Ns', { name: 'le', namespace: 'shop', source: { kind: 'acme', email: 'ops@example.com', solver: { kind: 'dns01-route53', region: 'eu-west-1' } } });
    const cluster = new CertificateIssuer(chart, 'Cluster', { name: 'le-cluster', source: { kind: 'acme', email: 'ops@example.com', solver: { kind: 'http01', ingressClassName: 'nginx' } } });
    const objs = Testing.synth(chart) as Obj[];
    expect(find(objs, 'Issuer', 'le').metadata.namespace).toBe('shop');
    expect(find(objs, 'Issuer', 'le').spec.acme.solvers).toEqual([{ dns01: { route53: { region: 'eu-west-1' } } }]);
    expect(find(objs, 'ClusterIssuer', 'le-cluster').spec.acme).toMatchObject({ server: 'https://acme-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: 'le-cluster-account-key' } });
    expect(cluster.ref).toEqual({ name: 'le-cluster', kind: 'ClusterIssuer' });
  });
});
