import { Construct } from 'constructs';
import * as tel from '../../imports/istio-telemetry.istio.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';

export interface TracingSamplingProps {
  readonly namespace: string;
  /** Share of requests traced, e.g. 100 in development, 10 in production. */
  readonly samplingPercent: number;
  /** Tracing provider configured in the mesh (e.g. a Jaeger/OTel extension provider). @default the mesh default */
  readonly provider?: string;
}

/**
 * Istio Telemetry for a namespace: how many requests the sidecars trace.
 * Sampling is an environment knob, so the same services trace everything in
 * development and a tenth in production.
 */
export class TracingSampling extends Construct {
  public readonly resource: tel.Telemetry;

  constructor(scope: Construct, id: string, props: TracingSamplingProps) {
    super(scope, id);
    if (!(props.samplingPercent >= 0 && props.samplingPercent <= 100)) throw new PropsError(this, 'samplingPercent', props.samplingPercent, 'a percentage from 0 to 100');
    this.resource = new tel.Telemetry(this, 'Resource', {
      metadata: { name: 'tracing', namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        tracing: [{ randomSamplingPercentage: props.samplingPercent, providers: props.provider ? [{ name: props.provider }] : undefined }],
      },
    });
  }
}
