/**
 * Which configuration keys a catalog image's version accepts, file by file:
 * the key trees the image facts table (lib/core/images.ts) points to, and
 * the readers that turn a configuration file into the keys it sets.
 *
 * The trees list the keys the catalog's constructs produce and the common
 * documented ones around them; parts the constructs never render (other
 * service-discovery mechanisms, remote write, receivers the constructs do not
 * offer) are accepted as a whole (`ANY`). Each table names the documentation
 * version it comes from.
 */
import { parse } from 'yaml';

/**
 * Allowed keys of a configuration, as a tree: a nested tree lists the keys
 * allowed at that level, `'*'` stands for any key name (user-chosen names
 * such as storage backends) and `ANY` accepts any value below. A list in the
 * configuration is checked element by element against the tree of its key
 * (`scrape_configs: [...]` against the tree of one scrape config).
 */
export type KeyTree = { readonly [key: string]: KeyTree | typeof ANY };
export const ANY = true;

/**
 * Where an image finds a configuration file: named by one of its command-line
 * flags (`--config.file=FILE`, `--config FILE` or `-c FILE`), or every `*.yaml` /
 * `*.yml` file of a directory it reads. `$NAME` in `directory` is the
 * container's environment variable NAME, or `defaults[NAME]` when the
 * container does not set it.
 */
export type ConfigLocation =
  | { readonly flags: readonly string[] }
  | { readonly directory: string; readonly defaults?: Readonly<Record<string, string>> };

/** A configuration file the image reads, and the keys each described version accepts. */
export interface ConfigFacts {
  /** What the file is, for messages, e.g. `prometheus.yml`. */
  readonly name: string;
  /** How the container finds the file. */
  readonly location: ConfigLocation;
  /**
   * `yaml`, or `fluent-bit`: Fluent Bit's classic format, `[SECTION]` headers
   * and `Key Value` lines, read as the tree `service.<key>` and
   * `<input|filter|output>.<plugin name>.<key>`, keys in lower case (Fluent
   * Bit compares them without case).
   */
  readonly format: 'yaml' | 'fluent-bit';
  /** What the image does with a key its version does not accept, e.g. "exits at start". */
  readonly onUnknown: string;
  /** The documentation the key sets come from. */
  readonly reference: string;
  /** Keys each described version accepts; the pinned version must be among them (older ones document why a pin moved). */
  readonly keys: Readonly<Record<string, KeyTree>>;
}

/** A key a configuration sets that its tree does not allow. */
export interface UnknownConfigKey {
  /** Dotted path, e.g. `scrape_configs[1].relabel_configs[0].regexp`. */
  readonly path: string;
  /** The keys allowed at that level, or `undefined` when any key is. */
  readonly allowed: readonly string[];
  /** Line of the key in the file, when the reader knows it. */
  readonly line?: number;
  /** What the image does with this key, when it differs from the file's `onUnknown`. */
  readonly effect?: string;
}

/** Paths of keys in `config` that `keys` does not allow, e.g. `extensions.remote_sampling.file.reload_interval`. */
export function unknownConfigKeys(config: unknown, keys: KeyTree): string[] {
  return unknownKeysIn(config, keys, '').map((u) => u.path);
}

function unknownKeysIn(config: unknown, keys: KeyTree, at: string): UnknownConfigKey[] {
  if (Array.isArray(config)) return config.flatMap((item, i) => unknownKeysIn(item, keys, `${at}[${i}]`));
  if (config === null || typeof config !== 'object') return [];
  const out: UnknownConfigKey[] = [];
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    const rule = Object.prototype.hasOwnProperty.call(keys, k) ? keys[k] : keys['*'];
    const path = at ? `${at}.${k}` : k;
    if (rule === undefined) out.push({ path, allowed: Object.keys(keys) });
    else if (rule !== ANY) out.push(...unknownKeysIn(v, rule, path));
  }
  return out;
}

/**
 * The keys of one configuration file that `keys` does not allow. Throws with
 * the reader's message when the text is not a file of `format`.
 */
export function configKeyFindings(format: ConfigFacts['format'], text: string, keys: KeyTree): UnknownConfigKey[] {
  if (format === 'yaml') return unknownKeysIn(parse(text) as unknown, keys, '');
  return fluentBitFindings(text, keys);
}

