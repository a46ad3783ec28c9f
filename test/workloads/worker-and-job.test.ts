import { Testing } from 'cdk8s';
import { Probe } from '../../lib/workloads/probes';
import { ScheduledJob, ScheduledJobProps } from '../../lib/workloads/scheduled-job';
import { Worker, WorkerProps } from '../../lib/workloads/worker';
import { testChart } from '../helpers/chart';

const IMAGE = { repository: 'registry.example.com/worker', tag: 'v2.0.0' };

function renderWorker(props: Partial<WorkerProps> = {}) {
  const chart = testChart();
  new Worker(chart, 'consumer', { namespace: 'team', image: IMAGE, metricsPort: 9090, ...props });
  const objects = Testing.synth(chart);
  return { objects, kind: (k: string) => objects.filter((o) => o.kind === k) };
}

function renderJob(props: Partial<ScheduledJobProps> = {}) {
  const chart = testChart();
  new ScheduledJob(chart, 'mailer', { namespace: 'team', image: IMAGE, schedule: '*/5 * * * *', ...props });
  return (Testing.synth(chart)).find((o) => o.kind === 'CronJob');
}

describe('Worker', () => {
  test('GIVEN a queue consumer with a metrics port WHEN rendered THEN it is a hardened Deployment with a headless metrics Service and probes on it', () => {
    const { kind } = renderWorker({ config: { QUEUE: 'activities' } });
    const [deploy] = kind('Deployment');
    const pod = deploy.spec.template.spec;
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].livenessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    expect(pod.containers[0].envFrom).toEqual([{ configMapRef: { name: 'consumer-config' } }]);
    expect(deploy.metadata.labels['app.kubernetes.io/component']).toBe('worker');
    const [svc] = kind('Service');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(kind('PodDisruptionBudget')).toHaveLength(0);
  });

  test('GIVEN autoscaling on a queue metric WHEN rendered THEN the HPA owns replicas, scales on the external metric and a PDB protects the floor', () => {
    const { kind } = renderWorker({ autoscaling: { minReplicas: 2, maxReplicas: 20, customMetric: { name: 'queue_depth', averageValue: '30' } } });
    expect(kind('Deployment')[0].spec.replicas).toBeUndefined();
    const [hpa] = kind('HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 20, scaleTargetRef: { kind: 'Deployment', name: 'consumer' } });
    expect(hpa.spec.metrics).toEqual([{ type: 'External', external: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: '30' } } }]);
    expect(kind('PodDisruptionBudget')[0].spec.maxUnavailable).toBe(1);
  });

  test('GIVEN no metrics port WHEN rendered THEN its own probes are used and no Service exists', () => {
    const { kind } = renderWorker({ metricsPort: undefined, liveness: Probe.exec(['/bin/alive']), readiness: Probe.exec(['/bin/ready']) });
    expect(kind('Service')).toHaveLength(0);
    expect(kind('Deployment')[0].spec.template.spec.containers[0].livenessProbe).toEqual({ exec: { command: ['/bin/alive'] } });
  });

  test.each<[string, Partial<WorkerProps>, string]>([
    ['no probes and no metrics port', { metricsPort: undefined }, 'test/consumer: liveness/readiness: expected both probes (e.g. Probe.exec) when the worker has no metricsPort to probe, got nothing'],
    ['negative replicas', { replicas: -2 }, 'test/consumer: replicas: expected an integer >= 0, got -2'],
    ['latest image', { image: { repository: 'r/w', tag: 'latest' } }, 'test/consumer: image.tag: expected a pinned tag'],
    ['an HPA without a metric', { autoscaling: { minReplicas: 1, maxReplicas: 3 } }, 'test/consumer: autoscaling: expected at least one of cpuUtilization, memoryUtilization or customMetric (a queue-depth metric), got {"minReplicas":1,"maxReplicas":3}'],
    ['max below min', { autoscaling: { minReplicas: 3, maxReplicas: 2, cpuUtilization: 70 } }, 'test/consumer: autoscaling.maxReplicas: expected an integer >= minReplicas (3), got 2'],
  ])('GIVEN %s WHEN constructed THEN it throws with path, field and what is valid', (_n, props, message) => {
    expect(() => renderWorker(props)).toThrow(message);
  });
});

describe('ScheduledJob', () => {
  test('GIVEN a five-minute job WHEN rendered THEN runs never overlap, are bounded in time and history, and the pod is hardened', () => {
    const cron = renderJob();
    expect(cron.spec).toMatchObject({
      schedule: '*/5 * * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 60,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    const job = cron.spec.jobTemplate.spec;
    expect(job).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(job.template.spec.restartPolicy).toBe('Never');
    expect(job.template.spec.automountServiceAccountToken).toBe(false);
    expect(job.template.spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(job.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('GIVEN a macro schedule and overrides WHEN rendered THEN they are used', () => {
    const cron = renderJob({ schedule: '@hourly', concurrencyPolicy: 'Replace', activeDeadlineSeconds: 120 });
    expect(cron.spec.schedule).toBe('@hourly');
    expect(cron.spec.concurrencyPolicy).toBe('Replace');
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(120);
  });

  test.each(['every 5 minutes', '* * * *', ''])('GIVEN schedule %j WHEN constructed THEN it throws naming the field and valid forms', (schedule) => {
    expect(() => renderJob({ schedule })).toThrow(`test/mailer: schedule: expected a five-field cron expression such as "*/5 * * * *" or a macro such as "@hourly", got ${JSON.stringify(schedule)}`);
  });
});
