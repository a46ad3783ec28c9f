// The validation gate of the synth pipeline, as a SynthCheck.
import { RenderedObject, SynthCheck } from '../lib/synth';
import { formatReport, validateManifests } from '../lib/validate';

export function validationGate(): SynthCheck {
  return {
    name: 'validate',
    run: ({ objects }) => {
      const docs = objects.map((o: RenderedObject) => ({ file: `dist/${o.dir}/${o.file}`, object: o.object, constructPath: o.constructPath }));
      const report = validateManifests(docs);
      return report.ok ? [] : [formatReport(report, 'text')];
    },
  };
}
