import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { CanarySpecIngressRef, CanarySpecProvider, CanarySpecServiceGatewayRefs } from '../../../imports/flagger-flagger.app';
import { RolloutSpecStrategyCanary } from '../../../imports/rollouts-rollout-argoproj.io';
import { waveOf } from '../gitops';
import { IgnoreDifference } from '../strategy';

/** The controllers that can run a canary: Argo Rollouts, Flagger, or plain manifests whose weights are set in Git. */
export type CanaryBackend = 'argo-rollouts' | 'flagger' | 'plain';

/** What a router needs to render the objects that split traffic. */
export interface RoutingSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Service port the routes send to. */
  readonly port: number;
  readonly stableService: string;
  readonly canaryService: string;
  /** Pod labels of each subset (Istio subset mode). */
  readonly stableSubsetLabels: Record<string, string>;
  readonly canarySubsetLabels: Record<string, string>;
  /** Percentage for the canary now; under a controller the initial 0, which it then owns. */
  readonly canaryWeight: number;
  /** True when a controller (Argo Rollouts) rewrites the weights: they are reported as ignored differences. */
  readonly controllerOwnsWeights: boolean;
}

/** The routing objects rendered and the fields a controller owns in them. */
export interface RoutingResult {
  readonly objects: ApiObject[];
  readonly ignoreDifferences: IgnoreDifference[];
}

/** The Services a plain canary (two Deployments, weights from Git) needs besides the main one. */
export interface PlainServiceLayout {
  /** The main Service selects both tracks (the router splits behind it) rather than the stable track only. */
  readonly mainSelectsBoth: boolean;
  /** A Service `<name>-canary` selects the canary track. */
  readonly canaryService: boolean;
  /** A Service `<name>-stable` selects the stable track and is the routes' stable destination; otherwise the main Service is. */
  readonly stableService: boolean;
}

/** The router's part of a Flagger Canary. */
export interface FlaggerRouting {
  readonly provider: CanarySpecProvider;
  readonly ingressRef?: CanarySpecIngressRef;
  readonly gatewayRefs?: CanarySpecServiceGatewayRefs[];
}

/**
 * How traffic is split between a stable and a canary version. Each router is
 * one class (lib/strategies/routers/) registered in
 * lib/strategies/traffic-router.ts, whose `TrafficRouter.<name>()` factories
 * make them.
 */
export interface TrafficRouter {
  /** The router's name in environment files and messages, e.g. "istio". */
  readonly kind: string;
  /** The canary weight is the share of canary pods behind one Service: no routing objects, the replica counts carry it. */
  readonly splitsByReplicas: boolean;
  /** Throws PropsError on options that cannot work (`field` is where the router sits in the props). */
  check(scope: Construct, field: string): void;
  /** Renders the objects that split traffic between the stable and canary Services. */
  render(scope: Construct, spec: RoutingSpec): RoutingResult;
  /** Adds the checks that need the finished chart (objects the router refers to may be added after the strategy). */
  addChecks(scope: Construct, namespace: string, stableService: string): void;
  /** The Services a plain canary needs. */
  plainServices(): PlainServiceLayout;
  /** The Rollout's `trafficRouting` for a canary named `name`; undefined when no router object is driven. */
  argoTrafficRouting(name: string, namespace: string): RolloutSpecStrategyCanary['trafficRouting'];
  /** The router's part of a Flagger Canary; undefined when Flagger cannot drive this router. */
  flaggerRouting(): FlaggerRouting | undefined;
}

/** Router settings as an environment file carries them (`strategy.istioMode`, `.ingress`, `.gateway`). */
export interface RouterSettings {
  readonly istioMode?: string;
  readonly ingress?: string;
  readonly gateway?: { readonly name: string; readonly namespace?: string };
}

/** A setting only some routers take, with what it does for them (for "no X with router Y" messages). */
export interface RouterSetting {
  readonly key: keyof RouterSettings;
  /** e.g. "routes through an Ingress"; omitted, the message names no reason. */
  readonly does?: string;
}

/** A router as a kind: what builds it from settings and which backends can drive it. */
export interface TrafficRouterType<K extends string = string> {
  readonly kind: K;
  /** Its routers split by the ratio of pods (see TrafficRouter.splitsByReplicas). */
  readonly splitsByReplicas: boolean;
  /** The canary backends that can drive this router, in the order messages list them. */
  readonly backends: readonly CanaryBackend[];
  /** Why a backend cannot drive it, where the plain list would leave the reader guessing. */
  readonly unsupportedWhy?: Partial<Record<CanaryBackend, string>>;
  /** Settings that belong to this router. */
  readonly settings: readonly RouterSetting[];
  /** Problems with settings (as [setting, expected text]) before a router is built from them. */
  settingsProblems(settings: RouterSettings, backend: CanaryBackend): Array<[keyof RouterSettings, string]>;
  /** The router the settings describe (settingsProblems found none). */
  fromSettings(settings: RouterSettings): TrafficRouter;
}

/** A DNS-1123 label, as Kubernetes object names must be. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Metadata of a routing object: the service's labels, and its sync wave under a controller. */
export function routingMetadata(spec: RoutingSpec, name: string, annotations: Record<string, string> = {}) {
  return {
    name,
    namespace: spec.namespace,
    labels: spec.labels,
    annotations: { ...(spec.controllerOwnsWeights ? waveOf('Service') : {}), ...annotations },
  };
}
