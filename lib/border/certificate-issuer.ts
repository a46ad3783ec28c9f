import { Construct } from 'constructs';
import * as cci from '../../imports/certmanager-clusterissuer-cert-manager.io';
import * as ci from '../../imports/certmanager-issuer-cert-manager.io';
import { PropsError } from '../core/errors';
import { MANAGED_BY } from '../core/labels';
import { TlsIssuer } from './options';

/** Let's Encrypt production directory. */
export const LETSENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt staging directory (untrusted certificates, generous limits). */
export const LETSENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/**
 * How ACME proves control of a name. DNS-01 needs no pod in our namespaces;
 * HTTP-01 runs solver pods there, which default-deny NetworkPolicies block
 * unless the namespace allows the controller to reach them.
 */
export type AcmeSolver =
  | { readonly kind: 'http01'; readonly ingressClassName: string }
  | { readonly kind: 'dns01-route53'; readonly region: string; readonly hostedZoneId?: string };

/** A solver for the Certificates whose labels match (cert-manager prefers it over the default solver). */
export interface LabelledAcmeSolver {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly solver: AcmeSolver;
}

export type IssuerSource =
  | {
      readonly kind: 'acme';
      readonly email: string;
      /** ACME directory. @default LETSENCRYPT_PRODUCTION */
      readonly server?: string;
      /** The default solver (no selector: every Certificate no other solver selects). */
      readonly solver: AcmeSolver;
      /** Solvers for Certificates selected by their labels, e.g. by HTTP01_INGRESS_CLASS_LABEL (./options). @default none */
      readonly labelledSolvers?: readonly LabelledAcmeSolver[];
      /**
       * Secret holding the ACME account's private key (cert-manager creates it;
       * for a ClusterIssuer in its cluster resource namespace, `cert-manager`
       * by default). @default `<name>-account-key`
       */
      readonly accountKeySecretName?: string;
    }
  | { readonly kind: 'self-signed' };

export interface CertificateIssuerProps {
  readonly name: string;
  /** Namespace of an `Issuer`; leave out for a `ClusterIssuer` (not allowed on shared clusters). @default cluster-wide */
  readonly namespace?: string;
  readonly source: IssuerSource;
}

/** A cert-manager Issuer (with a namespace) or ClusterIssuer (without). */
export class CertificateIssuer extends Construct {
  /** What routes put in their `tls` option. */
  public readonly ref: TlsIssuer;

  constructor(scope: Construct, id: string, props: CertificateIssuerProps) {
    super(scope, id);
    const spec = this.spec(props.source, props.name);
    const metadata = { name: props.name, namespace: props.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } };
    if (props.namespace) {
      new ci.Issuer(this, 'Resource', { metadata, spec });
      this.ref = { name: props.name, kind: 'Issuer' };
    } else {
      new cci.ClusterIssuer(this, 'Resource', { metadata, spec: spec as cci.ClusterIssuerSpec });
      this.ref = { name: props.name, kind: 'ClusterIssuer' };
    }
  }

  private spec(source: IssuerSource, name: string): ci.IssuerSpec {
    if (source.kind === 'self-signed') return { selfSigned: {} };
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(source.email)) throw new PropsError(this, 'source.email', source.email, 'an e-mail address for expiry notices');
    const solverOf = (s: AcmeSolver): ci.IssuerSpecAcmeSolvers =>
      s.kind === 'http01' ? { http01: { ingress: { ingressClassName: s.ingressClassName } } } : { dns01: { route53: { region: s.region, hostedZoneId: s.hostedZoneId } } };
    (source.labelledSolvers ?? []).forEach((l, i) => {
      if (Object.keys(l.matchLabels).length === 0) throw new PropsError(this, `source.labelledSolvers[${i}].matchLabels`, l.matchLabels, 'at least one label (a solver without a selector is the default solver: source.solver)');
    });
    return {
      acme: {
        email: source.email,
        server: source.server ?? LETSENCRYPT_PRODUCTION,
        privateKeySecretRef: { name: source.accountKeySecretName ?? `${name}-account-key` },
        solvers: [
          solverOf(source.solver),
          ...(source.labelledSolvers ?? []).map((l) => ({ ...solverOf(l.solver), selector: { matchLabels: { ...l.matchLabels } } })),
        ],
      },
    };
  }
}
