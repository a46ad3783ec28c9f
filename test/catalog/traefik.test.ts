import { TraefikController } from '../../lib/platform/traefik';
import { gateErrors } from './gate';
import { chart, container, render } from './util';

describe('TraefikController', () => {
  describe('defaults', () => {
    const c = chart();
    new TraefikController(c, 'traefik', { namespace: 'ingress' });
    const r = render(c);
    const d = r.get('Deployment/traefik');
    const args: string[] = container(d, 'traefik').args;

    test('entry points web and websecure, HTTP redirected permanently to HTTPS on 443', () => {
      expect(args).toEqual(expect.arrayContaining([
        '--entryPoints.web.address=:8000/tcp',
        '--entryPoints.websecure.address=:8443/tcp',
        '--entryPoints.web.http.redirections.entryPoint.to=:443',
        '--entryPoints.web.http.redirections.entryPoint.scheme=https',
        '--entryPoints.web.http.redirections.entryPoint.permanent=true',
        '--entryPoints.websecure.http.tls=true',
      ]));
      expect(r.get('Service/traefik').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'web', port: 80, targetPort: 'web' }, { name: 'websecure', port: 443, targetPort: 'websecure' }] });
    });

    test('IngressClass and providers bound to it', () => {
      expect(r.get('IngressClass/traefik').spec).toEqual({ controller: 'traefik.io/ingress-controller' });
      expect(args).toContain('--providers.kubernetesingress.ingressClass=traefik');
      expect(args).toContain('--providers.kubernetescrd.ingressClass=traefik');
    });

    test('read-only RBAC except the Ingress status, no wildcards', () => {
      const rules = r.get('ClusterRole/ingress-traefik').rules;
      expect(rules.flatMap((x: any) => x.verbs).filter((v: string) => !['get', 'list', 'watch'].includes(v))).toEqual(['update']);
      expect(rules.find((x: any) => x.verbs.includes('update')).resources).toEqual(['ingresses/status']);
      expect(JSON.stringify(rules)).not.toContain('*');
    });

    test('two replicas with PDB and spreading, ping probes, metrics ServiceMonitor', () => {
      expect(d.spec.replicas).toBe(2);
      expect(r.get('PodDisruptionBudget/traefik').spec.maxUnavailable).toBe(1);
      expect(d.spec.template.spec.affinity).toBeDefined();
      expect(container(d, 'traefik').readinessProbe.httpGet).toMatchObject({ path: '/ping', port: 'traefik' });
      expect(r.get('ServiceMonitor/traefik').spec.endpoints[0].port).toBe('metrics');
      expect(d.spec.template.spec.securityContext.runAsUser).toBe(65532);
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('NodePort exposure for kind/k0s dev, no redirect, default class', () => {
    const c = chart();
    new TraefikController(c, 'traefik', { namespace: 'ingress', replicas: 1, exposure: { type: 'NodePort', httpNodePort: 30080, httpsNodePort: 30443 }, redirectToHttps: false, defaultIngressClass: true });
    const r = render(c);
    expect(r.get('Service/traefik').spec.ports.map((p: any) => p.nodePort)).toEqual([30080, 30443]);
    expect(container(r.get('Deployment/traefik'), 'traefik').args.join(' ')).not.toContain('redirections');
    expect(r.get('IngressClass/traefik').metadata.annotations).toEqual({ 'ingressclass.kubernetes.io/is-default-class': 'true' });
    expect(r.has('PodDisruptionBudget/traefik')).toBe(false);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['node port out of range', { exposure: { type: 'NodePort', httpNodePort: 80 } }, 'test/traefik: exposure.httpNodePort: expected an integer from 30000 to 32767, got 80'],
    ['same node ports', { exposure: { type: 'NodePort', httpNodePort: 30080, httpsNodePort: 30080 } }, 'exposure.httpsNodePort: expected a node port different from httpNodePort, got 30080'],
    ['bad class name', { ingressClassName: 'Traefik' }, 'ingressClassName: expected a DNS label'],
    ['zero replicas', { replicas: 0 }, 'replicas: expected an integer from 1 to 50, got 0'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new TraefikController(chart(), 'traefik', { namespace: 'i', ...(props as object) })).toThrow(message);
  });
});
