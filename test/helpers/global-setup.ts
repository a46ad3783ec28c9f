// Bundles the app once before the suite, exactly as `npm run build:app` does,
// so CLI tests run the same build/main.js a user runs. Gives the run its own
// temp folder (TMPDIR, inherited by the test workers and every process they
// start); global-teardown.ts removes it, so no test leaves files in /tmp.
// In CI, stops the run at once when the shared folder is missing.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HAS_SHARED, MISSING_SHARED_MESSAGE, inCi } from './shared';

export const TEMP_ROOT_VAR = 'MANIFESTS_TEST_TMPDIR';

export default function globalSetup(): void {
  if (!HAS_SHARED) {
    if (inCi()) throw new Error(MISSING_SHARED_MESSAGE);
    process.stderr.write(`warning: ${MISSING_SHARED_MESSAGE}; skipping them (CI=true makes this an error)\n`);
  }
  const root = path.resolve(__dirname, '../..');
  execFileSync('npm', ['run', '--silent', 'build:app'], { cwd: root, stdio: 'inherit' });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-jest-'));
  process.env[TEMP_ROOT_VAR] = temp;
  process.env.TMPDIR = temp;
}
