// The example consumer's committed output against this project's gate, in
// the checkout (the pack test runs the same gate from the installed package).
// It failed with 4 violations before the example declared its service graph
// (default-deny per namespace) and made orders-db with an ExternalSecret.
import * as path from 'path';
import { validateDirectory } from '../../lib/validate';
import { ROOT } from '../helpers/project';

test('GIVEN examples/dist WHEN validated THEN 0 violations over both environments', () => {
  const report = validateDirectory(path.join(ROOT, 'examples', 'dist'), {}, ROOT);
  expect(report.violations.map((v) => `${v.rule} ${v.file} ${v.path}: ${v.message}`)).toEqual([]);
  expect(report.objects).toBeGreaterThan(40);
  expect(report.waivers).toEqual([]);
});
