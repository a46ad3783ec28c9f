/**
 * `ref/analysis-provider` and the `analysis` flows of `network/required-flow`
 * (lib/validate/checks/analysis.ts, flows.ts) over the committed dist/prod
 * ecosystem, whose canary analysis queries the system's own Prometheus; and
 * the defects of before, put back into today's output: an address nothing
 * renders (every rollout aborted on connection errors), a Prometheus whose
 * NetworkPolicy or STRICT mTLS refuses the Argo Rollouts controller.
 */
import * as path from 'path';
import { EXTERNAL_PROVIDER_ANNOTATION, ManifestDocument, validateManifests, Violation } from '../../lib/validate';
import { evaluateFlows } from '../../lib/validate/checks/flows';
import { loadManifestDir } from '../../lib/validate/load';
import { ObjectSet, toK8sObject } from '../../lib/validate/model';

const DIST = path.resolve(__dirname, '../../dist');
const REL = 'prod/ecosystem';
const TEMPLATE = 'user-service-slo';
const ADDRESS_PATH = 'spec.metrics[0].provider.prometheus.address';

type Obj = Record<string, any>;

function docsOf(): ManifestDocument[] {
  return loadManifestDir(path.join(DIST, REL), DIST).docs;
}

/** dist/prod/ecosystem after `change` edits deep copies of its objects. */
function changed(change: (objects: Obj[]) => void): ManifestDocument[] {
  const docs = docsOf();
  const objects = docs.map((d) => JSON.parse(JSON.stringify(d.object)) as Obj);
  change(objects);
  return objects.map((object, i) => ({ file: docs[i].file, object, constructPath: docs[i].constructPath }));
}

function violations(docs: ManifestDocument[], rule: string): Violation[] {
  return validateManifests(docs, { environment: 'prod' }).violations.filter((v) => v.rule === rule);
}

const find = (objects: Obj[], kind: string, name: string): Obj => objects.find((o) => o.kind === kind && o.metadata?.name === name)!;

/** Every metric of the AnalysisTemplate queries `address` (with optional annotations). */
const queries = (address: string, annotations: Record<string, string> = {}) => (objects: Obj[]) => {
  const t = find(objects, 'AnalysisTemplate', TEMPLATE);
  for (const m of t.spec.metrics) m.provider.prometheus.address = address;
  Object.assign(t.metadata.annotations, annotations);
};

describe('dist/prod: the canary analysis queries a Prometheus that is there and lets the controller in', () => {
  test('GIVEN dist/prod/ecosystem WHEN validated THEN neither ref/analysis-provider nor network/required-flow reports anything', () => {
    const report = validateManifests(docsOf(), { environment: 'prod' });
    expect(report.violations.filter((v) => v.rule === 'ref/analysis-provider' || v.rule === 'network/required-flow')).toEqual([]);
  });

  test('GIVEN dist/prod/ecosystem WHEN its flows are evaluated THEN each metric has an analysis flow from the Argo Rollouts controller to the Prometheus pods on 9090, and it passes', () => {
    const set = new ObjectSet(docsOf().map((d) => toK8sObject(d)!));
    const analysis = evaluateFlows(set).verdicts.filter((v) => v.flow.kind === 'analysis');
    expect(analysis.map((v) => [v.flow.path, v.flow.from.kind === 'pods' && v.flow.from.namespace, v.flow.to.name, v.flow.port.number, v.blockedBy])).toEqual([
      [ADDRESS_PATH, 'argo-rollouts', 'prometheus', 9090, []],
      ['spec.metrics[1].provider.prometheus.address', 'argo-rollouts', 'prometheus', 9090, []],
    ]);
  });
});

