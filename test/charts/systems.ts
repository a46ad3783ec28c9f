// Renders one system chart of one environment file, for the per-system tests.
import { App, Chart } from 'cdk8s';
import { EnvironmentConfig, loadEnvironment } from '../../app/config';
import { SYSTEMS } from '../../charts';

export type K8s = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

/** The objects of `system` in environment `env`, with a finder by kind and name. */
export function renderSystem(env: string, system: keyof EnvironmentConfig['systems']) {
  const cfg = loadEnvironment(env);
  const chart: Chart = SYSTEMS[system](new App(), system, cfg, cfg.systems[system]!);
  const objects = chart.toJson() as K8s[];
  const find = (kind: string, name: string): K8s => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${env}/${system}: no ${kind} ${name} (have: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
    return o;
  };
  const all = (kind: string) => objects.filter((x) => x.kind === kind);
  return { cfg, objects, find, all };
}
