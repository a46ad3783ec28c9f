import * as fc from 'fast-check';
import { fuzz } from '../helpers/fuzz';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { ConfigError, configErrorAt, deepMerge, environmentSchema, listEnvironments, loadEnvironment } from '../../app/config';
import { readYaml } from '../../app/config/yaml-source';
import { applySteps, nodePaths, stepArb, treeOf, yamlText } from './yaml-edits';

const VALID = `# yaml-language-server: $schema=./schema.json
environment:
  tier: production
cluster:
  name: prod
  server: https://kubernetes.default.svc
systems:
  ecosystem:
    namespace: ecosystem-prod
    services:
      user-service:
        image:
          tag: v1.2.0
        replicas: 5
        resources:
          requests: { cpu: 500m, memory: 512Mi }
          limits: { cpu: "1", memory: 1Gi }
`;

const DEFAULTS = `systems:
  ecosystem:
    services:
      user-service:
        image:
          repository: registry.example.com/user-service
`;

function envDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envs-'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'environments', name), text);
  return dir;
}

function load(prod: string, defaults = DEFAULTS) {
  const root = envDir({ 'defaults.yaml': defaults, 'prod.yaml': prod });
  return loadEnvironment('prod', { dir: path.join(root, 'environments'), root });
}

function problemLines(prod: string, defaults = DEFAULTS): string[] {
  try {
    load(prod, defaults);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected the environment to be rejected');
}

describe('loadEnvironment', () => {
  test('GIVEN defaults and an overlay WHEN loaded THEN values merge key by key', () => {
    const env = load(VALID);
    expect(env.name).toBe('prod');
    const svc = env.systems.ecosystem!.services['user-service'];
    expect(svc.image).toEqual({ repository: 'registry.example.com/user-service', tag: 'v1.2.0' });
    expect(svc.replicas).toBe(5);
  });

  test('GIVEN a value of the wrong type WHEN loaded THEN the error names file, line, column, path, expectation and value', () => {
    expect(problemLines(VALID.replace('replicas: 5', 'replicas: five'))).toEqual([
      'environments/prod.yaml:14:19 systems.ecosystem.services.user-service.replicas: expected an integer >= 0, got "five"',
    ]);
  });

  test('GIVEN negative replicas WHEN loaded THEN it is rejected at the value', () => {
    expect(problemLines(VALID.replace('replicas: 5', 'replicas: -1'))).toEqual([
      'environments/prod.yaml:14:19 systems.ecosystem.services.user-service.replicas: expected an integer >= 0, got -1',
    ]);
  });

  test('GIVEN an unknown key WHEN loaded THEN it is rejected with a did-you-mean hint', () => {
    const [line] = problemLines(VALID.replace('replicas: 5', 'replica: 5'));
    expect(line).toMatch(/^environments\/prod\.yaml:14:9 systems\.ecosystem\.services\.user-service\.replica: unknown key; did you mean "replicas"\? \(valid keys: /);
  });

  test('GIVEN a bad CPU quantity WHEN loaded THEN the message shows valid examples', () => {
    expect(problemLines(VALID.replace('cpu: 500m', 'cpu: 500mc'))).toEqual([
      'environments/prod.yaml:16:28 systems.ecosystem.services.user-service.resources.requests.cpu: expected a CPU quantity such as "250m", "0.5" or 1, got "500mc"',
    ]);
  });

  test('GIVEN requests above limits WHEN loaded THEN the request is reported against the limit', () => {
    expect(problemLines(VALID.replace('cpu: 500m', 'cpu: 1500m'))).toEqual([
      'environments/prod.yaml:16:28 systems.ecosystem.services.user-service.resources.requests.cpu: expected at most the CPU limit (1), got "1500m"',
    ]);
  });

  test('GIVEN no image tag anywhere WHEN loaded THEN the closest present parent in the environment file is named', () => {
    expect(problemLines(VALID.replace('        image:\n          tag: v1.2.0\n', ''))).toEqual([
      'environments/prod.yaml:11:7 systems.ecosystem.services.user-service.image.tag: required, but missing (expected an image tag such as "v1.2.0" (letters, digits, ".", "_", "-"))',
    ]);
  });

  test('GIVEN a YAML syntax error WHEN loaded THEN the parser position is reported', () => {
    const [line, ...rest] = problemLines(VALID.replace('replicas: 5', 'replicas: [5'));
    expect(line).toMatch(/^environments\/prod\.yaml:\d+:\d+ \(file\): YAML syntax error: /);
    expect(rest.every((l) => /^environments\/prod\.yaml:\d+:\d+ /.test(l))).toBe(true);
  });

  test('GIVEN a duplicate key WHEN loaded THEN it is a syntax error, not a silent override', () => {
    const [line] = problemLines(VALID.replace('replicas: 5', 'replicas: 5\n        replicas: 6'));
    expect(line).toMatch(/^environments\/prod\.yaml:15:\d+ \(file\): YAML syntax error: .*[Mm]ap keys must be unique/);
  });

  test('GIVEN an unknown strategy type WHEN loaded THEN valid types are listed with a hint', () => {
    const [line] = problemLines(VALID.replace('replicas: 5', 'replicas: 5\n        strategy:\n          type: rollin'));
    expect(line).toMatch(/^environments\/prod\.yaml:16:17 systems\.ecosystem\.services\.user-service\.strategy\.type: expected one of "rolling".*, got "rollin"; did you mean "rolling"\?$/);
  });

  test('GIVEN both rolling knobs zero WHEN loaded THEN the strategy is rejected', () => {
    const [line] = problemLines(VALID.replace('replicas: 5', 'replicas: 5\n        strategy: { type: rolling, maxSurge: 0, maxUnavailable: "0%" }'));
    expect(line).toMatch(/strategy\.maxUnavailable: expected maxSurge and maxUnavailable not both zero/);
  });

  test('GIVEN an error in the defaults WHEN loaded THEN the defaults file is named', () => {
    const [line] = problemLines(VALID, DEFAULTS.replace('registry.example.com/user-service', 'Registry Example'));
    expect(line).toMatch(/^environments\/defaults\.yaml:6:23 systems\.ecosystem\.services\.user-service\.image\.repository: expected an image repository/);
  });

  test('GIVEN a missing environment WHEN loaded THEN known environments are suggested', () => {
    const root = envDir({ 'prod.yaml': VALID, 'staging.yaml': VALID });
    expect(() => loadEnvironment('prdo', { dir: path.join(root, 'environments'), root })).toThrow(
      'environments/prdo.yaml:1:1 (file): no such environment file; did you mean "prod"? (known environments: prod, staging)',
    );
  });

  test('GIVEN a loaded environment WHEN a chart reports a field THEN the error points at the file that sets it', () => {
    const env = load(VALID);
    expect(configErrorAt(env, ['systems', 'ecosystem', 'services', 'user-service', 'replicas'], 'expected fewer').message).toBe(
      'environments/prod.yaml:14:19 systems.ecosystem.services.user-service.replicas: expected fewer',
    );
    expect(configErrorAt(env, ['systems', 'ecosystem', 'services', 'user-service', 'image', 'repository'], 'expected another').message).toBe(
      'environments/defaults.yaml:6:23 systems.ecosystem.services.user-service.image.repository: expected another',
    );
    // A field no file sets: its closest parent in the environment file, at its key.
    expect(configErrorAt(env, ['systems', 'ecosystem', 'quota', 'pods'], 'expected a quota').message).toBe('environments/prod.yaml:8:3 systems.ecosystem.quota.pods: expected a quota');
  });

  test('GIVEN a file the fast parser declines (an anchor) WHEN loaded and reported THEN data and positions come from the yaml library', () => {
    const prod = VALID.replace('        replicas: 5\n', '        replicas: &five 5\n        logLevel: info\n');
    const env = load(prod);
    expect(env.systems.ecosystem!.services['user-service'].replicas).toBe(5);
    expect(configErrorAt(env, ['systems', 'ecosystem', 'services', 'user-service', 'logLevel'], 'x').message).toBe('environments/prod.yaml:15:19 systems.ecosystem.services.user-service.logLevel: x');
  });

  test('GIVEN an environment loaded twice WHEN the first result is edited THEN the second is not (loads share the parsed files, never their objects)', () => {
    const root = envDir({ 'defaults.yaml': DEFAULTS, 'prod.yaml': VALID });
    const options = { dir: path.join(root, 'environments'), root };
    const first = loadEnvironment('prod', options);
    const svc = first.systems.ecosystem!.services['user-service'];
    svc.image.repository = 'edited';
    svc.resources!.requests.cpu = 'edited';
    const second = loadEnvironment('prod', options);
    expect(second.systems.ecosystem!.services['user-service'].image.repository).toBe('registry.example.com/user-service');
    expect(second.systems.ecosystem!.services['user-service'].resources!.requests.cpu).toBe('500m');
  });

  test('GIVEN edited environment files WHEN validated without zod\'s compiled parsers (jitless, as the loader does) THEN data and issues are the same', () => {
    const dir = path.resolve('environments');
    const defaults = readYaml(fs.readFileSync(path.join(dir, 'defaults.yaml'), 'utf8'), 'defaults.yaml').data;
    const names = listEnvironments({ dir });
    const trees = Object.fromEntries(names.map((e) => [e, treeOf(parseDocument(fs.readFileSync(path.join(dir, `${e}.yaml`), 'utf8')))]));
    const edit = fc.constantFrom(...names).chain((e) => fc.tuple(fc.constant(e), fc.array(stepArb(nodePaths(trees[e])), { minLength: 1, maxLength: 3 })));
    let failures = 0;
    fc.assert(
      fc.property(edit, ([e, steps]) => {
        let data: unknown;
        try {
          data = deepMerge(defaults, readYaml(yamlText(applySteps(trees[e], steps)), 'x').data);
        } catch {
          return; // a syntax error (a repeated key): nothing to validate
        }
        const jitless = environmentSchema.safeParse(data, { jitless: true });
        expect(jitless).toEqual(environmentSchema.safeParse(data));
        if (!jitless.success) failures++;
      }),
      fuzz({ numRuns: 100, seed: 777 }),
    );
    expect(failures).toBeGreaterThan(30);
  });

  test('GIVEN the environments folder WHEN listed THEN defaults are not an environment', () => {
    const root = envDir({ 'defaults.yaml': DEFAULTS, 'prod.yaml': VALID, 'dev.yaml': VALID });
    expect(listEnvironments({ dir: path.join(root, 'environments') })).toEqual(['dev', 'prod']);
  });
});

describe('deepMerge', () => {
  test('GIVEN nested maps and lists WHEN merged THEN maps merge and lists are replaced', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
  });

  test('GIVEN an overlay that switches a variant WHEN merged THEN the old variant\'s keys are dropped', () => {
    const base = { strategy: { type: 'rolling', maxSurge: 1 } };
    expect(deepMerge(base, { strategy: { type: 'canary', stages: [] } })).toEqual({ strategy: { type: 'canary', stages: [] } });
    expect(deepMerge(base, { strategy: { type: 'rolling', maxSurge: 2 } })).toEqual({ strategy: { type: 'rolling', maxSurge: 2 } });
  });
});

describe('the real environment files', () => {
  test.each(listEnvironments())('GIVEN environments/%s.yaml WHEN loaded THEN it is valid and references the JSON schema', (name) => {
    expect(() => loadEnvironment(name)).not.toThrow();
    expect(fs.readFileSync(path.join('environments', `${name}.yaml`), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/schema\.json$/m);
  });

  test('GIVEN the zod schema WHEN rendered as JSON Schema THEN environments/schema.json is up to date (npm run schema)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { schemaText } = require('../../scripts/write-schema') as { schemaText: () => string };
    expect(fs.readFileSync(path.join('environments', 'schema.json'), 'utf8')).toBe(schemaText());
  });
});
