import type { CheckInput, EnvironmentCheckInput, SynthCheck } from '../synth/pipeline';
import { describeRef } from './model';
import { validateManifests } from './index';
import type { ValidateOptions } from './types';

/**
 * The validation gate as a synth check: every environment's render is
 * validated on its own (environments are separate clusters, so duplicates and
 * references are per environment) before anything is written to dist/.
 */
export class ValidationGate implements SynthCheck {
  public readonly name = 'validate';

  constructor(private readonly options: Omit<ValidateOptions, 'environment'> = {}) {}

  public run(input: CheckInput): readonly string[] {
    const byEnv = new Map<string, CheckInput['objects'][number][]>();
    for (const o of input.objects) {
      const env = o.dir.split('/')[0];
      const list = byEnv.get(env);
      if (list) list.push(o);
      else byEnv.set(env, [o]);
    }
    return [...byEnv].flatMap(([env, objects]) => this.runEnvironment({ env, objects, files: input.files }));
  }

  /** One environment (what synth calls, possibly on a worker thread). */
  public runEnvironment(input: EnvironmentCheckInput): readonly string[] {
    const report = validateManifests(
      input.objects.map((o) => ({ file: `dist/${o.dir}/${o.file}`, object: o.object, constructPath: o.constructPath })),
      { ...this.options, environment: input.env },
    );
    // One line per violation, so the count synth prints is the number of lines it lists.
    return report.violations.map((v) => {
      const construct = v.constructPath ? ` (construct ${v.constructPath})` : '';
      return `${v.file}: ${v.rule}: ${describeRef(v.object)}${construct}: ${v.path ? `${v.path}: ` : ''}${v.message}`;
    });
  }
}
