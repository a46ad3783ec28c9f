// `npm run bench`: measures synth against the stock cdk8s path and the
// serialization floor, and writes bench/RESULTS.md. See bench/README.md.
//
// Every measurement is a fresh child process run under /usr/bin/time (wall
// time from here, CPU = user + system of the whole process tree, peak RSS =
// the largest single process of the tree). Each command runs once unmeasured
// first (file cache, build caches), then `runs` times; medians are reported.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import type { FloorEntry } from './floor';

const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.join(ROOT, 'build');
const HEADER = '# construct: ';
const FULL = 'full render (all systems, all environments)';

interface Options {
  runs: number;
  stockRuns: number;
  sizes: number[];
  stock: boolean;
  tests: boolean;
  testRuns: number;
  freshCi: boolean;
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { runs: 5, stockRuns: 3, sizes: [10, 100, 1000], stock: true, tests: true, testRuns: 3, freshCi: true, out: path.join(ROOT, 'bench', 'RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Number(next());
    else if (a === '--stock-runs') o.stockRuns = Number(next());
    else if (a === '--sizes') o.sizes = next().split(',').map(Number);
    else if (a === '--no-stock') o.stock = false;
    else if (a === '--no-tests') o.tests = false;
    else if (a === '--test-runs') o.testRuns = Number(next());
    else if (a === '--no-fresh-ci') o.freshCi = false;
    else if (a === '--quick') Object.assign(o, { runs: 1, stockRuns: 1 });
    else if (a === '--out') o.out = path.resolve(next());
    else throw new Error(`unknown argument ${a} (usage: npm run bench -- [--runs N] [--stock-runs N] [--sizes 10,100,1000] [--no-stock] [--no-tests] [--test-runs N] [--no-fresh-ci] [--quick] [--out FILE])`);
  }
  if (!(o.runs >= 1 && o.stockRuns >= 1) || o.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('runs and sizes must be positive integers');
  return o;
}

/** One measured run. Times in seconds, RSS in bytes. */
interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly rss: number;
}

interface Measurement extends Sample {
  readonly samples: readonly Sample[];
  readonly command: string;
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const RUSAGE_HOOK = path.join(ROOT, 'bench', 'rusage-hook.js');

function run(cmd: readonly string[], cwd: string, env: NodeJS.ProcessEnv, scratch: string): Sample {
  const report = path.join(scratch, `rusage-${process.pid}.txt`);
  fs.rmSync(report, { force: true });
  const argv = TIME ? [TIME, '-v', '-o', report, ...cmd] : [...cmd];
  const childEnv = TIME ? env : { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${RUSAGE_HOOK}`, BENCH_RUSAGE_FILE: report };
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env: childEnv, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  const text = fs.readFileSync(report, 'utf8');
  if (TIME) {
    const num = (label: string) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(text)?.[1] ?? NaN);
    return { wall, cpu: num('User time \\(seconds\\)') + num('System time \\(seconds\\)'), rss: num('Maximum resident set size \\(kbytes\\)') * 1024 };
  }
  // Without /usr/bin/time every Node process of the tree appends its own usage.
  const usages = text.trim().split('\n').map((l) => JSON.parse(l) as { cpu: number; rss: number });
  return { wall, cpu: usages.reduce((s, u) => s + u.cpu, 0), rss: Math.max(...usages.map((u) => u.rss)) };
}

/** A command line as a reader would type it: `node`, paths relative to the repo, `<tmp>` for the scratch dir. */
function displayArg(a: string, scratch: string): string {
  if (a === process.execPath) return 'node';
  if (a.startsWith(scratch)) return `<tmp>${a.slice(scratch.length)}`;
  return path.isAbsolute(a) && !path.relative(ROOT, a).startsWith('..') ? path.relative(ROOT, a) : a;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Job {
  readonly cmd: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Runs before every run, unmeasured (e.g. clearing an output directory). */
  readonly before?: () => void;
}

function measure(job: Job, runs: number, scratch: string, label: string): Measurement {
  return measureInterleaved([{ job, label }], runs, scratch)[0];
}

/**
 * Each job once unmeasured, then `runs` rounds in which every job runs once,
 * in turn: jobs compared with each other (ours and the floor) meet the same
 * drift in the machine's load and disk speed.
 */
function measureInterleaved(jobs: ReadonlyArray<{ readonly job: Job; readonly label: string }>, runs: number, scratch: string): Measurement[] {
  const samples: Sample[][] = jobs.map(() => []);
  for (let i = 0; i <= runs; i++) {
    jobs.forEach(({ job }, j) => {
      job.before?.();
      // Flush the file system first: the deletions of the previous run (its own
      // swap, or the before step) are otherwise written back during this one.
      spawnSync('sync');
      const s = run(job.cmd, job.cwd, { ...process.env, ...job.env }, scratch);
      if (i > 0) samples[j].push(s);
    });
  }
  return jobs.map(({ job, label }, j) => {
    const m = {
      wall: median(samples[j].map((s) => s.wall)),
      cpu: median(samples[j].map((s) => s.cpu)),
      rss: median(samples[j].map((s) => s.rss)),
      samples: samples[j],
      command: job.cmd.map((a) => displayArg(a, scratch)).join(' '),
    };
    log(`  ${label.padEnd(28)} wall ${fmtS(m.wall)}  cpu ${fmtS(m.cpu)}  rss ${fmtMiB(m.rss)}  (${samples[j].map((s) => s.wall.toFixed(2)).join(' ')})`);
    return m;
  });
}

/** Every file under `dir`, relative path -> content. */
function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(path.relative(dir, abs).split(path.sep).join('/'), fs.readFileSync(abs, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** The floor's input: the rendered files turned back into the objects they hold. */
function floorInput(tree: Map<string, string>): FloorEntry[] {
  return [...tree].map(([p, text]) => {
    if (!p.endsWith('.yaml')) return { path: p, text };
    if (text.startsWith(HEADER)) {
      const nl = text.indexOf('\n');
      return { path: p, constructPath: text.slice(HEADER.length, nl), object: parse(text.slice(nl + 1), { version: '1.1' }) };
    }
    return { path: p, object: parse(text, { version: '1.1' }) };
  });
}

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([p, t]) => b.get(p) === t);
}

const TEMPLATE_TSCONFIG = {
  // The cdk8s typescript-app template's tsconfig, with lib/target raised to
  // ES2022 and esModuleInterop on, which this project's code needs.
  compilerOptions: {
    alwaysStrict: true, declaration: true, experimentalDecorators: true, inlineSourceMap: true, inlineSources: true,
    lib: ['es2022'], module: 'CommonJS', noEmit: false, noEmitOnError: true, noFallthroughCasesInSwitch: true,
    noImplicitAny: true, noImplicitReturns: true, noImplicitThis: true, noUnusedLocals: true, noUnusedParameters: true,
    resolveJsonModule: true, strict: true, strictNullChecks: true, strictPropertyInitialization: true, stripInternal: true,
    target: 'ES2022', esModuleInterop: true,
  },
  include: ['**/*.ts'],
  exclude: ['node_modules'],
  // Type errors (e.g. in a colleague's half-written file) are printed instead
  // of aborting the run; the type checking and its cost stay the same.
  'ts-node': { logError: true },
};

/** A project laid out as `cdk8s init typescript-app` makes it, running `main`. */
function stockProject(dir: string, main: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(TEMPLATE_TSCONFIG, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'stock', version: '1.0.0', private: true, main: 'main.js', types: 'main.ts' }, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'main.ts'), main);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.symlinkSync(path.join(ROOT, 'environments'), path.join(dir, 'environments'), 'dir');
}

const imp = (p: string) => JSON.stringify(path.join(ROOT, p));

const STOCK_FULL = `import { App } from 'cdk8s';
import { listEnvironments, loadEnvironment } from ${imp('app/config')};
import { renderEnvironment } from ${imp('main')};

for (const env of listEnvironments()) {
  const app = new App({ outdir: \`\${process.env.CDK8S_OUTDIR ?? 'dist'}/\${env}\` });
  renderEnvironment(loadEnvironment(env), app);
  app.synth();
}
`;

const STOCK_SYNTHETIC = `import { App } from 'cdk8s';
import { SyntheticChart } from ${imp('bench/synthetic')};

const app = new App();
new SyntheticChart(app, 'app', { services: Number(process.env.BENCH_SERVICES) });
app.synth();
`;

/** Objects in cdk8s's own output: one multi-document file per chart. */
function countDocuments(dir: string): number {
  let n = 0;
  for (const text of readTree(dir).values()) n += (text.match(/^kind: /gm) ?? []).length;
  return n;
}

interface Scenario {
  readonly name: string;
  readonly objects: number;
  readonly files: number;
  readonly ours: Measurement;
  readonly floor: Measurement;
  readonly floorIdentical: boolean;
  readonly stock?: Measurement & { readonly objects: number };
  /** Ours and the floor into an empty output directory (first render, a checkout without dist/). */
  readonly fresh?: { readonly ours: Measurement; readonly floor: Measurement };
  /** `node build/main.js --reference` (plain cdk8s and `yaml`, no app/fast shortcuts), and whether it wrote the same files. */
  readonly reference?: Measurement & { readonly identical: boolean };
}

interface TestTiming {
  /** Median wall time of the warm runs. */
  readonly wall: number;
  readonly walls: readonly number[];
  readonly status: number;
  /** `.ci/run` in a fresh clone of HEAD with an empty npm cache: npm ci + npm test + the clean-tree check. */
  readonly freshCi?: { readonly wall: number; readonly status: number };
  readonly typecheck: number;
  readonly files: ReadonlyArray<{ readonly file: string; readonly seconds: number; readonly tests: number; readonly failed: number }>;
  readonly jestRun?: number;
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

const fmtS = (s: number) => `${s.toFixed(2)} s`;
const fmtMiB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function scenario(o: Options, scratch: string, name: string, ours: Job, outDir: string, stock: (() => Job) | undefined, stockOut: string, reference?: { job: Job; outDir: string }): Scenario {
  log(`${name}:`);
  // One unmeasured run gives the output the floor writes again; then ours and the floor alternate.
  run(ours.cmd, ours.cwd, { ...process.env, ...ours.env }, scratch);
  const tree = readTree(outDir);
  const objects = [...tree.values()].filter((t) => t.startsWith(HEADER)).length;
  const input = path.join(scratch, `${name.replace(/\W+/g, '-')}.json`);
  fs.writeFileSync(input, JSON.stringify(floorInput(tree)));
  const floorOut = path.join(scratch, 'floor-out');
  fs.rmSync(floorOut, { recursive: true, force: true });
  const floorJob: Job = { cmd: [process.execPath, path.join(BUILD, 'bench', 'floor.js'), input, floorOut], cwd: ROOT };
  // Output present: ours re-renders over its previous output and the floor over its own (bench/floor.ts: read, compare, write what differs).
  const [oursM, floor] = measureInterleaved([{ job: ours, label: 'ours, output present' }, { job: floorJob, label: 'floor, output present' }], o.runs, scratch);
  // Empty output directory: both create every file.
  let fresh: Scenario['fresh'];
  if (reference) {
    const [oursFresh, floorFresh] = measureInterleaved([
      { job: { ...ours, before: () => fs.rmSync(outDir, { recursive: true, force: true }) }, label: 'ours, empty output dir' },
      { job: { ...floorJob, before: () => fs.rmSync(floorOut, { recursive: true, force: true }) }, label: 'floor, empty output dir' },
    ], o.runs, scratch);
    fresh = { ours: oursFresh, floor: floorFresh };
  }
  // The floor's bytes, from an empty directory, against ours.
  fs.rmSync(floorOut, { recursive: true, force: true });
  run(floorJob.cmd, floorJob.cwd, process.env, scratch);
  const floorIdentical = sameTree(tree, readTree(floorOut));
  let referenceM: Scenario['reference'];
  if (reference) {
    const m = measure(reference.job, o.runs, scratch, 'node build/main.js --reference');
    referenceM = { ...m, identical: sameTree(tree, readTree(reference.outDir)) };
  }
  let stockM: Scenario['stock'];
  if (stock) {
    const m = measure(stock(), o.stockRuns, scratch, 'stock cdk8s (ts-node)');
    stockM = { ...m, objects: countDocuments(stockOut) };
  }
  return { name, objects, files: tree.size, ours: oursM, floor, floorIdentical, stock: stockM, reference: referenceM, fresh };
}

function measureTests(o: Options, scratch: string): TestTiming {
  log('npm test:');
  const jestJson = path.join(scratch, 'jest.json');
  const walls: number[] = [];
  let status = 0;
  // Warm runs in this checkout; per-file times come from the last one.
  for (let i = 0; i < o.testRuns; i++) {
    const start = process.hrtime.bigint();
    // `npm test -- ARGS` appends ARGS to jest, after the typecheck.
    const r = spawnSync('npm', ['test', '--', '--json', `--outputFile=${jestJson}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    walls.push(Number(process.hrtime.bigint() - start) / 1e9);
    status = Math.max(status, r.status ?? 1);
    log(`  run ${i + 1}: ${fmtS(walls[i])} (exit ${r.status})`);
  }
  const tcStart = process.hrtime.bigint();
  spawnSync('npm', ['run', '--silent', 'typecheck'], { cwd: ROOT, encoding: 'utf8' });
  const typecheck = Number(process.hrtime.bigint() - tcStart) / 1e9;
  let files: TestTiming['files'] = [];
  let jestRun: number | undefined;
  if (fs.existsSync(jestJson)) {
    const j = JSON.parse(fs.readFileSync(jestJson, 'utf8')) as {
      startTime: number;
      testResults: Array<{ name: string; startTime: number; endTime: number; assertionResults: Array<{ status: string }> }>;
    };
    files = j.testResults
      .map((t) => ({
        file: path.relative(ROOT, t.name),
        seconds: (t.endTime - t.startTime) / 1000,
        tests: t.assertionResults.length,
        failed: t.assertionResults.filter((a) => a.status === 'failed').length,
      }))
      .sort((a, b) => b.seconds - a.seconds);
    jestRun = Math.max(...j.testResults.map((t) => t.endTime)) / 1000 - j.startTime / 1000;
  }
  const freshCi = o.freshCi ? measureFreshCi(scratch) : undefined;
  log(`  npm test median ${fmtS(median(walls))} (exit ${status}); typecheck alone ${fmtS(typecheck)}`);
  return { wall: median(walls), walls, status, typecheck, files, jestRun, freshCi };
}

/**
 * What a new machine goes through: a fresh clone of HEAD and `.ci/run` (npm ci
 * with an empty npm cache, npm test, the clean-tree check). The clone sits in
 * the scratch folder, so the shared folder is passed as SHARED_DIR.
 */
function measureFreshCi(scratch: string): { wall: number; status: number } {
  const clone = path.join(scratch, 'fresh-clone');
  const cache = fs.mkdtempSync(path.join(scratch, 'npm-cache-'));
  spawnSync('git', ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
  const shared = path.resolve(ROOT, process.env.SHARED_DIR ?? path.join('..', 'shared'));
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['.ci/run'], { cwd: clone, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, npm_config_cache: cache, SHARED_DIR: shared } });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  log(`  fresh clone, empty npm cache, .ci/run: ${fmtS(wall)} (exit ${r.status})`);
  if (r.status !== 0) log(r.stdout.slice(-4000) + r.stderr.slice(-4000));
  return { wall, status: r.status ?? -1 };
}

function git(args: string[]): string {
  return spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
}

function report(o: Options, scenarios: readonly Scenario[], tests: TestTiming | undefined, load: { before: number[]; after: number[] }, started: Date, seconds: number): string {
  const cpu = os.cpus();
  const dirty = git(['status', '--porcelain']).split('\n').filter(Boolean).length;
  const cell = (m: Sample | undefined) => (m ? `${fmtS(m.wall)} / ${fmtS(m.cpu)} / ${fmtMiB(m.rss)}` : 'n/a');
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push('Generated by `npm run bench` (bench/run.ts); how to read and re-run: bench/README.md. Do not edit by hand.', '');
  lines.push('## Machine', '');
  lines.push(`- date: ${started.toISOString()}, bench took ${seconds.toFixed(0)} s`);
  lines.push(`- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}`);
  lines.push(`- Node ${process.version}; commit ${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ` + ${dirty} uncommitted paths in the working tree` : ''}`);
  lines.push(`- load average (1 min) before ${load.before[0].toFixed(2)}, after ${load.after[0].toFixed(2)}: other processes share the cores, so wall times carry their noise; CPU time much less so`);
  lines.push(`- runs: ${o.runs} measured runs per command (${o.stockRuns} for the stock path) after one unmeasured warm-up; ours and the floor alternate run by run (same load, same disk state); medians; \`sync\` before every run; measured with ${TIME ? '`/usr/bin/time -v`' : 'process.resourceUsage() of each Node process'}`);
  lines.push('');
  lines.push('## Results', '');
  lines.push('Each cell: wall / CPU (user+sys) / peak RSS, median.', '');
  lines.push('| app | objects | ours: synth pipeline + validation | serialization floor | stock `cdk8s synth` (ts-node) | stock / ours (wall) | ours / floor (wall) |');
  lines.push('|---|---:|---|---|---|---:|---:|');
  for (const s of scenarios) {
    const label = s.fresh ? `${s.name}, output present` : s.name;
    lines.push(`| ${label} | ${s.objects} | ${cell(s.ours)} | ${cell(s.floor)} | ${cell(s.stock)} | ${ratio(s.stock?.wall, s.ours.wall)} | ${ratio(s.ours.wall, s.floor.wall)} |`);
    if (s.fresh) lines.push(`| ${s.name}, empty output dir | ${s.objects} | ${cell(s.fresh.ours)} | ${cell(s.fresh.floor)} | n/a | n/a | ${ratio(s.fresh.ours.wall, s.fresh.floor.wall)} |`);
  }
  lines.push('');
  const byN = new Map(scenarios.map((s) => [s.name, s]));
  const s100 = byN.get('synthetic N=100');
  const s1000 = byN.get('synthetic N=1000');
  lines.push('## Targets', '');
  const full = byN.get(FULL);
  const check = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
  if (full) {
    const speedup = full.stock ? full.stock.wall / full.ours.wall : undefined;
    lines.push(`- full render >= 10x faster than the stock path: ${ratio(full.stock?.wall, full.ours.wall)} (${check(speedup === undefined ? undefined : speedup >= 10)})`);
    lines.push(`- full render within 2.5x of the serialization floor, output present (a re-render: CI on a checkout with dist/, the edit loop): ${ratio(full.ours.wall, full.floor.wall)} (${check(full.ours.wall <= 2.5 * full.floor.wall)})`);
    if (full.fresh) lines.push(`- full render within 2.5x of the serialization floor, empty output directory (every file created): ${ratio(full.fresh.ours.wall, full.fresh.floor.wall)} (${check(full.fresh.ours.wall <= 2.5 * full.fresh.floor.wall)})`);
  }
  if (s100 && s1000) {
    const r = s1000.ours.wall / s100.ours.wall;
    lines.push(`- time(N=1000) / time(N=100) <= 12: ${r.toFixed(1)} wall, ${(s1000.ours.cpu / s100.ours.cpu).toFixed(1)} CPU (${check(r <= 12)})`);
    lines.push(`- peak RSS at N=1000 < 1.5 GiB: ${fmtMiB(s1000.ours.rss)} (${check(s1000.ours.rss < 1.5 * 2 ** 30)})`);
  }
  if (tests) lines.push(`- \`npm test\` on a warm clone under 60 s (median of ${tests.walls.length}): ${fmtS(tests.wall)}, exit ${tests.status} (${check(tests.wall < 60)})`);
  if (tests?.freshCi) lines.push(`- fresh clone with an empty npm cache, \`.ci/run\` (npm ci + npm test + clean-tree check): ${fmtS(tests.freshCi.wall)}, exit ${tests.freshCi.status} (${check(tests.freshCi.status === 0 && tests.freshCi.wall < 90 + 30)})`);
  lines.push('');
  if (full?.reference) {
    lines.push(`The same on the reference path (\`node build/main.js --reference\`: plain cdk8s \`toJson()\` and the \`yaml\` package, none of app/fast's runtime shortcuts): ${cell(full.reference)}, ${ratio(full.reference.wall, full.floor.wall)} the floor with output present; same files as the full-render row: ${full.reference.identical ? 'yes' : '**no**'}.`);
  }
  lines.push(`"Ours", full render: \`node build/main.js\`, the app as \`npm run synth\` runs it (config, charts, README files, the lib/validate gate and the destructive-change guard, staged write and swap), validating each environment on a worker thread while the next renders (app/fast/validation-thread.ts). Synthetic rows: bench/synth-app.ts, the same pipeline and hooks on one environment (so validation stays on the main thread: nothing renders beside it). Each run replaces the previous run's output, as in an edit loop or CI on a checkout with dist/ committed: environments whose files are all unchanged stay in place, and in the others unchanged files are hard-linked rather than rewritten. Every command, the floor included, is an esbuild bundle started through V8's code cache (app/fast/launch.js).`);
  lines.push('Synthetic app (bench/synthetic.ts): N Microservices in one environment and namespace, each with ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB, ServiceMonitor and NetworkPolicy (8 objects), plus the Namespace and a default-deny NetworkPolicy.');
  lines.push(`Floor output identical to ours byte for byte: ${scenarios.map((s) => `${s.name.split(' (')[0]} ${s.floorIdentical ? 'yes' : '**no**'}`).join(', ')}.`);
  const stockCounts = scenarios.filter((s) => s.stock).map((s) => `${s.name.split(' (')[0]} ${s.stock!.objects}`);
  if (stockCounts.length) lines.push(`Objects in the stock output (one multi-document file per chart): ${stockCounts.join(', ')}.`);
  lines.push('');
  if (tests) {
    lines.push('## Test suite', '');
    lines.push(`\`npm test\` (typecheck, then jest with the bundling global setup), median of ${tests.walls.length} warm runs: ${fmtS(tests.wall)} (${tests.walls.map(fmtS).join(', ')}), exit ${tests.status}.${tests.freshCi ? ` Fresh clone of HEAD with an empty npm cache (\`npm_config_cache=$(mktemp -d) bash .ci/run\`): ${fmtS(tests.freshCi.wall)} including \`npm ci\`, exit ${tests.freshCi.status}.` : ''} Typecheck alone: ${fmtS(tests.typecheck)}.${tests.jestRun !== undefined ? ` Jest from start to last file: ${fmtS(tests.jestRun)}.` : ''}`, '');
    if (tests.files.length) {
      lines.push('| test file | seconds (in its worker) | tests | failed |', '|---|---:|---:|---:|');
      for (const f of tests.files) lines.push(`| ${f.file} | ${f.seconds.toFixed(1)} | ${f.tests} | ${f.failed} |`);
      lines.push('');
    }
  }
  lines.push('## Commands', '');
  lines.push('```');
  lines.push(`npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  for (const s of scenarios) {
    lines.push(`# ${s.name}`);
    lines.push(s.ours.command);
    if (s.reference) lines.push(s.reference.command);
    lines.push(s.floor.command);
    if (s.stock) lines.push(`${s.stock.command}    # in the stock project dir${s.name.startsWith('synthetic') ? `, BENCH_SERVICES=${s.name.split('=')[1]}` : ''}`);
  }
  if (tests) lines.push('# tests', 'npm test -- --json --outputFile=<tmp>/jest.json    # warm, repeated', 'npm run typecheck');
  if (tests?.freshCi) lines.push('git clone <this repo> <tmp>/fresh-clone && cd <tmp>/fresh-clone && npm_config_cache=<empty tmp> SHARED_DIR=<../shared> bash .ci/run');
  lines.push('```', '');
  lines.push('Stock path: a temp dir laid out like `cdk8s init typescript-app` (cdk8s.yaml `app: npx ts-node main.ts`, the template tsconfig with lib/target ES2022 and esModuleInterop, node_modules linked), whose main.ts builds the same charts and calls `app.synth()`, so ts-node type-checks every module it loads.');
  lines.push('');
  return lines.join('\n');
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const started = new Date();
  const load = { before: os.loadavg(), after: [] as number[] };
  // Under build/, on the project's own file system, where dist/ lives (a temp folder may sit on another one, tmpfs or a busy /tmp).
  fs.mkdirSync(BUILD, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(BUILD, 'bench-'));
  log(`bench: scratch dir ${scratch}; ${o.runs} runs (stock ${o.stockRuns}), sizes ${o.sizes.join(', ')}`);
  const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
  const scenarios: Scenario[] = [];
  try {
    const fullOut = path.join(scratch, 'full', 'dist');
    const mainOut = path.join(scratch, 'main', 'dist');
    const stockFull = path.join(scratch, 'stock-full');
    scenarios.push(scenario(o, scratch, FULL,
      { cmd: [process.execPath, path.join(BUILD, 'main.js'), '--out', fullOut], cwd: ROOT, env: { CDK8S_OUTDIR: '' } }, fullOut,
      o.stock ? () => {
        stockProject(stockFull, STOCK_FULL);
        return { cmd: [cdk8s, 'synth', '--no-check-upgrade'], cwd: stockFull };
      } : undefined, path.join(stockFull, 'dist'),
      { job: { cmd: [process.execPath, path.join(BUILD, 'main.js'), '--reference', '--out', mainOut], cwd: ROOT, env: { CDK8S_OUTDIR: '' } }, outDir: mainOut }));
    const stockSyn = path.join(scratch, 'stock-synthetic');
    if (o.stock) stockProject(stockSyn, STOCK_SYNTHETIC);
    for (const n of o.sizes) {
      const out = path.join(scratch, `synthetic-${n}`, 'dist');
      scenarios.push(scenario(o, scratch, `synthetic N=${n}`,
        { cmd: [process.execPath, path.join(BUILD, 'bench', 'synth-app.js'), String(n), out], cwd: ROOT }, out,
        o.stock ? () => ({ cmd: [cdk8s, 'synth', '--no-check-upgrade'], cwd: stockSyn, env: { BENCH_SERVICES: String(n) } }) : undefined, path.join(stockSyn, 'dist')));
    }
    const tests = o.tests ? measureTests(o, scratch) : undefined;
    load.after = os.loadavg();
    const text = report(o, scenarios, tests, load, started, (Date.now() - started.getTime()) / 1000);
    fs.writeFileSync(o.out, text);
    process.stdout.write(text);
    log(`bench: wrote ${path.relative(process.cwd(), o.out)}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
