import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadEnvironment } from '../../app/config';
import { BlueGreenStrategy } from '../../lib/strategies/blue-green';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { strategyFromConfig } from '../../app/adapters/strategy';
import { RollingStrategy } from '../../lib/strategies/rolling';

const HEAD = `environment:
  tier: production
cluster:
  name: prod
  server: https://kubernetes.default.svc
systems:
  ecosystem:
    namespace: ecosystem-prod
    services:
      user-service:
        image:
          repository: registry.example.com/user-service
          tag: v1.2.0
        replicas: 5
        strategy:
`;

const CANARY_060 = `          type: canary
          backend: argo-rollouts
          router: istio
          stages:
            - { weight: 5, pause: 10m }
            - { weight: 25, pause: 20m }
            - { weight: 100 }
          analysis:
            success: { errorRatePercent: 0.1, latencyP95Ms: 500 }
            rollback: { errorRatePercent: 1, latencyP95Ms: 1000 }
`;

function load(strategy: string, extra = '') {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strategy-env-'));
  fs.mkdirSync(path.join(root, 'environments'));
  fs.writeFileSync(path.join(root, 'environments', 'prod.yaml'), HEAD + strategy + extra);
  return loadEnvironment('prod', { dir: path.join(root, 'environments'), root });
}

/** The problems, each checked to point at the line holding `at` in the file. */
function problems(strategy: string, extra = ''): string[] {
  const text = HEAD + strategy + extra;
  try {
    load(strategy, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n').map((line) => {
      const m = /^environments\/prod\.yaml:(\d+):(\d+) (\S+): (.*)$/.exec(line);
      expect(m).not.toBeNull();
      return `${text.split('\n')[Number(m![1]) - 1].trim()} | ${m![3].replace('systems.ecosystem.services.user-service.', '')}: ${m![4]}`;
    });
  }
  throw new Error('expected a ConfigError');
}

const P = 'strategy';

