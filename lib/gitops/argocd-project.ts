import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { PropsError } from '../core/errors';

/** A kind, by API group (`""` for core). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Where a project's Applications may deploy. */
export interface ProjectDestination {
  /** API server URL as registered in Argo CD. */
  readonly server: string;
  /** Namespace (or glob). */
  readonly namespace: string;
}

export interface ArgoProjectProps {
  /** `metadata.name` of the AppProject. */
  readonly name: string;
  /** Namespace Argo CD runs in. @default "argocd" */
  readonly namespace?: string;
  /** Human description shown in the Argo CD UI. @default none */
  readonly description?: string;
  /** Git repositories Applications of this project may pull from. */
  readonly sourceRepos: string[];
  /** Clusters and namespaces Applications of this project may deploy to. */
  readonly destinations: ProjectDestination[];
  /**
   * Cluster-scoped kinds the project may manage. Empty means none: a target in
   * a shared cluster can then never touch anything outside its namespaces.
   * @default [] (no cluster-scoped kinds)
   */
  readonly clusterResources?: GroupKind[];
}

/**
 * An Argo CD AppProject fencing one system: it may only read the manifests
 * repository, only deploy to its own namespaces on its cluster, and only
 * create the cluster-scoped kinds it renders (none for shared clusters).
 */
export class ArgoProject extends Construct {
  public readonly name: string;
  public readonly resource: AppProject;

  constructor(scope: Construct, id: string, props: ArgoProjectProps) {
    super(scope, id);
    if (props.sourceRepos.length === 0) throw new PropsError(this, 'sourceRepos', props.sourceRepos, 'at least one Git repository URL');
    if (props.destinations.length === 0) throw new PropsError(this, 'destinations', props.destinations, 'at least one { server, namespace }');
    this.name = props.name;
    const clusterResources = [...(props.clusterResources ?? [])].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
    this.resource = new AppProject(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace ?? 'argocd' },
      spec: {
        description: props.description,
        sourceRepos: [...new Set(props.sourceRepos)].sort(),
        destinations: props.destinations.map((d) => ({ server: d.server, namespace: d.namespace })),
        clusterResourceWhitelist: clusterResources.map((k) => ({ group: k.group, kind: k.kind })),
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
        // Objects in the project's namespaces that Git does not know are shown, never deleted.
        orphanedResources: { warn: true },
      },
    });
  }
}
