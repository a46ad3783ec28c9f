import { Construct } from 'constructs';
import { GitRepository } from '../../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { PropsError } from '../core/errors';

export interface FluxGitSourceProps {
  /** `metadata.name`, referenced by Kustomizations. */
  readonly name: string;
  /** Namespace Flux runs in. @default "flux-system" */
  readonly namespace?: string;
  /** Repository URL (https:// or ssh://). */
  readonly url: string;
  /** Branch to follow, or a full 40-character commit to pin. @default "main" */
  readonly revision?: string;
  /** How often to fetch. @default "1m" */
  readonly interval?: string;
  /**
   * Only these repository paths are fetched into the artifact (Flux's
   * `.sourceignore` syntax), so unrelated commits do not trigger work.
   * @default the whole repository
   */
  readonly include?: string[];
}

/** A Flux GitRepository: the manifests repository as a Flux source. */
export class FluxGitSource extends Construct {
  public readonly name: string;
  public readonly resource: GitRepository;

  constructor(scope: Construct, id: string, props: FluxGitSourceProps) {
    super(scope, id);
    if (!/^(https|ssh):\/\//.test(props.url)) {
      throw new PropsError(this, 'url', props.url, 'an https:// or ssh:// URL (Flux does not accept scp-style "git@host:path")');
    }
    this.name = props.name;
    const revision = props.revision ?? 'main';
    const ref = /^[0-9a-f]{40}$/.test(revision) ? { commit: revision } : { branch: revision };
    this.resource = new GitRepository(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace ?? 'flux-system' },
      spec: {
        url: props.url,
        ref,
        interval: props.interval ?? '1m',
        ignore: props.include ? ['/*', ...props.include.map((p) => `!/${p.replace(/^\/+/, '')}`)].join('\n') + '\n' : undefined,
      },
    });
  }
}
