// `npm run api:report`: writes api/manifests.api.md from lib/index.ts, refusing
// to drop an exported name unless package.json's version is a breaking step
// from the one recorded in the committed report.
// `node build/api-report.js --stamp-docs` (run by `npm run docs` after TypeDoc):
// records which report docs/api/ was generated from, for the freshness test.
import * as fs from 'fs';
import * as path from 'path';
import { buildReport, parseReport, renderReport, REPORT_FILE, semverProblems } from './api/report';
import { DOCS_DIR, docsStamp, STAMP_FILE } from './api/docs-stamp';

function main(argv: readonly string[]): number {
  const root = process.cwd();
  if (argv.includes('--stamp-docs')) {
    fs.writeFileSync(path.join(root, DOCS_DIR, STAMP_FILE), docsStamp(root));
    process.stdout.write(`api:report: stamped ${DOCS_DIR}/${STAMP_FILE}\n`);
    return 0;
  }
  const report = buildReport(root);
  const text = renderReport(report);
  const file = path.join(root, REPORT_FILE);
  if (fs.existsSync(file)) {
    const before = parseReport(fs.readFileSync(file, 'utf8'));
    const problems = semverProblems(before, { version: report.version, names: report.entries.map((e) => e.name) });
    if (problems.length) {
      for (const p of problems) process.stderr.write(`api:report: ${p}\n`);
      return 1;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  process.stdout.write(`api:report: ${report.entries.length} exports, ${report.referenced.length} referenced declarations -> ${REPORT_FILE}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
