// The rendered YAML of each environment, compared with test/__snapshots__/<env>.yaml.
// UPDATE_SNAPSHOTS=1 (npm run test:update) rewrites them after an intended change.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { App } from 'cdk8s';
import { renderTargets, toYaml } from '@platform/manifests';
import { ENVIRONMENTS } from '../src/environments';
import { ShopChart } from '../src/shop-chart';

const snapshots = path.resolve(__dirname, '../../test/__snapshots__');

for (const env of ENVIRONMENTS) {
  test(`${env.name} renders as in its snapshot`, () => {
    const objects = renderTargets([{ dir: `${env.name}/shop`, chart: new ShopChart(new App(), 'shop', env) }]);
    const text = objects.map((o) => `# ${o.file}\n${toYaml(o.object)}`).join('---\n');
    const file = path.join(snapshots, `${env.name}.yaml`);
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      fs.mkdirSync(snapshots, { recursive: true });
      fs.writeFileSync(file, text);
    }
    assert.equal(text, fs.readFileSync(file, 'utf8'), `${file} differs: run \`npm run test:update\` if the change is intended`);
  });
}

test('orders is a canary (Argo Rollouts) and payments blue-green (two Deployments) in every environment', () => {
  for (const env of ENVIRONMENTS) {
    const kinds = renderTargets([{ dir: env.name, chart: new ShopChart(new App(), 'shop', env) }]).map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    assert.ok(kinds.includes('Rollout/orders'), `${env.name}: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('Deployment/payments-blue') && kinds.includes('Deployment/payments-green'), `${env.name}: ${kinds.join(', ')}`);
  }
});
