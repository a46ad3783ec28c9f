/**
 * Required flows (lib/validate/checks/flows.ts) over the committed dist/:
 * every flow the cluster needs is evaluated and passes; and the defects of
 * issue 17 (items 5, 9, 14), put back into today's output, are reported
 * naming source, destination, port and the policy that drops them.
 */
import * as path from 'path';
import { ManifestDocument, validateManifests, Violation } from '../../lib/validate';
import { evaluateFlows } from '../../lib/validate/checks/flows';
import { loadManifestDir } from '../../lib/validate/load';
import { ObjectSet, toK8sObject } from '../../lib/validate/model';

const DIST = path.resolve(__dirname, '../../dist');
const ENVS = ['dev', 'staging', 'prod', 'prod-failover', 'prod-shared'];

type Obj = Record<string, any>;

function docsOf(rel: string): ManifestDocument[] {
  return loadManifestDir(path.join(DIST, rel), DIST).docs;
}

/** The documents of `rel` after `change` edits their objects (deep copies). */
function changed(rel: string, change: (objects: Obj[]) => Obj[]): ManifestDocument[] {
  const docs = docsOf(rel);
  const objects = change(docs.map((d) => JSON.parse(JSON.stringify(d.object)) as Obj));
  return objects.map((object, i) => ({ file: `dist/${rel}/${i}.yaml`, object }));
}

function violations(docs: ManifestDocument[], env: string, rule: string): Violation[] {
  return validateManifests(docs, { environment: env }).violations.filter((v) => v.rule === rule);
}

const named = (kind: string, name: string) => (o: Obj) => o.kind === kind && o.metadata?.name === name;

describe('required flows over dist/', () => {
  test.each(ENVS)('GIVEN dist/%s WHEN its required flows are evaluated THEN there are flows of each expected kind and none is blocked', (env) => {
    const set = new ObjectSet(docsOf(env).map(toK8sObject).filter((o): o is NonNullable<typeof o> => o !== undefined));
    const { verdicts } = evaluateFlows(set);
    const kinds = new Set(verdicts.map((v) => v.flow.kind));
    for (const k of ['scrape', 'probe', 'route']) expect(kinds).toContain(k);
    if (env !== 'dev') expect(kinds).toContain('acme');
    expect(verdicts.filter((v) => v.blockedBy.length > 0).map((v) => `${v.flow.kind} ${v.flow.via.name}: ${v.blockedBy.join('; ')}`)).toEqual([]);
  });
});

describe('issue 17 item 5: InfoMetis Traefik admits clients', () => {
  test.each(['prod', 'staging', 'dev'])('GIVEN dist/%s/infometis WHEN the flows from outside to Traefik are evaluated THEN web and websecure pass', (env) => {
    const set = new ObjectSet(docsOf(`${env}/infometis`).map((d) => toK8sObject(d)!));
    const entry = evaluateFlows(set).verdicts.filter((v) => v.flow.kind === 'entry');
    expect(entry.map((v) => [v.flow.via.name, v.flow.port.name, v.blockedBy])).toEqual([['traefik', 'web', []], ['traefik', 'websecure', []]]);
  });

  test('GIVEN the Traefik policy of before (Prometheus only) WHEN validated THEN both client ports are reported on the Service, naming the policies that drop them', () => {
    const docs = changed('prod/infometis', (os) => {
      const np = os.find(named('NetworkPolicy', 'traefik'))!;
      np.spec.ingress = np.spec.ingress.filter((r: Obj) => !r.from.some((f: Obj) => f.ipBlock));
      return os;
    });
    const v = violations(docs, 'prod', 'network/required-flow');
    expect(v.map((x) => [x.object.kind, x.object.name, x.path])).toEqual([['Service', 'traefik', 'spec.ports[0]'], ['Service', 'traefik', 'spec.ports[1]']]);
    expect(v[0].message).toMatch(/entry flow from outside the cluster to infometis-prod\/Deployment traefik port web\/8000\/TCP is blocked: ingress dropped by NetworkPolicy .*default-deny.*traefik/);
    expect(v[1].message).toMatch(/port websecure\/8443\/TCP/);
  });
});

