import { Construct } from 'constructs';
import { DURATION_TEXT, parseDuration } from './canary-rules';
import { PropsError } from '../core/errors';
import { ADDONS } from '../platform/addons';
import { ExternalPeer, Peer } from '../security/peer';
import { ServiceGraph } from '../security/service-graph';
import { EXTERNAL_PROVIDER_ANNOTATION } from '../validate/rules';

/** Upper bounds on the two service level indicators the documents name. */
export interface SloThresholds {
  /** Share of HTTP 5xx responses, in percent (0.1 = one in a thousand). */
  readonly errorRatePercent: number;
  /** 95th percentile response time in milliseconds. */
  readonly latencyP95Ms: number;
}

/**
 * When a new version is good, bad, or neither. A measurement under every
 * `success` bound passes; one above any `rollback` bound fails and rolls back;
 * anything between (or no data at all) is inconclusive and waits for a person.
 */
export interface AnalysisCriteria {
  /** Bounds a healthy version stays under. */
  readonly success: SloThresholds;
  /** Bounds that roll the new version back when exceeded. */
  readonly rollback: SloThresholds;
  /** Time between measurements (also the rate window's half). @default "1m" */
  readonly interval?: string;
  /**
   * Prometheus the controller queries. The controller resolves the name from
   * its own namespace, so an in-cluster Service is written in full:
   * `http://<service>.<namespace>.svc:<port>`. The validation gate
   * (`ref/analysis-provider`) refuses an in-cluster address whose Service is
   * neither rendered nor declared external (`prometheusProvidedBy`).
   * @default "http://prometheus-operated.monitoring.svc:9090"
   */
  readonly prometheusAddress?: string;
  /**
   * The pods behind `prometheusAddress` when the same chart renders them (a
   * service-graph peer, e.g. the system's own Prometheus): the strategy
   * declares the controller's queries on the chart's ServiceGraph, so the
   * NetworkPolicy and the mesh policies of that Prometheus admit the
   * controller's pods (`ADDONS[...].controllerLabels`). The address must use
   * one of the peer's ports. @default none (nothing admitted)
   */
  readonly prometheusPeer?: Peer;
  /**
   * Who runs the Prometheus at `prometheusAddress` when the rendered objects
   * do not (e.g. "kube-prometheus-stack, platform team"): written to the
   * templates as `validate.platform.dev/external-provider`, the declaration
   * the gate's `ref/analysis-provider` accepts for an in-cluster Service it
   * cannot see. Not with `prometheusPeer`. @default none (the address must be rendered or outside the cluster)
   */
  readonly prometheusProvidedBy?: string;
  /** Counter of requests with a `status` label. @default "http_requests_total" */
  readonly requestsMetric?: string;
  /** Histogram of request durations in seconds (its `_bucket` series is queried). @default "http_request_duration_seconds" */
  readonly durationMetric?: string;
}

/** Criteria with defaults applied and thresholds checked. */
export interface ResolvedAnalysis {
  readonly success: SloThresholds;
  readonly rollback: SloThresholds;
  readonly interval: string;
  readonly intervalSeconds: number;
  readonly prometheusAddress: string;
  readonly prometheusPeer?: Peer;
  readonly prometheusProvidedBy?: string;
  readonly requestsMetric: string;
  readonly durationMetric: string;
}

export const DEFAULT_PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Applies defaults and throws PropsError on criteria that cannot work. */
export function resolveAnalysis(scope: Construct, field: string, a: AnalysisCriteria): ResolvedAnalysis {
  const interval = a.interval ?? '1m';
  const intervalSeconds = parseDuration(interval);
  if (intervalSeconds === undefined) throw new PropsError(scope, `${field}.interval`, interval, DURATION_TEXT);
  for (const side of ['success', 'rollback'] as const) {
    const t = a[side];
    if (!(t.errorRatePercent >= 0 && t.errorRatePercent <= 100)) throw new PropsError(scope, `${field}.${side}.errorRatePercent`, t.errorRatePercent, 'a percentage from 0 to 100, e.g. 0.1');
    if (!(t.latencyP95Ms > 0)) throw new PropsError(scope, `${field}.${side}.latencyP95Ms`, t.latencyP95Ms, 'a number > 0');
  }
  for (const k of ['errorRatePercent', 'latencyP95Ms'] as const) {
    if (a.rollback[k] < a.success[k]) throw new PropsError(scope, `${field}.rollback.${k}`, a.rollback[k], `a rollback trigger at or above the success bound (${a.success[k]})`);
  }
  const requestsMetric = a.requestsMetric ?? 'http_requests_total';
  const durationMetric = a.durationMetric ?? 'http_request_duration_seconds';
  for (const [f, v] of [['requestsMetric', requestsMetric], ['durationMetric', durationMetric]]) {
    if (!METRIC_NAME.test(v)) throw new PropsError(scope, `${field}.${f}`, v, 'a Prometheus metric name such as "http_requests_total"');
  }
  const prometheusAddress = a.prometheusAddress ?? DEFAULT_PROMETHEUS;
  if (!/^https?:\/\/\S+$/.test(prometheusAddress)) throw new PropsError(scope, `${field}.prometheusAddress`, prometheusAddress, 'an http(s) URL');
  const peer = a.prometheusPeer;
  if (peer) {
    const port = urlPort(prometheusAddress);
    if (portNameOf(peer, port) === undefined) {
      const ports = Object.entries(peer.ports).map(([n, p]) => `${n}: ${p}`).join(', ') || 'none';
      throw new PropsError(scope, `${field}.prometheusAddress`, prometheusAddress, `an address on a port of prometheusPeer ${peer.name} (${ports}), not port ${port}`);
    }
  }
  const providedBy = a.prometheusProvidedBy;
  if (providedBy !== undefined) {
    if (providedBy.trim() === '') throw new PropsError(scope, `${field}.prometheusProvidedBy`, providedBy, 'who runs that Prometheus, e.g. "kube-prometheus-stack, platform team"');
    if (peer) throw new PropsError(scope, `${field}.prometheusProvidedBy`, providedBy, `no prometheusProvidedBy with prometheusPeer (${peer.name} is rendered with the chart)`);
  }
  return { success: a.success, rollback: a.rollback, interval, intervalSeconds, prometheusAddress, prometheusPeer: peer, prometheusProvidedBy: providedBy, requestsMetric, durationMetric };
}

