import * as fs from 'fs';
import * as path from 'path';
import { gitopsCli } from '../../app/gitops/cli';
import { parse } from 'yaml';
import { toYaml } from '../../lib/synth';
import { formatMarkdown, formatText, semanticDiff } from '../../app/gitops/semantic-diff';
import { scratchProject, snapshotTree } from '../helpers/project';

const file = (o: Record<string, unknown>) => `# construct: x\n${JSON.stringify(o)}\n`;
const deploy = (image: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { replicas, template: { spec: { containers: [{ name: 'api', image }, { name: 'sidecar', image: 'proxy:1' }] } } },
});

describe('semanticDiff', () => {
  // GIVEN committed files and a new render: one object changed, one removed, one added; formatting-only changes elsewhere
  const before = new Map([
    ['prod/shop/shop--deployment--api.yaml', file(deploy('api:1', 2))],
    ['prod/shop/shop--configmap--old.yaml', file({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: 'shop' } })],
    ['prod/shop/kustomization.yaml', 'resources: []\n'],
    ['dev/shop/shop--configmap--same.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same, namespace: shop}\n'],
  ]);
  const after = new Map([
    ['prod/shop/shop--deployment--api.yaml', file(deploy('api:2', 3))],
    ['prod/shop/shop--configmap--new.yaml', file({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'shop' } })],
    ['prod/shop/kustomization.yaml', 'resources: [a]\n'],
    ['dev/shop/shop--configmap--same.yaml', '# other comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: shop\n  name: same\n'],
  ]);
  // WHEN
  const diffs = semanticDiff(before, after, ['dev', 'prod']);

  test('reports objects added, removed and changed with field paths; ignores formatting and non-object files', () => {
    expect(diffs[0]).toEqual({ env: 'dev', objects: [], destructive: [] });
    expect(diffs[1].destructive).toEqual([]);
    expect(diffs[1].objects).toEqual([
      { change: 'added', id: 'ConfigMap/shop/new', dir: 'prod/shop', fields: [] },
      { change: 'removed', id: 'ConfigMap/shop/old', dir: 'prod/shop', fields: [] },
      {
        change: 'changed',
        id: 'Deployment/shop/api',
        dir: 'prod/shop',
        fields: [
          { path: 'spec.replicas', before: 2, after: 3 },
          { path: 'spec.template.spec.containers[name=api].image', before: 'api:1', after: 'api:2' },
        ],
      },
    ]);
  });

  test('flags what the guard would refuse', () => {
    const pvc = 'prod/shop/shop--persistentvolumeclaim--data.yaml';
    const withPvc = new Map([...before, [pvc, file({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' } })]]);
    const [, prod] = semanticDiff(withPvc, after, ['dev', 'prod']);
    expect(prod.destructive.map((c) => c.id)).toEqual(['PersistentVolumeClaim/shop/data']);
    expect(formatText([prod])).toContain('  ! PersistentVolumeClaim/shop/data needs --allow-destructive PersistentVolumeClaim/shop/data: would be removed from Git');
    expect(formatMarkdown([prod])).toContain('> - `PersistentVolumeClaim/shop/data`: would be removed from Git');
  });

  test('text and Markdown renderings', () => {
    expect(formatText(diffs)).toBe(
      [
        'dev: no changes',
        'prod: 1 added, 1 removed, 1 changed',
        '  + ConfigMap/shop/new  (prod/shop)',
        '  - ConfigMap/shop/old  (prod/shop)',
        '  ~ Deployment/shop/api  (prod/shop)',
        '      spec.replicas: 2 -> 3',
        '      spec.template.spec.containers[name=api].image: "api:1" -> "api:2"',
        '',
      ].join('\n'),
    );
    const md = formatMarkdown(diffs);
    expect(md).toContain('### prod: 1 added, 1 removed, 1 changed');
    expect(md).toContain('| `spec.replicas` | `2` | `3` |');
  });
});

describe('npm run diff', () => {
  test('renders into a temp dir and never touches dist/; --exit-code fails on differences', () => {
    // GIVEN a project copy whose committed dist/ has a hand edit the charts do not make
    const dir = scratchProject();
    try {
      const dist = path.join(dir, 'dist');
      const [file] = Object.keys(snapshotTree(path.join(dist, 'prod'))).filter((f) => f.includes('--')).sort();
      const abs = path.join(dist, 'prod', file);
      const original = fs.readFileSync(abs, 'utf8');
      const object = parse(original, { version: '1.1' });
      object.metadata.labels = { ...object.metadata.labels, 'test/hand-edit': 'x' };
      fs.writeFileSync(abs, toYaml(object));
      const before = snapshotTree(dist);
      let rendered = '';
      const out: string[] = [];
      // WHEN
      const status = gitopsCli(['diff', '--env', 'prod', '--exit-code'], {
        root: dir,
        stdout: (s) => out.push(s),
        render: (envs, outDir) => {
          rendered = outDir;
          // Stand-in for the synth: the committed files without the hand edit.
          fs.cpSync(path.join(dist, 'prod'), path.join(outDir, 'prod'), { recursive: true });
          fs.writeFileSync(path.join(outDir, 'prod', file), original);
          expect(envs).toEqual(['prod']);
        },
      });
      // THEN
      expect(status).toBe(1);
      expect(path.relative(dist, rendered).startsWith('..')).toBe(true);
      expect(fs.existsSync(rendered)).toBe(false);
      expect(out.join('')).toMatch(/metadata\.labels.*test\/hand-edit.*"x".* -> \(absent\)/);
      expect(snapshotTree(dist)).toEqual(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
