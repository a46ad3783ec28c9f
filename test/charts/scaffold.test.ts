// Every system chart stands on one scaffold (charts/system-scaffold.ts): the
// namespace, secret store, service graph, mesh, backup and render checks are
// set up in one place, so a system cannot drift from the others. Three drifts
// the ecosystem chart had while it set itself up by hand are pinned here.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { EnvironmentConfig, loadEnvironment } from '../../app/config';
import { SYSTEMS } from '../../charts';
import { K8s, renderSystem } from './systems';

type SystemName = keyof EnvironmentConfig['systems'];
const root = path.resolve(__dirname, '../..');

function render(cfg: EnvironmentConfig, system: SystemName, id: string = system): K8s[] {
  return SYSTEMS[system](new App(), id, cfg, cfg.systems[system]!).toJson() as K8s[];
}

describe('one system scaffold', () => {
  test('GIVEN backup.namespace names where Velero runs WHEN every backed-up system renders THEN its Schedule is in that namespace (the ecosystem chart wrote "velero")', () => {
    const base = loadEnvironment('prod');
    const cfg: EnvironmentConfig = { ...base, backup: { ...base.backup!, namespace: 'backups' } };
    const schedules = (['ecosystem', 'idp'] as const).map((s) => render(cfg, s).find((o) => o.kind === 'Schedule'));
    expect(schedules.map((s) => `${s?.metadata.name} in ${s?.metadata.namespace}`)).toEqual(['ecosystem-prod in backups', 'idp-prod in backups']);
  });

  test('GIVEN a system rendered under another key WHEN its secrets are read THEN they come from <environment>/<key>/, the same derivation for every system (the ecosystem chart hard-coded "ecosystem")', () => {
    const cfg = loadEnvironment('prod');
    // Managed endpoints' keys are written whole in the environment file (components.*.external.remoteKey).
    const written = (system: SystemName) => Object.values(cfg.systems[system]!.components ?? {}).map((c) => (c as { external?: { remoteKey?: string } }).external?.remoteKey);
    const keys = (system: SystemName, id: string) =>
      render(cfg, system, id)
        .filter((o) => o.kind === 'ExternalSecret')
        .flatMap((o) => (o.spec.data as { remoteRef: { key: string } }[]).map((d) => d.remoteRef.key))
        .filter((k) => !written(system).includes(k));
    for (const system of ['ecosystem', 'idp', 'fediflow', 'specify'] as const) {
      const found = keys(system, `${system}-copy`);
      expect(found.length).toBeGreaterThan(0);
      expect(found.filter((k) => !k.startsWith(`prod/${system}-copy/`))).toEqual([]);
    }
  });

  test('GIVEN clustered components (Elasticsearch nodes, Kafka brokers) WHEN rendered THEN their pods reach each other through the graph: the rule is in the peer\'s own NetworkPolicy, no hand-written "-cluster" policy exists, and the mesh admits the transport port', () => {
    const eco = renderSystem('prod', 'ecosystem');
    expect(eco.all('NetworkPolicy').map((p) => p.metadata.name)).not.toContain('elasticsearch-cluster');
    const es = eco.find('NetworkPolicy', 'elasticsearch').spec;
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'elasticsearch', 'app.kubernetes.io/name': 'elasticsearch' } } };
    expect(es.ingress).toContainEqual({ from: [self], ports: [{ port: 'transport', protocol: 'TCP' }] });
    expect(es.egress).toContainEqual({ to: [self], ports: [{ port: 'transport', protocol: 'TCP' }] });
    // Before, Istio's allow-nothing plus this policy without 9300 cut the nodes apart.
    const authz = eco.find('AuthorizationPolicy', 'elasticsearch').spec.rules.flatMap((r: any) => r.to.flatMap((t: any) => t.operation.ports));
    expect(authz).toContain('9300');
    const kafka = renderSystem('prod', 'infometis').find('NetworkPolicy', 'kafka-broker').spec;
    expect(kafka.ingress.filter((r: any) => r.from[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'kafka' && r.from[0].podSelector.matchLabels['app.kubernetes.io/component'] === 'broker').flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(['client', 'controller']);
  });

  test('GIVEN the chart sources WHEN read THEN every system chart builds on SystemScaffold and none sets up a namespace, secret store, graph, mesh, tracing, backup or NetworkPolicy itself', () => {
    const SETUP = /new (SystemNamespace|SecretStore|ServiceGraph|MeshPolicies|TracingSampling|VeleroSchedule|(?:k8s\.)?KubeNetworkPolicy)\(/g;
    const charts = fs.readdirSync(path.join(root, 'charts')).filter((f) => f.endsWith('.ts') && f !== 'system-scaffold.ts');
    const bypass = charts.flatMap((f) => [...fs.readFileSync(path.join(root, 'charts', f), 'utf8').matchAll(SETUP)].map((m) => `charts/${f}: ${m[0]}`));
    expect(bypass).toEqual([]);
    for (const system of Object.keys(SYSTEMS)) {
      expect(`${system}: ${/new SystemScaffold\(/.test(fs.readFileSync(path.join(root, 'charts', `${system}.ts`), 'utf8'))}`).toBe(`${system}: true`);
    }
  });

  test('GIVEN every environment WHEN rendered THEN every NetworkPolicy of a system comes from its service graph (or the ACME solver access of the border)', () => {
    const offGraph: string[] = [];
    let policies = 0;
    for (const env of fs.readdirSync(path.join(root, 'dist')).filter((d) => fs.statSync(path.join(root, 'dist', d)).isDirectory())) {
      const cfg = loadEnvironment(env);
      for (const system of Object.keys(cfg.systems) as SystemName[]) {
        if (!cfg.systems[system] || !(system in SYSTEMS)) continue;
        const chart: Chart = SYSTEMS[system](new App(), system, cfg, cfg.systems[system]);
        for (const o of chart.node.findAll()) {
          const json = (o as { toJson?: () => K8s }).toJson;
          if (typeof json !== 'function' || !('kind' in o) || (o as { kind: string }).kind !== 'NetworkPolicy') continue;
          policies++;
          if (!/\/(ServiceGraph|AcmeSolverAccess)\//.test(`/${o.node.path}/`)) offGraph.push(`${env}: ${o.node.path}`);
        }
      }
    }
    expect(policies).toBeGreaterThan(150);
    expect(offGraph).toEqual([]);
  });
});
