import type { CheckInput, SynthCheck } from '../synth/pipeline';
import { formatReport } from './report';
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
      byEnv.set(env, [...(byEnv.get(env) ?? []), o]);
    }
    const problems: string[] = [];
    for (const [env, objects] of byEnv) {
      const report = validateManifests(
        objects.map((o) => ({ file: `dist/${o.dir}/${o.file}`, object: o.object, constructPath: o.constructPath })),
        { ...this.options, environment: env },
      );
      if (!report.ok) problems.push(...formatReport(report, 'text').trimEnd().split('\n'));
    }
    return problems;
  }
}
