// The validation gate (lib/validate) as a synth check, added to main.ts's
// hooks so the benchmark measures render + validation + write. When main.ts
// runs lib/validate itself, withValidation() leaves its hooks as they are.
import { RenderedObject, SynthCheck, SynthRequest } from '../lib/synth';
import { formatReport, validateManifests } from '../lib/validate';

const NAME = 'validate';

export function validationGate(): SynthCheck {
  return {
    name: NAME,
    run: ({ objects }) => {
      const docs = objects.map((o: RenderedObject) => ({ file: `dist/${o.dir}/${o.file}`, object: o.object, constructPath: o.constructPath }));
      const report = validateManifests(docs);
      return report.ok ? [] : [formatReport(report, 'text')];
    },
  };
}

type Hooks = Pick<SynthRequest, 'extraFiles' | 'checks'>;

/** main.ts's hooks with the validation gate, unless they already validate (a check whose name mentions "valid"). */
export function withValidation(hooks: Hooks): Hooks {
  const checks = hooks.checks ?? [];
  return checks.some((c) => /valid/i.test(c.name)) ? hooks : { ...hooks, checks: [...checks, validationGate()] };
}
