// The README names files and commands a new user types or opens: each must
// exist. Issue 19 item 12: its example `dist/prod/ecosystem/ecosystem-prod--deployment--user-service.yaml`
// did not exist (a Rollout renders user-service in prod), and `npm run
// typecheck` was missing from the command table.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>);
// The Requirements map abbreviates dist/<env>/<system>/ as D/, S/, P/, PS/, PF/.
const ABBREVIATIONS: Record<string, string> = { D: 'dev', S: 'staging', P: 'prod', PS: 'prod-shared', PF: 'prod-failover' };

/** Every rendered file the README names, as a path under the project root. */
function namedDistFiles(): string[] {
  const out = new Set<string>();
  for (const m of readme.matchAll(/(?<![\w/.-])dist\/[a-z0-9-]+\/[a-z0-9_-]+\/[A-Za-z0-9_.-]+\.yaml/g)) out.add(m[0]);
  // `P/ecosystem-prod--statefulset--jaeger.yaml`: the system is the file's namespace prefix up to the environment.
  for (const m of readme.matchAll(/(?<![\w/.-])(D|S|P|PS|PF)\/([a-z0-9_-]+?)-(dev|staging|prod|prod-shared|prod-failover)(-[a-z]+)?--[A-Za-z0-9_.-]+\.yaml/g)) {
    const env = ABBREVIATIONS[m[1]];
    out.add(`dist/${env}/${m[2]}/${m[0].slice(m[1].length + 1)}`);
  }
  return [...out].sort();
}

describe('README references', () => {
  test('GIVEN every dist/ file the README names WHEN looked up THEN it exists in the committed dist/', () => {
    const files = namedDistFiles();
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => !fs.existsSync(path.join(ROOT, f)))).toEqual([]);
  });

  test('GIVEN every `npm run X` in the README WHEN compared with package.json THEN X is a script', () => {
    const named = [...readme.matchAll(/npm run (?:--silent )?([a-z0-9:]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(10);
    expect([...new Set(named)].filter((n) => !scripts.includes(n))).toEqual([]);
  });

  test('GIVEN every script a user runs WHEN the command table is read THEN it is listed', () => {
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('## Layout'));
    const internal = (s: string) => s.startsWith('build:') || s === 'prepack' || s === 'test';
    expect(scripts.filter((s) => !internal(s) && !table.includes(`npm run ${s}`))).toEqual([]);
  });
});
