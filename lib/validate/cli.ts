#!/usr/bin/env node
/**
 * npm run validate -- [DIR] [--json] [--env NAME] [--tier TIER] [--no-color]
 * (installed: manifests-validate [DIR] ..., the package's bin)
 *
 * Checks every Kubernetes YAML file below DIR (default dist/). Exit codes:
 * 0 clean, 1 violations, 2 usage or internal error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatReport, validateDirectory } from './index';
import { environmentTiers } from './environment-tiers';
import { TIERS } from '../core/tier';

const USAGE = `usage: npm run validate -- [DIR] [--json] [--env NAME] [--tier TIER] [--no-color]
       manifests-validate [DIR] [--json] [--env NAME] [--tier TIER] [--no-color]   (the installed package)

  DIR         directory (or file) of Kubernetes YAML, searched recursively; default dist/
  --json      print the report as JSON (for CI)
  --env NAME  environment of all objects (default: the segment after dist/ in each path)
  --tier TIER tier of all objects: development, staging or production (default: the
              environment.tier of environments/<env>.yaml; production when unknown);
              production requires semver image tags or digests
  --no-color  plain text even on a terminal

exit codes: 0 clean, 1 violations, 2 usage or internal error
rules and waivers: lib/validate/RULES.md
`;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly isTty: boolean;
  readonly cwd: string;
}

export function runCli(argv: readonly string[], io: CliIo): number {
  let dir: string | undefined;
  let json = false;
  let color = io.isTty;
  let env: string | undefined;
  let tier: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--no-color') color = false;
    else if (a === '--env') {
      env = argv[++i];
      if (!env) { io.stderr(`--env needs a value\n\n${USAGE}`); return 2; }
    } else if (a.startsWith('--env=')) env = a.slice('--env='.length);
    else if (a === '--tier' || a.startsWith('--tier=')) {
      tier = a === '--tier' ? argv[++i] : a.slice('--tier='.length);
      if (!tier || !(TIERS as readonly string[]).includes(tier)) { io.stderr(`--tier needs one of ${TIERS.join(', ')}\n\n${USAGE}`); return 2; }
    }
    else if (a === '-h' || a === '--help') { io.stdout(USAGE); return 0; }
    else if (a.startsWith('-')) { io.stderr(`unknown option ${a}\n\n${USAGE}`); return 2; }
    else if (dir === undefined) dir = a;
    else { io.stderr(`only one DIR may be given (got ${dir} and ${a})\n\n${USAGE}`); return 2; }
  }
  const target = dir ?? 'dist';
  const resolved = path.resolve(io.cwd, target);
  if (!fs.existsSync(resolved)) {
    io.stderr(`validate: ${target} does not exist${dir === undefined ? ' (run npm run synth first, or pass a directory)' : ''}\n`);
    return 2;
  }
  try {
    const started = process.hrtime.bigint();
    const known = environmentTiers(path.join(io.cwd, 'environments'));
    const tiers = tier === undefined ? known : () => tier;
    const report = validateDirectory(resolved, env === undefined ? { tiers } : { environment: env, tiers }, io.cwd);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    io.stdout(formatReport(report, json ? 'json' : 'text', { color: color && !json }));
    if (!json) io.stderr(`validate: ${report.objects} objects in ${ms.toFixed(0)} ms\n`);
    return report.ok ? 0 : 1;
  } catch (e) {
    io.stderr(`validate: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    cwd: process.cwd(),
  });
}
