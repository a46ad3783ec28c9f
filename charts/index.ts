import { App, Chart } from 'cdk8s';
import { EnvironmentConfig, SystemConfig, SystemName } from '../lib/config';
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

/** One render target per enabled system of the environment: `dist/<env>/<system>/`. */
export function environmentTargets(env: EnvironmentConfig, app: App = new App()): RenderTarget[] {
  return (Object.keys(SYSTEMS) as SystemName[])
    .filter((name) => env.systems[name] && env.systems[name].enabled !== false)
    .sort()
    .map((name) => ({ dir: `${env.name}/${name}`, chart: SYSTEMS[name](app, name, env, env.systems[name]!) }));
}
