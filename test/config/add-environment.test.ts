// README "Add an environment", followed as written: copy staging.yaml to a new
// name and render. Namespaces and secret paths follow the new name, so the
// copy never lands on staging's objects; a namespace two environments of one
// cluster claim is a located error, and dist/ stays as it was.
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { removeScratch, ROOT, runSynth, scratchProject, snapshotTree } from '../helpers/project';

const scratch: string[] = [];
afterAll(() => scratch.forEach(removeScratch));

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function objectsOf(dir: string): Array<{ kind: string; metadata: { name: string; namespace?: string }; spec?: any }> {
  const out: any[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml') out.push(yaml.load(fs.readFileSync(p, 'utf8')));
    }
  };
  walk(dir);
  return out;
}

describe('README "Add an environment"', () => {
  test('GIVEN the README WHEN read THEN it says to copy staging.yaml and that namespaces and secret paths follow the name', () => {
    expect(readme).toContain('**Add an environment**: copy `environments/staging.yaml` to\n`environments/<name>.yaml`');
    expect(readme).toMatch(/namespaces \(`<system>-<name>`\) and secret paths \(`<name>\/<system>\/\.\.\.`\)/);
  });

  test('GIVEN staging.yaml copied to qa.yaml WHEN synth renders qa THEN every namespace and every secret path is qa\'s, and nothing is staging\'s', () => {
    const dir = scratchProject({ dist: false });
    scratch.push(dir);
    fs.copyFileSync(path.join(dir, 'environments', 'staging.yaml'), path.join(dir, 'environments', 'qa.yaml'));
    const r = runSynth(dir, ['--env', 'qa']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const objects = objectsOf(path.join(dir, 'dist', 'qa'));
    const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n));
    const own = [...namespaces].filter((n) => /-qa(-logging)?$/.test(n));
    expect(own.sort()).toEqual(['ecosystem-qa', 'ecosystem-qa-logging', 'fediflow-qa', 'fediflow-qa-logging', 'idp-qa', 'infometis-qa', 'specify-qa', 'specify-qa-logging']);
    expect([...namespaces].filter((n) => n.includes('staging'))).toEqual([]);
    const keys = objects.filter((o) => o.kind === 'ExternalSecret').flatMap((o) => (o.spec.data ?? []).map((d: any) => d.remoteRef.key as string));
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => !k.startsWith('qa/'))).toEqual([]);
  });

  test('GIVEN qa.yaml that keeps staging\'s namespace for one system in staging\'s cluster WHEN synth runs THEN it exits 1 at that line naming both environments, and dist/ is untouched', () => {
    const dir = scratchProject({ dist: ['staging'] });
    scratch.push(dir);
    const text = fs.readFileSync(path.join(dir, 'environments', 'staging.yaml'), 'utf8').replace(/^ {2}fediflow:\n/m, '  fediflow:\n    namespace: fediflow-staging\n');
    fs.writeFileSync(path.join(dir, 'environments', 'qa.yaml'), text);
    const line = text.split('\n').indexOf('    namespace: fediflow-staging') + 1;
    const before = snapshotTree(path.join(dir, 'dist'));
    const r = runSynth(dir, ['--env', 'qa']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `environments/qa.yaml:${line}:16 systems.fediflow.namespace: namespace "fediflow-staging" in cluster "staging" is already staging's (systems.fediflow): ` +
        'two environments would overwrite each other\'s objects; remove the setting to use "fediflow-qa", or name another namespace\n',
    );
    expect(snapshotTree(path.join(dir, 'dist'))).toEqual(before);
  });
});
