// GitOps reviewability: a switch of blue-green colour or a canary stage,
// made in environments/prod.yaml, must change only the lines a reviewer
// expects in dist/. Renders the ecosystem chart of prod twice, the second
// time with the one-line change, and diffs the file sets line by line.
import * as path from 'path';
import { App } from 'cdk8s';
import { SYSTEMS } from '../../charts';
import { EnvironmentConfig, loadEnvironment, StrategyConfig } from '../../app/config';
import { renderTargets, toFileSet } from '../../lib/synth';

const ROOT = path.resolve(__dirname, '../..');
const PROD = loadEnvironment('prod', { dir: path.join(ROOT, 'environments'), root: ROOT });

function withStrategy(strategy: StrategyConfig, tag?: string): EnvironmentConfig {
  const eco = PROD.systems.ecosystem!;
  const user = eco.services['user-service'];
  return {
    ...PROD,
    systems: { ...PROD.systems, ecosystem: { ...eco, services: { ...eco.services, 'user-service': { ...user, image: { ...user.image, tag: tag ?? user.image.tag }, strategy } } } },
  };
}

function files(env: EnvironmentConfig): Map<string, string> {
  const chart = SYSTEMS.ecosystem(new App(), 'ecosystem', env, env.systems.ecosystem!);
  return toFileSet(renderTargets([{ dir: 'prod/ecosystem', chart }]));
}

