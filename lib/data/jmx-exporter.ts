import { configYaml } from '../synth/serialize';
import * as k8s from '../../imports/k8s';
import { hardened, tcp } from '../core/catalog';
import { imageRef, PinnedImage } from '../core/checks';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { scratchVolume } from '../core/security';

/** JMX port of the JVM, bound to the pod's loopback: only the exporter sidecar can reach it. */
export const JMX_PORT = 5555;
/** Port of the exporter's Prometheus endpoint, named `metrics`. */
export const JMX_METRICS_PORT = 5556;
export const DEFAULT_JMX_EXPORTER_IMAGE: PinnedImage = { repository: 'docker.io/bitnami/jmx-exporter', tag: '1.0.1' };
const RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '250m', memory: '192Mi' } };

/** JVM flags that open unauthenticated JMX on 127.0.0.1 only (the pod network namespace is the boundary). */
export function jmxJavaOptions(): string {
  return [
    '-Dcom.sun.management.jmxremote',
    '-Dcom.sun.management.jmxremote.authenticate=false',
    '-Dcom.sun.management.jmxremote.ssl=false',
    '-Dcom.sun.management.jmxremote.local.only=true',
    `-Dcom.sun.management.jmxremote.host=127.0.0.1`,
    `-Dcom.sun.management.jmxremote.port=${JMX_PORT}`,
    `-Dcom.sun.management.jmxremote.rmi.port=${JMX_PORT}`,
    '-Djava.rmi.server.hostname=127.0.0.1',
  ].join(' ');
}

/** One MBean-to-metric rule of the exporter (`pattern` is a Java regex over the MBean name). */
export interface JmxRule {
  readonly pattern: string;
  /** Metric name template; without one the exporter derives names from the MBean. @default derived */
  readonly name?: string;
  readonly type?: 'GAUGE' | 'COUNTER' | 'UNTYPED';
  readonly labels?: Record<string, string>;
}

/** The exporter's config: where the JVM is and which MBeans become which metrics. */
export function jmxExporterConfig(rules: JmxRule[]): string {
  return configYaml({ hostPort: `127.0.0.1:${JMX_PORT}`, lowercaseOutputName: true, lowercaseOutputLabelNames: true, rules });
}

/**
 * The Prometheus JMX exporter as a sidecar in standalone HTTP-server mode, for
 * JVM software whose image ships no agent jar. It reads `config.yml` from the
 * ConfigMap volume `configVolume`.
 */
export function jmxExporterSidecar(image: PinnedImage, configVolume: string): { container: k8s.Container; volumes: k8s.Volume[] } {
  const tmp = scratchVolume('jmx-tmp', '/tmp', '32Mi');
  return {
    container: hardened({
      name: 'jmx-exporter',
      image: imageRef(image),
      command: ['java', '-XX:MaxRAMPercentage=75', '-jar', '/opt/bitnami/jmx-exporter/jmx_prometheus_httpserver.jar', String(JMX_METRICS_PORT), '/etc/jmx-exporter/config.yml'],
      ports: [tcp('metrics', JMX_METRICS_PORT)],
      resources: toResourceRequirements(RESOURCES),
      readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10 },
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 30, failureThreshold: 5 },
      volumeMounts: [{ name: configVolume, mountPath: '/etc/jmx-exporter', readOnly: true }, { ...tmp.mount, mountPath: '/tmp' }],
    }),
    volumes: [tmp.volume],
  };
}
