import { App, Chart } from 'cdk8s';
import { closest, ConfigError, configErrorAt, derivedEnvironment, DNS_LABEL, EnvironmentConfig, refusalAtValue, SystemConfig, SystemName } from '../app/config';
import { PropsError } from '../lib/core/errors';
import { RenderTarget } from '../lib/synth';
import { EcosystemChart } from './ecosystem';
import { FediFlowChart } from './fediflow';
import { IdpChart } from './idp';
import { InfoMetisChart } from './infometis';
import { SpecifyChart } from './specify';

type ChartFactory = (app: App, id: string, env: EnvironmentConfig, system: SystemConfig) => Chart;

/** Every reference system, by the key it has under `systems:` in environment files. */
export const SYSTEMS: Readonly<Record<SystemName, ChartFactory>> = {
  ecosystem: (app, id, env, system) => new EcosystemChart(app, id, { env, system }),
  fediflow: (app, id, env, system) => new FediFlowChart(app, id, { env, system }),
  idp: (app, id, env, system) => new IdpChart(app, id, { env, system }),
  infometis: (app, id, env, system) => new InfoMetisChart(app, id, { env, system }),
  specify: (app, id, env, system) => new SpecifyChart(app, id, { env, system }),
};

/**
 * One render target per enabled system of the environment: `dist/<env>/<system>/`.
 * Mistakes in the environment that only the charts can see are ConfigErrors
 * at the file's lines: a construct refusing a value from the file, and a
 * service or component key that no chart reads (a misspelt `user-servce:`
 * would otherwise render nothing and exit 0).
 */
export function environmentTargets(env: EnvironmentConfig, app: App = new App()): RenderTarget[] {
  const unread: ConfigError[] = [];
  const targets = (Object.keys(SYSTEMS) as SystemName[])
    .filter((name) => env.systems[name] && env.systems[name].enabled !== false)
    .sort()
    .map((name) => {
      const { system, unreadKeys } = tracked(env.systems[name]!, (service) => missingService(env, name, service));
      // The chart sees the watched system however it reaches it: as its own argument or through env.systems.
      const watchedEnv = derivedEnvironment(env, { systems: { ...env.systems, [name]: system } });
      let chart: Chart;
      try {
        chart = SYSTEMS[name](app, name, watchedEnv, system);
      } catch (e) {
        if (e instanceof PropsError) throw refusalAtValue(env, e) ?? e;
        throw e;
      }
      for (const [group, key, known] of unreadKeys()) {
        const hint = closest(key, known);
        const what = group === 'services' ? 'service' : 'component';
        unread.push(configErrorAt(env, ['systems', name, group, key], `no ${what} "${key}" in the ${name} chart${hint ? `; did you mean "${hint}"?` : ''} (${what}s it composes: ${known.join(', ') || 'none'})`, true));
      }
      return { dir: `${env.name}/${name}`, chart };
    });
  if (unread.length) throw new ConfigError(unread.flatMap((e) => e.problems));
  return targets;
}

/**
 * A chart read a service the environment does not configure (a service just
 * added to the chart, say): without this it would get `undefined` and fail
 * with a TypeError deep in a construct.
 */
function missingService(env: EnvironmentConfig, system: SystemName, service: string): ConfigError {
  const where = configErrorAt(env, ['systems', system, 'services'], '', true).problems[0];
  return new ConfigError([{
    ...where,
    path: `systems.${system}.services.${service}`,
    message: `required by charts/${system}.ts but not configured; add it under systems.${system}.services in environments/defaults.yaml (repository) and each environment file (tag, replicas, resources)`,
  }]);
}

/**
 * The system with its `services` and `components` maps watched: a chart
 * that reads an entry (by name, or by iterating) uses it. `unreadKeys` then
 * lists each entry nothing read, with the names that were read. A chart
 * reading a service name (a DNS label) the map lacks gets `missing(name)`
 * thrown; components are optional, so a missing one reads as undefined.
 */
function tracked(system: SystemConfig, missing: (service: string) => Error): { system: SystemConfig; unreadKeys: () => Array<['services' | 'components', string, string[]]> } {
  const reads = { services: new Set<string>(), components: new Set<string>() };
  const watch = <T extends object>(map: T, seen: Set<string>, onMissing?: (key: string) => Error): T =>
    new Proxy(map, {
      get(target, key, receiver) {
        if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) seen.add(key);
        // `then` is what `await` and Promise.resolve probe for; no service is named so.
        else if (onMissing && typeof key === 'string' && DNS_LABEL.test(key) && key !== 'then' && !(key in target)) throw onMissing(key);
        return Reflect.get(target, key, receiver);
      },
    });
  const watched: SystemConfig = {
    ...system,
    services: watch(system.services, reads.services, missing),
    ...(system.components ? { components: watch(system.components, reads.components) } : {}),
  };
  const unreadKeys = () =>
    (['services', 'components'] as const).flatMap((group) => {
      const keys = Object.keys(system[group] ?? {});
      const known = [...reads[group]].sort();
      return keys.filter((k) => !reads[group].has(k)).map((k): ['services' | 'components', string, string[]] => [group, k, known]);
    });
  return { system: watched, unreadKeys };
}