describe('environment file strategies', () => {
  test('GIVEN the 060 canary WHEN loaded and mapped THEN an Argo Rollouts canary strategy', () => {
    const env = load(CANARY_060);
    const s = strategyFromConfig(env.systems.ecosystem!.services['user-service'].strategy);
    expect(s).toBeInstanceOf(CanaryStrategy);
    expect((s as CanaryStrategy).backend).toBe('argo-rollouts');
  });

  test.each([
    ['type: blue-green\n          activeColor: green\n', BlueGreenStrategy, 'plain'],
    ['type: blue-green\n          backend: argo-rollouts\n', BlueGreenStrategy, 'argo-rollouts'],
    ['type: canary\n          backend: plain\n          router: replicas\n          stages: [{ weight: 20, pause: manual }]\n          canaryTag: v1.3.0\n', CanaryStrategy, 'plain'],
    ['type: canary\n          backend: flagger\n          router: nginx\n          ingress: user-service\n          stages: [{ weight: 10, pause: 5m }, { weight: 50, pause: 5m }]\n          analysis: { success: { errorRatePercent: 1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 5, latencyP95Ms: 900 } }\n', CanaryStrategy, 'flagger'],
    ['type: rolling\n          maxSurge: 1\n          maxUnavailable: 0\n', RollingStrategy, undefined],
  ])('GIVEN %j WHEN loaded THEN it maps to the matching strategy', (yaml, cls, backend) => {
    const s = strategyFromConfig(load(`          ${yaml}`).systems.ecosystem!.services['user-service'].strategy);
    expect(s).toBeInstanceOf(cls);
    if (backend) expect((s as unknown as { backend: string }).backend).toBe(backend);
  });

  test.each([
    ['descending weights', CANARY_060.replace('weight: 25', 'weight: 3'), [`- { weight: 3, pause: 20m } | ${P}.stages[1].weight: expected a weight above the previous stage's 5 (weights must ascend), got 3`]],
    ['weight above 100', CANARY_060.replace('weight: 25', 'weight: 250'), [`- { weight: 250, pause: 20m } | ${P}.stages[1].weight: expected an integer percentage from 1 to 100, got 250`]],
    ['an unparseable pause', CANARY_060.replace('pause: 10m', 'pause: 10 minutes'), [`- { weight: 5, pause: 10 minutes } | ${P}.stages[0].pause: expected a duration such as "30s", "10m" or "1h30m" (greater than zero), or "manual" to wait for a person, got "10 minutes"`]],
    ['a missing pause', CANARY_060.replace('{ weight: 25, pause: 20m }', '{ weight: 25 }'), [`- { weight: 25 } | ${P}.stages[1].pause: required, but missing (expected a pause (a duration such as "30s", "10m" or "1h30m" (greater than zero), or "manual"); only a final 100% stage may go without one)`]],
    ['no stages', '          type: canary\n          backend: argo-rollouts\n          router: istio\n          stages: []\n', [`stages: [] | ${P}.stages: expected at least one stage ({ weight, pause }), got a list`]],
    ['flagger with replicas', '          type: canary\n          backend: flagger\n          router: replicas\n          stages: [{ weight: 10, pause: 5m }]\n          analysis: { success: { errorRatePercent: 1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 5, latencyP95Ms: 900 } }\n',
      [`router: replicas | ${P}.router: expected a router backend "flagger" supports: "istio", "nginx", "traefik", "gateway-api" (Flagger cannot split traffic by replica count; use backend "plain" or "argo-rollouts"), got "replicas"`]],
    ['flagger with per-stage pauses', CANARY_060.replace('argo-rollouts', 'flagger'), [`- { weight: 25, pause: 20m } | ${P}.stages[1].pause: expected the same pause as the first stage (10m): Flagger advances one step per analysis interval (use backend "argo-rollouts" for per-stage pauses), got "20m"`]],
    ['flagger without analysis', '          type: canary\n          backend: flagger\n          router: istio\n          stages: [{ weight: 10, pause: 5m }]\n', [`strategy: | ${P}.analysis: required, but missing (expected analysis criteria (Flagger promotes on metric checks; without them every step passes blindly))`]],
    ['nginx without ingress', CANARY_060.replace('router: istio', 'router: nginx'), [`strategy: | ${P}.ingress: required, but missing (expected the name of the Ingress that routes to the stable Service (required by router "nginx"))`]],
    ['gateway-api without gateway', CANARY_060.replace('router: istio', 'router: gateway-api'), [`strategy: | ${P}.gateway: required, but missing (expected the Gateway the HTTPRoute attaches to, e.g. { name: public, namespace: gateway } (required by router "gateway-api"))`]],
    ['an ingress with istio', CANARY_060 + '          ingress: user-service\n', [`ingress: user-service | ${P}.ingress: expected no ingress with router "istio" (only router "nginx" routes through an Ingress), got "user-service"`]],
    ['rollback below success', CANARY_060.replace('rollback: { errorRatePercent: 1,', 'rollback: { errorRatePercent: 0.01,'), [`rollback: { errorRatePercent: 0.01, latencyP95Ms: 1000 } | ${P}.analysis.rollback.errorRatePercent: expected a rollback trigger at or above the success bound (0.1), got 0.01`]],
    ['canaryTag with a controller', CANARY_060 + '          canaryTag: v1.3.0\n', [`canaryTag: v1.3.0 | ${P}.canaryTag: expected no canaryTag with backend "argo-rollouts" (the controller runs the canary from image.tag and advances stages itself), got "v1.3.0"`]],
    ['analysis with plain', CANARY_060.replace('argo-rollouts', 'plain'), [`success: { errorRatePercent: 0.1, latencyP95Ms: 500 } | ${P}.analysis: expected no analysis with backend "plain" (nothing runs it; use "argo-rollouts" or "flagger" for automated analysis), got a mapping`]],
    ['a stage index out of range', '          type: canary\n          backend: plain\n          router: istio\n          stages: [{ weight: 10, pause: manual }]\n          canaryTag: v2.0.0\n          stage: 1\n', [`stage: 1 | ${P}.stage: expected a stage index from 0 to 0, got 1`]],
    ['the replica ratio with 5 replicas', '          type: canary\n          backend: plain\n          router: replicas\n          stages: [{ weight: 5, pause: 10m }, { weight: 100 }]\n',
      [`stages: [{ weight: 5, pause: 10m }, { weight: 100 }] | ${P}.stages[0].weight: expected a weight 5 replicas can express as whole pods (multiples of 20%): 5% needs a multiple of 20 replicas (at least 20), or a traffic router (istio, nginx, traefik, gateway-api), got 5`]],
    ['the replica ratio under an HPA', '          type: canary\n          backend: argo-rollouts\n          router: replicas\n          stages: [{ weight: 20, pause: 10m }]\n', [`router: replicas | ${P}.router: expected a traffic router other than "replicas" when autoscaling is set (the replica ratio needs a fixed replica count), got "replicas"`],
      '        autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 }\n'],
    ['an unknown router', CANARY_060.replace('router: istio', 'router: linkerd'), [`router: linkerd | ${P}.router: expected one of "istio", "nginx", "traefik", "gateway-api", "replicas", got "linkerd"`]],
    ['blue-green without activeColor', '          type: blue-green\n', [`strategy: | ${P}.activeColor: required, but missing (expected activeColor "blue" or "green" (the colour the Service sends traffic to))`]],
    ['blue-green with a bad colour', '          type: blue-green\n          activeColor: red\n', [`activeColor: red | ${P}.activeColor: expected one of "blue", "green", got "red"`]],
    ['activeColor under Argo Rollouts', '          type: blue-green\n          backend: argo-rollouts\n          activeColor: blue\n', [`activeColor: blue | ${P}.activeColor: expected no activeColor with backend "argo-rollouts" (Argo Rollouts picks the active ReplicaSet itself; set the new version in image.tag), got "blue"`]],
    ['autoPromotion with plain', '          type: blue-green\n          activeColor: blue\n          autoPromotion: true\n', [`autoPromotion: true | ${P}.autoPromotion: expected no autoPromotion with backend "plain" (these drive the Argo Rollouts controller; with plain manifests a person switches activeColor), got true`]],
    ['scale-to-zero under an HPA', '          type: blue-green\n          activeColor: blue\n          standby: scale-to-zero\n', [`standby: scale-to-zero | ${P}.standby: expected standby "keep" when autoscaling is set (an HPA never scales a Deployment up from zero, so the colour you switch to would stay empty), got "scale-to-zero"`],
      '        autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70 }\n'],
    ['a bad colour tag', '          type: blue-green\n          activeColor: blue\n          tags: { green: "v1.3.0 beta" }\n', [`tags: { green: "v1.3.0 beta" } | ${P}.tags.green: expected an image tag such as "v1.2.0" (letters, digits, ".", "_", "-"), got "v1.3.0 beta"`]],
  ])('GIVEN %s WHEN loaded THEN file:line:col path: expected ..., got ...', (_n, strategy, expected, extra = '') => {
    expect(problems(strategy, extra)).toEqual(expected);
  });
});
