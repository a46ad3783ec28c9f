import { Testing } from 'cdk8s';
import { Microservice, MicroserviceProps } from '../../lib/workloads/microservice';
import { Probe } from '../../lib/workloads/probes';
import { RollingStrategy } from '../../lib/strategies/rolling';
import { testChart } from '../helpers/chart';

const IMAGE = { repository: 'registry.example.com/api', tag: 'v1.0.0' };

function render(props: Partial<MicroserviceProps> = {}) {
  const chart = testChart();
  const svc = new Microservice(chart, 'api', { namespace: 'team', image: IMAGE, ...props });
  const objects = Testing.synth(chart);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const one = (kind: string) => {
    const found = byKind(kind);
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { svc, objects, byKind, one };
}

describe('Microservice', () => {
  test('GIVEN only the required props WHEN rendered THEN it is restricted-PSS hardened with requests, limits and probes', () => {
    const { one, byKind } = render();
    const deploy = one('Deployment');
    const pod = deploy.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes[0]).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(deploy.spec.replicas).toBe(2);
    expect(byKind('HorizontalPodAutoscaler')).toHaveLength(0);
    expect(one('PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deploy.spec.selector.matchLabels } });
  });

  test('GIVEN a service WHEN rendered THEN names are explicit and the Service targets the named ports', () => {
    const { one } = render({ metricsPort: 9090, servicePort: 80 });
    const service = one('Service');
    expect(service.metadata.name).toBe('api');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/instance': 'api', 'app.kubernetes.io/name': 'api' });
    expect(one('Deployment').spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  test('GIVEN an image tag WHEN rendered THEN only pods carry the version label, never selectors', () => {
    const { one } = render();
    const deploy = one('Deployment');
    expect(deploy.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('v1.0.0');
    expect(deploy.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    expect(deploy.spec.selector.matchLabels['app.kubernetes.io/version']).toBeUndefined();
    expect(deploy.spec.template.spec.containers[0].image).toBe('registry.example.com/api:v1.0.0');
  });

  test('GIVEN a digest WHEN rendered THEN the image is pinned by tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const { one } = render({ image: { ...IMAGE, digest } });
    expect(one('Deployment').spec.template.spec.containers[0].image).toBe(`registry.example.com/api:v1.0.0@${digest}`);
  });

  test('GIVEN config WHEN rendered THEN a ConfigMap is loaded with envFrom and its checksum rolls the pods on change', () => {
    const a = render({ config: { LOG_LEVEL: 'info', A: '1' } });
    const b = render({ config: { LOG_LEVEL: 'debug', A: '1' } });
    const cm = a.one('ConfigMap');
    expect(cm.metadata.name).toBe('api-config');
    expect(Object.keys(cm.data)).toEqual(['A', 'LOG_LEVEL']);
    const podA = a.one('Deployment').spec.template;
    expect(podA.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'api-config' } }]);
    expect(podA.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(podA.metadata.annotations['checksum/config']).not.toBe(b.one('Deployment').spec.template.metadata.annotations['checksum/config']);
  });

  test('GIVEN secret env WHEN rendered THEN values come from secretKeyRef, never literals', () => {
    const { one } = render({ secretEnv: { DATABASE_URL: { secret: 'database-secret', key: 'url' } } });
    expect(one('Deployment').spec.template.spec.containers[0].env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'database-secret', key: 'url' } } },
    ]);
  });

  test('GIVEN autoscaling WHEN rendered THEN the HPA owns replicas and carries metrics and behaviour', () => {
    const { one } = render({
      replicas: 5,
      autoscaling: {
        minReplicas: 3,
        maxReplicas: 50,
        cpuUtilization: 70,
        memoryUtilization: 80,
        customMetric: { name: 'http_requests_per_second', averageValue: '100' },
        scaleDown: { stabilizationWindowSeconds: 300, percent: { value: 10, periodSeconds: 60 } },
        scaleUp: { stabilizationWindowSeconds: 0, percent: { value: 100, periodSeconds: 15 } },
      },
    });
    expect(one('Deployment').spec.replicas).toBeUndefined();
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '100' } } },
    ]);
    expect(hpa.spec.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect(one('PodDisruptionBudget')).toBeDefined();
  });

  test('GIVEN one replica WHEN rendered THEN no PDB blocks node drains', () => {
    expect(render({ replicas: 1 }).byKind('PodDisruptionBudget')).toHaveLength(0);
  });

  test('GIVEN minAvailable WHEN rendered THEN the PDB uses it', () => {
    expect(render({ replicas: 3, disruptionBudget: { minAvailable: 2 } }).one('PodDisruptionBudget').spec.minAvailable).toBe(2);
  });

  test('GIVEN ClientIP affinity WHEN rendered THEN the Service pins clients for the timeout', () => {
    const svc = render({ clientIpAffinitySeconds: 10800 }).one('Service');
    expect(svc.spec.sessionAffinity).toBe('ClientIP');
    expect(svc.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  test('GIVEN default spreading WHEN rendered THEN pods prefer other nodes and spread across zones', () => {
    const pod = render().one('Deployment').spec.template.spec;
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]).toMatchObject({ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } });
    expect(pod.topologySpreadConstraints[0]).toMatchObject({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' });
    const none = render({ spread: false }).one('Deployment').spec.template.spec;
    expect(none.affinity).toBeUndefined();
    expect(none.topologySpreadConstraints).toBeUndefined();
  });

  test('GIVEN custom probes and identity WHEN rendered THEN they are used', () => {
    const pod = render({
      startup: Probe.http('/health', { failureThreshold: 30, periodSeconds: 5 }),
      liveness: Probe.tcp('http'),
      readiness: Probe.exec(['/bin/ready']),
      identity: { runAsUser: 1001 },
      readOnlyRootFilesystem: false,
    }).one('Deployment').spec.template.spec;
    const c = pod.containers[0];
    expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, failureThreshold: 30, periodSeconds: 5 });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 'http' } });
    expect(c.readinessProbe).toEqual({ exec: { command: ['/bin/ready'] } });
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
  });

  describe('invalid props', () => {
    test.each<[string, Partial<MicroserviceProps>, string]>([
      ['latest tag', { image: { repository: 'r/a', tag: 'latest' } }, 'test/api: image.tag: expected a pinned tag such as "v1.2.0" ("latest" changes under you and cannot be rolled back), got "latest"'],
      ['bad digest', { image: { ...IMAGE, digest: 'md5:x' } }, 'test/api: image.digest: expected "sha256:" followed by 64 hex digits, got "md5:x"'],
      ['root user', { identity: { runAsUser: 0 } }, 'test/api: runAsUser: expected a non-zero UID (the restricted Pod Security Standard forbids root), got 0'],
      ['port out of range', { port: 70000 }, 'test/api: port: expected an integer from 1 to 65535, got 70000'],
      ['metrics on the http port', { metricsPort: 8080 }, 'test/api: metricsPort: expected a port different from port (8080), got 8080'],
      ['negative replicas', { replicas: -1 }, 'test/api: replicas: expected an integer >= 0, got -1'],
      ['bad cpu', { resources: { requests: { cpu: 'lots', memory: '1Mi' }, limits: { cpu: 1, memory: '1Mi' } } }, 'test/api: resources.requests.cpu: expected a CPU quantity such as "250m" or "1", got "lots"'],
      ['requests above limits', { resources: { requests: { cpu: '2', memory: '1Mi' }, limits: { cpu: 1, memory: '1Mi' } } }, 'test/api: resources.requests.cpu: expected at most the CPU limit (1), got "2"'],
      ['min above max', { autoscaling: { minReplicas: 5, maxReplicas: 3, cpuUtilization: 70 } }, 'test/api: autoscaling.maxReplicas: expected an integer >= minReplicas (5), got 3'],
      ['HPA without metric', { autoscaling: { minReplicas: 1, maxReplicas: 3 } }, 'test/api: autoscaling: expected at least one of cpuUtilization, memoryUtilization or customMetric'],
      ['PDB that blocks drains', { replicas: 2, disruptionBudget: { minAvailable: 2 } }, 'test/api: disruptionBudget.minAvailable: expected less than the 2 replicas that may be running, or node drains are blocked forever, got 2'],
      ['affinity timeout', { clientIpAffinitySeconds: 0 }, 'test/api: clientIpAffinitySeconds: expected an integer from 1 to 86400, got 0'],
    ])('GIVEN %s WHEN constructed THEN it throws naming path, field, value and what is valid', (_name, props, message) => {
      expect(() => render(props)).toThrow(message);
    });
  });
});

