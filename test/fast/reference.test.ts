// One switch back to the reference path: SYNTH_REFERENCE=1 or --reference
// renders through plain cdk8s (`toJson()`) and the `yaml` package, without
// app/fast's shortcuts; both paths write the same bytes. And the library
// itself knows no shortcut: nothing under lib/ imports app/ or touches cdk8s
// internals.
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, ApiObjectMetadataDefinition } from 'cdk8s';
import { referenceRequested, renderWith } from '../../app/fast';
import { readYaml } from '../../app/config/yaml-source';
import { configYaml } from '../../lib/synth/serialize';
import { removeScratch, ROOT, runSynth, scratchProject, snapshotTree } from '../helpers/project';

describe('the reference path', () => {
  test('GIVEN every environment WHEN rendered with --reference THEN dist/ is byte-identical to the committed one (which the fast path renders)', () => {
    // GIVEN a project copy without dist/
    const dir = scratchProject({ dist: false });
    try {
      // WHEN rendered on the reference path
      const r = runSynth(dir, ['--reference']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // THEN the same files, byte for byte, as test/synth/dist.test.ts checks for the default (fast) path
      expect(snapshotTree(path.join(dir, 'dist'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
    } finally {
      removeScratch(dir);
    }
  });

  test('GIVEN SYNTH_REFERENCE=1 or --reference WHEN asked THEN the reference path is selected, otherwise the shortcuts', () => {
    expect(referenceRequested(['--reference'], {})).toBe(true);
    expect(referenceRequested([], { SYNTH_REFERENCE: '1' })).toBe(true);
    expect(referenceRequested(['--env', 'prod'], {})).toBe(false);
    expect(referenceRequested([], { SYNTH_REFERENCE: '0' })).toBe(false);
  });

  test('GIVEN the reference path WHEN rendering THEN cdk8s, the yaml reader and the yaml writer are the plain ones; with the shortcuts they are not', () => {
    const plain = { toJson: ApiObject.prototype.toJson, metadata: ApiObjectMetadataDefinition.prototype.toJson };
    const seen = (reference: boolean) =>
      renderWith(reference, () => ({
        toJson: ApiObject.prototype.toJson === plain.toJson,
        metadata: ApiObjectMetadataDefinition.prototype.toJson === plain.metadata,
        parser: readYaml('a: 1\n', 'x.yaml').parser,
        // The yaml package folds a long line at 80 columns; the emitter does too, so compare texts, not engines.
        configYaml: configYaml({ a: 1 }),
      }));
    expect(seen(true)).toEqual({ toJson: true, metadata: true, parser: 'yaml', configYaml: 'a: 1\n' });
    expect(seen(false)).toEqual({ toJson: false, metadata: false, parser: 'js-yaml', configYaml: 'a: 1\n' });
    // and afterwards everything is as it was
    expect(ApiObject.prototype.toJson).toBe(plain.toJson);
    expect(readYaml('a: 1\n', 'x.yaml').parser).toBe('yaml');
  });
});

describe('the library holds no shortcut', () => {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  test('GIVEN every file under lib/ WHEN read THEN none imports app/, replaces a cdk8s prototype method or reads a cdk8s private field, and the render path (config, synth) reads YAML with `yaml` only', () => {
    // lib/validate reads manifests with js-yaml for what it accepts (upstream files `yaml` rejects), outside the render path.
    const renderPath = /^lib\/(config|synth)\//;
    const rules: Array<[RegExp, string, (file: string) => boolean]> = [
      [/from '(\.\.\/)+app\//, 'imports the app', () => true],
      [/from 'js-yaml'/, 'imports a second YAML parser on the render path', (f) => renderPath.test(f)],
      [/\.prototype(\s+as\s+[^)]+\))?\.\w+\s*=(?!=)|\.toJson\s*=(?!=)/, 'replaces a prototype method', () => true],
      [/_additionalAttributes|\.patches\b/, "reads cdk8s's private fields", () => true],
    ];
    const found = files(path.join(ROOT, 'lib')).flatMap((f) => {
      const rel = path.relative(ROOT, f);
      const text = fs.readFileSync(f, 'utf8');
      return rules.filter(([re, , applies]) => applies(rel) && re.test(text)).map(([, why]) => `${rel} ${why}`);
    });
    expect(found).toEqual([]);
  });

  test('GIVEN the package WHEN published THEN it ships lib/ and imports/ only, never app/', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files.filter((f) => !/^lib-dist\/(lib|imports)\//.test(f) && f !== 'CHANGELOG.md')).toEqual([]);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.lib.json'), 'utf8')) as { files: string[] };
    expect(tsconfig.files.filter((f) => !f.startsWith('lib/'))).toEqual([]);
  });
});
