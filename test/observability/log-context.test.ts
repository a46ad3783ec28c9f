// InfoMetis "Centralized logging with environment context": every log
// pipeline in the committed dist/ stamps environment, system and namespace on
// each record (read from the rendered configuration, as a cluster gets it).
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ROOT } from '../helpers/project';

interface Pipeline {
  readonly file: string;
  readonly env: string;
  readonly system: string;
  readonly config: string;
}

function pipelines(suffix: string, key: string): Pipeline[] {
  const out: Pipeline[] = [];
  const dist = path.join(ROOT, 'dist');
  for (const env of fs.readdirSync(dist)) {
    const envDir = path.join(dist, env);
    if (!fs.statSync(envDir).isDirectory()) continue;
    for (const system of fs.readdirSync(envDir).filter((s) => !s.startsWith('_'))) {
      const dir = path.join(envDir, system);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(suffix))) {
        const doc = yaml.load(fs.readFileSync(path.join(dir, f), 'utf8')) as { data: Record<string, string> };
        out.push({ file: `dist/${env}/${system}/${f}`, env, system, config: doc.data[key] });
      }
    }
  }
  return out;
}

const fluentBit = pipelines('--configmap--fluent-bit-config.yaml', 'fluent-bit.conf');
const logstash = pipelines('--configmap--logstash-config.yaml', 'logstash.conf');

test('GIVEN dist/ THEN there are log pipelines to check in every environment with an independent cluster (the shared cluster uses its owners\' collector)', () => {
  expect(new Set(fluentBit.map((p) => p.env))).toEqual(new Set(['dev', 'staging', 'prod', 'prod-failover']));
  expect(fluentBit.length).toBeGreaterThanOrEqual(10);
  expect(logstash.map((p) => p.file).sort()).toEqual(['dist/dev/specify/specify-dev--configmap--logstash-config.yaml', 'dist/prod/specify/specify-prod--configmap--logstash-config.yaml', 'dist/staging/specify/specify-staging--configmap--logstash-config.yaml']);
});

describe.each(fluentBit.map((p) => [p.file, p] as const))('%s', (_file, p) => {
  test('THEN every record gets environment and system (set, after the kubernetes filter) and the pod namespace', () => {
    const sections = p.config.split('\n\n');
    const kube = sections.findIndex((s) => /Name\s+kubernetes/.test(s));
    const modify = sections.findIndex((s) => /Name\s+modify/.test(s));
    const lua = sections.findIndex((s) => /Name\s+lua/.test(s));
    expect(kube).toBeGreaterThan(0);
    expect(modify).toBeGreaterThan(kube);
    expect(lua).toBeGreaterThan(kube);
    expect(sections[modify]).toMatch(new RegExp(`Set\\s+environment ${p.env}\\n`));
    expect(sections[modify]).toMatch(new RegExp(`Set\\s+system ${p.system}(\\n|$)`));
    expect(sections[lua]).toContain('record["namespace"] = k["namespace_name"]');
    for (const s of [modify, lua]) expect(sections[s]).toMatch(/Match\s+kube\.\*/);
  });
});

describe.each(logstash.map((p) => [p.file, p] as const))('%s', (_file, p) => {
  test('THEN events from any collector get the environment and system when they lack them', () => {
    expect(p.config).toContain(`mutate { add_field => { "environment" => "${p.env}" } }`);
    expect(p.config).toContain(`mutate { add_field => { "system" => "${p.system}" } }`);
  });
});
