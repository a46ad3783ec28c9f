// Entry of `npm run diff | promote | rollback` (bundled to build/gitops.js by
// `npm run build:tools`, with `require.main` defined away so that importing
// main.ts does not start a synth of its own).
import { gitopsCli } from '../app/gitops/cli';
import { run } from '../main';

process.exitCode = gitopsCli(process.argv.slice(2), { render: (envs, outDir) => void run({ envs, outDir }) });