describe('RollingStrategy', () => {
  test('GIVEN no knobs WHEN rendered THEN Kubernetes defaults 25%/25% are explicit', () => {
    expect(render().one('Deployment').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  });

  test('GIVEN numbers or percentages WHEN rendered THEN they are kept as given', () => {
    const d = render({ strategy: RollingStrategy.of({ maxSurge: 1, maxUnavailable: 0, minReadySeconds: 10 }) }).one('Deployment');
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(d.spec.minReadySeconds).toBe(10);
    expect(d.spec.revisionHistoryLimit).toBe(10);
  });

  test.each<[RollingStrategy, string]>([
    [RollingStrategy.of({ maxSurge: 0, maxUnavailable: '0%' }), 'test/api: strategy.maxSurge/maxUnavailable: expected at most one of them to be zero (with both zero a rolling update can never make progress), got {"maxSurge":0,"maxUnavailable":"0%"}'],
    [RollingStrategy.of({ maxSurge: '150%' as `${number}%` }), 'test/api: strategy.maxSurge: expected an integer >= 0 or a percentage from "0%" to "100%", got "150%"'],
    [RollingStrategy.of({ maxUnavailable: -1 }), 'test/api: strategy.maxUnavailable: expected an integer >= 0 or a percentage from "0%" to "100%", got -1'],
  ])('GIVEN invalid knobs WHEN rendered THEN it throws', (strategy, message) => {
    expect(() => render({ strategy })).toThrow(message);
  });
});
