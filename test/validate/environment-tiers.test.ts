// The validate command reads each environment's tier without the app's
// loader (the package ships no environment schema): it must agree with it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listEnvironments, loadEnvironment } from '../../app/config';
import { environmentTiers } from '../../lib/validate/environment-tiers';

describe('environmentTiers', () => {
  test('GIVEN the project environments WHEN read plainly THEN every tier is the one the loader resolves', () => {
    const read = environmentTiers(path.resolve(__dirname, '../../environments'));
    expect(read).toEqual(Object.fromEntries(listEnvironments().map((env) => [env, loadEnvironment(env).environment.tier])));
  });

  test('GIVEN defaults with a tier, a file with its own, one without and one that does not parse WHEN read THEN its own tier wins and the defaults fill in for the other two', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiers-'));
    try {
      fs.writeFileSync(path.join(dir, 'defaults.yaml'), 'environment: { tier: staging }\n');
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'environment: { tier: production }\n');
      fs.writeFileSync(path.join(dir, 'b.yaml'), 'systems: {}\n');
      fs.writeFileSync(path.join(dir, 'c.yaml'), 'environment: [unclosed\n');
      expect(environmentTiers(dir)).toEqual({ a: 'production', b: 'staging', c: 'staging' });
      expect(environmentTiers(path.join(dir, 'missing'))).toEqual({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
