import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * A field Argo CD should not report as drift because a controller owns it in
 * the cluster (an HPA owns `replicas`, Argo Rollouts owns traffic weights).
 * The shape is Argo CD's `spec.ignoreDifferences` entry.
 */
export interface IgnoreDifference {
  /** API group of the object, `""` for core. */
  readonly group: string;
  readonly kind: string;
  /** Object name. @default every object of the kind */
  readonly name?: string;
  /** Object namespace. @default any */
  readonly namespace?: string;
  /** RFC 6901 pointers to ignore. @default none */
  readonly jsonPointers?: string[];
  /** jq paths to ignore (for fields inside lists). @default none */
  readonly jqPathExpressions?: string[];
}

const METADATA_TYPE = 'platform.gitops/ignore-differences';

/**
 * Declares fields of objects under `scope` that a controller changes at run
 * time. Strategies and other constructs call this next to the object they
 * render; the bootstrap chart copies every entry of a system into its Argo CD
 * Application. Stored as construct metadata, so nothing global is involved.
 */
export function ignoreDifferences(scope: Construct, ...entries: IgnoreDifference[]): void {
  for (const e of entries) scope.node.addMetadata(METADATA_TYPE, e);
}

/**
 * Every `ignoreDifferences` entry of the objects under `root`: the ones
 * declared with `ignoreDifferences()` plus the ones implied by the objects
 * themselves (HPA targets, Flagger targets, Argo Rollouts traffic routing),
 * de-duplicated and sorted for stable output.
 */
export function ignoreDifferencesOf(root: Construct): IgnoreDifference[] {
  const found: IgnoreDifference[] = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) if (m.type === METADATA_TYPE) found.push(m.data as IgnoreDifference);
    if (c instanceof ApiObject && INFERRED[c.kind]) found.push(...INFERRED[c.kind](c.toJson(), c.metadata.namespace));
  }
  const byKey = new Map<string, IgnoreDifference>();
  for (const e of found) {
    const key = `${e.group}|${e.kind}|${e.namespace ?? ''}|${e.name ?? ''}`;
    const prev = byKey.get(key);
    byKey.set(key, prev ? mergeEntries(prev, e) : normalize(e));
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}

function normalize(e: IgnoreDifference): IgnoreDifference {
  return {
    ...e,
    jsonPointers: e.jsonPointers ? [...new Set(e.jsonPointers)].sort() : undefined,
    jqPathExpressions: e.jqPathExpressions ? [...new Set(e.jqPathExpressions)].sort() : undefined,
  };
}

function mergeEntries(a: IgnoreDifference, b: IgnoreDifference): IgnoreDifference {
  const union = (x?: string[], y?: string[]) => (x || y ? [...new Set([...(x ?? []), ...(y ?? [])])].sort() : undefined);
  return { ...a, jsonPointers: union(a.jsonPointers, b.jsonPointers), jqPathExpressions: union(a.jqPathExpressions, b.jqPathExpressions) };
}

function groupOf(apiVersion: string | undefined): string {
  const i = (apiVersion ?? '').lastIndexOf('/');
  return i < 0 ? '' : apiVersion!.slice(0, i);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rules that read an object and name the fields a controller will change on other objects. */
const INFERRED: Readonly<Record<string, (o: Json, namespace: string | undefined) => IgnoreDifference[]>> = {
  // The HPA writes `replicas` of its target.
  HorizontalPodAutoscaler: (o, namespace) => {
    const t = o.spec?.scaleTargetRef;
    return t ? [{ group: groupOf(t.apiVersion), kind: t.kind, name: t.name, namespace, jsonPointers: ['/spec/replicas'] }] : [];
  },
  // Flagger scales the target Deployment to zero and runs a `-primary` copy.
  Canary: (o, namespace) => {
    const t = o.spec?.targetRef;
    return t ? [{ group: groupOf(t.apiVersion), kind: t.kind, name: t.name, namespace, jsonPointers: ['/spec/replicas'] }] : [];
  },
  // Argo Rollouts moves the weights of the routes it steers a canary through.
  Rollout: (o, namespace) => {
    const routing = o.spec?.strategy?.canary?.trafficRouting;
    if (!routing) return [];
    const out: IgnoreDifference[] = [];
    const istio = routing.istio;
    const services = [istio?.virtualService, ...(istio?.virtualServices ?? [])].filter(Boolean);
    for (const vs of services) {
      out.push({ group: 'networking.istio.io', kind: 'VirtualService', name: vs.name, namespace, jqPathExpressions: ['.spec.http[].route[].weight'] });
    }
    if (istio?.destinationRule?.name) {
      // Rollouts labels the canary/stable subsets with the pod-template hash.
      out.push({ group: 'networking.istio.io', kind: 'DestinationRule', name: istio.destinationRule.name, namespace, jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'] });
    }
    if (routing.traefik?.weightedTraefikServiceName) {
      out.push({ group: 'traefik.io', kind: 'TraefikService', name: routing.traefik.weightedTraefikServiceName, namespace, jqPathExpressions: ['.spec.weighted.services[].weight'] });
    }
    const gateway = routing.plugins?.['argoproj-labs/gatewayAPI'];
    const routes = [gateway?.httpRoute, ...(gateway?.httpRoutes ?? []).map((r: Json) => r.name)].filter(Boolean);
    for (const name of routes) {
      out.push({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name, namespace, jqPathExpressions: ['.spec.rules[].backendRefs[].weight'] });
    }
    return out;
  },
};
