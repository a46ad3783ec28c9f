// Golden snapshots: every chart in every environment, object by object.
// After an intended change: `npx jest -u test/charts` and review the .snap diff.
import { App } from 'cdk8s';
import { environmentTargets } from '../../charts';
import { listEnvironments, loadEnvironment } from '../../lib/config';
import { renderTargets, toYaml } from '../../lib/synth';

describe.each(listEnvironments())('environment %s', (env) => {
  const objects = renderTargets(environmentTargets(loadEnvironment(env), new App()));
  const systems = [...new Set(objects.map((o) => o.dir.split('/')[1]))];

  test.each(systems)('GIVEN system %s WHEN rendered THEN it matches the golden snapshot', (system) => {
    const files = objects.filter((o) => o.dir === `${env}/${system}`).map((o) => `# ${o.file} (${o.constructPath})\n${toYaml(o.object)}`);
    expect(files.join('---\n')).toMatchSnapshot();
  });
});
