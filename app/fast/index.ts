// The render-speed shortcuts of the app, in one place, and the one switch
// back to the reference path.
//
// | shortcut             | replaces                                   | guarded by                          |
// |----------------------|--------------------------------------------|-------------------------------------|
// | resolve.ts           | cdk8s's two-pass `toJson()` (one pass)     | test/fast/resolve.test.ts           |
// | yaml-emitter.ts      | `yaml`'s stringify of rendered objects     | test/fast/yaml-emitter.test.ts      |
// | yaml-read.ts         | `yaml`'s parse of environment files        | test/fast/yaml-read.test.ts         |
// | bundle-plugins.js    | the generated bindings' undefined-filter   | test/fast/bundle.test.ts            |
// | launch.js            | compiling the bundle on every run          | test/fast/launch.test.ts            |
// | validation-thread.ts | validating on the main thread, after each  | test/fast/validation-thread.test.ts |
// | (+ validate-worker)  | environment (a worker does it while the    |                                     |
// |                      | next environments render)                  |                                     |
//
// Each gives the reference's bytes (and the validation thread the reference's
// problem lines); test/fast/reference.test.ts renders every environment both
// ways. The reference path is plain cdk8s (`toJson()`, what
// `app.synth()` resolves with) and the `yaml` package: SYNTH_REFERENCE=1 or
// `--reference` (the bundle-time ones follow SYNTH_REFERENCE=1 at build time).
// The library (lib/) knows none of this: it writes through its own reference
// code, which offers withYamlEmitter and withYamlReader for an app to plug in.
import { withYamlReader } from '../config/yaml-source';
import { withYamlEmitter, YamlEmitter } from '../../lib/synth/serialize';
import { withFastResolve } from './resolve';
import { emitConfigYaml, emitYaml } from './yaml-emitter';
import { readYamlFast } from './yaml-read';

/** The command-line flag that selects the reference path. */
export const REFERENCE_FLAG = '--reference';

/** True when the reference path is asked for: `--reference` among `argv`, or SYNTH_REFERENCE=1. */
export function referenceRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes(REFERENCE_FLAG) || env.SYNTH_REFERENCE === '1';
}

const EMITTER: YamlEmitter = { yaml: emitYaml, configYaml: emitConfigYaml };

/** Runs `fn` (loading, constructing, resolving, serializing) with every runtime shortcut in place. */
export function withShortcuts<T>(fn: () => T): T {
  return withFastResolve(() => withYamlEmitter(EMITTER, () => withYamlReader(readYamlFast, fn)));
}

/** Runs `fn` with the shortcuts, or on the reference path when `reference`. */
export function renderWith<T>(reference: boolean, fn: () => T): T {
  return reference ? fn() : withShortcuts(fn);
}
