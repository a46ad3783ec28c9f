import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, checksum, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkDnsLabel, checkImage, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { checkStorage, claimTemplate, PRUNE_PROTECTION, RETAIN_CLAIMS, StorageOptions } from '../core/stateful';
import { monitorService } from '../observability/service-monitor';
import { configYaml } from '../synth/serialize';

/** A key of a Secret in the Alertmanager's namespace (e.g. made by an ExternalSecret from the secret store). */
export interface AlertSecretKey {
  readonly secret: string;
  readonly key: string;
}

/**
 * Where notifications go. Credentials are read from files of a mounted
 * Secret (`routing_key_file`, `api_url_file`), so the configuration in Git
 * holds no key.
 */
export type AlertReceiver =
  | { readonly kind: 'pagerduty'; readonly name: string; /** Events API v2 routing key. */ readonly routingKey: AlertSecretKey }
  | { readonly kind: 'slack'; readonly name: string; /** Incoming-webhook URL. */ readonly webhookUrl: AlertSecretKey; /** e.g. "#alerts" */ readonly channel: string }
  /** Notifies nobody: the alert stays visible in Alertmanager and the dashboards. */
  | { readonly kind: 'none'; readonly name: string };

/** Recurring hours in which a route notifies, e.g. business hours. */
export interface AlertTimeInterval {
  readonly name: string;
  /** Weekday ranges, e.g. ["monday:friday"]. */
  readonly weekdays: string[];
  /** "HH:MM", 24-hour clock. */
  readonly start: string;
  /** "HH:MM", after start. */
  readonly end: string;
  /** IANA time zone, e.g. "Europe/London". @default "UTC" */
  readonly location?: string;
}

/** Alerts of one severity go to one receiver. */
export interface AlertRoute {
  /** Value of the alert's `severity` label. */
  readonly severity: string;
  /** Name of one of `receivers`. */
  readonly receiver: string;
  /** Notify only within this time interval (its name); outside it the alert waits. @default always */
  readonly activeTimeInterval?: string;
  /** How often a still-firing alert is sent again. @default "4h" */
  readonly repeatInterval?: string;
}

export interface AlertmanagerProps extends CatalogServiceProps {
  readonly receivers: AlertReceiver[];
  /** One route per severity; an alert of another severity goes to `defaultReceiver`. */
  readonly routes: AlertRoute[];
  /** @default a receiver that notifies nobody */
  readonly defaultReceiver?: string;
  readonly timeIntervals?: AlertTimeInterval[];
  /**
   * Severities the alerting rules emit (e.g. `SloRules.severities`): each must
   * have a route, or its alerts would silently reach the default receiver.
   * @default none checked
   */
  readonly requiredSeverities?: readonly string[];
  /** Labels alerts are grouped by. @default ["alertname", "service", "slo"] */
  readonly groupBy?: string[];
  /** Volume for silences and the notification log, so a restart neither forgets a silence nor pages twice. @default 1Gi */
  readonly storage?: StorageOptions;
  /** @default quay.io/prometheus/alertmanager:v0.27.0 (UID 65534) */
  readonly image?: PinnedImage;
  /** @default 65534 */
  readonly uid?: number;
  /** @default requests 50m/64Mi, limits 200m/128Mi */
  readonly resources?: ComputeResources;
}

const PORT = IMAGES.alertmanager.ports.http;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('alertmanager');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const SECRETS = '/etc/alertmanager/secrets';
const NOBODY = 'nobody';
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const WEEKDAY = '(monday|tuesday|wednesday|thursday|friday|saturday|sunday)';

/**
 * Alertmanager routing alerts by severity (the usual split: critical to
 * PagerDuty at once, warning to Slack in business hours, info to dashboards
 * only). One pod (a StatefulSet with a small volume for silences and the
 * notification log); the configuration in a ConfigMap, receivers' keys read
 * from files of Secrets the secret store fills. An HA pair is not offered:
 * its gossip needs UDP 9094, which the service graph's policies do not open.
 */
