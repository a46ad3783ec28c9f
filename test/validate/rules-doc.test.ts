import * as fs from 'fs';
import * as path from 'path';
import { RULES, RULE_IDS, findProjectRoot } from '../../lib/validate';

describe('RULES.md', () => {
  const text = fs.readFileSync(path.join(findProjectRoot(), 'lib/validate/RULES.md'), 'utf8');
  const rows = new Map(
    [...text.matchAll(/^\| `([a-z-]+\/[a-z-]+)` \|.*\| (yes|no) \|$/gm)].map((m) => [m[1], m[2] === 'yes']),
  );

  test('GIVEN the rule catalog WHEN reading RULES.md THEN every rule has exactly one row and no row is stale', () => {
    expect([...rows.keys()].sort()).toEqual([...RULE_IDS].sort());
  });

  test.each(RULE_IDS)('GIVEN %s WHEN reading RULES.md THEN its waivable column matches the code', (id) => {
    expect(rows.get(id)).toBe(RULES[id].waivable);
  });
});
