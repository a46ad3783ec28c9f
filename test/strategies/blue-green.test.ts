import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { errorOf, IMAGE, render } from './render';

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
    // One budget over both colours: a flip must not change it.
    expect(get('PodDisruptionBudget', 'user-service').spec.selector.matchLabels).not.toHaveProperty('color');
    expect(svc.workload.name).toBe('user-service-blue');
    expect(svc.binding.gitOps).toBeUndefined();
  });

  test('GIVEN standby scale-to-zero WHEN green is active THEN blue runs no pods', () => {
    const { get } = render(BlueGreenStrategy.plain({ activeColor: 'green', standby: 'scale-to-zero' }));
    expect(get('Deployment', 'user-service-blue').spec.replicas).toBe(0);
    expect(get('Deployment', 'user-service-green').spec.replicas).toBe(5);
  });

  test('GIVEN colorLabel "version" (IDP, Specify) and an HPA WHEN rendered THEN selectors use it, the HPA targets the active colour and the standby holds the starting count', () => {
    const { get } = render(BlueGreenStrategy.plain({ activeColor: 'green', colorLabel: 'version' }), { autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('Service', 'user-service').spec.selector.version).toBe('green');
    expect(get('HorizontalPodAutoscaler', 'user-service').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'user-service-green' });
    expect(get('Deployment', 'user-service-green').spec.replicas).toBeUndefined();
    // issue 17 item 15: without replicas the standby would run the Deployment default of 1 pod
    // and a flip would send all traffic to it; it holds max(HPA minimum, starting replicas 5).
    expect(get('Deployment', 'user-service-blue').spec.replicas).toBe(5);
  });

  test('GIVEN an HPA whose minimum exceeds the starting count WHEN rendered THEN the standby holds the HPA minimum', () => {
    const { get } = render(BlueGreenStrategy.plain({ activeColor: 'blue' }), { autoscaling: { minReplicas: 8, maxReplicas: 10, cpuUtilization: 70 } });
    expect(get('Deployment', 'user-service-blue').spec.replicas).toBeUndefined();
    expect(get('Deployment', 'user-service-green').spec.replicas).toBe(8);
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
