import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';

/**
 * Everything a strategy needs to render the workload of one service. The
 * service owner (e.g. `Microservice`) builds the pod template once; the
 * strategy decides which workload objects run it and how traffic reaches them.
 */
export interface StrategyContext {
  /** Scope to add the workload objects to (the service construct). */
  readonly scope: Construct;
  /** Base name of the service, used for object names. */
  readonly name: string;
  readonly namespace: string;
  /** Labels for object metadata. */
  readonly labels: Record<string, string>;
  /** Labels that select this service's pods (immutable once deployed). */
  readonly selectorLabels: Record<string, string>;
  /** The pod template every workload of this service runs. */
  readonly podTemplate: k8s.PodTemplateSpec;
  /** Desired replicas, or undefined when an autoscaler owns them. */
  readonly replicas: number | undefined;
  /** Whether an autoscaler owns the replicas (the service owner renders it for the binding's scale units). */
  readonly autoscaled: boolean;
  /**
   * When an autoscaler owns the replicas: what a standby copy must hold to
   * take all the traffic at once (the HPA's minimum, or the service's
   * starting count when higher). @default none
   */
  readonly standbyReplicas?: number;
  /** The Service ports, for strategies that add Services of their own (preview, canary). */
  readonly servicePorts: k8s.ServicePort[];
  /**
   * The image of the main container as written in the pod template, for
   * strategies that run two versions side by side (a tag per blue/green colour,
   * a canary tag). @default none: such strategies then refuse per-version tags
   */
  readonly image?: StrategyImage;
}

/** Repository, tag and optional digest of the main container's image. */
export interface StrategyImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/**
 * An Argo CD `ignoreDifferences` entry: a field a controller writes at run
 * time, which Git must neither show as drift nor overwrite on sync.
 */
export interface IgnoreDifference {
  /** API group, "" for core kinds. */
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: string[];
  readonly jqPathExpressions?: string[];
}

/** What a GitOps Application needs to know to sync a strategy's objects without fighting its controller. */
export interface GitOpsHints {
  /** Fields owned by a controller (traffic weights, replicas, injected selectors). */
  readonly ignoreDifferences: readonly IgnoreDifference[];
  /** Argo CD sync options the entries need, e.g. `RespectIgnoreDifferences=true`. */
  readonly syncOptions: readonly string[];
}

/**
 * A workload that scales and is protected on its own: the service owner gives
 * it its own HPA (when autoscaled) and its own PodDisruptionBudget, named
 * `<service>-<suffix>`.
 */
export interface ScaleUnit {
  /** Lower-case suffix of the HPA's and PDB's names and construct ids, e.g. `blue`. */
  readonly suffix: string;
  /** The object its HPA scales (Deployment, Rollout...). */
  readonly workload: ApiObject;
  /** Labels its PodDisruptionBudget selects: its own pods only. */
  readonly disruptionSelector: Record<string, string>;
  /**
   * Floor of its HPA when higher than the service's `minReplicas` (capped at
   * `maxReplicas`), e.g. the standby colour holding the context's
   * `standbyReplicas`. @default the service's minReplicas
   */
  readonly minReplicas?: number;
}

/** What a strategy rendered: the object an autoscaler targets and what the main Service selects. */
export interface StrategyBinding {
  /** The object an HPA scales and a PDB protects (Deployment, Rollout...); with `scaleUnits`, the one serving the main Service. */
  readonly workload: ApiObject;
  /** Labels the main Service selects (may add e.g. the active colour). */
  readonly serviceSelector: Record<string, string>;
  /** Labels a PodDisruptionBudget selects (ignored with `scaleUnits`, whose PDBs select their own pods). */
  readonly disruptionSelector: Record<string, string>;
  /**
   * Workloads that scale and are protected each on its own, one HPA and one
   * PDB per unit: the two colours of plain blue-green, so that a colour
   * switch moves no HPA and removes no `replicas` from a manifest.
   * @default one unit: `workload` with `disruptionSelector`, HPA and PDB named after the service
   */
  readonly scaleUnits?: readonly ScaleUnit[];
  /** Annotations for the main Service (e.g. an Argo CD sync wave so it exists before a Rollout). @default none */
  readonly serviceAnnotations?: Record<string, string>;
  /** Controller-owned fields and sync options for Argo CD. @default none */
  readonly gitOps?: GitOpsHints;
}

/**
 * How a service's new versions roll out. Create one with the static factory
 * methods of a concrete strategy (e.g. `RollingStrategy.of(...)`); services
 * accept any `DeploymentStrategy`, so new strategies need no change to callers.
 */
export abstract class DeploymentStrategy {
  /** Short name for summaries and docs, e.g. "rolling". */
  public abstract readonly kind: string;

  /** Renders the workload objects into `ctx.scope`. Called once per service. */
  public abstract bind(ctx: StrategyContext): StrategyBinding;
}
