// Bundles the app once before the suite, exactly as `npm run build:app` does,
// so CLI tests run the same build/main.js a user runs.
import { execFileSync } from 'child_process';
import * as path from 'path';

export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  execFileSync('npm', ['run', '--silent', 'build:app'], { cwd: root, stdio: 'inherit' });
}
