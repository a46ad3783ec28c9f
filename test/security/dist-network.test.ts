// The acceptance test: for every rendered namespace in dist/, a
// default deny exists, every pod has an allow policy of its own, and the
// edges the NetworkPolicies allow are exactly the declared connections.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { CORE_SCHEMA, load } from 'js-yaml';
import { environmentTargets } from '../../charts';
import { listEnvironments, loadEnvironment } from '../../app/config';
import { analyzeNetwork, NetworkAnalysis, peerKey, PodGroup, selectorMatches } from '../../lib/security/network-analysis';
import { Peer, protocolOf } from '../../lib/security/peer';
import { ServiceGraph } from '../../lib/security/service-graph';
import { ManifestObject } from '../../lib/security/shared-cluster';

const DIST = path.resolve(__dirname, '../../dist');

// js-yaml's core schema reads every rendered file as \`yaml\` does (YAML 1.2
// core), several times faster.
function readDir(dir: string): ManifestObject[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => load(fs.readFileSync(path.join(dir, f), 'utf8'), { schema: CORE_SCHEMA }) as ManifestObject);
}

/** Each rendered directory parsed and analysed once, for all the tests that ask. */
const analysed = new Map<string, { objects: ManifestObject[]; net: NetworkAnalysis }>();
function analyseDir(dir: string): { objects: ManifestObject[]; net: NetworkAnalysis } {
  let a = analysed.get(dir);
  if (!a) {
    const objects = readDir(dir);
    analysed.set(dir, (a = { objects, net: analyzeNetwork(objects) }));
  }
  return a;
}

/** The edges a graph declares, expanded to the rendered pod groups its peers select. */
function declaredEdges(graph: ServiceGraph, groups: readonly PodGroup[]): string[] {
  const ends = (p: Peer) =>
    graph.isInternal(p) ? groups.filter((g) => g.namespace === p.namespace && selectorMatches({ matchLabels: p.selectorLabels }, g.labels)).map((g) => g.id) : [peerKey(p)];
  const out = new Set<string>();
  for (const c of graph.connections()) {
    const port = graph.isInternal(c.to) ? c.port : `${c.to.ports[c.port]}/${protocolOf(c.to, c.port)}`;
    for (const f of ends(c.from)) for (const t of ends(c.to)) if (f !== t) out.add(`${f} -> ${t} :${port}`);
  }
  return [...out].sort();
}

const envs = listEnvironments().filter((e) => fs.existsSync(path.join(DIST, e)));

describe.each(envs)('dist/%s', (env) => {
  const targets = environmentTargets(loadEnvironment(env), new App());
  const withGraph = targets.filter((t) => ServiceGraph.tryOf(t.chart));

  test('GIVEN the systems of the environment THEN every one that renders pods declares a service graph', () => {
    const withPods = targets.filter((t) => fs.existsSync(path.join(DIST, t.dir)) && analyseDir(path.join(DIST, t.dir)).net.groups.length > 0).map((t) => t.dir);
    expect(withGraph.map((t) => t.dir)).toEqual(withPods);
  });

  test.each(withGraph.map((t) => t.dir))('GIVEN %s WHEN its NetworkPolicies are read back THEN deny by default, a policy per pod, and exactly the declared edges', (dir) => {
    const { objects, net } = analyseDir(path.join(DIST, dir));
    expect(net.groups.length).toBeGreaterThan(0);

    for (const [ns, deny] of Object.entries(net.defaultDeny)) expect({ ns, deny }).toEqual({ ns, deny: true });
    for (const g of net.groups) {
      // Selected by an allow policy of its own (not only the namespace-wide DNS one).
      const own = objects.filter(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === g.namespace && Object.keys((o.spec as any).podSelector?.matchLabels ?? {}).length > 0 && selectorMatches((o.spec as any).podSelector, g.labels),
      );
      expect({ pod: g.id, ownPolicies: own.length > 0 }).toEqual({ pod: g.id, ownPolicies: true });
    }

    const graph = ServiceGraph.tryOf(withGraph.find((t) => t.dir === dir)!.chart)!;
    const allowed = net.edges.map((e) => `${e.from} -> ${e.to} :${e.port}`).sort();
    expect(allowed).toEqual(declaredEdges(graph, net.groups));
  });
});
