import * as k8s from '../../imports/k8s';
import { hardened } from '../core/catalog';
import { imageRef, PinnedImage } from '../core/checks';
import { JVM_METRICS_PORT, pinnedImage } from '../core/images';
import { ComputeResources, toResourceRequirements } from '../core/resources';

export { JVM_METRICS_PORT };
/** The OpenTelemetry Java agent image (it holds `/javaagent.jar`). */
export const DEFAULT_JVM_AGENT_IMAGE: PinnedImage = pinnedImage('otelJavaAgent');
const AGENT_DIR = '/otel-agent';
const RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };

/** What a pod adds to serve its JVM's metrics through the agent. */
export interface JvmMetricsAgent {
  /** Copies the agent jar into the shared volume before the JVM starts. */
  readonly initContainer: k8s.Container;
  readonly volume: k8s.Volume;
  /** Mount for the JVM's container (read-only). */
  readonly mount: k8s.VolumeMount;
  /** JVM flags that load the agent and open the Prometheus endpoint, one flag per element. */
  readonly javaOptions: readonly string[];
}

/**
 * JVM and JMX metrics from inside the JVM, on `0.0.0.0:5556` in Prometheus
 * format: the OpenTelemetry Java agent with its Prometheus exporter, spans and
 * logs switched off. No remote JMX port is opened. `targetSystem` picks the
 * agent's predefined MBean mapping (e.g. `kafka-broker`); without it the agent
 * serves JVM runtime metrics only.
 */
export function jvmMetricsAgent(image: PinnedImage, serviceName: string, targetSystem?: string): JvmMetricsAgent {
  const volume: k8s.Volume = { name: 'otel-agent', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } };
  return {
    initContainer: hardened({
      name: 'otel-agent',
      image: imageRef(image),
      command: ['cp', '/javaagent.jar', `${AGENT_DIR}/javaagent.jar`],
      resources: toResourceRequirements(RESOURCES),
      volumeMounts: [{ name: volume.name, mountPath: AGENT_DIR }],
    }),
    volume,
    mount: { name: volume.name, mountPath: AGENT_DIR, readOnly: true },
    javaOptions: [
      `-javaagent:${AGENT_DIR}/javaagent.jar`,
      `-Dotel.service.name=${serviceName}`,
      '-Dotel.traces.exporter=none',
      '-Dotel.logs.exporter=none',
      '-Dotel.metrics.exporter=prometheus',
      '-Dotel.exporter.prometheus.host=0.0.0.0',
      `-Dotel.exporter.prometheus.port=${JVM_METRICS_PORT}`,
      ...(targetSystem ? [`-Dotel.jmx.target.system=${targetSystem}`] : []),
    ],
  };
}
