import * as fs from 'fs';
import * as path from 'path';
import { documentCount, kustomizeTogether, removeScratch, ROOT, runSynth, scratchProject, snapshotTree } from '../helpers/project';

/** The environments synth renders: environments/*.yaml but defaults.yaml (app/config's listEnvironments; importing app/config costs this file a second of zod set-up). */
const listEnvironments = () =>
  fs
    .readdirSync(path.join(ROOT, 'environments'))
    .filter((f) => f.endsWith('.yaml') && f !== 'defaults.yaml')
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();

// One fresh render of the real environments (into a project copy without
// dist/), shared by the assertions below.
let fresh: string;
const scratch: string[] = [];
beforeAll(() => {
  fresh = scratchProject({ dist: false });
  scratch.push(fresh);
  const r = runSynth(fresh);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
afterAll(() => scratch.forEach(removeScratch));

describe('synth', () => {
  test('GIVEN the committed environments WHEN rendered afresh THEN the result equals the committed dist/ byte for byte', () => {
    expect(snapshotTree(path.join(fresh, 'dist'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
  });

  test('GIVEN every environment WHEN rendered THEN each directory of objects has a kustomization that lists them and kubectl builds', async () => {
    const dirs: string[] = [];
    const walk = (d: string) => {
      const entries = fs.readdirSync(d, { withFileTypes: true });
      if (entries.some((e) => e.isFile() && e.name.endsWith('.yaml'))) dirs.push(d);
      for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(path.join(fresh, 'dist'));
    const envs = listEnvironments();
    const objectFiles = new Map<string, number>();
    for (const env of envs) expect(dirs.some((d) => d.startsWith(path.join(fresh, 'dist', env) + path.sep))).toBe(true);
    for (const dir of dirs) {
      const listed = (fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8').match(/^ {2}- (.+)$/gm) ?? []).map((l) => l.slice(4));
      const files = fs.readdirSync(dir).filter((f) => f !== 'kustomization.yaml' && f.endsWith('.yaml'));
      expect(listed.filter((f) => f.endsWith('.yaml')).sort()).toEqual(files.sort());
      objectFiles.set(dir, files.length);
    }
    // kubectl: one build per environment of all its directories (a parent
    // kustomization fails if any of them does not build), the environments
    // concurrently; each object file is one document of the output.
    const inEnv = (env: string) => dirs.filter((d) => d.startsWith(path.join(fresh, 'dist', env) + path.sep));
    const built = await Promise.all(envs.map((env) => kustomizeTogether(inEnv(env))));
    expect(built.map(documentCount)).toEqual(envs.map((env) => inEnv(env).reduce((n, d) => n + objectFiles.get(d)!, 0)));
  });

  test('GIVEN an object file WHEN read THEN its name carries namespace, kind and name, and it starts with its construct path', () => {
    const file = path.join(fresh, 'dist', 'dev', 'ecosystem', 'ecosystem-dev--deployment--user-service.yaml');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# construct: ecosystem\/user-service\/Resource\napiVersion: apps\/v1\nkind: Deployment\n/);
  });

  test('GIVEN the fresh render (the committed dist, as the first test proves) WHEN --env prod renders again THEN dist/prod is byte-identical to the committed one, stale files go and other environments are kept', () => {
    const dir = fresh;
    const marker = path.join(dir, 'dist', 'dev', 'marker.txt');
    const committedProd = snapshotTree(path.join(ROOT, 'dist', 'prod'));
    fs.writeFileSync(marker, 'kept');
    fs.writeFileSync(path.join(dir, 'dist', 'prod', 'stale.yaml'), 'removed');
    const others = fs.readdirSync(path.join(dir, 'dist')).filter((e) => e !== 'prod');
    const before = others.map((e) => snapshotTree(path.join(dir, 'dist', e)));
    try {
      const r = runSynth(dir, ['--env', 'prod']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^prod: \d+ objects \(.*\) in \d+ ms -> dist\/prod\/$/m);
      expect(fs.readFileSync(marker, 'utf8')).toBe('kept');
      expect(others.map((e) => snapshotTree(path.join(dir, 'dist', e)))).toEqual(before);
      expect(snapshotTree(path.join(dir, 'dist', 'prod'))).toEqual(committedProd);
    } finally {
      fs.rmSync(marker, { force: true });
    }
  });

  test('GIVEN an unknown argument WHEN run THEN it exits 2 with usage', () => {
    const dir = scratchProject({ dist: false });
    scratch.push(dir);
    const r = runSynth(dir, ['--evn', 'prod']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synth: unknown argument "--evn" \(usage: npm run synth -- \[--env NAME\]\.\.\. /);
  });

  test('GIVEN --help WHEN run THEN it prints every option, exits 0 and renders nothing', () => {
    const dir = scratchProject({ dist: false });
    scratch.push(dir);
    const r = runSynth(dir, ['--env', 'prod', '--help']);
    expect(r.status).toBe(0);
    for (const option of ['--env NAME', '--out DIR', '--allow-destructive', '--reference', '--timings', '--help']) expect(r.stdout).toContain(option);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

describe('a broken environments/prod.yaml', () => {
  const cases: Array<[string, (s: string) => string, RegExp]> = [
    ['YAML syntax error', (s) => s.replace('replicas: 5', 'replicas: [5'), /^environments\/prod\.yaml:\d+:\d+ \(file\): YAML syntax error: /],
    ['wrong type', (s) => s.replace('replicas: 5', 'replicas: five'), /^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.services\.user-service\.replicas: expected an integer >= 0, got "five"$/],
    ['unknown key', (s) => s.replace('replicas: 5', 'replicaz: 5'), /^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.services\.user-service\.replicaz: unknown key; did you mean "replicas"\?/],
    ['negative replicas', (s) => s.replace('replicas: 5', 'replicas: -5'), /^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.services\.user-service\.replicas: expected an integer >= 0, got -5$/],
    ['bad CPU quantity', (s) => s.replace('cpu: 500m', 'cpu: 500 millicores'), /^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.services\.user-service\.resources\.requests\.cpu: expected a CPU quantity/],
    ['missing image', (s) => s.replace(/ {8}image:\n {10}tag: .*\n/, ''), /^environments\/prod\.yaml:\d+:\d+ systems\.ecosystem\.services\.user-service\.image\.tag: required, but missing/],
    // issue 17 item 7: classic injection (istio-init needs NET_ADMIN/NET_RAW) in restricted namespaces admits no pod.
    ['mesh without the Istio CNI plugin', (s) => s.replace(/^ {2}cni: true$/m, '  cni: false'), /^environments\/prod\.yaml:\d+:\d+ mesh\.cni: expected true: without the Istio CNI plugin/],
  ];

  // The freshly rendered project above serves every case: each case writes
  // its prod.yaml, and it is restored after each. A marker in each
  // environment's directory tells an untouched dist/ from one that a render
  // of identical files replaced.
  let dir: string;
  let prod: string;
  let original: string;
  let before: Record<string, string>;
  beforeAll(() => {
    dir = fresh;
    prod = path.join(dir, 'environments', 'prod.yaml');
    original = fs.readFileSync(prod, 'utf8');
    for (const env of fs.readdirSync(path.join(dir, 'dist'))) fs.writeFileSync(path.join(dir, 'dist', env, 'marker.txt'), env);
    before = snapshotTree(path.join(dir, 'dist'));
    expect(Object.keys(before).filter((f) => f.endsWith('marker.txt'))).toHaveLength(listEnvironments().length);
  });
  afterEach(() => fs.writeFileSync(prod, original));

  const expectRefused = (r: { status: number; stderr: string }, expected: RegExp) => {
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(snapshotTree(path.join(dir, 'dist'))).toEqual(before);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.synth-'))).toEqual([]);
  };

  // Each kind of mistake through `--env prod`: the same loader and message as
  // a full synth, which first renders the environments before prod (~3x the
  // time); the full synth is the case after these.
  test.each(cases)('GIVEN a %s WHEN synth --env prod runs THEN it exits 1 with one line naming file, line and field, and dist/ is untouched', (_name, mutate, expected) => {
    const mutated = mutate(original);
    expect(mutated).not.toBe(original);
    fs.writeFileSync(prod, mutated);
    expectRefused(runSynth(dir, ['--env', 'prod']), expected);
  });

  test('GIVEN a wrong type WHEN every environment is synthesized THEN it exits 1 with the same one line, and none of the environments that did render reaches dist/', () => {
    const [, mutate, expected] = cases.find(([name]) => name === 'wrong type')!;
    fs.writeFileSync(prod, mutate(original));
    expectRefused(runSynth(dir), expected);
  });
});
