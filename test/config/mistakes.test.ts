// Issue 19, "Every user and bot mistake caught and named": each case as the
// issue reports it. The command-line cases run the built app (build/main.js,
// what `npm run synth` runs) in a project copy; the others load and render in
// this process, which reaches the same code.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { environmentTargets } from '../../charts';
import { ConfigError, listEnvironments, loadEnvironment } from '../../app/config';
import { gitopsCli } from '../../app/gitops/cli';
import { renderTargets } from '../../lib/synth';
import { run } from '../../main';
import { removeScratch, runSynth, scratchProject, snapshotTree } from '../helpers/project';

/** `file:line:col path: message`, the shape of every located line. */
const LOCATED = /^environments\/[a-z0-9.-]+:\d+:\d+ \S+: \S.*$/;

/** Edits an environment file of the project copy `dir`. */
function edit(dir: string, file: string, change: (text: string) => string): void {
  const p = path.join(dir, 'environments', file);
  const before = fs.readFileSync(p, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing`);
  fs.writeFileSync(p, after);
}

/** The line (1-based) of the first occurrence of `needle` in an environment file. */
function lineOf(dir: string, file: string, needle: string): number {
  const text = fs.readFileSync(path.join(dir, 'environments', file), 'utf8');
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in ${file}`);
  return text.slice(0, at).split('\n').length;
}

