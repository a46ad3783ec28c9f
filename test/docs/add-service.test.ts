// README "Add a service", followed as a user types it: the snippets are the
// fenced blocks under "## Add a service" in README.md, applied to a scratch
// copy of the environments and to the chart (the app is bundled from this
// tree with charts/ecosystem.ts replaced by the edited text). Issue 19 item 7:
// followed literally, the old walkthrough crashed with a TypeError before the
// environment files were updated, then failed on a Secret nothing created,
// then rendered a service nothing could reach while every check passed.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as yaml from 'js-yaml';
import { CliResult, removeScratch, ROOT, scratchProject } from '../helpers/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the project's own CommonJS bundle plugins
const { bindingsPlugin, sharedYaml } = require('../../app/fast/bundle-plugins.js') as { bindingsPlugin: esbuild.Plugin; sharedYaml: esbuild.Plugin };

const CHART = path.join(ROOT, 'charts', 'ecosystem.ts');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Add a service'), readme.indexOf('\n## ', readme.indexOf('## Add a service') + 1));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const [defaultsBlock, environmentBlock] = blocks.filter((b) => b.lang === 'yaml');
const chartBlock = blocks.find((b) => b.lang === 'ts')!;
/** Where the README says the chart code goes: "before `obs.scrapeAll();`". */
const anchor = /before `([^`]+)`/.exec(section)?.[1];

const scratch: string[] = [];
afterAll(() => scratch.forEach(removeScratch));

/** The chart with the README's snippet pasted before the anchor line, at its indentation. */
function editedChart(snippet: string): string {
  const source = fs.readFileSync(CHART, 'utf8');
  const lines = source.split('\n');
  const at = lines.findIndex((l) => l.trim() === anchor);
  const indent = /^\s*/.exec(lines[at])![0];
  const pasted = snippet.split('\n').filter((l) => !l.startsWith('// charts/')).map((l) => (l ? indent + l : l));
  return [...lines.slice(0, at), ...pasted, '', ...lines.slice(at)].join('\n');
}

/** Bundles main.ts as scripts/bundle.js does, with charts/ecosystem.ts replaced by `chart`. */
async function bundleWith(chart: string, outdir: string): Promise<string> {
  const outfile = path.join(outdir, 'main.js');
  const edited: esbuild.Plugin = {
    name: 'edited-chart',
    setup(build) {
      build.onLoad({ filter: /[\\/]charts[\\/]ecosystem\.ts$/ }, (args) => (path.resolve(args.path) === CHART ? { contents: chart, loader: 'ts' } : undefined));
    },
  };
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'main.ts')], bundle: true, platform: 'node', target: 'node20', external: ['typescript'],
    plugins: [edited, bindingsPlugin, sharedYaml], outfile, logLevel: 'silent',
  });
  return outfile;
}

function synth(bundle: string, cwd: string, envs: string[]): CliResult {
  const args = envs.flatMap((e) => ['--env', e]);
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: '', VALIDATE_PROJECT_ROOT: ROOT } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The block's entry under `services:` pasted under `systems.ecosystem.services` of the file. */
function addUnderEcosystemServices(file: string, block: string): void {
  const entry = block.split('\n');
  const entryLines = entry.slice(entry.indexOf('    services:') + 1).filter((l) => l.trim() !== '');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const system = lines.indexOf('  ecosystem:');
  const services = lines.findIndex((l, i) => i > system && l === '    services:');
  expect(system).toBeGreaterThanOrEqual(0);
  expect(services).toBeGreaterThan(system);
  lines.splice(services + 1, 0, ...entryLines);
  fs.writeFileSync(file, lines.join('\n'));
}

/** The environment files the README's second block names in its comment: `# environments/dev.yaml, staging.yaml and prod.yaml`. */
function namedEnvironments(block: string): string[] {
  const comment = block.split('\n')[0];
  return [...comment.matchAll(/([a-z0-9-]+)\.yaml/g)].map((m) => m[1]);
}

function load(file: string): any {
  return yaml.load(fs.readFileSync(file, 'utf8'));
}

