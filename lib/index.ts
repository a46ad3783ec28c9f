/**
 * The public API of the construct library: everything another team needs to
 * compose services in its own cdk8s app, and nothing else. Anything not
 * exported here (check helpers, renderers' internals, the project's own
 * environment loader, CLIs) may change in any release.
 *
 * Names are listed one by one, not with `export *`, so that adding an export
 * to an internal module never widens the API by accident; `api/manifests.api.md`
 * records the result and a test fails when a name disappears without a major
 * version bump (see CHANGELOG.md).
 *
 * @packageDocumentation
 */

// ---------------------------------------------------------------- core
export { PropsError } from './core/errors';
export { MANAGED_BY, selectorLabels, standardLabels } from './core/labels';
export type { StandardLabelProps } from './core/labels';
export { DEFAULT_UID, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './core/security';
export type { ContainerHardeningProps, PodIdentityProps } from './core/security';
export { toResourceRequirements } from './core/resources';
export type { ComputeQuantities, ComputeResources, Quantity } from './core/resources';
export type { CountOrPercent, DisruptionBudget, SpreadOptions } from './core/placement';
export type { CatalogServiceProps, MetricsOptions, PodSecurityRequirement } from './core/catalog';
export type { PinnedImage } from './core/checks';
export { IMAGES, MOVED_REPOSITORIES, pinnedImage } from './core/images';
export type { CatalogImage, ImageFacts, KeyTree, ProbeNeeds, ConfigFacts, ConfigLocation } from './core/images';
export { COLORS } from './core/color';
export type { Color } from './core/color';
export { PRUNE_PROTECTION } from './core/stateful';
export type { StorageOptions } from './core/stateful';
export { defaultStorageClass, setDefaultStorageClass } from './core/stateful';

// ---------------------------------------------------------------- workloads
export { Microservice } from './workloads/microservice';
export type { MicroserviceProps } from './workloads/microservice';
export { imageString } from './workloads/pod';
export type { ImageReference, SecretKeyReference } from './workloads/pod';
export { Probe } from './workloads/probes';
export type { ProbeTiming } from './workloads/probes';
export type { AutoscalingOptions, CustomPodMetric, ScalingRules } from './workloads/autoscaling';
export { Worker } from './workloads/worker';
export type { WorkerProps } from './workloads/worker';
export { ScheduledJob } from './workloads/scheduled-job';
export type { ScheduledJobProps } from './workloads/scheduled-job';

// ---------------------------------------------------------------- strategies
export { DeploymentStrategy } from './strategies/strategy';
export type { GitOpsHints, IgnoreDifference, ScaleUnit, StrategyBinding, StrategyContext, StrategyImage } from './strategies/strategy';
export { RollingStrategy } from './strategies/rolling';
export type { IntOrPercent, RollingStrategyProps } from './strategies/rolling';
export { BlueGreenStrategy } from './strategies/blue-green';
export type { ArgoBlueGreenProps, PlainBlueGreenProps, StandbyPolicy } from './strategies/blue-green';
export { CanaryStrategy, TRACK_LABEL } from './strategies/canary';
export type { ArgoCanaryProps, CanaryStage, FlaggerCanaryProps, PlainCanaryProps } from './strategies/canary';
export { GatewayApiRouter, IstioRouter, NginxRouter, ReplicaRatioRouter, TraefikRouter, TrafficRouter } from './strategies/traffic-router';
export type { CanaryBackend, CanaryRouter, FlaggerRouting, GatewayApiRouterOptions, IstioMode, IstioRouterOptions, NginxRouterOptions, PlainServiceLayout, RoutingResult, RoutingSpec } from './strategies/traffic-router';
export { analysedServiceNames, DEFAULT_PROMETHEUS } from './strategies/analysis';
export type { AnalysisCriteria, SloThresholds } from './strategies/analysis';

// ---------------------------------------------------------------- data services
export { PostgresDatabase } from './data/postgres';
export type { PostgresBackupOptions, PostgresCredentials, PostgresDatabaseProps, PostgresMode } from './data/postgres';
export { RedisCache } from './data/redis';
export type { MaxMemoryPolicy, RedisCacheProps, RedisMode } from './data/redis';
export { KafkaCluster } from './data/kafka';
export type { KafkaClusterProps, KafkaRoles } from './data/kafka';
export { ElasticsearchCluster } from './data/elasticsearch';
export type { ElasticsearchClusterProps, MaxMapCountInit } from './data/elasticsearch';
export { Nifi } from './data/nifi';
export type { NifiProps, NifiTlsOptions } from './data/nifi';
export { ExternalService } from './data/external-service';
export type { ExternalEndpointOptions, ExternalServiceProps, SecretStoreReference } from './data/external-service';
export { Kibana } from './data/kibana';
export type { KibanaProps } from './data/kibana';

// ---------------------------------------------------------------- platform services
export { Grafana } from './platform/grafana';
export type { GrafanaDatasource, GrafanaProps } from './platform/grafana';
export { Prometheus } from './platform/prometheus';
export type { PrometheusDiscovery, PrometheusProps } from './platform/prometheus';
export { Jaeger } from './platform/jaeger';
export type { JaegerProps, JaegerStorage } from './platform/jaeger';
export { FluentBit } from './platform/fluent-bit';
export type { FluentBitElasticsearchOutput, FluentBitLogstashOutput, FluentBitOutput, FluentBitProps } from './platform/fluent-bit';
export { Alertmanager } from './platform/alertmanager';
export type { AlertmanagerProps, AlertReceiver, AlertRoute, AlertSecretKey, AlertTimeInterval } from './platform/alertmanager';
export { Logstash } from './platform/logstash';
export type { LogstashElasticsearchOutput, LogstashProps } from './platform/logstash';
export { TraefikController } from './platform/traefik';
export type { TraefikControllerProps, TraefikExposure } from './platform/traefik';
export { ADDON_IDS, ADDONS, addonTable, CERT_MANAGER_INGRESS_ANNOTATIONS, DISTRIBUTION_ADDONS, installLevel, isAddonId, isPrometheusOperatorObject, PROMETHEUS_OPERATOR_KINDS, PROVIDER_RULES, providerOf, withRequirements } from './platform/addons';
export type { AddonId, AddonInfo, GitOpsEngine, PinnedChart, ProvidedObject, Provider, ProviderOptions, ProviderRule } from './platform/addons';
export { ADDON_LABEL, checkCluster, ClusterGate } from './platform/cluster-gate';
export type { ClusterFacts, ClusterGateReport, GateObject } from './platform/cluster-gate';

// ---------------------------------------------------------------- observability
export { monitorService, ServiceMonitor } from './observability/service-monitor';
export type { ScrapeEndpoint, ServiceMonitorProps } from './observability/service-monitor';
export { GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION, ServiceDashboard } from './observability/service-dashboard';
export type { ServiceDashboardProps } from './observability/service-dashboard';
export { SLO_RECORDS, SloRules } from './observability/slo-rules';
export type { HttpObjectives, SloRulesProps } from './observability/slo-rules';
export { TracingSampling } from './observability/tracing-sampling';
export type { OtelTracingProvider, TracingSamplingProps } from './observability/tracing-sampling';

// ---------------------------------------------------------------- security
export { SystemNamespace, POD_SECURITY_VERSION, podSecurityLabels, MESH_CNI_ANNOTATION, MESH_NATIVE_SIDECARS_ANNOTATION } from './security/system-namespace';
export type { ContainerDefaults, NamespaceQuota, PodSecurity, MeshMode, PodSecurityLevel, SystemNamespaceProps } from './security/system-namespace';
export { ExternalPeer } from './security/peer';
export type { ExternalAddressOptions, ExternalPodsOptions, Peer, PortProtocol } from './security/peer';
export { ServiceGraph } from './security/service-graph';
export type { Connection, ConnectionKind, PeerListener, ServiceGraphProps } from './security/service-graph';
export { ApiAccess, READ_CONFIG, READ_PODS } from './security/api-access';
export type { ApiAccessProps, ApiGrant, ApiVerb } from './security/api-access';
export { NAMESPACE_PLACEHOLDER, SecretBackend, SecretStore } from './security/secret-store';
export type { AwsBackendOptions, SecretStoreProps, VaultBackendOptions } from './security/secret-store';
export { ExternalSecret } from './security/external-secret';
export type { ExternalSecretProps, RemoteValue } from './security/external-secret';

// ---------------------------------------------------------------- mesh
export { MeshPolicies } from './mesh/mesh-policies';
export type { CircuitBreakerOptions, MeshPoliciesProps } from './mesh/mesh-policies';

// ---------------------------------------------------------------- border (ingress, TLS)
export { Border } from './border/border';
export type { BorderOptions, Exposable, ExposeOptions, GatewayBorderOptions, NginxBorderOptions, TraefikBorderOptions } from './border/border';
export { NginxIngress } from './border/nginx-ingress';
export type { NginxIngressProps } from './border/nginx-ingress';
export { TraefikRoute } from './border/traefik-route';
export type { TraefikAuth, TraefikRouteProps } from './border/traefik-route';
export { GatewayRoute } from './border/gateway-route';
export type { GatewayReference, GatewayRouteProps } from './border/gateway-route';
export type { RateLimit, RouteOptions, TlsIssuer } from './border/options';
export { HTTP01_INGRESS_CLASS_LABEL } from './border/options';
export { CertificateIssuer, LETSENCRYPT_PRODUCTION, LETSENCRYPT_STAGING } from './border/certificate-issuer';
export type { AcmeSolver, CertificateIssuerProps, IssuerSource, LabelledAcmeSolver } from './border/certificate-issuer';

// ---------------------------------------------------------------- backup
export { VeleroSchedule } from './backup/velero-schedule';
export type { VeleroScheduleProps } from './backup/velero-schedule';

// ---------------------------------------------------------------- gitops
export { ArgoApplication } from './gitops/argocd-application';
export type { ArgoApplicationProps, ArgoHelmChart, SyncRetry } from './gitops/argocd-application';
export { ArgoProject } from './gitops/argocd-project';
export type { ArgoProjectProps, GroupKind, ProjectDestination } from './gitops/argocd-project';
export { ArgoCdSettings, TRACKING_METHOD_KEY } from './gitops/argocd-settings';
export type { ArgoCdSettingsProps } from './gitops/argocd-settings';
export { FluxGitSource } from './gitops/flux-source';
export type { FluxGitSourceProps } from './gitops/flux-source';
export { FluxKustomization } from './gitops/flux-kustomization';
export type { FluxKustomizationProps } from './gitops/flux-kustomization';
export { FluxHelmRelease, FluxHelmRepository } from './gitops/flux-helm';
export type { FluxHelmReleaseProps, FluxHelmRepositoryProps } from './gitops/flux-helm';
export { ignoreDifferences, ignoreDifferencesOf } from './gitops/ignore-differences';
export { protectFromPrune } from './gitops/prune-protection';
export { applyDeliveryMetadata } from './gitops/delivery-metadata';
export { syncWaveOf } from './gitops/sync-waves';
export { DestructiveChangeGuard, findDestructiveChanges } from './gitops/destructive-change-guard';
export type { DestructiveChange, DestructiveChangeGuardProps } from './gitops/destructive-change-guard';

// ---------------------------------------------------------------- synth (render -> check -> atomic swap into an output directory)
export { CheckFailedError, renderEnvironmentOutput, synthesize } from './synth/pipeline';
export type { CheckInput, EnvironmentCheckInput, EnvironmentOutput, EnvironmentProblems, EnvironmentSummary, SynthCheck, SynthRequest, SynthResult } from './synth/pipeline';
export { RenderError, renderTargets } from './synth/render';
export type { RenderedObject, RenderTarget } from './synth/render';
export { fileNameOf, toYaml } from './synth/serialize';
export type { ObjectIdentity } from './synth/serialize';
export type { FileSet } from './synth/output';

// ---------------------------------------------------------------- validate (rendered manifests against schema, references and policy)
export { EXTERNAL_PROVIDER_ANNOTATION, formatReport, isRuleId, POD_SECURITY_REASON_ANNOTATION, RULE_IDS, RULES, validateManifests, WAIVER_PREFIX, waiverAnnotation } from './validate';
export type { FormatOptions, ReportFormat, RuleId, RuleInfo } from './validate';
export type { ManifestDocument, NamespacePolicy, ObjectRef, ValidateOptions, ValidationReport, Violation, WaiverPolicy, WaiverUse } from './validate/types';
