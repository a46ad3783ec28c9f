import { ignoreDifferencesOf } from '../../lib/gitops/ignore-differences';
import { BlueGreenStrategy, PlainBlueGreenProps } from '../../lib/strategies/blue-green';
import { MicroserviceProps } from '../../lib/workloads/microservice';
import { errorOf, IMAGE, Obj, render } from './render';

const SLO = { success: { errorRatePercent: 0.1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 1, latencyP95Ms: 1000 } };

describe('BlueGreenStrategy.plain', () => {
  test('GIVEN activeColor blue and a green tag WHEN rendered THEN two colour Deployments, the Service selects blue and the preview green', () => {
    const { get, all, svc } = render(BlueGreenStrategy.plain({ activeColor: 'blue', tags: { green: 'v1.3.0' } }));
    const blue = get('Deployment', 'user-service-blue');
    const green = get('Deployment', 'user-service-green');
    expect(all('Deployment')).toHaveLength(2);
    expect(blue.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'user-service', 'app.kubernetes.io/name': 'user-service', color: 'blue' });
    expect(blue.spec.template.metadata.labels).toMatchObject({ color: 'blue', 'app.kubernetes.io/version': 'v1.2.0' });
    expect(blue.spec.template.spec.containers[0].image).toBe(`${IMAGE.repository}:v1.2.0`);
    expect(green.spec.template.metadata.labels).toMatchObject({ color: 'green', 'app.kubernetes.io/version': 'v1.3.0' });
    expect(green.spec.template.spec.containers[0].image).toBe(`${IMAGE.repository}:v1.3.0`);
    expect(blue.spec.replicas).toBe(5);
    expect(green.spec.replicas).toBe(5);
    expect(get('Service', 'user-service').spec.selector.color).toBe('blue');
    expect(get('Service', 'user-service-preview').spec.selector.color).toBe('green');
    expect(get('Service', 'user-service-preview').spec.ports).toEqual(get('Service', 'user-service').spec.ports);
    // One budget per colour: over both, idle pods would count as available while a drain evicts the active ones.
    expect(all('PodDisruptionBudget').map((p) => [p.metadata.name, p.spec.selector.matchLabels.color, p.spec.maxUnavailable])).toEqual([
      ['user-service-blue', 'blue', 1], ['user-service-green', 'green', 1],
    ]);
    expect(svc.workload.name).toBe('user-service-blue');
    expect(svc.binding.gitOps).toBeUndefined();
  });

  test('GIVEN standby scale-to-zero WHEN green is active THEN blue runs no pods', () => {
    const { get } = render(BlueGreenStrategy.plain({ activeColor: 'green', standby: 'scale-to-zero' }));
    expect(get('Deployment', 'user-service-blue').spec.replicas).toBe(0);
    expect(get('Deployment', 'user-service-green').spec.replicas).toBe(5);
  });

  test('GIVEN colorLabel "version" (IDP, Specify) and an HPA WHEN rendered THEN each colour has its own HPA and PDB, neither Deployment states replicas, and the standby HPA holds the starting count', () => {
    const { get, all, svc } = render(BlueGreenStrategy.plain({ activeColor: 'green', colorLabel: 'version' }), { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('Service', 'user-service').spec.selector.version).toBe('green');
    expect(all('HorizontalPodAutoscaler').map((h) => [h.metadata.name, h.spec.scaleTargetRef.name, h.spec.minReplicas, h.spec.maxReplicas])).toEqual([
      // issue 17 item 15: the standby takes all traffic at a switch; it holds max(HPA minimum, starting replicas 5).
      ['user-service-blue', 'user-service-blue', 5, 10],
      ['user-service-green', 'user-service-green', 3, 10],
    ]);
    expect(get('Deployment', 'user-service-blue').spec).not.toHaveProperty('replicas');
    expect(get('Deployment', 'user-service-green').spec).not.toHaveProperty('replicas');
    expect(all('PodDisruptionBudget').map((p) => [p.metadata.name, p.spec.selector.matchLabels.version])).toEqual([['user-service-blue', 'blue'], ['user-service-green', 'green']]);
    expect(svc.autoscaler!.name).toBe('user-service-green');
    expect(svc.disruptionBudget!.name).toBe('user-service-green');
    expect(svc.scaleTargets.map((w) => w.name)).toEqual(['user-service-blue', 'user-service-green']);
    expect(svc.autoscalers.map((h) => h.name)).toEqual(['user-service-blue', 'user-service-green']);
  });

  test('GIVEN an HPA whose minimum exceeds the starting count WHEN rendered THEN both colours hold the HPA minimum', () => {
    const { all } = render(BlueGreenStrategy.plain({ activeColor: 'blue' }), { autoscaling: { minReplicas: 8, maxReplicas: 10, cpuUtilization: 70 } });
    expect(all('HorizontalPodAutoscaler').map((h) => h.spec.minReplicas)).toEqual([8, 8]);
  });

  test('GIVEN a starting count above the HPA maximum WHEN rendered THEN the standby floor is capped at the maximum (an HPA with min > max is invalid)', () => {
    const { get } = render(BlueGreenStrategy.plain({ activeColor: 'blue' }), { replicas: 20, autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('HorizontalPodAutoscaler', 'user-service-green').spec.minReplicas).toBe(10);
    expect(get('HorizontalPodAutoscaler', 'user-service-blue').spec.minReplicas).toBe(2);
  });

  // A switch is a one-line edit of activeColor, applied by Argo CD (kubectl
  // last-applied three-way merge, or server-side apply) or Flux (server-side
  // apply). A field the manifest stated before and omits after is dropped by
  // all three, and a Deployment without replicas runs 1 pod. So a switch must
  // leave every Deployment manifest and the HPA targets as they were.
  describe.each([
    ['autoscaled', { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } }],
    ['autoscaled, starting count above the minimum', { replicas: 5, autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 } }],
    ['fixed replicas', { replicas: 4 }],
  ] as Array<[string, Partial<MicroserviceProps>]>)('GIVEN %s WHEN activeColor switches', (_n, service) => {
    const both = (props: Omit<PlainBlueGreenProps, 'activeColor'>) => (['blue', 'green'] as const).map((activeColor) => render(BlueGreenStrategy.plain({ ...props, activeColor, tags: { blue: 'v1.2.0', green: 'v1.3.0' } }), service));
    const byName = (objects: Obj[], kind: string): Record<string, Obj> => Object.fromEntries(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));

    test.each(['blue -> green', 'green -> blue'])('%s THEN no Deployment manifest changes, the HPAs keep their targets and the PDBs their selectors', (direction) => {
      const [blue, green] = both({});
      const [before, after] = direction === 'blue -> green' ? [blue, green] : [green, blue];
      expect(byName(after.objects, 'Deployment')).toEqual(byName(before.objects, 'Deployment'));
      const targets = (r: typeof blue) => Object.entries(byName(r.objects, 'HorizontalPodAutoscaler')).map(([n, h]) => [n, h.spec.scaleTargetRef.name]);
      expect(targets(after)).toEqual(targets(before));
      expect(byName(after.objects, 'PodDisruptionBudget')).toEqual(byName(before.objects, 'PodDisruptionBudget'));
      // Argo CD's ignoreDifferences for HPA-owned replicas name both colours whichever is active: the Application does not change at a switch.
      expect(ignoreDifferencesOf(after.chart)).toEqual(ignoreDifferencesOf(before.chart));
    });

    test('blue -> green THEN the Service selects green and the preview blue', () => {
      const [, green] = both({});
      expect(green.get('Service', 'user-service').spec.selector.color).toBe('green');
      expect(green.get('Service', 'user-service-preview').spec.selector.color).toBe('blue');
    });
  });

  test('GIVEN an HPA WHEN rendered THEN the Argo CD hints ignore replicas of both colours', () => {
    const { chart } = render(BlueGreenStrategy.plain({ activeColor: 'blue' }), { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } });
    expect(ignoreDifferencesOf(chart).map((e) => [e.kind, e.name, e.jsonPointers])).toEqual([
      ['Deployment', 'user-service-blue', ['/spec/replicas']],
      ['Deployment', 'user-service-green', ['/spec/replicas']],
    ]);
  });

  test.each([
    ['activeColor', { activeColor: 'purple' }, 'strategy.activeColor: expected one of "blue", "green", got "purple"'],
    ['standby', { activeColor: 'blue', standby: 'sleep' }, 'strategy.standby: expected one of "keep", "scale-to-zero", got "sleep"'],
    ['tag latest', { activeColor: 'blue', tags: { green: 'latest' } }, 'strategy.tags.green: expected a pinned image tag such as "v1.3.0" (not "latest"), got "latest"'],
    ['colorLabel in the selector', { activeColor: 'blue', colorLabel: 'app.kubernetes.io/name' }, 'strategy.colorLabel: expected a label key such as "color" or "version", other than the service\'s selector keys'],
  ])('GIVEN an invalid %s WHEN bound THEN PropsError names field, value and what is valid', (_n, props, message) => {
    expect(errorOf(() => render(BlueGreenStrategy.plain(props as never)))).toContain(message);
  });

  test('GIVEN scale-to-zero with an HPA WHEN bound THEN it is refused with the reason', () => {
    const msg = errorOf(() => render(BlueGreenStrategy.plain({ activeColor: 'blue', standby: 'scale-to-zero' }), { autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 } }));
    expect(msg).toBe('test/user-service: strategy.standby: expected "keep" when autoscaling is set (an HPA never scales a Deployment up from zero, so the colour you switch to would stay empty), got "scale-to-zero"');
  });
});

