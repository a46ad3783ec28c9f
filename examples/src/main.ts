// `npm run synth`: renders every environment into dist/<env>/shop/, one YAML
// file per object plus a kustomization.yaml, replacing dist/ only when all of
// it rendered and passed the checks. dist/ is committed: it is what Argo CD or
// Flux apply, and test/dist.test.ts keeps it equal to a fresh render.
import { synthesize } from '@platform/manifests';
import { ENVIRONMENTS } from './environments';
import { targetsOf } from './targets';

const outDir = process.argv[2] ?? 'dist';
const result = synthesize({ outDir, environments: ENVIRONMENTS.map((e) => e.name), complete: true, render: targetsOf });
for (const s of result.environments) {
  console.log(`${s.env}: ${s.objects} objects (${Object.entries(s.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}) -> ${outDir}/${s.env}/shop/`);
}
