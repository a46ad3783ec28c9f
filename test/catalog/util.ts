import { Chart, Testing } from 'cdk8s';
import { testChart } from '../helpers/chart';

export type Obj = Record<string, any>;

/** Synthesizes the chart once and indexes its objects by `Kind/name`. */
export function render(chart: Chart): { all: Obj[]; get: (kindName: string) => Obj; has: (kindName: string) => boolean } {
  const all = Testing.synth(chart) as Obj[];
  const index = new Map(all.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  return {
    all,
    get: (k) => {
      const o = index.get(k);
      if (!o) throw new Error(`no ${k}; rendered: ${[...index.keys()].join(', ')}`);
      return o;
    },
    has: (k) => index.has(k),
  };
}

export function container(o: Obj, name: string): Obj {
  const spec = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
  const c = [...(spec.initContainers ?? []), ...spec.containers].find((x: Obj) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${o.kind}/${o.metadata.name}`);
  return c;
}

export function envOf(c: Obj): Record<string, any> {
  return Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
}

export function chart(): Chart {
  return testChart();
}
