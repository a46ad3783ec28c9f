// The full render (every system of every environment) through synth's own
// pipeline (main.ts's render and hooks) plus the validation gate, which
// main.ts may not run yet:
//   node build/bench/full-app.js OUTDIR
import { App } from 'cdk8s';
import { listEnvironments, loadEnvironment } from '../lib/config';
import { synthesize } from '../lib/synth';
import { renderEnvironment, synthHooks } from '../main';
import { withValidation } from './gate';

function main(argv: readonly string[]): number {
  const outDir = argv[0];
  if (!outDir) {
    process.stderr.write('usage: node build/bench/full-app.js OUTDIR\n');
    return 2;
  }
  const envs = listEnvironments();
  const configs = new Map(envs.map((e) => [e, loadEnvironment(e)]));
  const result = synthesize({
    outDir,
    environments: envs,
    complete: true,
    ...withValidation(synthHooks({ allowDestructive: [] })),
    render: (env) => renderEnvironment(configs.get(env)!, new App()),
  });
  process.stdout.write(`full: ${result.objects.length} objects, ${result.files.size} files\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