/** `-file: line` / `+file: line` for every line removed or added (LCS per file). */
function lineDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const f of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = (a.get(f) ?? '').split('\n');
    const y = (b.get(f) ?? '').split('\n');
    if (a.get(f) === b.get(f)) continue;
    const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
    for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    let i = 0;
    let j = 0;
    const short = f.replace('prod/ecosystem/', '');
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        i++;
        j++;
      }
      else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+${short}: ${y[j++].trim()}`);
      else out.push(`-${short}: ${x[i++].trim()}`);
    }
  }
  return out;
}

const SVC = 'ecosystem-prod--service--user-service';

test('GIVEN plain blue-green WHEN activeColor flips blue -> green THEN only the two Service selectors change', () => {
  const base = { type: 'blue-green', backend: 'plain', tags: { blue: 'v1.2.0', green: 'v1.3.0' } } as const;
  const diff = lineDiff(files(withStrategy({ ...base, activeColor: 'blue' })), files(withStrategy({ ...base, activeColor: 'green' })));
  expect(diff.sort()).toEqual([
    `-${SVC}-preview.yaml: color: green`,
    `+${SVC}-preview.yaml: color: blue`,
    `-${SVC}.yaml: color: blue`,
    `+${SVC}.yaml: color: green`,
  ].sort());
});

describe('GIVEN plain blue-green under an HPA (user-service starts at replicas: 5)', () => {
  const base = { type: 'blue-green', backend: 'plain', tags: { blue: 'v1.2.0', green: 'v1.3.0' } } as const;
  const autoscaled = (activeColor: 'blue' | 'green', minReplicas: number, maxReplicas: number): Map<string, string> => {
    const env = withStrategy({ ...base, activeColor });
    const eco = env.systems.ecosystem!;
    const user = eco.services['user-service'];
    return files({ ...env, systems: { ...env.systems, ecosystem: { ...eco, services: { ...eco.services, 'user-service': { ...user, autoscaling: { minReplicas, maxReplicas, cpuUtilization: 70 } } } } } });
  };
  const selectors = (from: string, to: string) => [`-${SVC}-preview.yaml: color: ${to}`, `+${SVC}-preview.yaml: color: ${from}`, `-${SVC}.yaml: color: ${from}`, `+${SVC}.yaml: color: ${to}`];

  test('WHEN activeColor flips either way THEN only the two Service selectors change: no Deployment loses replicas, no HPA moves', () => {
    const [blue, green] = [autoscaled('blue', 5, 6), autoscaled('green', 5, 6)];
    expect([...blue.keys()].filter((f) => f.includes('horizontalpodautoscaler--user-service'))).toEqual([
      'prod/ecosystem/ecosystem-prod--horizontalpodautoscaler--user-service-blue.yaml',
      'prod/ecosystem/ecosystem-prod--horizontalpodautoscaler--user-service-green.yaml',
    ]);
    expect(lineDiff(blue, green).sort()).toEqual(selectors('blue', 'green').sort());
    expect(lineDiff(green, blue).sort()).toEqual(selectors('green', 'blue').sort());
  });

  test('WHEN the HPA minimum (3) is below the starting count THEN a flip also swaps the two HPA floors (the standby holds 4, capped at maxReplicas)', () => {
    const diff = lineDiff(autoscaled('blue', 3, 4), autoscaled('green', 3, 4));
    expect(diff.sort()).toEqual([
      ...selectors('blue', 'green'),
      '-ecosystem-prod--horizontalpodautoscaler--user-service-blue.yaml: minReplicas: 3',
      '+ecosystem-prod--horizontalpodautoscaler--user-service-blue.yaml: minReplicas: 4',
      '-ecosystem-prod--horizontalpodautoscaler--user-service-green.yaml: minReplicas: 4',
      '+ecosystem-prod--horizontalpodautoscaler--user-service-green.yaml: minReplicas: 3',
    ].sort());
  });
});

test('GIVEN plain blue-green WHEN the idle colour gets a new tag THEN only its Deployment image and version label change', () => {
  const base = { type: 'blue-green', backend: 'plain', activeColor: 'blue' } as const;
  const diff = lineDiff(files(withStrategy({ ...base, tags: { blue: 'v1.2.0', green: 'v1.2.0' } })), files(withStrategy({ ...base, tags: { blue: 'v1.2.0', green: 'v1.3.0' } })));
  expect(diff.sort()).toEqual([
    '-ecosystem-prod--deployment--user-service-green.yaml: app.kubernetes.io/version: v1.2.0',
    '+ecosystem-prod--deployment--user-service-green.yaml: app.kubernetes.io/version: v1.3.0',
    '-ecosystem-prod--deployment--user-service-green.yaml: image: registry.example.com/user-service:v1.2.0',
    '+ecosystem-prod--deployment--user-service-green.yaml: image: registry.example.com/user-service:v1.3.0',
  ].sort());
});

test('GIVEN a plain Istio canary WHEN it advances from stage 0 (5%) to stage 1 (25%) THEN only the weights and the canary replicas change', () => {
  const base = { type: 'canary' as const, backend: 'plain' as const, router: 'istio' as const, canaryTag: 'v1.3.0', stages: [{ weight: 5, pause: '10m' }, { weight: 25, pause: '20m' }, { weight: 100 }] };
  const diff = lineDiff(files(withStrategy({ ...base, stage: 0 })), files(withStrategy({ ...base, stage: 1 })));
  expect(diff.sort()).toEqual([
    '-ecosystem-prod--deployment--user-service-canary.yaml: replicas: 1',
    '+ecosystem-prod--deployment--user-service-canary.yaml: replicas: 2',
    '-ecosystem-prod--virtualservice.networking.istio.io--user-service.yaml: weight: 95',
    '+ecosystem-prod--virtualservice.networking.istio.io--user-service.yaml: weight: 75',
    '-ecosystem-prod--virtualservice.networking.istio.io--user-service.yaml: weight: 5',
    '+ecosystem-prod--virtualservice.networking.istio.io--user-service.yaml: weight: 25',
  ].sort());
});

test('GIVEN the prod Argo Rollouts canary WHEN a new image tag is released THEN only the Rollout image and version label change (the controller runs the stages)', () => {
  const canary = PROD.systems.ecosystem!.services['user-service'].strategy!;
  expect(canary.type).toBe('canary');
  const diff = lineDiff(files(withStrategy(canary, 'v1.2.0')), files(withStrategy(canary, 'v1.3.0')));
  expect(diff.sort()).toEqual([
    '-ecosystem-prod--rollout.argoproj.io--user-service.yaml: app.kubernetes.io/version: v1.2.0',
    '+ecosystem-prod--rollout.argoproj.io--user-service.yaml: app.kubernetes.io/version: v1.3.0',
    '-ecosystem-prod--rollout.argoproj.io--user-service.yaml: image: registry.example.com/user-service:v1.2.0',
    '+ecosystem-prod--rollout.argoproj.io--user-service.yaml: image: registry.example.com/user-service:v1.3.0',
  ].sort());
});
