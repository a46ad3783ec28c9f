import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { findProjectRoot } from '../../lib/validate';
import { runCli } from '../../lib/validate/cli';
import { parseManifestText } from '../../lib/validate/load';
import { Obj, validDocs, withChange, writeDist } from './fixtures';

function cli(args: string[], cwd: string): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTty: false, cwd });
  return { code, out, err };
}

describe('CLI (in process)', () => {
  test('GIVEN a clean dist directory WHEN run with defaults THEN it exits 0 and prints OK', () => {
    const root = writeDist(validDocs());
    const r = cli([], root);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK: 0 violations in 0 files; 21 objects in 21 files checked, 0 waivers\n$/);
  });

  test('GIVEN a violation WHEN run THEN it exits 1 and groups by file and rule with object, construct and field', () => {
    const root = writeDist(withChange('Deployment', 'api', (o: Obj) => { o.spec.template.spec.containers[0].image = 'nginx:latest'; }));
    const r = cli(['dist'], root);
    expect(r.code).toBe(1);
    expect(r.out).toContain([
      'dist/dev/shop/shop--deployment--api.yaml',
      '  policy/image-tag',
      '    apps/v1 Deployment shop/api  (construct shop-dev/Deployment-api/Resource)',
      '      spec.template.spec.containers[0].image: image "nginx:latest" uses the floating tag latest; pin a version tag',
    ].join('\n'));
    expect(r.out).toMatch(/FAILED: 1 violation in 1 file; 21 objects in 21 files checked, 0 waivers/);
  });

  test('GIVEN --json WHEN run THEN stdout is the report as JSON for CI', () => {
    const root = writeDist(withChange('Service', 'api', (o: Obj) => { o.spec.selector = { app: 'nope' }; }));
    const r = cli(['--json', 'dist'], root);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['ok', 'files', 'objects', 'violations', 'waivers']);
    expect(report.ok).toBe(false);
    expect(report.violations[0]).toEqual({
      rule: 'ref/service-selector',
      file: 'dist/dev/shop/shop--service--api.yaml',
      index: 0,
      object: { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'api' },
      constructPath: 'shop-dev/Service-api/Resource',
      path: 'spec.selector',
      message: expect.stringContaining('selector {app=nope} matches no pod template in namespace "shop"'),
      value: { app: 'nope' },
    });
  });

  test.each([
    [['--frobnicate'], /unknown option --frobnicate/],
    [['a', 'b'], /only one DIR/],
    [['--env'], /--env needs a value/],
    [['missing-dir'], /missing-dir does not exist/],
  ])('GIVEN bad usage %j WHEN run THEN it exits 2 with a message', (args, message) => {
    const r = cli(args, os.tmpdir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  test('GIVEN no dist/ WHEN run without DIR THEN it exits 2 and says to synth first', () => {
    const r = cli([], fs.mkdtempSync(path.join(os.tmpdir(), 'validate-empty-')));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dist does not exist \(run npm run synth first/);
  });

  test('GIVEN environments/dev.yaml of tier development WHEN images are not semver THEN the tier decides the production rule, not the name', () => {
    const root = writeDist(withChange('Deployment', 'api', (o: Obj) => { o.spec.template.spec.containers[0].image = 'r.example.com/api:main'; }), undefined);
    // No environment file: the tier of dist/dev is unknown, and unknown is held to production's rule.
    expect(cli(['dist'], root).code).toBe(1);
    fs.mkdirSync(path.join(root, 'environments'));
    fs.writeFileSync(path.join(root, 'environments/dev.yaml'), 'environment:\n  tier: development\n');
    expect(cli(['dist'], root).code).toBe(0);
    expect(cli(['dist', '--env', 'prod'], root).code).toBe(1);
    expect(cli(['dist', '--tier', 'production'], root).code).toBe(1);
    fs.writeFileSync(path.join(root, 'environments/dev.yaml'), 'environment:\n  tier: production\n');
    expect(cli(['dist'], root).code).toBe(1);
  });

  test('GIVEN the CLI run inside dist/prod WHEN images are not semver THEN the environment still comes from the absolute path', () => {
    const root = writeDist(withChange('Deployment', 'api', (o: Obj) => { o.spec.template.spec.containers[0].image = 'r.example.com/api:main'; }, 'dist/prod/shop'));
    const r = cli(['.'], path.join(root, 'dist/prod'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/shop\/shop--deployment--api\.yaml\n {2}policy\/image-tag/);
  });

  test('GIVEN a file that is not YAML WHEN run THEN it is a violation (exit 1), not a crash', () => {
    const root = writeDist(validDocs());
    fs.writeFileSync(path.join(root, 'dist/dev/shop/broken.yaml'), 'kind: [unclosed\n');
    const r = cli([], root);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/dist\/dev\/shop\/broken\.yaml\n {2}schema\/invalid-yaml\n/);
  });
});

describe('YAML loading', () => {
  test('GIVEN a multi-document file with construct comments WHEN parsed THEN each document keeps its construct path and index', () => {
    const text = '# construct: a/B/Resource\napiVersion: v1\nkind: ConfigMap\n---\n# construct: a/C/Resource\n# another comment\napiVersion: v1\nkind: Secret\n---\n';
    const { docs, violations } = parseManifestText('x.yaml', text);
    expect(violations).toEqual([]);
    expect(docs.map((d) => [d.index, d.constructPath, (d.object as Obj).kind])).toEqual([[0, 'a/B/Resource', 'ConfigMap'], [1, 'a/C/Resource', 'Secret']]);
  });

  test('GIVEN kustomization.yaml files WHEN a directory is validated THEN they are skipped', () => {
    const root = writeDist(validDocs());
    fs.writeFileSync(path.join(root, 'dist/dev/shop/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n');
    expect(cli([], root).code).toBe(0);
  });
});

describe('CLI (bundled, as npm run validate runs it)', () => {
  const root = findProjectRoot();
  const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'validate-bundle-')), 'validate.js');
  beforeAll(() => {
    buildSync({
      entryPoints: [path.join(root, 'lib/validate/cli.ts')], bundle: true, platform: 'node', target: 'node20',
      packages: 'external', outfile: bundle, logLevel: 'warning', absWorkingDir: root,
    });
    // externals resolve from the project, as for build/validate.js
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(path.dirname(bundle), 'node_modules'));
  });

  test('GIVEN the bundle WHEN run on clean, dirty and missing directories THEN the process exits 0, 1 and 2', () => {
    const clean = writeDist(validDocs());
    const dirty = writeDist(withChange('Deployment', 'api', (o: Obj) => { o.spec.replicas = 'two'; }));
    const run = (cwd: string, args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, VALIDATE_PROJECT_ROOT: root } });
    expect(run(clean, []).status).toBe(0);
    const bad = run(dirty, ['--json']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).violations.map((v: Obj) => v.rule)).toContain('schema/wrong-type');
    expect(run(clean, ['nowhere']).status).toBe(2);
  });

  test('GIVEN the bundle WHEN inspected THEN it does not read ../shared', () => {
    const text = fs.readFileSync(bundle, 'utf8');
    expect(text).not.toMatch(/shared[\\/](crds|k8s-schema)/);
    expect(execFileSync(process.execPath, [bundle, '--help'], { encoding: 'utf8' })).toMatch(/exit codes: 0 clean, 1 violations, 2 usage or internal error/);
  });
});
