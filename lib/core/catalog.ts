import { createHash } from 'crypto';
import * as k8s from '../../imports/k8s';
import { restrictedContainerSecurityContext } from './security';

/**
 * Props every catalog service (database, cache, broker, platform tool)
 * shares. They map one-to-one onto environment-file fields, so a chart can
 * pass its resolved config straight through.
 */
export interface CatalogServiceProps {
  /** Name of every object of the service. @default the construct id */
  readonly name?: string;
  /** Namespace all objects go into. */
  readonly namespace: string;
  /** System this service belongs to (`app.kubernetes.io/part-of`). @default none */
  readonly partOf?: string;
  /** Metrics scraping. @default ServiceMonitor on, 30 s interval */
  readonly metrics?: MetricsOptions;
}

/** How the service's metrics endpoint is scraped. */
export interface MetricsOptions {
  /** Render a ServiceMonitor (needs the Prometheus Operator CRDs). @default true */
  readonly serviceMonitor?: boolean;
  /** Scrape interval. @default "30s" */
  readonly interval?: string;
  /** Extra labels on the ServiceMonitor, e.g. `release: kube-prometheus-stack` for the operator's selector. @default none */
  readonly labels?: Record<string, string>;
}

/** Why a workload cannot meet the restricted Pod Security Standard; the namespace construct labels its namespace from it. */
export interface PodSecurityRequirement {
  /** The least Pod Security Standard level the pods need. */
  readonly level: 'restricted' | 'baseline' | 'privileged';
  /** Why, for the namespace's reason annotation. Empty for restricted. */
  readonly reason: string;
}

export const RESTRICTED: PodSecurityRequirement = { level: 'restricted', reason: '' };

/** A named TCP container port (names are what NetworkPolicies and ServiceMonitors refer to). */
export function tcp(name: string, containerPort: number): k8s.ContainerPort {
  return { name, containerPort, protocol: 'TCP' };
}

/** A Service port that targets the container port of the same name. */
export function servicePort(name: string, port: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
}

/** Restricted-profile container defaults: pull policy and the hardened security context. */
export function hardened(c: k8s.Container): k8s.Container {
  return { imagePullPolicy: 'IfNotPresent', securityContext: restrictedContainerSecurityContext(), ...c };
}


/** Env var from a Secret key. */
export function secretEnv(name: string, ref: { readonly secret: string; readonly key: string }): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } };
}

/** Env var with the pod's own name or namespace (downward API). */
export function fieldEnv(name: string, fieldPath: 'metadata.name' | 'metadata.namespace' | 'status.podIP'): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** Content hash of rendered configuration, as a pod annotation value: a config change rolls the pods. */
export function checksum(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}
