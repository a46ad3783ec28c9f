import { formatReport } from '../../lib/validate';
import { Obj, withChange } from './fixtures';
import { validate, violationsOf } from './helpers';

const KEY = 'validate.platform.dev/waive.policy.pss-restricted';

function privilegedApi(annotations: Record<string, string> = {}) {
  return withChange('Deployment', 'api', (o: Obj) => {
    o.spec.template.spec.containers[0].securityContext.privileged = true;
    o.metadata.annotations = annotations;
  });
}

describe('waivers', () => {
  test('GIVEN a privileged container with a reasoned waiver WHEN validated THEN the violation is suppressed and the waiver is listed', () => {
    const report = validate(privilegedApi({ [KEY]: 'needs /dev/fuse for the backup mount; INFRA-123' }));
    expect(report.ok).toBe(true);
    expect(report.waivers).toEqual([{
      rule: 'policy/pss-restricted',
      file: 'dist/dev/shop/shop--deployment--api.yaml',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'api' },
      constructPath: 'shop-dev/Deployment-api/Resource',
      annotation: KEY,
      reason: 'needs /dev/fuse for the backup mount; INFRA-123',
      suppressed: 1,
    }]);
    expect(formatReport(report, 'text')).toMatch(/Waivers\n {2}policy\/pss-restricted {2}apps\/v1 Deployment shop\/api .* \[suppressed 1\]\n {4}reason: needs \/dev\/fuse/);
  });

  test('GIVEN a waiver on one object WHEN another object violates the same rule THEN only the waived object is suppressed', () => {
    const docs = privilegedApi({ [KEY]: 'reason' });
    const sts = docs.find((d) => (d.object as Obj).kind === 'StatefulSet')!.object as Obj;
    sts.spec.template.spec.hostNetwork = true;
    const hits = violationsOf(validate(docs), 'policy/pss-restricted');
    expect(hits.map((v) => v.object.name)).toEqual(['db']);
  });

  test('GIVEN a waiver for a rule the object does not violate WHEN validated THEN it is listed as suppressing nothing', () => {
    const docs = withChange('Deployment', 'api', (o: Obj) => { o.metadata.annotations = { [KEY]: 'left over' }; });
    const report = validate(docs);
    expect(report.ok).toBe(true);
    expect(report.waivers[0].suppressed).toBe(0);
    expect(formatReport(report, 'text')).toContain('[suppressed nothing in this run]');
  });

  test('GIVEN an empty reason WHEN validated THEN waiver/missing-reason is reported and the rule still applies', () => {
    const report = validate(privilegedApi({ [KEY]: '' }));
    expect(violationsOf(report, 'waiver/missing-reason')).toHaveLength(1);
    expect(violationsOf(report, 'policy/pss-restricted')).toHaveLength(1);
    expect(report.waivers).toEqual([]);
  });

  test('GIVEN a rule forbidden by the waiver policy WHEN an object waives it THEN waiver/not-allowed is reported and the rule applies', () => {
    const report = validate(privilegedApi({ [KEY]: 'reason' }), { waiverPolicy: { forbiddenRules: ['policy/pss-restricted'] } });
    const [v] = violationsOf(report, 'waiver/not-allowed');
    expect(v.message).toMatch(/cannot be waived in this environment/);
    expect(violationsOf(report, 'policy/pss-restricted')).toHaveLength(1);
  });

  test('GIVEN a typo in the waived rule WHEN validated THEN waiver/unknown-rule lists the valid annotations', () => {
    const report = validate(privilegedApi({ 'validate.platform.dev/waive.policy.pss-restriced': 'x' }));
    const [v] = violationsOf(report, 'waiver/unknown-rule');
    expect(v.message).toContain('validate.platform.dev/waive.policy.pss-restricted');
  });
});
