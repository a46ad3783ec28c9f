// The committed dist/ is the golden: a fresh render must equal it byte for
// byte. After an intended change, `npm run synth` and commit dist/ with it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { App } from 'cdk8s';
import { renderTargets, synthesize } from '@platform/manifests';
import { ENVIRONMENTS } from '../src/environments';
import { ShopChart } from '../src/shop-chart';
import { targetsOf } from '../src/targets';

const root = path.resolve(__dirname, '../..');

function files(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of files(dir, p)) out.set(k, v);
    else out.set(p, fs.readFileSync(path.join(dir, p), 'utf8'));
  }
  return out;
}

test('a fresh render equals the committed dist/, file by file', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-dist-'));
  try {
    synthesize({ outDir: tmp, environments: ENVIRONMENTS.map((e) => e.name), complete: true, render: targetsOf });
    const [fresh, committed] = [files(tmp), files(path.join(root, 'dist'))];
    assert.deepEqual([...fresh.keys()].sort(), [...committed.keys()].sort(), 'dist/ has other files than a fresh render: run `npm run synth`');
    for (const [f, text] of fresh) assert.equal(text, committed.get(f), `dist/${f} differs from a fresh render: run \`npm run synth\` if the change is intended`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('orders is a canary (Argo Rollouts) and payments blue-green (two Deployments) in every environment', () => {
  for (const env of ENVIRONMENTS) {
    const kinds = renderTargets([{ dir: env.name, chart: new ShopChart(new App(), 'shop', env) }]).map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    assert.ok(kinds.includes('Rollout/orders'), `${env.name}: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('Deployment/payments-blue') && kinds.includes('Deployment/payments-green'), `${env.name}: ${kinds.join(', ')}`);
  }
});
