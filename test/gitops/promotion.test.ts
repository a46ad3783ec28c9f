import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { gitopsCli } from '../../app/gitops/cli';
import { editYaml } from '../../app/gitops/yaml-edit';
import { run } from '../../main';
import { removeScratch, ROOT, snapshotTree } from '../helpers/project';

/** main.ts' synth, in this process (fast), in the project copy `dir`. */
function synthIn(dir: string, envs: string[], outDir = 'dist', allowDestructive: string[] = []): void {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    run({ envs, outDir, allowDestructive });
  } finally {
    process.chdir(cwd);
  }
}

const SVC = ['systems', 'ecosystem', 'services', 'user-service'];

describe('editYaml', () => {
  const text = [
    '# top comment',
    'a:',
    '  # about b',
    '  b: "v1"   # trailing',
    '  flow: { x: 1, y: "2" }',
    'list:',
    '- one',
    '',
  ].join('\n');

  test('changes only the bytes of the value, keeping its quoting and the comments around it', () => {
    const out = editYaml(text, [{ path: ['a', 'b'], value: 'v2' }]);
    expect(out).toBe(text.replace('"v1"', '"v2"'));
  });

  test('adds missing keys (nested maps included) and an insert followed by its delete is byte-identical', () => {
    const added = editYaml(text, [{ path: ['a', 'c', 'd'], value: 0 }, { path: ['a', 'flow', 'z'], value: 'new' }]);
    expect(parseDocument(added).toJS()).toMatchObject({ a: { b: 'v1', c: { d: 0 }, flow: { x: 1, y: '2', z: 'new' } }, list: ['one'] });
    expect(added).toContain('  c:\n    d: 0\n');
    const removed = editYaml(added, [{ path: ['a', 'c', 'd'], delete: true }, { path: ['a', 'flow', 'z'], delete: true }]);
    expect(removed).toBe(text);
  });

  test('a string that reads as a number stays a string', () => {
    const out = editYaml('tag: v1\n', [{ path: ['tag'], value: '1.10' }]);
    expect(parseDocument(out).toJS()).toEqual({ tag: '1.10' });
  });
});