describe('BlueGreenStrategy.argoRollouts', () => {
  test('GIVEN defaults WHEN rendered THEN a Rollout with active/preview Services, no auto-promotion and a 30-minute standby', () => {
    const { get, all, svc } = render(BlueGreenStrategy.argoRollouts());
    const rollout = get('Rollout', 'user-service');
    expect(all('Deployment')).toHaveLength(0);
    expect(rollout.spec.strategy.blueGreen).toEqual({ activeService: 'user-service', previewService: 'user-service-preview', autoPromotionEnabled: false, scaleDownDelaySeconds: 1800 });
    expect(rollout.spec.replicas).toBe(5);
    expect(rollout.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(get('Service', 'user-service').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-3');
    expect(get('Service', 'user-service-preview').spec.selector).toEqual(get('Service', 'user-service').spec.selector);
    expect(svc.binding.gitOps!.ignoreDifferences).toEqual([
      { group: '', kind: 'Service', name: 'user-service', namespace: 'shop', jsonPointers: ['/spec/selector/rollouts-pod-template-hash'] },
      { group: '', kind: 'Service', name: 'user-service-preview', namespace: 'shop', jsonPointers: ['/spec/selector/rollouts-pod-template-hash'] },
    ]);
  });

  test('GIVEN the same service as rolling WHEN rendered as a Rollout THEN its pod template is byte-identical to the Deployment one', () => {
    const rolling = render(undefined as never).get('Deployment', 'user-service');
    const rollout = render(BlueGreenStrategy.argoRollouts()).get('Rollout', 'user-service');
    expect(rollout.spec.template).toEqual(rolling.spec.template);
  });

  test('GIVEN analysis WHEN rendered THEN pre-promotion measures the preview and post-promotion the active Service with one AnalysisTemplate', () => {
    const { get } = render(BlueGreenStrategy.argoRollouts({ analysis: SLO, autoPromotion: true, scaleDownDelaySeconds: 600 }));
    const bg = get('Rollout', 'user-service').spec.strategy.blueGreen;
    expect(bg.autoPromotionEnabled).toBe(true);
    expect(bg.scaleDownDelaySeconds).toBe(600);
    expect(bg.prePromotionAnalysis).toEqual({ templates: [{ templateName: 'user-service-slo' }], args: [{ name: 'namespace', value: 'shop' }, { name: 'service', value: 'user-service-preview' }] });
    expect(bg.postPromotionAnalysis.args[1]).toEqual({ name: 'service', value: 'user-service' });
    expect(get('AnalysisTemplate', 'user-service-slo').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
  });

  test('GIVEN an HPA WHEN rendered THEN the Rollout leaves replicas to it', () => {
    const { get } = render(BlueGreenStrategy.argoRollouts(), { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('Rollout', 'user-service').spec.replicas).toBeUndefined();
    expect(get('HorizontalPodAutoscaler', 'user-service').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'user-service' });
  });

  test.each([
    ['scaleDownDelaySeconds', { scaleDownDelaySeconds: -1 }, 'strategy.scaleDownDelaySeconds: expected an integer >= 0 (seconds the old version stays up for a rollback), got -1'],
    ['previewReplicas', { previewReplicas: 0 }, 'strategy.previewReplicas: expected an integer >= 1, got 0'],
    ['rollback below success', { analysis: { ...SLO, rollback: { errorRatePercent: 0.05, latencyP95Ms: 1000 } } }, 'strategy.analysis.rollback.errorRatePercent: expected a rollback trigger at or above the success bound (0.1), got 0.05'],
    ['interval', { analysis: { ...SLO, interval: 'soon' } }, 'strategy.analysis.interval: expected a duration such as "30s", "10m" or "1h30m" (greater than zero), got "soon"'],
  ])('GIVEN an invalid %s WHEN bound THEN PropsError says what is valid', (_n, props, message) => {
    expect(errorOf(() => render(BlueGreenStrategy.argoRollouts(props as never)))).toContain(message);
  });
});
