// The bench's synthetic app goes through synth's own hooks (README files, the
// validation gate, the cluster gate, the destructive-change guard): a gate
// added to synth must not break the bench (it did once: the cluster gate read
// an environment file the synthetic environment does not have).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../../lib/synth';
import { synthHooks } from '../../main';
import { BENCH_ENV, syntheticTargets } from '../../bench/synthetic';

test('GIVEN three synthetic services WHEN rendered as bench/synth-app.ts renders them THEN every gate passes and the files are written', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synthetic-'));
  try {
    const source = fs.readFileSync(path.join(__dirname, '../../bench/synth-app.ts'), 'utf8');
    expect(source).toContain("synthHooks({ allowDestructive: [] }, () => ({ shared: true, external: [] }))");
    const result = synthesize({ outDir, environments: [BENCH_ENV], complete: true, render: () => syntheticTargets(3), ...synthHooks({ allowDestructive: [] }, () => ({ shared: true, external: [] })) });
    // 8 objects per service, plus the Namespace and the default-deny policy
    expect(result.objects.length).toBe(3 * 8 + 2);
    expect(fs.readdirSync(path.join(outDir, BENCH_ENV), { recursive: true }).length).toBeGreaterThan(3 * 8);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