describe('issue 17 item 9: cert-manager HTTP-01 solver pods are reachable', () => {
  test('GIVEN dist/prod/fediflow without the solver policy (as before) WHEN validated THEN the Ingress reports the blocked challenge from ingress-nginx to port 8089', () => {
    const docs = changed('prod/fediflow', (os) => os.filter((o) => !named('NetworkPolicy', 'allow-acme-http01-solver')(o)));
    const v = violations(docs, 'prod', 'network/required-flow');
    expect(v).toHaveLength(1);
    expect(v[0].object).toMatchObject({ kind: 'Ingress', name: 'fediflow-api' });
    expect(v[0].message).toMatch(/acme flow from ingress controller \(nginx\) pods in ingress-nginx .* to acme-http01-solver pods in fediflow-prod .* port http\/8089\/TCP is blocked: ingress dropped by NetworkPolicy .*default-deny/);
  });

  test('GIVEN dist/prod/infometis without the solver policy and Traefik\'s egress to it WHEN validated THEN both sides are named', () => {
    const docs = changed('prod/infometis', (os) => {
      const np = os.find(named('NetworkPolicy', 'traefik'))!;
      np.spec.egress = np.spec.egress.filter((r: Obj) => !r.to.some((t: Obj) => t.podSelector?.matchLabels?.['acme.cert-manager.io/http01-solver']));
      return os.filter((o) => !named('NetworkPolicy', 'allow-acme-http01-solver')(o));
    });
    const v = violations(docs, 'prod', 'network/required-flow');
    expect(v.map((x) => `${x.object.kind}/${x.object.name}`).sort()).toEqual(['Certificate/grafana', 'Certificate/nifi']);
    expect(v[0].message).toMatch(/egress dropped by NetworkPolicy .*traefik in infometis-prod; ingress dropped by NetworkPolicy .*default-deny/);
  });

  const sidecarIssuer: Obj = {
    apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt-prod' },
    spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: 'le' }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx', podTemplate: { metadata: { annotations: { 'sidecar.istio.io/inject': 'true' } } } } } }] } },
  };

  test('GIVEN an issuer whose solver pods get a sidecar and a meshed namespace without the solver\'s Istio allowances WHEN validated THEN allow-nothing is named', () => {
    const docs = changed('prod/fediflow', (os) => [
      ...os.filter((o) => !(o.metadata?.name === 'acme-http01-solver' && o.apiVersion.startsWith('security.istio.io'))),
      sidecarIssuer,
    ]);
    const v = violations(docs, 'prod', 'network/required-flow');
    expect(v).toHaveLength(1);
    // The meshed controller presents its identity, so mTLS is not what drops it.
    expect(v[0].message).toMatch(/port http\/8089\/TCP is blocked: no rule of AuthorizationPolicy allow-nothing in fediflow-prod allows it/);
  });

  test('GIVEN the same, with a controller without a sidecar (no rendered policy names its identity) WHEN validated THEN STRICT mTLS is named too', () => {
    const docs = changed('prod/fediflow', (os) => {
      for (const ap of os.filter((o) => o.kind === 'AuthorizationPolicy')) ap.spec.rules = ap.spec.rules?.filter((r: Obj) => !r.from);
      return [...os.filter((o) => !(o.metadata?.name === 'acme-http01-solver' && o.apiVersion.startsWith('security.istio.io'))), sidecarIssuer];
    });
    const acme = violations(docs, 'prod', 'network/required-flow').filter((v) => /acme flow/.test(v.message));
    expect(acme).toHaveLength(1);
    expect(acme[0].message).toMatch(/refused by STRICT PeerAuthentication fediflow-prod\/default on port 8089; no rule of AuthorizationPolicy allow-nothing in fediflow-prod allows it/);
  });

  test('GIVEN the same issuer with the committed dist/prod/fediflow WHEN validated THEN the solver path passes', () => {
    const docs = changed('prod/fediflow', (os) => [...os, sidecarIssuer]);
    expect(violations(docs, 'prod', 'network/required-flow')).toEqual([]);
  });
});

describe('issue 17 item 14: the ecosystem canary gets its traffic', () => {
  test('GIVEN dist/prod/ecosystem WHEN read THEN its namespace injects sidecars and the Ingress sends to the Service through the controller\'s sidecar', () => {
    const os = docsOf('prod/ecosystem').map((d) => d.object as Obj);
    expect(os.find(named('Namespace', 'ecosystem-prod'))!.metadata.labels['istio-injection']).toBe('enabled');
    expect(os.find(named('Ingress', 'user-service'))!.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/service-upstream': 'true',
      'nginx.ingress.kubernetes.io/upstream-vhost': 'user-service.ecosystem-prod.svc.cluster.local',
    });
    const authz = os.find(named('AuthorizationPolicy', 'user-service'))!;
    expect(authz.spec.rules).toContainEqual({ from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }], to: [{ operation: { ports: ['8080'] } }] });
  });

  test('GIVEN dist/prod/ecosystem as before (no injection label, plain Ingress, controller without identity) WHEN validated THEN the mesh policies are inert and the canary split is bypassed', () => {
    const docs = changed('prod/ecosystem', (os) => {
      delete os.find(named('Namespace', 'ecosystem-prod'))!.metadata.labels['istio-injection'];
      const ing = os.find(named('Ingress', 'user-service'))!;
      delete ing.metadata.annotations['nginx.ingress.kubernetes.io/service-upstream'];
      delete ing.metadata.annotations['nginx.ingress.kubernetes.io/upstream-vhost'];
      const authz = os.find(named('AuthorizationPolicy', 'user-service'))!;
      authz.spec.rules = authz.spec.rules.filter((r: Obj) => !r.from);
      return os;
    });
    const inert = violations(docs, 'prod', 'network/mesh-inert');
    // Every Istio object of the namespace.
    const istio = docs.filter((d) => /istio\.io\//.test((d.object as Obj).apiVersion));
    expect(istio.length).toBeGreaterThan(20);
    expect(inert).toHaveLength(istio.length);
    expect(inert.map((v) => v.object.kind)).toEqual(expect.arrayContaining(['AuthorizationPolicy', 'PeerAuthentication', 'DestinationRule', 'VirtualService']));
    const bypass = violations(docs, 'prod', 'network/mesh-bypass');
    expect(bypass).toHaveLength(1);
    expect(bypass[0].object).toMatchObject({ kind: 'Ingress', name: 'user-service' });
    expect(bypass[0].message).toMatch(/VirtualService user-service splits traffic by weight.*runs no Istio sidecar.*service-upstream.*upstream-vhost/);
  });

  test('GIVEN a meshed controller but an Ingress that still sends to pod endpoints WHEN validated THEN only the NGINX settings are named', () => {
    const docs = changed('prod/ecosystem', (os) => {
      delete os.find(named('Ingress', 'user-service'))!.metadata.annotations['nginx.ingress.kubernetes.io/service-upstream'];
      return os;
    });
    const bypass = violations(docs, 'prod', 'network/mesh-bypass');
    expect(bypass).toHaveLength(1);
    expect(bypass[0].message).not.toMatch(/runs no Istio sidecar/);
    expect(bypass[0].message).toMatch(/service-upstream/);
  });
});