/**
 * Fluent Bit's classic format: `[SECTION]` headers, `Key Value` lines
 * (indented), `#` comments and `@INCLUDE` / `@SET` directives. Plugin
 * sections (`INPUT`, `FILTER`, `OUTPUT`, `CUSTOM`) are keyed by their `Name`.
 * Fluent Bit 3.1 refuses an unknown property of a plugin section (the plugin
 * does not initialise and the process exits) and ignores an unknown
 * `[SERVICE]` key and an unknown section.
 */
function fluentBitFindings(text: string, keys: KeyTree): UnknownConfigKey[] {
  interface Section { name: string; line: number; entries: { key: string; line: number }[]; plugin?: string }
  const sections: Section[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1].trim().toLowerCase(), line: i + 1, entries: [] });
      return;
    }
    const section = sections[sections.length - 1];
    if (!section) throw new Error(`line ${i + 1}: "${line}" is outside any [SECTION]`);
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    if (m[2] === undefined) throw new Error(`line ${i + 1}: key "${m[1]}" has no value`);
    if (m[1].toLowerCase() === 'name') section.plugin = m[2].trim();
    else section.entries.push({ key: m[1], line: i + 1 });
  });
  const out: UnknownConfigKey[] = [];
  for (const s of sections) {
    const rule = keys[s.name] ?? keys['*'];
    if (rule === undefined) {
      out.push({ path: `[${s.name.toUpperCase()}]`, allowed: Object.keys(keys).map((k) => `[${k.toUpperCase()}]`), line: s.line, effect: 'ignores the section' });
      continue;
    }
    if (rule === ANY) continue;
    let tree: KeyTree | typeof ANY | undefined = rule;
    let at = s.name;
    const plugin = s.name === 'service' ? undefined : s.plugin;
    if (s.name !== 'service') {
      if (plugin === undefined) throw new Error(`line ${s.line}: section [${s.name.toUpperCase()}] has no Name`);
      tree = rule[plugin.toLowerCase()] ?? rule['*'];
      at = `${s.name}.${plugin}`;
      if (tree === undefined) {
        out.push({ path: at, allowed: Object.keys(rule), line: s.line, effect: 'may know the plugin, but the table describes no keys for it' });
        continue;
      }
    }
    if (tree === ANY) continue;
    for (const e of s.entries) {
      if (!Object.prototype.hasOwnProperty.call(tree, e.key.toLowerCase())) {
        out.push({ path: `${at}.${e.key}`, allowed: Object.keys(tree), line: e.line, ...(s.name === 'service' ? { effect: 'ignores it (the setting is silently lost)' } : {}) });
      }
    }
  }
  return out;
}

/** `{ a: ANY, b: ANY }` from `['a', 'b']`. */
function anyOf(...names: string[]): Record<string, typeof ANY> {
  return Object.fromEntries(names.map((n) => [n, ANY]));
}

// ---------------------------------------------------------------------------
// Prometheus v2.54.1: prometheus.yml, read with yaml.UnmarshalStrict (an
// unknown field is "field X not found in type config.plain" and the server
// exits). Source: https://prometheus.io/docs/prometheus/2.54/configuration/configuration/
// (the HTTP client, TLS and authorization blocks are prometheus/common's).

