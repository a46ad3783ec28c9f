import { Construct } from 'constructs';
import * as tel from '../../imports/istio-telemetry.istio.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';

/**
 * An Istio mesh extension provider sending the sidecars' spans over OTLP/gRPC
 * (an entry of istiod's `meshConfig.extensionProviders`).
 */
export interface OtelTracingProvider {
  /** Provider name, unique in the mesh, e.g. "jaeger-shop-prod". */
  readonly name: string;
  readonly opentelemetry: {
    /** Fully qualified Service host, e.g. "jaeger.shop-prod.svc.cluster.local". */
    readonly service: string;
    /** Its OTLP gRPC port, e.g. 4317. */
    readonly port: number;
  };
}

export interface TracingSamplingProps {
  readonly namespace: string;
  /** Share of requests traced, e.g. 100 in development, 10 in production. */
  readonly samplingPercent: number;
  /**
   * Tracing provider configured in the mesh, by name (one istiod's
   * meshConfig already defines). Give `otlp` instead for a provider this
   * render defines. @default the mesh default (meshConfig.defaultProviders.tracing)
   */
  readonly provider?: string;
  /**
   * The tracing backend, as an OpenTelemetry extension provider: the
   * Telemetry names it, and {@link TracingSampling.extensionProvider} is the
   * entry istiod's `meshConfig.extensionProviders` must hold.
   * @default none
   */
  readonly otlp?: OtelTracingProvider;
}

const PROVIDER_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Istio Telemetry for a namespace: how many requests the sidecars trace, and
 * where the spans go. Sampling is an environment knob, so the same services
 * trace everything in development and a tenth in production.
 */
export class TracingSampling extends Construct {
  public readonly resource: tel.Telemetry;
  /** The mesh extension provider istiod must define for this Telemetry, when given as `otlp`. */
  public readonly extensionProvider?: OtelTracingProvider;

  constructor(scope: Construct, id: string, props: TracingSamplingProps) {
    super(scope, id);
    if (!(props.samplingPercent >= 0 && props.samplingPercent <= 100)) throw new PropsError(this, 'samplingPercent', props.samplingPercent, 'a percentage from 0 to 100');
    if (props.provider !== undefined && props.otlp) throw new PropsError(this, 'provider', props.provider, `no provider beside otlp (otlp names its own provider, ${props.otlp.name})`);
    if (props.otlp) {
      const o = props.otlp;
      if (!PROVIDER_NAME.test(o.name)) throw new PropsError(this, 'otlp.name', o.name, 'a provider name of lowercase letters, digits, "-" and "."');
      if (!/^[a-z0-9.-]+\.svc(\.[a-z0-9.-]+)?$/.test(o.opentelemetry.service)) throw new PropsError(this, 'otlp.opentelemetry.service', o.opentelemetry.service, 'a Service host such as "jaeger.shop-prod.svc.cluster.local"');
      if (!(Number.isInteger(o.opentelemetry.port) && o.opentelemetry.port > 0 && o.opentelemetry.port < 65536)) throw new PropsError(this, 'otlp.opentelemetry.port', o.opentelemetry.port, 'a port from 1 to 65535 (OTLP gRPC: 4317)');
      this.extensionProvider = { name: o.name, opentelemetry: { service: o.opentelemetry.service, port: o.opentelemetry.port } };
    }
    const provider = props.otlp?.name ?? props.provider;
    this.resource = new tel.Telemetry(this, 'Resource', {
      metadata: { name: 'tracing', namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        tracing: [{ randomSamplingPercentage: props.samplingPercent, providers: provider ? [{ name: provider }] : undefined }],
      },
    });
  }
}
