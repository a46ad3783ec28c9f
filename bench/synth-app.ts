// The synthetic app through synth's own pipeline (main.ts's hooks: README
// extra files, the validation gate and the destructive-change guard; atomic
// write), as `npm run synth` runs the real app:
//   node build/bench/synth-app.js N OUTDIR [--reference]
import { referenceRequested, renderWith } from '../app/fast';
import { synthesize } from '../lib/synth';
import { synthHooks } from '../main';
import { BENCH_ENV, syntheticTargets } from './synthetic';

function main(argv: readonly string[]): number {
  const n = Number(argv[0]);
  const outDir = argv[1];
  if (!Number.isInteger(n) || n < 1 || !outDir) {
    process.stderr.write('usage: node build/bench/synth-app.js N OUTDIR\n');
    return 2;
  }
  const result = renderWith(referenceRequested(argv), () => synthesize({
    outDir,
    environments: [BENCH_ENV],
    complete: true,
    render: () => syntheticTargets(n),
    // The synthetic environment has no environment file: its cluster is taken to bring every add-on.
    ...synthHooks({ allowDestructive: [] }, () => ({ shared: true, external: [] })),
  }));
  process.stdout.write(`bench: ${result.objects.length} objects, ${result.files.size} files\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