export class Alertmanager extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `<name>.<namespace>.svc:9093`, for Prometheus' `alerting` targets. */
  public readonly target: string;
  /** The rendered alertmanager.yml. */
  public readonly config: string;
  public readonly routes: readonly AlertRoute[];
  public readonly workload: k8s.KubeStatefulSet;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: AlertmanagerProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.target = `${this.name}.${this.namespace}.svc:${PORT}`;
    this.routes = props.routes;
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.storage ?? { size: '1Gi' };
    checkStorage(this, 'storage', storage);

    const receivers = [...props.receivers];
    const names = new Set<string>();
    receivers.forEach((r, i) => {
      checkDnsLabel(this, `receivers[${i}].name`, r.name);
      if (names.has(r.name) || r.name === NOBODY) throw new PropsError(this, `receivers[${i}].name`, r.name, `a name no other receiver has (and not "${NOBODY}", the built-in default)`);
      names.add(r.name);
      if (r.kind === 'slack' && !/^#[a-z0-9_-]{1,80}$/.test(r.channel)) throw new PropsError(this, `receivers[${i}].channel`, r.channel, 'a Slack channel such as "#alerts"');
    });
    const defaultReceiver = props.defaultReceiver ?? NOBODY;
    if (defaultReceiver === NOBODY) receivers.push({ kind: 'none', name: NOBODY });
    else if (!names.has(defaultReceiver)) throw new PropsError(this, 'defaultReceiver', defaultReceiver, `one of the receivers (${[...names].join(', ')})`);
    const intervals = props.timeIntervals ?? [];
    intervals.forEach((t, i) => {
      checkDnsLabel(this, `timeIntervals[${i}].name`, t.name);
      t.weekdays.forEach((d, j) => {
        if (!new RegExp(`^${WEEKDAY}(:${WEEKDAY})?$`).test(d)) throw new PropsError(this, `timeIntervals[${i}].weekdays[${j}]`, d, 'a weekday or range such as "monday:friday"');
      });
      if (!HHMM.test(t.start)) throw new PropsError(this, `timeIntervals[${i}].start`, t.start, 'a time "HH:MM" such as "09:00"');
      if (!HHMM.test(t.end) || t.end <= t.start) throw new PropsError(this, `timeIntervals[${i}].end`, t.end, `a time "HH:MM" after ${t.start}`);
      if (t.location !== undefined && !/^(UTC|Local|[A-Z][A-Za-z_]+(\/[A-Z][A-Za-z_+-]+)+)$/.test(t.location)) {
        throw new PropsError(this, `timeIntervals[${i}].location`, t.location, 'an IANA time zone such as "Europe/London" or "UTC"');
      }
    });
    const severities = new Set<string>();
    props.routes.forEach((r, i) => {
      if (severities.has(r.severity)) throw new PropsError(this, `routes[${i}].severity`, r.severity, 'a severity no other route has');
      severities.add(r.severity);
      if (!names.has(r.receiver) && r.receiver !== defaultReceiver) throw new PropsError(this, `routes[${i}].receiver`, r.receiver, `one of the receivers (${[...names].join(', ')})`);
      if (r.activeTimeInterval !== undefined && !intervals.some((t) => t.name === r.activeTimeInterval)) {
        throw new PropsError(this, `routes[${i}].activeTimeInterval`, r.activeTimeInterval, `one of the time intervals (${intervals.map((t) => t.name).join(', ') || 'none defined'})`);
      }
    });
    for (const s of props.requiredSeverities ?? []) {
      if (!severities.has(s)) throw new PropsError(this, 'routes', props.routes.map((r) => r.severity), `a route for severity "${s}", which the alerting rules emit (without one its alerts reach "${defaultReceiver}")`);
    }

    const file = (k: AlertSecretKey) => `${SECRETS}/${k.secret}/${k.key}`;
    this.config = configYaml({
      route: {
        receiver: defaultReceiver,
        group_by: props.groupBy ?? ['alertname', 'service', 'slo'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: props.routes.map((r) => ({
          receiver: r.receiver,
          matchers: [`severity="${r.severity}"`],
          ...(r.activeTimeInterval ? { active_time_intervals: [r.activeTimeInterval] } : {}),
          ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
        })),
      },
      // A fast burn pages; the slow burn of the same SLO would only repeat it.
      inhibit_rules: severities.has('critical') && severities.has('warning')
        ? [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['service', 'slo'] }]
        : [],
      ...(intervals.length
        ? {
            time_intervals: intervals.map((t) => ({
              name: t.name,
              time_intervals: [{ weekdays: t.weekdays, times: [{ start_time: t.start, end_time: t.end }], location: t.location ?? 'UTC' }],
            })),
          }
        : {}),
      receivers: receivers.map((r) =>
        r.kind === 'pagerduty'
          ? { name: r.name, pagerduty_configs: [{ routing_key_file: file(r.routingKey), send_resolved: true }] }
          : r.kind === 'slack'
            ? { name: r.name, slack_configs: [{ api_url_file: file(r.webhookUrl), channel: r.channel, send_resolved: true }] }
            : { name: r.name },
      ),
    });

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'alerting' });
    const selector = selectorLabels({ name: this.name });
    const metadata = { name: this.name, namespace: this.namespace, labels };
    new k8s.KubeConfigMap(this, 'Config', { metadata: { ...metadata, name: `${this.name}-config` }, data: { 'alertmanager.yml': this.config } });

    const secretNames = [...new Set(props.receivers.flatMap((r) => (r.kind === 'pagerduty' ? [r.routingKey.secret] : r.kind === 'slack' ? [r.webhookUrl.secret] : [])))].sort();
    const secretVolumes: k8s.Volume[] = secretNames.map((s, i) => ({ name: `secret-${i}`, secret: { secretName: s } }));
    const secretMounts: k8s.VolumeMount[] = secretNames.map((s, i) => ({ name: `secret-${i}`, mountPath: `${SECRETS}/${s}`, readOnly: true }));
    const tmp = scratchVolume('tmp', '/tmp', '64Mi');
    const http = k8s.IntOrString.fromString('http');
    const headless = `${this.name}-headless`;
    this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...metadata, annotations: { ...PRUNE_PROTECTION } },
      spec: {
        replicas: 1,
        serviceName: headless,
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: RETAIN_CLAIMS,
        template: {
          metadata: { labels: { ...standardLabels({ name: this.name, component: 'alerting', version: image.tag }), ...selector }, annotations: { 'checksum/config': checksum(this.config) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('alertmanager') }),
            containers: [
              hardened({
                name: 'alertmanager',
                image: imageRef(image),
                args: [
                  '--config.file=/etc/alertmanager/alertmanager.yml',
                  '--storage.path=/alertmanager',
                  `--web.listen-address=:${PORT}`,
                  // One pod: no gossip peers to find.
                  '--cluster.listen-address=',
                ],
                ports: [tcp('http', PORT)],
                resources: toResourceRequirements(resources),
                readinessProbe: { httpGet: { path: '/-/ready', port: http }, periodSeconds: 10, timeoutSeconds: 3 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: http }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
                volumeMounts: [
                  { name: 'data', mountPath: '/alertmanager' },
                  { name: 'config', mountPath: '/etc/alertmanager/alertmanager.yml', subPath: 'alertmanager.yml', readOnly: true },
                  ...secretMounts,
                  tmp.mount,
                ],
              }),
            ],
            volumes: [{ name: 'config', configMap: { name: `${this.name}-config` } }, ...secretVolumes, tmp.volume],
          },
        },
        volumeClaimTemplates: [claimTemplate(this, 'data', storage, labels)],
      },
    });
    new k8s.KubeService(this, 'Headless', { metadata: { ...metadata, name: headless }, spec: { clusterIp: 'None', selector } });
    new k8s.KubeService(this, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports: [servicePort('http', PORT)] } });
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'http' }] });
  }
}
