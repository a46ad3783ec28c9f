import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IN_CLUSTER_HOST, ProvidedEndpointConfig } from '../config/components-schema';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../../lib/validate/rules';
import { selectorLabels } from '../../lib/core/labels';
import { FluentBit } from '../../lib/platform/fluent-bit';
import { Logstash } from '../../lib/platform/logstash';
import { ExternalPeer, Peer } from '../../lib/security/peer';
import { SystemNamespace } from '../../lib/security/system-namespace';
import { callsKubeApi, componentPeer, scrape, SystemBase } from './system';

/**
 * A Service a system sends to but does not run (`systems.<name>.logging.*`):
 * its host and port, the peer its pods reach (the pods labelled
 * `app.kubernetes.io/name: <service>` in the namespace of an in-cluster
 * name, else the configured address ranges), and who runs it.
 */
export interface ProvidedEndpoint {
  readonly host: string;
  readonly port: number;
  readonly peer: Peer;
  readonly providedBy?: string;
}

/** The endpoint an environment file names; `name` names its peer in policies and diagrams. */
export function providedEndpoint(name: string, cfg: ProvidedEndpointConfig): ProvidedEndpoint {
  const m = IN_CLUSTER_HOST.exec(cfg.host);
  const ports = { http: cfg.port };
  const peer = m
    ? ExternalPeer.pods({ name, namespace: m[3], labels: { 'app.kubernetes.io/name': m[1] }, ports })
    : ExternalPeer.addresses({ name, cidrs: cfg.cidrs ?? [], ports });
  return { host: cfg.host, port: cfg.port, peer, ...(cfg.providedBy ? { providedBy: cfg.providedBy } : {}) };
}

/**
 * States on the object that names the endpoint who runs it
 * (`validate.platform.dev/external-provider`), which the gate's
 * `ref/dns-name` needs for a namespace the environment does not render.
 * Without `providedBy` nothing is stated, and the gate says so.
 */
export function declareProvider(obj: ApiObject, e: { readonly providedBy?: string }): void {
  if (e.providedBy) obj.metadata.addAnnotation(EXTERNAL_PROVIDER_ANNOTATION, e.providedBy);
}

/**
 * Where a system's collector sends its logs: an Elasticsearch (the system's
 * own, or a {@link ProvidedEndpoint} someone else runs, whose `providedBy` is
 * stated on the DaemonSet), or a Logstash pipeline of the system's in front
 * of it.
 */
export type LogDestination =
  | { readonly kind: 'elasticsearch'; readonly host: string; readonly peer: Peer; /** @default 9200 */ readonly port?: number; readonly providedBy?: string }
  | { readonly kind: 'logstash'; readonly logstash: Logstash; readonly peer: Peer };

export interface LogShippingOptions {
  /** Where the logs go, e.g. FediFlow's `elasticsearch.logging.svc.cluster.local` (`systems.fediflow.logging.elasticsearch`). */
  readonly destination: LogDestination;
  /** The document's index when the environment names none (`components.fluentBit.index`). */
  readonly index: string;
  /** Log files of the system's pods only. @default the pods of the system's namespace */
  readonly paths?: string[];
}

/**
 * Fluent Bit shipping the system's container logs to Elasticsearch or to a
 * Logstash pipeline. It reads the node's /var/log through hostPath, which no
 * restricted namespace admits: it gets a namespace of its own,
 * `<namespace>-logging`, labelled with the level the construct states
 * (`podSecurity`) and its reason, so the system's namespace stays restricted.
 * Independent clusters only (a namespace of its own and a ClusterRole to read
 * pod metadata): on a shared cluster the owners' collector ships the logs,
 * and nothing is rendered. Every record carries `environment`, `system` and
 * `namespace` (centralized logging with environment context).
 */
export function logShippingFromConfig(base: SystemBase, chart: Chart, o: LogShippingOptions): FluentBit | undefined {
  if (base.shared) return undefined;
  const c = base.components.fluentBit ?? {};
  const namespace = `${base.namespace}-logging`;
  const d = o.destination;
  const fb = new FluentBit(chart, 'fluent-bit', {
    name: 'fluent-bit',
    namespace,
    partOf: base.partOf,
    output: d.kind === 'elasticsearch'
      ? { kind: 'elasticsearch', host: d.host, port: d.port, indexPrefix: c.index ?? o.index }
      : { kind: 'logstash', host: d.logstash.host, port: d.logstash.inputPort },
    recordFields: logContext(base),
    // CRI log files are named <pod>_<namespace>_<container>-<id>.log.
    paths: o.paths ?? [`/var/log/containers/*_${base.namespace}_*.log`],
    image: c.image,
    resources: c.resources,
    metrics: { serviceMonitor: base.prometheus !== undefined },
  });
  new SystemNamespace(chart, 'LoggingNamespace', { name: namespace, podSecurity: fb.podSecurity.level === 'restricted' ? { level: 'restricted' } : { level: fb.podSecurity.level, reason: fb.podSecurity.reason } });
  const peer: Peer = { name: 'fluent-bit', namespace, selectorLabels: selectorLabels({ name: 'fluent-bit' }), ports: { metrics: 2020 } };
  if (d.kind === 'elasticsearch') declareProvider(fb.workload, d);
  base.graph.connect(peer, d.peer, 'http', 'log');
  // The kubernetes filter reads pod metadata from the API.
  callsKubeApi(base, peer);
  scrape(base, peer);
  return fb;
}

/** The fields every log record of the system carries besides its namespace. */
function logContext(base: SystemBase): Record<string, string> {
  return { environment: base.env.name, system: base.partOf };
}

/**
 * The system's Logstash pipeline (`components.logstash`) in front of its
 * Elasticsearch: Fluent Bit -> Logstash -> Elasticsearch, daily indices
 * `<index>-YYYY.MM.DD`. Events from other collectors get the system's
 * environment context too.
 */
export function logstashFromConfig(base: SystemBase, scope: Construct, o: { readonly elasticsearch: { readonly url: string; readonly peer: Peer }; readonly index: string }): { logstash: Logstash; peer: Peer } {
  const c = base.components.logstash ?? {};
  const logstash = new Logstash(scope, 'logstash', {
    name: 'logstash',
    namespace: base.namespace,
    partOf: base.partOf,
    elasticsearch: { url: o.elasticsearch.url, indexPrefix: base.components.fluentBit?.index ?? o.index },
    defaultFields: logContext(base),
    replicas: c.replicas,
    queueStorage: c.storage,
    image: c.image,
    resources: c.resources,
  });
  const peer = componentPeer(base, 'logstash', { http: 8080, monitoring: 9600 });
  base.graph.add(peer);
  base.graph.connect(peer, o.elasticsearch.peer, 'http', 'log');
  return { logstash, peer };
}
