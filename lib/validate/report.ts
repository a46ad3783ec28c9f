import { describeRef } from './model';
import { ValidationReport, Violation } from './types';

export type ReportFormat = 'text' | 'json';

export interface FormatOptions {
  /** ANSI colours for a terminal @default false */
  readonly color?: boolean;
}

/**
 * Renders a report. `json` is the report itself (stable keys, for CI);
 * `text` groups violations by file, then rule, for a terminal.
 */
export function formatReport(report: ValidationReport, format: ReportFormat, options: FormatOptions = {}): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const c = options.color
    ? { b: (s: string) => `\x1b[1m${s}\x1b[0m`, red: (s: string) => `\x1b[31m${s}\x1b[0m`, dim: (s: string) => `\x1b[2m${s}\x1b[0m`, yellow: (s: string) => `\x1b[33m${s}\x1b[0m` }
    : { b: (s: string) => s, red: (s: string) => s, dim: (s: string) => s, yellow: (s: string) => s };
  const lines: string[] = [];
  const byFile = new Map<string, Violation[]>();
  for (const v of report.violations) {
    const list = byFile.get(v.file) ?? [];
    list.push(v);
    byFile.set(v.file, list);
  }
  for (const [file, vs] of byFile) {
    lines.push(c.b(file));
    const byRule = new Map<string, Violation[]>();
    for (const v of vs) {
      const list = byRule.get(v.rule) ?? [];
      list.push(v);
      byRule.set(v.rule, list);
    }
    for (const [rule, rvs] of byRule) {
      lines.push(`  ${c.red(rule)}`);
      for (const v of rvs) {
        const construct = v.constructPath ? c.dim(`  (construct ${v.constructPath})`) : '';
        lines.push(`    ${describeRef(v.object)}${construct}`);
        lines.push(`      ${v.path ? `${v.path}: ` : ''}${v.message}`);
      }
    }
    lines.push('');
  }
  if (report.waivers.length > 0) {
    lines.push(c.b('Waivers'));
    for (const w of report.waivers) {
      const stale = w.suppressed === 0 ? c.yellow(' [suppressed nothing in this run]') : ` [suppressed ${w.suppressed}]`;
      lines.push(`  ${w.rule}  ${describeRef(w.object)}  ${w.file}${stale}`);
      lines.push(`    reason: ${w.reason}`);
    }
    lines.push('');
  }
  const n = report.violations.length;
  const summary = `${n} violation${n === 1 ? '' : 's'} in ${byFile.size} file${byFile.size === 1 ? '' : 's'}; `
    + `${report.objects} object${report.objects === 1 ? '' : 's'} in ${report.files} file${report.files === 1 ? '' : 's'} checked, `
    + `${report.waivers.length} waiver${report.waivers.length === 1 ? '' : 's'}`;
  lines.push(n === 0 ? `OK: ${summary}` : c.red(`FAILED: ${summary}`));
  return `${lines.join('\n')}\n`;
}
