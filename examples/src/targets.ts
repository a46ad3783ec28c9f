import { App } from 'cdk8s';
import { RenderTarget } from '@platform/manifests';
import { ENVIRONMENTS } from './environments';
import { ShopChart } from './shop-chart';

/** What one environment renders: the shop chart into `<env>/shop`. */
export function targetsOf(name: string): RenderTarget[] {
  const env = ENVIRONMENTS.find((e) => e.name === name);
  if (!env) throw new Error(`unknown environment ${JSON.stringify(name)}; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
  return [{ dir: `${env.name}/shop`, chart: new ShopChart(new App(), 'shop', env) }];
}