describe('ref/analysis-provider', () => {
  test('GIVEN the address of before (prometheus-operated in monitoring, rendered by nothing) WHEN validated THEN one violation on the template names the file, the field, the Service and the rendered Prometheus to use', () => {
    const v = violations(changed(queries('http://prometheus-operated.monitoring.svc:9090')), 'ref/analysis-provider');
    expect(v.map((x) => [x.file, x.object.kind, x.object.name, x.path, x.value])).toEqual([
      ['prod/ecosystem/ecosystem-prod--analysistemplate.argoproj.io--user-service-slo.yaml', 'AnalysisTemplate', TEMPLATE, ADDRESS_PATH, 'http://prometheus-operated.monitoring.svc:9090'],
    ]);
    expect(v[0].message).toMatch(/Service prometheus-operated in namespace monitoring: not rendered here and not declared external/);
    expect(v[0].message).toContain('http://prometheus.ecosystem-prod.svc:9090');
    expect(v[0].message).toContain(EXTERNAL_PROVIDER_ANNOTATION);
  });

  test('GIVEN that address declared external WHEN validated THEN it passes', () => {
    expect(violations(changed(queries('http://prometheus-operated.monitoring.svc:9090', { [EXTERNAL_PROVIDER_ANNOTATION]: 'kube-prometheus-stack' })), 'ref/analysis-provider')).toEqual([]);
  });

  test('GIVEN an empty declaration WHEN validated THEN it does not count', () => {
    expect(violations(changed(queries('http://prometheus-operated.monitoring.svc:9090', { [EXTERNAL_PROVIDER_ANNOTATION]: ' ' })), 'ref/analysis-provider')).toHaveLength(1);
  });

  test('GIVEN a Service missing from a namespace this render owns WHEN validated THEN it is reported even when declared external', () => {
    const v = violations(changed(queries('http://prometheus-main.ecosystem-prod.svc:9090', { [EXTERNAL_PROVIDER_ANNOTATION]: 'someone' })), 'ref/analysis-provider');
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/names Service prometheus-main in namespace ecosystem-prod; this render owns that namespace and has no such Service/)]);
  });

  test('GIVEN a one-label host WHEN validated THEN it is reported: it resolves in the controller\'s namespace', () => {
    const v = violations(changed(queries('http://prometheus:9090')), 'ref/analysis-provider');
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/resolves in the controller's namespace \(argo-rollouts\).*"http:\/\/prometheus\.ecosystem-prod\.svc:9090"/)]);
  });

  test('GIVEN the rendered Service on a port it does not have WHEN validated THEN the port is reported', () => {
    const v = violations(changed(queries('http://prometheus.ecosystem-prod.svc:9091')), 'ref/analysis-provider');
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/Service ecosystem-prod\/prometheus has no port 9091 \(ports: 9090\)/)]);
  });

  test.each(['http://prometheus.ecosystem-prod:9090', 'http://prometheus.ecosystem-prod.svc.cluster.local:9090', 'https://prometheus.example.com', 'http://10.0.0.12:9090'])(
    'GIVEN %s (rendered, or outside the cluster) WHEN validated THEN it passes', (address) => {
      expect(violations(changed(queries(address)), 'ref/analysis-provider')).toEqual([]);
    });

  test('GIVEN a Flagger MetricTemplate on an unrendered in-cluster Prometheus WHEN validated THEN it is reported at spec.provider.address', () => {
    const docs = [...docsOf(), {
      file: 'prod/ecosystem/mt.yaml',
      object: {
        apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: 'user-service-error-rate', namespace: 'ecosystem-prod' },
        spec: { provider: { type: 'prometheus', address: 'http://prometheus.monitoring.svc:9090' }, query: 'sum(rate(http_requests_total[1m]))' },
      },
    }];
    const v = violations(docs, 'ref/analysis-provider');
    expect(v.map((x) => [x.object.kind, x.path])).toEqual([['MetricTemplate', 'spec.provider.address']]);
  });
});

describe('network/required-flow: the analysis queries reach the system Prometheus', () => {
  test('GIVEN the Prometheus NetworkPolicy of before (no rule for the Argo Rollouts controller) WHEN validated THEN the template is reported, naming the controller, the Prometheus and the dropping policy', () => {
    const docs = changed((os) => {
      const np = find(os, 'NetworkPolicy', 'prometheus');
      np.spec.ingress = np.spec.ingress.filter((r: Obj) => !r.from.some((f: Obj) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'argo-rollouts'));
    });
    const v = violations(docs, 'network/required-flow');
    expect(v.map((x) => [x.object.kind, x.path])).toEqual([['AnalysisTemplate', ADDRESS_PATH], ['AnalysisTemplate', 'spec.metrics[1].provider.prometheus.address']]);
    expect(v[0].message).toMatch(/required analysis flow from argo-rollouts controller pods in argo-rollouts .* to ecosystem-prod\/StatefulSet prometheus port http\/9090\/TCP is blocked: ingress dropped by NetworkPolicy .*prometheus/);
  });

  test('GIVEN STRICT mTLS on the Prometheus port WHEN validated THEN the controller, which runs no sidecar, is refused', () => {
    const docs = changed((os) => { delete find(os, 'PeerAuthentication', 'prometheus').spec.portLevelMtls; });
    const v = violations(docs, 'network/required-flow').filter((x) => x.object.kind === 'AnalysisTemplate');
    expect(v).toHaveLength(2);
    expect(v[0].message).toMatch(/refused by STRICT PeerAuthentication ecosystem-prod\/prometheus on port 9090/);
  });
});
