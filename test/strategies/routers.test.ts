// Traffic routers are classes behind one interface, registered in one place:
// the canary construct asks the router, never switches on its name.
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { ROUTERS_BY_BACKEND, routerSettingsProblems } from '../../lib/strategies/canary-rules';
import { CanaryStrategy } from '../../lib/strategies/canary';
import { PlainServiceLayout, RoutingResult, RoutingSpec, TrafficRouter } from '../../lib/strategies/routers/router';
import { CANARY_ROUTERS, ROUTER_TYPES } from '../../lib/strategies/traffic-router';
import { errorOf, render } from './render';

const root = path.resolve(__dirname, '../..');
const STAGES = [{ weight: 20, pause: '10m' }, { weight: 100 }];

/** A router the library does not know: a ConfigMap stands in for its routing object. */
class NoteRouter implements TrafficRouter {
  public readonly kind = 'note';
  public readonly splitsByReplicas = false;
  public check(): void {}
  public render(scope: Construct, spec: RoutingSpec): RoutingResult {
    const cm = new k8s.KubeConfigMap(scope, 'Note', { metadata: { name: `${spec.name}-split`, namespace: spec.namespace }, data: { stable: spec.stableService, canary: spec.canaryService, weight: String(spec.canaryWeight) } });
    return { objects: [cm], ignoreDifferences: [] };
  }
  public addChecks(): void {}
  public plainServices(): PlainServiceLayout {
    return { mainSelectsBoth: false, canaryService: true, stableService: true };
  }
  public argoTrafficRouting(name: string): ReturnType<TrafficRouter['argoTrafficRouting']> {
    return { managedRoutes: [{ name }] };
  }
  public flaggerRouting(): undefined {
    return undefined;
  }
}

describe('traffic routers', () => {
  test('GIVEN the router code WHEN searched THEN no switch and no comparison on a router name is left outside the registry', () => {
    // The environment-file schema is router code too: it checks router settings.
    const files = ['traffic-router.ts', 'canary.ts', 'canary-rules.ts', ...fs.readdirSync(path.join(root, 'lib/strategies/routers')).map((f) => `routers/${f}`)]
      .map((f) => `lib/strategies/${f}`)
      .concat('app/config/strategy-schema.ts');
    const found = files.flatMap((f) =>
      fs
        .readFileSync(path.join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
        .filter(({ line }) => /case '|switch \(|router\.kind ===|router\.kind !==|\.kind === '(istio|nginx|traefik|gateway-api|replicas)'|\brouter (===|!==) '/.test(line)),
    );
    expect(found).toEqual([]);
  });

  test('GIVEN the registry WHEN listed THEN every router is its own file under lib/strategies/routers/ and names its kind once', () => {
    const files = fs.readdirSync(path.join(root, 'lib/strategies/routers')).filter((f) => f !== 'router.ts');
    expect(CANARY_ROUTERS).toEqual(['istio', 'nginx', 'traefik', 'gateway-api', 'replicas']);
    expect(files.sort()).toEqual(ROUTER_TYPES.map((t) => `${t.kind}.ts`).sort());
    // Flagger cannot split by replica count; the registry says so and the backend list follows.
    expect(ROUTERS_BY_BACKEND.flagger).toEqual(['istio', 'nginx', 'traefik', 'gateway-api']);
  });

  test('GIVEN a router the library does not know WHEN a plain canary uses it THEN its Services and routing object render, and Flagger refuses it', () => {
    // GIVEN / WHEN
    const { get } = render(CanaryStrategy.plain({ stages: STAGES, router: new NoteRouter(), canaryTag: 'v1.3.0' }));
    // THEN the layout it asked for: a canary and a stable Service, and its own routing object
    expect(get('Service', 'user-service-canary').spec.selector.track).toBe('canary');
    expect(get('Service', 'user-service-stable').spec.selector.track).toBe('stable');
    expect(get('ConfigMap', 'user-service-split').data).toEqual({ stable: 'user-service-stable', canary: 'user-service-canary', weight: '20' });
    // and the main Service selects the stable track only
    expect(get('Service', 'user-service').spec.selector.track).toBe('stable');
    const argo = render(CanaryStrategy.argoRollouts({ stages: STAGES, router: new NoteRouter() }));
    expect(argo.get('Rollout', 'user-service').spec.strategy.canary.trafficRouting).toEqual({ managedRoutes: [{ name: 'user-service' }] });
    const slo = { success: { errorRatePercent: 1, latencyP95Ms: 500 }, rollback: { errorRatePercent: 2, latencyP95Ms: 900 } };
    expect(errorOf(() => render(CanaryStrategy.flagger({ stages: STAGES, router: new NoteRouter(), analysis: slo })))).toContain('strategy.router: expected a router Flagger can drive');
  });

  test.each([
    ['istio', 'plain', { ingress: 'web' }, [['ingress', 'no ingress with router "istio" (only router "nginx" routes through an Ingress)']]],
    ['nginx', 'flagger', {}, [['ingress', 'the name of the Ingress Flagger takes over (required by router "nginx")']]],
    ['traefik', 'plain', { istioMode: 'host' }, [['istioMode', 'no istioMode with router "traefik"']]],
    ['gateway-api', 'argo-rollouts', { gateway: { name: 'public' } }, []],
  ] as const)('GIVEN router %s with backend %s WHEN settings %j are checked THEN the router answers %j', (router, backend, settings, expected) => {
    expect(routerSettingsProblems(router, backend, settings)).toEqual(expected);
  });
});
