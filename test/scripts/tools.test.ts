// The project's wrappers around cdk8s-cli: `npm run import` (CRD bindings from
// the shared folder) and `npm run cdk8s` (the CLI without its upgrade check).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, copyTree, removeScratch } from '../helpers/project';
import { CRD_DIR, SHARED_DIR, testShared } from '../helpers/shared';

const scratch: string[] = [];
afterAll(() => scratch.forEach(removeScratch));

/** A project copy with what the import script reads and writes, node_modules linked. */
function importProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-import-'));
  scratch.push(dir);
  for (const f of ['scripts/import-crds.sh', 'scripts/crds.tsv', 'cdk8s.yaml', 'imports']) copyTree(path.join(ROOT, f), path.join(dir, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function runImport(dir: string, env: Record<string, string>) {
  return spawnSync('bash', [path.join(dir, 'scripts', 'import-crds.sh')], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('npm run import', () => {
  testShared('GIVEN the shared CRDs WHEN one binding is regenerated THEN it equals the committed file and cdk8s.yaml is byte-identical (comments kept, nothing appended)', () => {
    const dir = importProject();
    const configBefore = fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8');
    const binding = 'imports/velero-schedule-velero.io.ts';
    fs.writeFileSync(path.join(dir, binding), '// stale\n');
    const r = runImport(dir, { SHARED_DIR, IMPORT_ONLY: 'velero-schedule' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('imported velero-schedule from velero-schedules.yaml\n');
    expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toBe(configBefore);
    expect(fs.readFileSync(path.join(dir, binding), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, binding), 'utf8'));
    expect(fs.existsSync(CRD_DIR)).toBe(true);
  });

  test('GIVEN no shared folder WHEN run THEN one line names the folder and the variable to set, exit 1, nothing changed', () => {
    const dir = importProject();
    const r = runImport(dir, { SHARED_DIR: path.join(dir, 'missing') });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`import: CRD folder ${path.join(dir, 'missing')}/crds not found; put the shared folder beside the project, or set SHARED_DIR (or CRDS_DIR) to it\n`);
    expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  });

  test('GIVEN IMPORT_ONLY naming no binding WHEN run THEN it says so, exit 1', () => {
    const r = runImport(importProject(), { SHARED_DIR, IMPORT_ONLY: 'velero-schedul' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('import: IMPORT_ONLY=velero-schedul names no prefix in scripts/crds.tsv\n');
  });
});

describe('npm run cdk8s', () => {
  test('GIVEN the project script WHEN it runs a cdk8s command THEN the CLI skips its upgrade check (no registry lookup, no Node stack trace on stderr)', () => {
    // GIVEN a throwaway cdk8s project whose app makes its output folder
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-cdk8s-'));
    scratch.push(dir);
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: typescript\napp: node -e "require(\'fs\').mkdirSync(\'out\')"\noutput: out\n');
    const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.cdk8s as string;
    // WHEN run as npm runs it, with a registry that cannot be reached
    const bin = path.join(ROOT, 'node_modules', '.bin');
    const r = spawnSync('sh', ['-c', `${script} synth`], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: dir, http_proxy: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } });
    // THEN
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at |new version|Error/);
    expect(fs.existsSync(path.join(dir, '.cdk8s-cli.version'))).toBe(false);
  });
});
