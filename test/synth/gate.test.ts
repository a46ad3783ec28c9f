import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { CheckFailedError, synthesize } from '../../lib/synth';
import { ValidationGate } from '../../lib/validate/synth-check';
import { snapshotTree } from '../helpers/project';

function privilegedChart(app: App): Chart {
  const chart = new Chart(app, 'bad', { disableResourceNameHashes: true });
  new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'settings', namespace: 'team' }, data: { a: 'b' } });
  new k8s.KubeDeployment(chart, 'Resource', {
    metadata: { name: 'api', namespace: 'team' },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: { containers: [{ name: 'api', image: 'registry.example.com/api:latest', securityContext: { privileged: true } }] },
      },
    },
  });
  return chart;
}

describe('the validation gate inside synth', () => {
  test('GIVEN a render with a privileged container and a latest image WHEN synthesized THEN it is refused and the output directory is untouched', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-'));
    const out = path.join(root, 'dist');
    fs.mkdirSync(path.join(out, 'prod', 'bad'), { recursive: true });
    fs.writeFileSync(path.join(out, 'prod', 'bad', 'previous.yaml'), 'kept: true\n');
    const before = snapshotTree(out);
    let error: unknown;
    try {
      synthesize({ outDir: out, environments: ['prod'], complete: true, render: () => [{ dir: 'prod/bad', chart: privilegedChart(new App()) }], checks: [new ValidationGate()] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckFailedError);
    const message = (error as Error).message;
    expect(message).toMatch(/^validate: \d+ problem\(s\); dist\/ left unchanged/);
    expect(message).toContain('dist/prod/bad/team--deployment--api.yaml');
    expect(message).toContain('policy/pss-restricted');
    expect(message).toContain('spec.template.spec.containers[0].securityContext.privileged');
    expect(message).toMatch(/policy\/image-tag/);
    // Issue 19 item 12: "validate: 126 problem(s)" over 23 listed violations; the count is what is listed.
    const listed = message.split('\n').slice(1);
    expect(message).toMatch(new RegExp(`^validate: ${listed.length} problem\\(s\\)`));
    for (const line of listed) expect(line).toMatch(/^ {2}dist\/prod\/bad\/\S+\.yaml: (schema|structure|reference|policy)\/[a-z-]+: \S+ \S+ \S+/);
    expect(snapshotTree(out)).toEqual(before);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.synth-'))).toEqual([]);
  });
});