describe('README "Add a service", step by step', () => {
  let dir: string;
  let bundles: string;
  const envs = () => namedEnvironments(environmentBlock.text);

  beforeAll(() => {
    dir = scratchProject({ dist: false });
    scratch.push(dir);
    bundles = fs.mkdtempSync(path.join(path.dirname(dir), 'add-service-build-'));
    scratch.push(bundles);
  });

  test('GIVEN the README WHEN its section is read THEN it has the environment blocks, the chart block and where to paste it', () => {
    expect(defaultsBlock.text.split('\n')[0]).toBe('# environments/defaults.yaml');
    expect(envs()).toEqual(['dev', 'staging', 'prod']);
    expect(chartBlock.text).toContain("new ExternalSecret(this, 'orders-db'");
    expect(chartBlock.text).toContain('graph.connect(this.userService, orders, ');
    expect(fs.readFileSync(CHART, 'utf8').split('\n').filter((l) => l.trim() === anchor)).toHaveLength(1);
  });

  test('GIVEN the chart code pasted but the environment files not updated WHEN synth runs THEN exit 1 at the services key, naming the files to edit; no TypeError, no stack', async () => {
    const bundle = await bundleWith(editedChart(chartBlock.text), path.join(bundles, 'full'));
    const r = synth(bundle, dir, envs());
    expect(r.stderr).not.toMatch(/TypeError|internal error|\n\s+at /);
    expect(r.status).toBe(1);
    // The message the README quotes is the one a user sees.
    const quoted = /stops synth with `([^`]+?) \.\.\.`/.exec(section.replace(/\n\s*/g, ' '))?.[1];
    expect(quoted).toBeDefined();
    expect(r.stderr.startsWith(quoted!)).toBe(true);
    expect(r.stderr.trim()).toBe(
      'environments/dev.yaml:22:5 systems.ecosystem.services.order-service: required by charts/ecosystem.ts but not configured; ' +
        'add it under systems.ecosystem.services in environments/defaults.yaml (repository) and each environment file (tag, replicas, resources)',
    );
  });

  test('GIVEN every step followed WHEN synth runs THEN exit 0: order-service renders with a NetworkPolicy admitting user-service, an ExternalSecret creating orders-db, and validation passes', () => {
    addUnderEcosystemServices(path.join(dir, 'environments', 'defaults.yaml'), defaultsBlock.text);
    for (const env of envs()) addUnderEcosystemServices(path.join(dir, 'environments', `${env}.yaml`), environmentBlock.text);
    const r = synth(path.join(bundles, 'full', 'main.js'), dir, envs());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const env of envs()) {
      const out = path.join(dir, 'dist', env, 'ecosystem');
      const ns = `ecosystem-${env}`;
      const svc = load(path.join(out, `${ns}--service--order-service.yaml`));
      const policy = load(path.join(out, `${ns}--networkpolicy--order-service.yaml`));
      const user = load(path.join(out, `${ns}--service--user-service.yaml`));
      const fromUser = (policy.spec.ingress ?? []).find((rule: any) => rule.from.some((f: any) => !f.namespaceSelector && Object.entries(f.podSelector.matchLabels).every(([k, v]) => user.spec.selector[k] === v)));
      expect(fromUser?.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      expect(policy.spec.podSelector.matchLabels).toEqual(svc.spec.selector);
      const secret = load(path.join(out, `${ns}--externalsecret.external-secrets.io--orders-db.yaml`));
      expect(secret.spec.target.name).toBe('orders-db');
      // The entry "orders" of the system's store (some backends prefix it with <env>/ecosystem/).
      expect(secret.spec.data).toEqual([{ secretKey: 'url', remoteRef: expect.objectContaining({ key: expect.stringMatching(/^(?:[a-z-]+\/ecosystem\/)?orders$/), property: 'url' }) }]);
    }
    // With the mesh (staging, prod) its AuthorizationPolicy admits the caller too.
    expect(fs.existsSync(path.join(dir, 'dist', 'prod', 'ecosystem', 'ecosystem-prod--authorizationpolicy.security.istio.io--order-service.yaml'))).toBe(true);
  });

  test('GIVEN every step but the graph lines WHEN synth runs THEN exit 1: network/unreachable names order-service, its namespace and pods', async () => {
    const withoutGraph = chartBlock.text.split('\n').filter((l) => !l.startsWith('graph.')).join('\n');
    expect(withoutGraph).not.toEqual(chartBlock.text);
    const bundle = await bundleWith(editedChart(withoutGraph), path.join(bundles, 'no-graph'));
    const r = synth(bundle, dir, ['dev']);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.includes('network/unreachable'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('dist/dev/ecosystem/ecosystem-dev--service--order-service.yaml: network/unreachable');
    expect(lines[0]).toContain('Service ecosystem-dev/order-service forwards to ecosystem-dev/Deployment order-service (ports http/8080/TCP, metrics/9090/TCP), but nothing may connect to them');
  });
});
