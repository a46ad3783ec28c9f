// network/unreachable (lib/validate/checks/reachability.ts): a Service whose
// pods no NetworkPolicy (and, with a sidecar, no ALLOW AuthorizationPolicy)
// admits on any port it forwards to. Issue 19 item 7: the README's
// order-service rendered into a default-deny namespace without a policy of
// its own, and every check passed.
import * as path from 'path';
import { environmentFromPath, loadManifestDir } from '../../lib/validate';
import { flowModelsByEnvironment } from '../../lib/validate/checks/flows';
import { checkReachability, ReachabilityStats } from '../../lib/validate/checks/reachability';
import { K8sObject, Reporter, toK8sObject } from '../../lib/validate/model';
import { Obj, toDocs, validObjects } from './fixtures';
import { validate, violationsOf } from './helpers';
import { ROOT } from '../helpers/project';

const byName = (objects: Obj[], kind: string, name: string): Obj => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

/** The baseline with sidecar injection in shop and the mesh's `allow-nothing`, plus `extra`. */
function meshed(...extra: Obj[]): Obj[] {
  const objects = validObjects();
  byName(objects, 'Namespace', 'shop').metadata.labels['istio-injection'] = 'enabled';
  return [...objects, { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'shop' }, spec: {} }, ...extra];
}

const unreachable = (objects: Obj[]) => violationsOf(validate(toDocs(objects)), 'network/unreachable');

describe('network/unreachable', () => {
  test('GIVEN sidecar pods whose NetworkPolicy admits them but only allow-nothing applies WHEN validated THEN the Service is unreachable through the AuthorizationPolicy', () => {
    const hits = unreachable(meshed());
    expect(hits.map((v) => `${v.object.kind}/${v.object.name}`)).toEqual(['Service/api']);
    expect(hits[0].message).toContain('no rule of AuthorizationPolicy allow-nothing in shop admits those ports');
    expect(hits[0].message).not.toContain('NetworkPolicy api-ingress');
    expect(hits[0].message).toContain('an ALLOW AuthorizationPolicy rule');
  });

  test('GIVEN the same mesh with an ALLOW rule for the http port WHEN validated THEN the Service is reachable', () => {
    const allowHttp = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, rules: [{ to: [{ operation: { ports: ['8080'] } }] }] } };
    expect(unreachable(meshed(allowHttp))).toEqual([]);
  });

  test('GIVEN the headless governing Service of a one-replica StatefulSet nothing calls WHEN validated THEN it is exempt; at two replicas THEN it is judged', () => {
    expect(unreachable(validObjects())).toEqual([]);
    const objects = validObjects();
    byName(objects, 'StatefulSet', 'db').spec.replicas = 2;
    const hits = unreachable(objects);
    expect(hits.map((v) => `${v.object.kind}/${v.object.name}`)).toEqual(['Service/db-headless']);
    expect(hits[0].message).toMatch(/^Service shop\/db-headless forwards to shop\/StatefulSet db \(ports postgres\/5432\/TCP\), but nothing may connect/);
  });

  test('GIVEN the committed dist/ WHEN every Service is judged THEN none is unreachable, and the count covers the five environments', () => {
    const loaded = loadManifestDir(path.join(ROOT, 'dist'), ROOT);
    const byEnv = new Map<string, K8sObject[]>();
    for (const d of loaded.docs) {
      const o = toK8sObject(d);
      const env = environmentFromPath(path.join(ROOT, d.file));
      if (o && env) byEnv.set(env, [...(byEnv.get(env) ?? []), o]);
    }
    expect([...byEnv.keys()].sort()).toEqual(['dev', 'prod', 'prod-failover', 'prod-shared', 'staging']);
    const r = new Reporter();
    const total: ReachabilityStats = { services: 0, exempt: 0, unreachable: 0 };
    for (const [env, objects] of byEnv) {
      const s = checkReachability(flowModelsByEnvironment(objects, () => env), r);
      total.services += s.services;
      total.exempt += s.exempt;
      total.unreachable += s.unreachable;
    }
    // Unreachable before waivers: the port-forward UIs (Kibana, which no environment exposes; unexposed Backstage), each waived by the app with its reason.
    const waived = r.entries.filter((e) => Object.keys((e.doc.object as Obj).metadata.annotations ?? {}).includes('validate.platform.dev/waive.network.unreachable'));
    expect(total.unreachable).toBe(waived.length);
    expect(waived.map((e) => e.violation.object.name).sort()).toEqual(['backstage', 'kibana', 'kibana', 'kibana', 'kibana', 'kibana', 'kibana']);
    expect(total.services).toBeGreaterThan(100);
    expect(total.exempt).toBeGreaterThan(0);
  });
});