const PROM_TLS: KeyTree = anyOf('ca', 'ca_file', 'cert', 'cert_file', 'key', 'key_file', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version');
const PROM_HTTP_CLIENT: KeyTree = {
  basic_auth: anyOf('username', 'username_file', 'password', 'password_file'),
  authorization: anyOf('type', 'credentials', 'credentials_file'),
  oauth2: ANY,
  bearer_token: ANY, bearer_token_file: ANY, // deprecated, still read by 2.x
  tls_config: PROM_TLS,
  ...anyOf('proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'follow_redirects', 'enable_http2'),
};
const PROM_RELABEL: KeyTree = anyOf('source_labels', 'separator', 'target_label', 'regex', 'modulus', 'replacement', 'action');
const PROM_SD: KeyTree = {
  ...anyOf(
    'azure_sd_configs', 'consul_sd_configs', 'digitalocean_sd_configs', 'docker_sd_configs', 'dockerswarm_sd_configs', 'dns_sd_configs',
    'ec2_sd_configs', 'eureka_sd_configs', 'file_sd_configs', 'gce_sd_configs', 'hetzner_sd_configs', 'http_sd_configs', 'ionos_sd_configs',
    'kuma_sd_configs', 'lightsail_sd_configs', 'linode_sd_configs', 'marathon_sd_configs', 'nerve_sd_configs', 'nomad_sd_configs',
    'openstack_sd_configs', 'ovhcloud_sd_configs', 'puppetdb_sd_configs', 'scaleway_sd_configs', 'serverset_sd_configs', 'triton_sd_configs',
    'uyuni_sd_configs', 'vultr_sd_configs',
  ),
  kubernetes_sd_configs: {
    ...PROM_HTTP_CLIENT,
    ...anyOf('api_server', 'role', 'kubeconfig_file'),
    namespaces: anyOf('own_namespace', 'names'),
    selectors: anyOf('role', 'label', 'field'),
    attach_metadata: anyOf('node'),
  },
  static_configs: anyOf('targets', 'labels'),
};
const PROM_LIMITS = ['body_size_limit', 'sample_limit', 'label_limit', 'label_name_length_limit', 'label_value_length_limit', 'target_limit', 'keep_dropped_targets'];

export const PROMETHEUS_KEYS_2_54: KeyTree = {
  global: anyOf('scrape_interval', 'scrape_timeout', 'scrape_protocols', 'evaluation_interval', 'rule_query_offset', 'external_labels', 'query_log_file', ...PROM_LIMITS),
  rule_files: ANY,
  scrape_config_files: ANY,
  scrape_configs: {
    ...PROM_HTTP_CLIENT,
    ...PROM_SD,
    ...anyOf(
      'job_name', 'scrape_interval', 'scrape_timeout', 'scrape_protocols', 'scrape_classic_histograms', 'metrics_path', 'honor_labels',
      'honor_timestamps', 'track_timestamps_staleness', 'scheme', 'params', 'enable_compression', 'native_histogram_bucket_limit',
      'native_histogram_min_bucket_factor', ...PROM_LIMITS,
    ),
    relabel_configs: PROM_RELABEL,
    metric_relabel_configs: PROM_RELABEL,
  },
  alerting: {
    alert_relabel_configs: PROM_RELABEL,
    alertmanagers: {
      ...PROM_HTTP_CLIENT,
      ...PROM_SD,
      ...anyOf('timeout', 'api_version', 'path_prefix', 'scheme', 'sigv4'),
      relabel_configs: PROM_RELABEL,
    },
  },
  ...anyOf('remote_write', 'remote_read', 'storage', 'tracing', 'otlp'),
};

// ---------------------------------------------------------------------------
// Alertmanager v0.27.0: alertmanager.yml, read with yaml.UnmarshalStrict (an
// unknown field fails the load and the process exits). Source:
// https://prometheus.io/docs/alerting/0.27/configuration/ (config/config.go and
// config/notifiers.go at v0.27.0).

const AM_ROUTE: Record<string, KeyTree | typeof ANY> = anyOf(
  'receiver', 'group_by', 'continue', 'match', 'match_re', 'matchers', 'group_wait', 'group_interval', 'repeat_interval',
  'mute_time_intervals', 'active_time_intervals',
);
AM_ROUTE.routes = AM_ROUTE; // child routes are routes
const AM_NOTIFIER = ['send_resolved', 'http_config'];

export const ALERTMANAGER_KEYS_0_27: KeyTree = {
  global: anyOf(
    'resolve_timeout', 'http_config', 'smtp_from', 'smtp_hello', 'smtp_smarthost', 'smtp_auth_username', 'smtp_auth_password',
    'smtp_auth_password_file', 'smtp_auth_identity', 'smtp_auth_secret', 'smtp_require_tls', 'slack_api_url', 'slack_api_url_file',
    'victorops_api_key', 'victorops_api_key_file', 'victorops_api_url', 'pagerduty_url', 'opsgenie_api_key', 'opsgenie_api_key_file',
    'opsgenie_api_url', 'wechat_api_url', 'wechat_api_secret', 'wechat_api_corp_id', 'telegram_api_url', 'webex_api_url',
  ),
  templates: ANY,
  route: AM_ROUTE,
  inhibit_rules: anyOf('source_match', 'source_match_re', 'source_matchers', 'target_match', 'target_match_re', 'target_matchers', 'equal'),
  receivers: {
    name: ANY,
    pagerduty_configs: anyOf(
      ...AM_NOTIFIER, 'routing_key', 'routing_key_file', 'service_key', 'service_key_file', 'url', 'client', 'client_url', 'description',
      'details', 'images', 'links', 'source', 'severity', 'class', 'component', 'group',
    ),
    slack_configs: anyOf(
      ...AM_NOTIFIER, 'api_url', 'api_url_file', 'channel', 'username', 'color', 'title', 'title_link', 'pretext', 'text', 'fields',
      'short_fields', 'footer', 'fallback', 'callback_id', 'icon_emoji', 'icon_url', 'image_url', 'thumb_url', 'link_names', 'mrkdwn_in', 'actions',
    ),
    webhook_configs: anyOf(...AM_NOTIFIER, 'url', 'url_file', 'max_alerts'),
    ...anyOf(
      'discord_configs', 'email_configs', 'msteams_configs', 'opsgenie_configs', 'pushover_configs', 'sns_configs', 'telegram_configs',
      'victorops_configs', 'webex_configs', 'wechat_configs',
    ),
  },
  mute_time_intervals: { name: ANY, time_intervals: anyOf('times', 'weekdays', 'days_of_month', 'months', 'years', 'location') },
  time_intervals: { name: ANY, time_intervals: anyOf('times', 'weekdays', 'days_of_month', 'months', 'years', 'location') },
};

// ---------------------------------------------------------------------------
// Fluent Bit 3.1.9: fluent-bit.conf in the classic format. Source:
// https://docs.fluentbit.io/manual/3.1 (administration/configuring-fluent-bit/
// classic-mode, the tail input, kubernetes / modify / lua filters, es and
// http outputs) and src/flb_config.c at v3.1.9. Only the plugins the
// construct renders are described; another plugin name is reported.

const FB_INPUT_COMMON = ['tag', 'alias', 'log_level', 'log_suppress_interval', 'routable', 'mem_buf_limit', 'storage.type', 'storage.pause_on_chunks_overlimit', 'threaded'];
const FB_FILTER_COMMON = ['match', 'match_regex', 'alias', 'log_level', 'log_suppress_interval'];
const FB_OUTPUT_COMMON = [
  'match', 'match_regex', 'alias', 'log_level', 'log_suppress_interval', 'retry_limit', 'storage.total_limit_size', 'workers', 'host', 'port',
  'tls', 'tls.verify', 'tls.debug', 'tls.ca_file', 'tls.ca_path', 'tls.crt_file', 'tls.key_file', 'tls.key_passwd', 'tls.vhost',
  'net.dns.mode', 'net.dns.resolver', 'net.dns.prefer_ipv4', 'net.keepalive', 'net.keepalive_idle_timeout', 'net.keepalive_max_recycle',
  'net.connect_timeout', 'net.connect_timeout_log_error', 'net.source_address',
];
const FB_AWS = ['aws_auth', 'aws_region', 'aws_sts_endpoint', 'aws_role_arn', 'aws_external_id', 'aws_service_name', 'aws_profile'];

export const FLUENT_BIT_KEYS_3_1: KeyTree = {
  service: anyOf(
    'flush', 'grace', 'daemon', 'log_file', 'log_level', 'parsers_file', 'plugins_file', 'streams_file', 'http_server', 'http_listen',
    'http_port', 'health_check', 'hc_errors_count', 'hc_retry_failure_count', 'hc_period', 'coro_stack_size', 'scheduler.cap', 'scheduler.base',
    'json.convert_nan_to_null', 'hot_reload', 'storage.path', 'storage.sync', 'storage.metrics', 'storage.checksum', 'storage.backlog.mem_limit',
    'storage.max_chunks_up', 'storage.delete_irrecoverable_chunks', 'dns.mode', 'dns.resolver', 'dns.prefer_ipv4',
  ),
  input: {
    tail: anyOf(
      ...FB_INPUT_COMMON, 'path', 'exclude_path', 'key', 'read_from_head', 'refresh_interval', 'watcher_interval', 'progress_check_interval',
      'progress_check_interval_nsec', 'rotate_wait', 'docker_mode', 'docker_mode_flush', 'docker_mode_parser', 'path_key', 'offset_key',
      'ignore_older', 'buffer_chunk_size', 'buffer_max_size', 'skip_long_lines', 'skip_empty_lines', 'exit_on_eof', 'inotify_watcher', 'parser',
      'tag_regex', 'db', 'db.sync', 'db.locking', 'db.journal_mode', 'db.compare_filename', 'multiline', 'multiline_flush', 'parser_firstline',
      'multiline.parser',
    ),
  },
  filter: {
    kubernetes: anyOf(
      ...FB_FILTER_COMMON, 'buffer_size', 'tls.debug', 'tls.verify', 'tls.vhost', 'merge_log', 'merge_parser', 'merge_log_key', 'merge_log_trim',
      'keep_log', 'kube_url', 'kube_meta_preload_cache_dir', 'kube_ca_file', 'kube_ca_path', 'kube_tag_prefix', 'kube_token_file',
      'kube_token_command', 'kube_token_ttl', 'kube_meta_cache_ttl', 'labels', 'annotations', 'k8s-logging.parser', 'k8s-logging.exclude',
      'use_journal', 'cache_use_docker_id', 'regex_parser', 'dummy_meta', 'dns_retries', 'dns_wait_time', 'use_kubelet', 'use_tag_for_meta',
      'kubelet_host', 'kubelet_port',
    ),
    modify: anyOf(
      ...FB_FILTER_COMMON, 'set', 'add', 'remove', 'remove_wildcard', 'remove_regex', 'rename', 'hard_rename', 'copy', 'hard_copy',
      'move_to_start', 'move_to_end', 'condition',
    ),
    lua: anyOf(...FB_FILTER_COMMON, 'script', 'call', 'code', 'type_int_key', 'type_array_key', 'protected_mode', 'time_as_table'),
  },
  output: {
    es: anyOf(
      ...FB_OUTPUT_COMMON, ...FB_AWS, 'index', 'type', 'logstash_format', 'logstash_prefix', 'logstash_prefix_key', 'logstash_dateformat',
      'time_key', 'time_key_format', 'time_key_nanos', 'include_tag_key', 'tag_key', 'generate_id', 'id_key', 'write_operation', 'replace_dots',
      'trace_output', 'trace_error', 'current_time_index', 'suppress_type_name', 'http_user', 'http_passwd', 'cloud_id', 'cloud_auth', 'path',
      'pipeline', 'buffer_size', 'compress',
    ),
    http: anyOf(
      ...FB_OUTPUT_COMMON, ...FB_AWS, 'proxy', 'http_user', 'http_passwd', 'allow_duplicated_headers', 'log_response_payload', 'uri', 'format',
      'json_date_key', 'json_date_format', 'header', 'header_tag', 'compress', 'body_key', 'headers_key', 'gelf_timestamp_key', 'gelf_host_key',
      'gelf_short_message_key', 'gelf_full_message_key', 'gelf_level_key',
    ),
  },
};

// ---------------------------------------------------------------------------
// Grafana 11.2.0: provisioning files, apiVersion 1. Grafana reads them with a
// lenient YAML decoder: an unknown key is ignored, so the setting it meant is
// silently lost (the datasource or provider starts without it). Source:
// https://grafana.com/docs/grafana/v11.2/administration/provisioning/
// (pkg/services/provisioning/datasources/types.go and dashboards/types.go).

export const GRAFANA_DATASOURCES_KEYS_11: KeyTree = {
  apiVersion: ANY,
  prune: ANY,
  deleteDatasources: anyOf('name', 'orgId'),
  datasources: anyOf(
    'name', 'type', 'access', 'orgId', 'uid', 'url', 'user', 'database', 'basicAuth', 'basicAuthUser', 'withCredentials', 'isDefault',
    'correlations', 'jsonData', 'secureJsonData', 'version', 'editable',
  ),
};

export const GRAFANA_DASHBOARDS_KEYS_11: KeyTree = {
  apiVersion: ANY,
  providers: anyOf('name', 'type', 'orgId', 'folder', 'folderUid', 'editable', 'disableDeletion', 'updateIntervalSeconds', 'allowUiUpdates', 'options'),
};
