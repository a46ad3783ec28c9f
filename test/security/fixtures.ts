import { Chart } from 'cdk8s';
import { ServiceGraph } from '../../lib/security/service-graph';
import { Microservice } from '../../lib/workloads/microservice';
import { testChart } from '../helpers/chart';

/** A chart with a graph and two services in `shop`: api (http + metrics) and db-proxy (http). */
export function shopChart(): { chart: Chart; graph: ServiceGraph; api: Microservice; backend: Microservice } {
  const chart = testChart();
  const graph = new ServiceGraph(chart, 'ServiceGraph');
  const image = { repository: 'registry.example.com/app', tag: 'v1.0.0' };
  const api = new Microservice(chart, 'api', { namespace: 'shop', image, metricsPort: 9090 });
  const backend = new Microservice(chart, 'backend', { namespace: 'shop', image, port: 8081 });
  graph.add(api).add(backend);
  return { chart, graph, api, backend };
}

export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; [k: string]: any };

export function find(objs: Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}
