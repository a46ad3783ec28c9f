import { ManifestDocument, RuleId, ValidateOptions, ValidationReport, Violation, validateManifests } from '../../lib/validate';

export function validate(docs: ManifestDocument[], options?: ValidateOptions): ValidationReport {
  return validateManifests(docs, options);
}

export function violationsOf(report: ValidationReport, rule: RuleId): Violation[] {
  return report.violations.filter((v) => v.rule === rule);
}

/** A compact view for failure messages. */
export function summary(report: ValidationReport): string[] {
  return report.violations.map((v) => `${v.rule} ${v.object.kind}/${v.object.name} ${v.path}: ${v.message}`);
}