/**
 * The Services whose series an analysis of `service` selects by their
 * `service` label, whichever strategy runs it: the service itself
 * (blue-green post-promotion), `<service>-canary` (canary, Argo Rollouts and
 * Flagger) and `<service>-preview` (blue-green pre-promotion). The Prometheus
 * the analysis queries scrapes the pods through each; listing all of them
 * keeps its configuration the same whichever strategy an environment picks.
 */
export function analysedServiceNames(service: string): string[] {
  return [service, `${service}-canary`, `${service}-preview`];
}

/** The declaration that an unrendered Prometheus is run by someone else (for `ref/analysis-provider`). */
export function providedBy(a: ResolvedAnalysis): Record<string, string> {
  return a.prometheusProvidedBy ? { [EXTERNAL_PROVIDER_ANNOTATION]: a.prometheusProvidedBy } : {};
}

/** The port of an http(s) URL, the scheme's default when it names none. */
function urlPort(address: string): number {
  const u = new URL(address);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

function portNameOf(peer: Peer, port: number): string | undefined {
  return Object.keys(peer.ports).find((n) => peer.ports[n] === port);
}

/** The controller that runs a backend's analysis queries. */
export type AnalysisController = 'argo-rollouts' | 'flagger';

const controllerPeers = new WeakMap<ServiceGraph, Map<AnalysisController, Peer>>();

/** The pods of the add-on that queries Prometheus (namespace and labels from ADDONS), one peer per graph. */
function controllerPeer(graph: ServiceGraph, controller: AnalysisController): Peer {
  let byController = controllerPeers.get(graph);
  if (!byController) controllerPeers.set(graph, (byController = new Map()));
  let peer = byController.get(controller);
  if (!peer) {
    const addon = ADDONS[controller];
    peer = ExternalPeer.pods({ name: `${controller}-controller`, namespace: addon.namespace, labels: addon.controllerLabels ?? {} });
    byController.set(controller, peer);
  }
  return peer;
}

/**
 * Lets `controller` query the Prometheus pods of `a.prometheusPeer`: an edge
 * on the chart's ServiceGraph, from which the NetworkPolicy (and, in the
 * mesh, the PeerAuthentication and AuthorizationPolicy) of those pods are
 * derived. Nothing without a peer or without a graph (no policies to open).
 */
export function admitAnalysisController(scope: Construct, a: ResolvedAnalysis, controller: AnalysisController): void {
  const peer = a.prometheusPeer;
  if (!peer) return;
  const graph = ServiceGraph.tryOf(scope);
  if (!graph) return;
  graph.connect(controllerPeer(graph, controller), peer, portNameOf(peer, urlPort(a.prometheusAddress))!, 'platform');
}

/** A number as PromQL/expr text without binary floating point noise (0.1/100 -> "0.001"). */
export function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** Rate window: two scrape-independent intervals, at least a minute, so one missed scrape does not empty it. */
export function rateWindow(a: ResolvedAnalysis): string {
  const s = Math.max(60, 2 * a.intervalSeconds);
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** PromQL label matchers selecting one Service's series. */
export interface SeriesSelector {
  readonly namespace: string;
  readonly service: string;
}

/**
 * Ratio of 5xx responses. No errors yields 0 (`or vector(0)`), but no traffic
 * yields an empty result or NaN, which the conditions treat as "no evidence".
 */
export function errorRatioQuery(a: ResolvedAnalysis, sel: SeriesSelector, window: string): string {
  const m = `namespace="${sel.namespace}",service="${sel.service}"`;
  return `(sum(rate(${a.requestsMetric}{${m},status=~"5.."}[${window}])) or vector(0)) / sum(rate(${a.requestsMetric}{${m}}[${window}]))`;
}

/** p95 latency in seconds: buckets of every pod summed per `le` first, or the quantile is meaningless. */
export function latencyP95Query(a: ResolvedAnalysis, sel: SeriesSelector, window: string): string {
  return `histogram_quantile(0.95, sum by (le) (rate(${a.durationMetric}_bucket{namespace="${sel.namespace}",service="${sel.service}"}[${window}])))`;
}

/** An Argo Rollouts condition true only for a real number that meets `test` (empty and NaN never do). */
export function guarded(test: string): string {
  return `len(result) > 0 && !isNaN(result[0]) && ${test}`;
}
