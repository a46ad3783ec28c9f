// `npm run synth`: renders every environment into dist/<env>/shop/, one YAML
// file per object plus a kustomization.yaml, replacing dist/ only when all of
// it rendered and passed the checks.
import { App } from 'cdk8s';
import { synthesize } from '@platform/manifests';
import { ENVIRONMENTS } from './environments';
import { ShopChart } from './shop-chart';

const outDir = process.argv[2] ?? 'dist';
const result = synthesize({
  outDir,
  environments: ENVIRONMENTS.map((e) => e.name),
  complete: true,
  render: (name) => {
    const env = ENVIRONMENTS.find((e) => e.name === name)!;
    return [{ dir: `${env.name}/shop`, chart: new ShopChart(new App(), 'shop', env) }];
  },
});
for (const s of result.environments) {
  console.log(`${s.env}: ${s.objects} objects (${Object.entries(s.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}) -> ${outDir}/${s.env}/shop/`);
}
