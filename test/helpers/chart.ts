import { App, Chart, ChartProps } from 'cdk8s';

/**
 * A chart in an app that is never synthesized to disk. cdk8s's own testing
 * chart creates a fresh `cdk8s.outdir.*` directory under the temp folder on
 * every call and never removes it (thousands per test run).
 */
export function testChart(id = 'test', props?: ChartProps): Chart {
  return new Chart(new App({ outdir: 'never-written' }), id, props);
}
