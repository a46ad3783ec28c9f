// What an environment's tier decides: the one place where a rule depends on
// whether an environment is development, staging or production. Charts, the
// environment schema and the validation gate read these rules; none of them
// looks at an environment's name (`prod-failover` is as much production as
// `prod` when its file says `environment.tier: production`).

export const TIERS = ['development', 'staging', 'production'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierRules {
  /** Exposed services are served over TLS (a cert-manager issuer); plain HTTP is allowed only where false. */
  readonly tlsRequired: boolean;
  /** Images carry a release (semver) tag or a digest; build tags such as `build-42` are refused (validation rule policy/image-tag). */
  readonly releaseImagesOnly: boolean;
  /**
   * A service scaled to `replicas: 0` must say so with `scaledToZero: "<reason>"`:
   * at zero it loses its PodDisruptionBudget and serves nothing.
   */
  readonly zeroReplicasNeedReason: boolean;
}

/** A release tag: semantic version, optionally with a leading "v" (1.4.2, v1.4.2-rc.1). */
export const RELEASE_TAG = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const RULES: Readonly<Record<Tier, TierRules>> = {
  development: { tlsRequired: false, releaseImagesOnly: false, zeroReplicasNeedReason: false },
  staging: { tlsRequired: true, releaseImagesOnly: false, zeroReplicasNeedReason: false },
  production: { tlsRequired: true, releaseImagesOnly: true, zeroReplicasNeedReason: true },
};

/**
 * The rules of a tier. An unknown tier (objects validated outside the project,
 * with no environment file to say) gets production's: the strictest is the
 * safe guess.
 */
export function tierRules(tier: string | undefined): TierRules {
  return (TIERS as readonly string[]).includes(tier ?? '') ? RULES[tier as Tier] : RULES.production;
}
