// Environment parity across the rendered systems (charts/parity.ts): core
// objects identical everywhere except border fields and declared differences.
import { listEnvironments, loadEnvironment } from '../../app/config';
import { checkParity, formatParity } from '../../app/parity/parity';
import { PARITY_DECLARATIONS, parityObjects, runParity } from '../../charts/parity';

describe('environment parity', () => {
  const report = runParity();
  const declaredOf = (system: string) => report.allowed.filter((d) => d.system === system && !d.allowedBecause!.startsWith('border') && !d.allowedBecause!.startsWith('derived'));

  test('GIVEN every environment WHEN compared THEN no undeclared difference remains', () => {
    expect(report.violations.map((v) => formatParity({ ...report, violations: [v], allowed: [] }).split('\n')[0])).toEqual([]);
    expect(report.environments).toEqual(expect.arrayContaining(['dev', 'staging', 'prod', 'prod-shared', 'prod-failover']));
  });

  test('GIVEN no violation WHEN formatted THEN it is one summary line, and --verbose lists every allowed difference', () => {
    // Issue 19 item 12: `npm run parity` printed 416 lines for an OK result.
    const quiet = formatParity(report).split('\n');
    expect(quiet).toHaveLength(1);
    expect(quiet[0]).toMatch(/^parity: \d+ objects compared across .*: OK; \d+ border and \d+ declared difference\(s\) allowed \(--verbose lists them\)$/);
    const verbose = formatParity(report, true).split('\n');
    expect(verbose.filter((l) => /^\S+: \d+ border difference\(s\), \d+ declared difference\(s\)$/.test(l))).toHaveLength(new Set(report.allowed.map((a) => a.system)).size);
    expect(verbose.filter((l) => l.startsWith('  ')).length).toBeGreaterThanOrEqual(report.allowed.length);
  });

  test('GIVEN InfoMetis WHEN compared THEN it passes strictly: border differences only, nothing declared', () => {
    expect(report.allowed.some((d) => d.system === 'infometis')).toBe(true);
    expect(declaredOf('infometis')).toEqual([]);
  });

  test('GIVEN FediFlow WHEN compared THEN the blue-green colour selector is a declared, visible difference', () => {
    const colour = declaredOf('fediflow').find((d) => d.constructPath === 'fediflow/fediflow-api/Service' && d.field === 'spec.selector.color');
    expect(colour?.values).toEqual({ dev: '(absent)', staging: 'blue', prod: 'blue', 'prod-failover': 'blue' });
    expect(colour?.allowedBecause).toMatch(/^002 "Blue-Green Deployment"/);
  });

  test('GIVEN an undeclared change to a core object in one environment WHEN compared THEN it is a violation naming object, field and values', () => {
    const configs = ['dev', 'prod'].map((e) => loadEnvironment(e));
    const objects = parityObjects(configs).filter((o) => o.system === 'infometis');
    const tampered = objects.map((o) =>
      o.env === 'prod' && o.constructPath === 'infometis/kafka/Resource'
        ? { ...o, object: { ...o.object, spec: { ...(o.object.spec as object), podManagementPolicy: 'OrderedReady' } } }
        : o,
    );
    const r = checkParity(tampered, PARITY_DECLARATIONS.map((d) => ({ ...d, system: d.system === '*' ? 'infometis' : d.system })));
    expect(r.violations).toEqual([
      expect.objectContaining({ system: 'infometis', constructPath: 'infometis/kafka/Resource', field: 'spec.podManagementPolicy', values: { dev: 'Parallel', prod: 'OrderedReady' } }),
    ]);
  });

  test('GIVEN the environment list WHEN parity runs THEN every environment file takes part', () => {
    expect([...report.environments].sort()).toEqual(listEnvironments());
  });
});
