'use strict';
// Type check before anything renders: esbuild bundles without type checking,
// so a typo in chart code (`metricPort` for `metricsPort`) would otherwise
// render silently. Run by every command that renders (npm run synth, diff,
// parity, promote, rollback and `cdk8s synth`) and by `npm run typecheck`.
//
//   node scripts/typecheck.js [--app] [--root DIR]
//
// --app checks the sources a render bundles (tsconfig.app.json: main.ts,
// app/, lib/, charts/, imports/); without it, the whole project, tests included
// (tsconfig.check.json). A check that passed is remembered in
// build/.typecheck.json by the fingerprint of its inputs, so an unchanged tree
// pays a few milliseconds of stat() calls: the fingerprint is the size and
// modification time of every input file, and when those moved (a git checkout
// touches files without changing them) a hash of the contents decides. A
// full check that passes also stands for the app check (it covers it).
//
// Exit codes: 0 clean, 2 type errors (the code is wrong, not the input).
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const SCOPES = {
  app: { tsconfig: 'tsconfig.app.json', inputs: ['main.ts', 'app', 'lib', 'charts', 'imports'] },
  all: { tsconfig: 'tsconfig.check.json', inputs: ['main.ts', 'app', 'lib', 'charts', 'imports', 'test', 'bench', 'scripts'] },
};
// What else changes the result: compiler options and installed type packages.
const SETTINGS = ['tsconfig.json', 'tsconfig.check.json', 'tsconfig.app.json', 'package-lock.json'];

/** Every input file of a scope, sorted: its .ts sources and the settings files. */
function inputFiles(root, scope) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    let st;
    try {
      st = fs.statSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(abs)) if (e !== 'node_modules') walk(path.join(rel, e));
    } else if (rel.endsWith('.ts') || SETTINGS.includes(rel)) out.push({ rel, size: st.size, mtime: st.mtimeMs });
  };
  for (const i of [...SCOPES[scope].inputs, ...SETTINGS]) walk(i);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function statPrint(files) {
  const h = crypto.createHash('sha1');
  for (const f of files) h.update(`${f.rel}\0${f.size}\0${f.mtime}\n`);
  return h.digest('hex');
}

function contentPrint(root, files) {
  const h = crypto.createHash('sha1');
  for (const f of files) h.update(`${f.rel}\0`).update(fs.readFileSync(path.join(root, f.rel))).update('\n');
  return h.digest('hex');
}

function stampFile(root) {
  return path.join(root, 'build', '.typecheck.json');
}

function readStamps(root) {
  try {
    return JSON.parse(fs.readFileSync(stampFile(root), 'utf8'));
  } catch {
    return {};
  }
}

function writeStamps(root, stamps) {
  try {
    fs.mkdirSync(path.dirname(stampFile(root)), { recursive: true });
    const tmp = `${stampFile(root)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stamps));
    fs.renameSync(tmp, stampFile(root));
  } catch {
    // best effort: a read-only build/ costs the next run a check, nothing more
  }
}

function runTsgo(root, tsconfig) {
  const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsgo.cmd' : 'tsgo');
  const r = spawnSync(bin, ['-p', tsconfig, '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Checks a scope unless a passed check of the same inputs is on record.
 * `run` is the compiler call (tests pass their own). Returns what happened.
 */
function typecheck(root, scope, run = runTsgo) {
  const files = inputFiles(root, scope);
  const stamps = readStamps(root);
  const quick = statPrint(files);
  const seen = stamps[scope];
  if (seen && seen.stat === quick) return { ok: true, cached: 'stat' };
  const content = contentPrint(root, files);
  if (seen && seen.content === content) {
    writeStamps(root, { ...stamps, [scope]: { stat: quick, content } });
    return { ok: true, cached: 'content' };
  }
  const result = run(root, SCOPES[scope].tsconfig);
  if (!result.ok) return { ok: false, cached: false, output: result.output };
  const next = { ...readStamps(root), [scope]: { stat: quick, content } };
  // The whole project includes the app's sources: its pass stands for the app's.
  if (scope === 'all') {
    const app = inputFiles(root, 'app');
    next.app = { stat: statPrint(app), content: contentPrint(root, app) };
  }
  writeStamps(root, next);
  return { ok: true, cached: false };
}

module.exports = { typecheck, inputFiles };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const scope = argv.includes('--app') ? 'app' : 'all';
  const rootAt = argv.indexOf('--root');
  const root = rootAt >= 0 ? path.resolve(argv[rootAt + 1]) : path.resolve(__dirname, '..');
  const r = typecheck(root, scope);
  if (!r.ok) {
    process.stderr.write(`${r.output.trimEnd()}\ntypecheck: the sources do not type-check; nothing was rendered (dist/ untouched)\n`);
    process.exitCode = 2;
  }
}