describe('promote then rollback (project copy, Git history)', () => {
  let dir: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const status = gitopsCli(argv, {
      root: dir,
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      render: (envs, outDir) => synthIn(dir, envs, outDir),
    });
    return { status, stdout: out.join(''), stderr: err.join('') };
  };
  const tree = () => ({ ...snapshotTree(path.join(dir, 'environments')), ...snapshotTree(path.join(dir, 'dist')) });
  /** Gives prod's user-service the strategy (through the Document API: set-up formatting does not matter), renders and commits. */
  const useStrategy = (strategy: Record<string, unknown>) => {
    for (const [file, value] of [['defaults.yaml', undefined], ['prod.yaml', strategy]] as const) {
      const p = path.join(dir, 'environments', file);
      const doc = parseDocument(fs.readFileSync(p, 'utf8'));
      if (value) doc.setIn([...SVC, 'strategy'], doc.createNode(value));
      else doc.deleteIn([...SVC, 'strategy']);
      fs.writeFileSync(p, doc.toString());
    }
    synthIn(dir, ['prod'], 'dist', ['Deployment/ecosystem-prod/user-service']);
    git('add', '-A');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'strategy');
  };

  // The baseline, made once: environments/ and a fresh render of prod only
  // (less to write and commit), committed to Git. Before each test the
  // repository goes back to it: a hard reset to the baseline commit and a
  // clean rewrite only what the previous test changed (copying the project
  // per test wrote 430 files each time).
  let baseline: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-'));
    fs.cpSync(path.join(ROOT, 'environments'), path.join(dir, 'environments'), { recursive: true });
    synthIn(dir, ['prod']);
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'start');
    baseline = git('rev-parse', 'HEAD').trim();
  });
  afterAll(() => removeScratch(dir));

  beforeEach(() => {
    git('reset', '-q', '--hard', baseline);
    git('clean', '-q', '-f', '-d', '-x');
    // THEN each test starts from exactly the baseline: its commit, no other file.
    expect(git('rev-parse', 'HEAD').trim()).toBe(baseline);
    expect(git('status', '--porcelain', '--ignored')).toBe('');
  });

  test('image tag: promote edits one line and renders; rollback finds the previous tag in Git; both trees byte-identical', () => {
    // GIVEN
    const before = tree();
    // WHEN
    const p = cli('promote', '--env', 'prod', '--service', 'user-service', '--tag', 'v1.3.0');
    // THEN
    expect(p).toMatchObject({ status: 0, stderr: '' });
    expect(p.stdout).toContain('image.tag: v1.2.0 -> v1.3.0');
    const promoted = tree();
    const changed = Object.keys(promoted).filter((k) => promoted[k] !== before[k]);
    expect(changed).toContain('prod.yaml');
    expect(changed.some((k) => k.startsWith('prod/ecosystem/') && promoted[k].includes('user-service:v1.3.0'))).toBe(true);
    expect(changed.every((k) => k === 'prod.yaml' || k.startsWith('prod/'))).toBe(true);
    const envDiff = promoted['prod.yaml'].split('\n').filter((l, i) => l !== before['prod.yaml'].split('\n')[i]);
    expect(envDiff).toEqual(['          tag: v1.3.0']);
    // WHEN rolling back without naming a tag
    const r = cli('rollback', '--env', 'prod', '--service', 'user-service');
    // THEN
    expect(r.stdout).toContain('image.tag: v1.3.0 -> v1.2.0');
    expect(tree()).toEqual(before);
  });

  test('blue-green: promote flips activeColor, rollback flips it back; byte-identical', () => {
    useStrategy({ type: 'blue-green', activeColor: 'blue', tags: { blue: 'v1.2.0', green: 'v1.3.0' } });
    const before = tree();
    const p = cli('promote', '--env', 'prod', '--service', 'user-service');
    expect(p.stderr).toBe('');
    expect(p.stdout).toContain('strategy.activeColor: blue -> green');
    expect(tree()).not.toEqual(before);
    const r = cli('rollback', '--env', 'prod', '--service', 'user-service');
    expect(r.stdout).toContain('strategy.activeColor: green -> blue');
    expect(tree()).toEqual(before);
  });

  test('blue-green written as flow maps (the repository\'s own prod.yaml): promote --tag adds the idle colour\'s tag inside the flow map; rollback returns; byte-identical', () => {
    // GIVEN fediflow-api as committed: `strategy: { type: blue-green, activeColor: blue, colorLabel: color }`, no tags
    const before = tree();
    // WHEN
    const p = cli('promote', '--env', 'prod', '--service', 'fediflow-api', '--tag', 'v1.1.0');
    // THEN one line changes, flow style kept, and the render follows
    expect(p).toMatchObject({ status: 0, stderr: '' });
    expect(p.stdout).toContain('strategy.tags.green: (unset) -> v1.1.0');
    expect(p.stdout).toContain('strategy.activeColor: blue -> green');
    const after = tree();
    const envDiff = after['prod.yaml'].split('\n').filter((l, i) => l !== before['prod.yaml'].split('\n')[i]);
    expect(envDiff).toEqual(['        strategy: { type: blue-green, activeColor: green, colorLabel: color, tags: { green: v1.1.0 } }']);
    expect(Object.keys(after).some((k) => k.startsWith('prod/fediflow/') && after[k] !== before[k] && after[k].includes(':v1.1.0'))).toBe(true);
    // WHEN the release is rolled back (traffic to blue), then the tag edit undone by hand
    expect(cli('rollback', '--env', 'prod', '--service', 'fediflow-api', '--no-render').stdout).toContain('strategy.activeColor: green -> blue');
    const undo = editYaml(fs.readFileSync(path.join(dir, 'environments', 'prod.yaml'), 'utf8'), [{ path: ['systems', 'fediflow', 'services', 'fediflow-api', 'strategy', 'tags', 'green'], delete: true }]);
    // THEN the file is byte-identical to the start: the nested flow map was removed with its only key
    expect(undo).toBe(before['prod.yaml']);
  });

  test('blue-green rollback with nothing to roll back refuses and changes nothing', () => {
    // GIVEN fediflow-api and backstage as committed (both colours run the same image; green never had traffic)
    const before = tree();
    for (const service of ['fediflow-api', 'backstage']) {
      // WHEN
      const r = cli('rollback', '--env', 'prod', '--service', service);
      // THEN
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^${service} in prod: nothing to roll back: the standby colour green runs \\S+, the same version as the active blue; to return to an older version, promote it with --tag <version>\\n$`));
    }
    // GIVEN a standby with another version that never served traffic (only ever blue in Git)
    useStrategy({ type: 'blue-green', activeColor: 'blue', tags: { blue: 'v1.2.0', green: 'v1.3.0' } });
    const staged = tree();
    const r = cli('rollback', '--env', 'prod', '--service', 'user-service');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('user-service in prod: nothing to roll back: green (v1.3.0) has never been the active colour in Git history');
    expect(tree()).toEqual(staged);
    expect(Object.keys(before).length).toBeGreaterThan(0);
  });

  test('canary (plain): start with --tag, advance a stage, step back, abort; byte-identical at the end', () => {
    useStrategy({ type: 'canary', backend: 'plain', router: 'replicas', stages: [{ weight: 20, pause: '10m' }, { weight: 60, pause: '20m' }, { weight: 100 }] });
    const before = tree();
    const svc = ['--env', 'prod', '--service', 'user-service'];
    expect(cli('promote', ...svc, '--tag', 'v1.3.0').stdout).toContain('strategy.canaryTag: (unset) -> v1.3.0');
    const started = tree();
    expect(started).not.toEqual(before);
    // The steps in between only edit the file (rendering each is covered above).
    expect(cli('promote', ...svc, '--no-render').stdout).toContain('strategy.stage: 0 -> 1');
    expect(cli('rollback', ...svc, '--no-render').stdout).toContain('strategy.stage: 1 -> 0');
    expect(tree()).toEqual(started);
    expect(cli('promote', ...svc, '--no-render').stdout).toContain('strategy.stage: 0 -> 1');
    expect(cli('rollback', ...svc, '--abort').stdout).toContain('strategy.canaryTag: v1.3.0 -> (removed)');
    expect(tree()).toEqual(before);
  });

  test('unknown environment or service: exit 1 with a did-you-mean, nothing written', () => {
    const before = tree();
    const env = cli('promote', '--env', 'prdo', '--service', 'user-service', '--tag', 'v2');
    expect(env.status).toBe(1);
    expect(env.stderr).toContain('did you mean "prod"?');
    const svc = cli('promote', '--env', 'prod', '--service', 'user-servce', '--tag', 'v2');
    expect(svc.status).toBe(1);
    expect(svc.stderr).toContain('no service "user-servce"; did you mean "user-service"?');
    expect(cli('promote', '--env', 'prod', '--service', 'user-service').stderr).toContain('promote needs --tag <version>');
    expect(tree()).toEqual(before);
  });
});
