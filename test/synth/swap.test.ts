// synthesize() moves the render into the output directory one top-level entry
// (environment) at a time, and leaves entries whose files are all unchanged
// exactly as they are: not staged, not renamed (lib/synth/pipeline.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as k8s from '../../imports/k8s';
import { synthesize } from '../../lib/synth';
import { testChart } from '../helpers/chart';
import { snapshotTree } from '../helpers/project';

/** Per environment: ConfigMap name -> value. */
type Plan = Record<string, Record<string, string>>;

function synth(out: string, plan: Plan, complete = true): void {
  synthesize({
    outDir: out,
    environments: Object.keys(plan),
    complete,
    render: (env) => {
      const chart = testChart(env, { disableResourceNameHashes: true });
      for (const [name, value] of Object.entries(plan[env])) new k8s.KubeConfigMap(chart, name, { metadata: { name, namespace: 'team' }, data: { value } });
      return [{ dir: `${env}/team`, chart }];
    },
  });
}

const inode = (p: string): number => fs.statSync(p).ino;

describe('swapping the render into the output directory', () => {
  let root: string;
  let out: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'swap-'));
    out = path.join(root, 'dist');
    synth(out, { a: { one: '1', two: '2' }, b: { one: '1' } });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN the same render again THEN no environment folder is replaced and nothing is left beside dist/', () => {
    const before = { a: inode(path.join(out, 'a')), b: inode(path.join(out, 'b')), tree: snapshotTree(out) };
    synth(out, { a: { one: '1', two: '2' }, b: { one: '1' } });
    expect({ a: inode(path.join(out, 'a')), b: inode(path.join(out, 'b')), tree: snapshotTree(out) }).toEqual(before);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('GIVEN one environment changed THEN only its folder is replaced, with the new content', () => {
    const a = inode(path.join(out, 'a'));
    const b = inode(path.join(out, 'b'));
    synth(out, { a: { one: '1', two: '2' }, b: { one: 'changed' } });
    expect(inode(path.join(out, 'a'))).toBe(a);
    expect(inode(path.join(out, 'b'))).not.toBe(b);
    expect(fs.readFileSync(path.join(out, 'b', 'team', 'team--configmap--one.yaml'), 'utf8')).toContain('value: changed');
  });

  test('GIVEN an object dropped from an environment (every remaining file unchanged) THEN its file is removed', () => {
    synth(out, { a: { one: '1' }, b: { one: '1' } });
    expect(Object.keys(snapshotTree(path.join(out, 'a'))).sort()).toEqual(['team/kustomization.yaml', 'team/team--configmap--one.yaml']);
  });

  test('GIVEN a stray file in an otherwise unchanged environment THEN the environment is replaced and the stray file is gone', () => {
    fs.writeFileSync(path.join(out, 'a', 'team', 'stray.yaml'), 'x: 1\n');
    synth(out, { a: { one: '1', two: '2' }, b: { one: '1' } });
    expect(fs.existsSync(path.join(out, 'a', 'team', 'stray.yaml'))).toBe(false);
    expect(Object.keys(snapshotTree(path.join(out, 'a'))).sort()).toEqual(['team/kustomization.yaml', 'team/team--configmap--one.yaml', 'team/team--configmap--two.yaml']);
  });

  test('GIVEN an environment no longer rendered in a complete run THEN its folder is removed; in a partial run it is kept', () => {
    synth(out, { b: { one: '1' } }, false);
    expect(fs.readdirSync(out).sort()).toEqual(['a', 'b']);
    synth(out, { b: { one: '1' } }, true);
    expect(fs.readdirSync(out)).toEqual(['b']);
  });
});