/** Loads and renders one environment of the copy in this process; the ConfigError it ends in, if any. */
function failureOf(dir: string, env: string): ConfigError | undefined {
  try {
    const cfg = loadEnvironment(env, { dir: path.join(dir, 'environments'), root: dir });
    renderTargets(environmentTargets(cfg, new App()));
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

function expectLocated(e: ConfigError | undefined, file: string, line: number, pathAndMessage: RegExp): void {
  expect(e).toBeInstanceOf(ConfigError);
  const lines = e!.message.split('\n');
  for (const l of lines) expect(l).toMatch(LOCATED);
  const first = lines[0];
  expect(first.startsWith(`environments/${file}:${line}:`)).toBe(true);
  expect(first).toMatch(pathAndMessage);
}

describe('issue 19: mistakes in environment files, caught and named', () => {
  let dir: string | undefined;
  afterEach(() => removeScratch(dir));

  test.each([
    // Production refuses it in the environment schema (a release tag); elsewhere the Microservice construct refuses it, reported at the same line.
    ['prod', /expected a release tag such as "v1\.4\.2" .*got "latest"$/],
    ['staging', /expected a pinned tag such as "v1\.2\.0" .*got "latest" \(refused by construct ecosystem\/user-service, field image\.tag\)$/],
  ])('1. GIVEN tag: latest in %s.yaml WHEN npm run synth THEN exit 1 at the value\'s line, no stack trace, dist/ untouched', (env, message) => {
    dir = scratchProject({ dist: [env] });
    edit(dir, `${env}.yaml`, (t) => t.replace('tag: v1.2.0', 'tag: latest'));
    const before = snapshotTree(path.join(dir, 'dist'));

    const r = runSynth(dir, ['--env', env]);

    expect(r.status).toBe(1);
    const line = lineOf(dir, `${env}.yaml`, 'tag: latest');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`environments/${env}.yaml:${line}:16 systems.ecosystem.services.user-service.image.tag: `)).toBe(true);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|PropsError|\n\s+at /);
    expect(snapshotTree(path.join(dir, 'dist'))).toEqual(before);
  });

  test('1. GIVEN npm run promote -- --tag latest WHEN run THEN exit 1 at the value\'s line, the file put back, no exception', () => {
    dir = scratchProject({ dist: ['prod'] });
    const root = dir;
    const file = path.join(root, 'environments', 'prod.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const err: string[] = [];
    const render = (envs: string[], outDir: string) => {
      const cwd = process.cwd();
      process.chdir(root);
      try {
        run({ envs, outDir });
      } finally {
        process.chdir(cwd);
      }
    };

    const status = gitopsCli(['promote', '--env', 'prod', '--service', 'user-service', '--tag', 'latest'], { root, render, stdout: () => undefined, stderr: (s) => err.push(s) });

    expect(status).toBe(1);
    // the line of user-service's image tag in prod.yaml
    const line = before.split('\n').findIndex((l, i, all) => l === '          tag: v1.2.0' && all.slice(0, i).some((x) => x === '      user-service:')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(err.join('')).toMatch(new RegExp(`^environments/prod\\.yaml:${line}:16 systems\\.ecosystem\\.services\\.user-service\\.image\\.tag: .*got "latest"\\n$`));
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  test('2. GIVEN a tag bump under a misspelt service (user-servce: with a full image) WHEN rendered THEN an error with "did you mean", not an empty success', () => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod.yaml', (t) => t.replace('    services:\n      user-service:\n', '    services:\n      user-servce:\n        image: { repository: registry.example.com/user-service, tag: v1.3.0 }\n      user-service:\n'));
    expectLocated(failureOf(dir, 'prod'), 'prod.yaml', lineOf(dir, 'prod.yaml', 'user-servce:'), /^\S+ systems\.ecosystem\.services\.user-servce: no service "user-servce" in the ecosystem chart; did you mean "user-service"\?/);
  });

  test('2. GIVEN a component no chart of the system uses (kafka under ecosystem) WHEN rendered THEN an error naming it and what the chart composes', () => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod.yaml', (t) => t.replace('    components:\n      postgres:\n        name: prod-postgres-cluster', '    components:\n      kafka: { replicas: 3 }\n      postgres:\n        name: prod-postgres-cluster'));
    expectLocated(failureOf(dir, 'prod'), 'prod.yaml', lineOf(dir, 'prod.yaml', 'kafka:'), /systems\.ecosystem\.components\.kafka: no component "kafka" in the ecosystem chart \(components it composes: .*postgres/);
  });

  test('3. GIVEN environments/qa.yml WHEN npm run synth (even for another environment) THEN it is refused by name, not ignored', () => {
    dir = scratchProject({ dist: false });
    fs.copyFileSync(path.join(dir, 'environments', 'staging.yaml'), path.join(dir, 'environments', 'qa.yml'));

    const r = runSynth(dir, ['--env', 'dev', '--out', 'out']);

    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('environments/qa.yml:1:1 (file): not an environment file: environments/ holds defaults.yaml, schema.json and one <name>.yaml per environment (".yaml", not ".yml"); rename it to qa.yaml');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    fs.renameSync(path.join(dir, 'environments', 'qa.yml'), path.join(dir, 'environments', 'qa.yaml'));
    expect(listEnvironments({ dir: path.join(dir, 'environments'), root: dir })).toContain('qa');
  });

  test('4. GIVEN replicas: 0 in production-tier environments WHEN loaded THEN refused without the named opt-in, accepted with it, and fine in development', () => {
    dir = scratchProject({ dist: false });
    // prod-failover is production by its tier, not by its name.
    edit(dir, 'prod-failover.yaml', (t) => t.replace('      activity-processor:\n        replicas: 3', '      activity-processor:\n        replicas: 0'));
    expectLocated(failureOf(dir, 'prod-failover'), 'prod-failover.yaml', lineOf(dir, 'prod-failover.yaml', 'replicas: 0'), /activity-processor\.replicas: expected an integer >= 1 in a production-tier environment .*scaledToZero/);

    edit(dir, 'prod-failover.yaml', (t) => t.replace('        replicas: 0', '        replicas: 0\n        scaledToZero: "queue drained during the region move (CHG-42)"'));
    expect(failureOf(dir, 'prod-failover')).toBeUndefined();

    edit(dir, 'prod-failover.yaml', (t) => t.replace('        replicas: 0\n', '        replicas: 2\n'));
    expectLocated(failureOf(dir, 'prod-failover'), 'prod-failover.yaml', lineOf(dir, 'prod-failover.yaml', 'scaledToZero'), /scaledToZero: expected only beside replicas: 0/);

    edit(dir, 'dev.yaml', (t) => t.replace(/(\n {6}user-service:\n(?: {8}.*\n)*? {8}replicas: )\d+/, '$10'));
    expect(failureOf(dir, 'dev')).toBeUndefined();
  });

  test('6. GIVEN fediflow/api:build-42 in prod-failover and prod-shared (tier production) WHEN loaded THEN refused at the tag; in staging accepted', () => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod-failover.yaml', (t) => t.replace('      fediflow-api:\n        replicas: 10\n', '      fediflow-api:\n        image: { tag: build-42 }\n        replicas: 10\n'));
    expectLocated(failureOf(dir, 'prod-failover'), 'prod-failover.yaml', lineOf(dir, 'prod-failover.yaml', 'build-42'), /fediflow-api\.image\.tag: expected a release tag .*production-tier.*got "build-42"/);
    // The same file as a staging-tier environment: its name does not matter, its tier does.
    edit(dir, 'prod-failover.yaml', (t) => t.replace('  tier: production', '  tier: staging'));
    expect(failureOf(dir, 'prod-failover')).toBeUndefined();
  });

  test('6. GIVEN an exposed service in a staging-tier environment named like development WHEN it has no TLS issuer THEN TLS is required by tier', () => {
    dir = scratchProject({ dist: false });
    fs.copyFileSync(path.join(dir, 'environments', 'staging.yaml'), path.join(dir, 'environments', 'development.yaml'));
    edit(dir, 'development.yaml', (t) => t.replace(/\n {2}tls:\n(?: {4}.*\n)+/, '\n'));
    expectLocated(failureOf(dir, 'development'), 'development.yaml', lineOf(dir, 'development.yaml', 'border:'), /border(\.tls)?: .*TLS is required outside development \(tier staging\)/);
  });

  test('12. GIVEN an empty prod.yaml WHEN loaded THEN one line names the empty file (not the defaults\' lines)', () => {
    dir = scratchProject({ dist: false });
    fs.writeFileSync(path.join(dir, 'environments', 'prod.yaml'), '# yaml-language-server: $schema=./schema.json\n');
    const e = failureOf(dir, 'prod');
    expect(e?.message).toMatch(/^environments\/prod\.yaml:1:1 \(file\): the environment file is empty: it needs at least environment\.tier, cluster and systems \(copy one of dev\.yaml, .* to start\)$/);
  });

  test('12. GIVEN a YAML merge key (<<: *base) WHEN loaded THEN the first line names the merge key at its line', () => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod.yaml', (t) =>
      t.replace('          requests: { cpu: 500m, memory: 512Mi }\n          limits: { cpu: "1", memory: 1Gi }', '          requests: &base { cpu: 500m, memory: 512Mi }\n          limits:\n            <<: *base\n            cpu: "1"'),
    );
    expectLocated(failureOf(dir, 'prod'), 'prod.yaml', lineOf(dir, 'prod.yaml', '<<:'), /limits\["<<"\]: YAML merge keys \("<<: \*anchor"\) are not supported/);
  });

  test.each([
    ['a replica typo (5 -> 50)', 'replicas: 5\n', 'replicas: 50\n', 'replicas: 50', /user-service\.replicas: got 50: .*Rollout user-service .*over the quota systems\.ecosystem\.quota\.requests\.cpu = "14" \(environments\/prod\.yaml:\d+:\d+\)/],
    ['a CPU typo (limit "1" -> "10")', 'limits: { cpu: "1", memory: 1Gi }', 'limits: { cpu: "10", memory: 1Gi }', 'cpu: "10"', /user-service\.resources\.limits\.cpu: got "10": .*over the quota systems\.ecosystem\.quota\.limits\.cpu = "46"/],
  ])('12. GIVEN %s that overruns the quota WHEN rendered THEN it is reported at the value\'s line, naming the quota', (_what, from, to, needle, message) => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod.yaml', (t) => t.replace(from, to));
    expectLocated(failureOf(dir, 'prod'), 'prod.yaml', lineOf(dir, 'prod.yaml', needle), message);
  });

  test('12. GIVEN a quota that is itself the mistake ("12" -> "2") WHEN rendered THEN it is reported at the quota', () => {
    dir = scratchProject({ dist: false });
    edit(dir, 'prod.yaml', (t) => t.replace('requests: { cpu: "14", memory: 23Gi }', 'requests: { cpu: "2", memory: 23Gi }'));
    expectLocated(failureOf(dir, 'prod'), 'prod.yaml', lineOf(dir, 'prod.yaml', 'cpu: "2"'), /quota\.requests\.cpu: expected at least the peak/);
  });

  test('12. GIVEN npm run diff -- --help WHEN run THEN it prints the usage and exits 0', () => {
    const out: string[] = [];
    const status = gitopsCli(['diff', '--help'], { render: () => undefined, stdout: (s) => out.push(s), stderr: (s) => out.push(s) });
    expect(status).toBe(0);
    expect(out.join('')).toMatch(/^usage:\n {2}npm run diff -- /);
  });
});
