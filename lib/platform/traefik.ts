import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CatalogServiceProps, hardened, PodSecurityRequirement, RESTRICTED, servicePort, tcp } from '../core/catalog';
import { checkDnsLabel, checkImage, checkInt, checkResources, imageRef, PinnedImage } from '../core/checks';
import { IMAGES, imageUid, pinnedImage } from '../core/images';
import { PropsError } from '../core/errors';
import { selectorLabels, standardLabels } from '../core/labels';
import { disruptionBudgetSpec, spreading, SpreadOptions } from '../core/placement';
import { ComputeResources, toResourceRequirements } from '../core/resources';
import { restrictedPodSecurityContext, scratchVolume } from '../core/security';
import { monitorService } from '../observability/service-monitor';

/** How traffic reaches the controller. */
export type TraefikExposure =
  | { readonly type: 'LoadBalancer'; /** Cloud load balancer annotations. @default none */ readonly annotations?: Record<string, string>; /** Keep client source IPs. @default false */ readonly preserveClientIp?: boolean }
  | { readonly type: 'NodePort'; /** @default assigned by the cluster */ readonly httpNodePort?: number; readonly httpsNodePort?: number }
  | { readonly type: 'ClusterIP' };

export interface TraefikControllerProps extends CatalogServiceProps {
  /** @default 2 */
  readonly replicas?: number;
  /** IngressClass name that Ingresses and IngressRoutes pick. @default "traefik" */
  readonly ingressClassName?: string;
  /** Make it the cluster's default IngressClass. @default false */
  readonly defaultIngressClass?: boolean;
  /** @default { type: "LoadBalancer" } */
  readonly exposure?: TraefikExposure;
  /** Answer plain HTTP with a permanent redirect to HTTPS. @default true */
  readonly redirectToHttps?: boolean;
  /** Access log on stdout. @default true */
  readonly accessLog?: boolean;
  /** @default docker.io/library/traefik:v3.1.4 (UID 65532) */
  readonly image?: PinnedImage;
  /** @default 65532 */
  readonly uid?: number;
  /** @default requests 100m/128Mi, limits 1/256Mi */
  readonly resources?: ComputeResources;
  /** @default hostname anti-affinity + zone spread */
  readonly spread?: SpreadOptions | false;
}

const PORTS = IMAGES.traefik.ports;
const DEFAULT_IMAGE: PinnedImage = pinnedImage('traefik');
const DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } };
const TRAEFIK_CRDS = ['ingressroutes', 'ingressroutetcps', 'ingressrouteudps', 'middlewares', 'middlewaretcps', 'serverstransports', 'serverstransporttcps', 'tlsoptions', 'tlsstores', 'traefikservices'];

/**
 * A Traefik v3 ingress controller for systems that own their border
 * (a development cluster, or a production cluster of its own): Deployment, Service,
 * IngressClass, read-only cluster RBAC, entry points `web` (redirects to
 * HTTPS) and `websecure` (TLS), ping and Prometheus metrics on their own
 * entry points. Shared-cluster mode uses the cluster's controller instead.
 */
export class TraefikController extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly ingressClassName: string;
  public readonly workload: k8s.KubeDeployment;
  public readonly podSecurity: PodSecurityRequirement = RESTRICTED;

  constructor(scope: Construct, id: string, props: TraefikControllerProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.ingressClassName = props.ingressClassName ?? 'traefik';
    checkDnsLabel(this, 'ingressClassName', this.ingressClassName);
    const replicas = props.replicas ?? 2;
    checkInt(this, 'replicas', replicas, 1, 50);
    const image = props.image ?? DEFAULT_IMAGE;
    checkImage(this, 'image', image);
    const resources = props.resources ?? DEFAULT_RESOURCES;
    checkResources(this, 'resources', resources);
    const exposure = props.exposure ?? { type: 'LoadBalancer' };
    if (exposure.type === 'NodePort') {
      for (const f of ['httpNodePort', 'httpsNodePort'] as const) {
        const v = exposure[f];
        if (v !== undefined) checkInt(this, `exposure.${f}`, v, 30000, 32767);
      }
      if (exposure.httpNodePort !== undefined && exposure.httpNodePort === exposure.httpsNodePort) {
        throw new PropsError(this, 'exposure.httpsNodePort', exposure.httpsNodePort, 'a node port different from httpNodePort');
      }
    }

    const labels = standardLabels({ name: this.name, partOf: props.partOf, component: 'ingress-controller' });
    const selector = selectorLabels({ name: this.name });
    const metadata = { name: this.name, namespace: this.namespace, labels };
    const args = [
      `--entryPoints.web.address=:${PORTS.web}/tcp`,
      `--entryPoints.websecure.address=:${PORTS.websecure}/tcp`,
      `--entryPoints.traefik.address=:${PORTS.traefik}/tcp`,
      `--entryPoints.metrics.address=:${PORTS.metrics}/tcp`,
      // Redirect to the Service port clients see (443), not the container port.
      ...(props.redirectToHttps === false ? [] : ['--entryPoints.web.http.redirections.entryPoint.to=:443', '--entryPoints.web.http.redirections.entryPoint.scheme=https', '--entryPoints.web.http.redirections.entryPoint.permanent=true']),
      '--entryPoints.websecure.http.tls=true',
      '--ping=true',
      '--ping.entryPoint=traefik',
      '--metrics.prometheus=true',
      '--metrics.prometheus.entryPoint=metrics',
      '--providers.kubernetesingress=true',
      `--providers.kubernetesingress.ingressClass=${this.ingressClassName}`,
      `--providers.kubernetesingress.ingressEndpoint.publishedService=${this.namespace}/${this.name}`,
      '--providers.kubernetescrd=true',
      `--providers.kubernetescrd.ingressClass=${this.ingressClassName}`,
      '--global.checkNewVersion=false',
      '--global.sendAnonymousUsage=false',
      '--log.level=INFO',
      ...(props.accessLog === false ? [] : ['--accessLog=true']),
    ];

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const roleName = `${this.namespace}-${this.name}`;
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: roleName, labels },
      rules: [
        // Read-only: routes, their backends and TLS secrets; the only write is the Ingress status.
        { apiGroups: [''], resources: ['nodes', 'secrets', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses', 'ingresses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        { apiGroups: ['traefik.io'], resources: TRAEFIK_CRDS, verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: roleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });
    new k8s.KubeIngressClass(this, 'IngressClass', {
      metadata: {
        name: this.ingressClassName,
        labels,
        annotations: props.defaultIngressClass ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : undefined,
      },
      spec: { controller: 'traefik.io/ingress-controller' },
    });

    const tmp = scratchVolume('tmp', '/tmp', '64Mi');
    const ping = k8s.IntOrString.fromString('traefik');
    this.workload = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...standardLabels({ name: this.name, component: 'ingress-controller', version: image.tag }), ...selector } },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(this, { runAsUser: props.uid ?? imageUid('traefik') }),
            terminationGracePeriodSeconds: 60,
            ...(replicas > 1 ? spreading(selector, props.spread) : {}),
            containers: [
              hardened({
                name: 'traefik',
                image: imageRef(image),
                args,
                ports: Object.entries(PORTS).map(([n, p]) => tcp(n, p)),
                resources: toResourceRequirements(resources),
                readinessProbe: { httpGet: { path: '/ping', port: ping }, periodSeconds: 5, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: '/ping', port: ping }, periodSeconds: 10, failureThreshold: 3, initialDelaySeconds: 5 },
                volumeMounts: [tmp.mount],
              }),
            ],
            volumes: [tmp.volume],
          },
        },
      },
    });
    const port = (name: 'web' | 'websecure', p: number, nodePort?: number): k8s.ServicePort => ({ ...servicePort(name, p), nodePort });
    new k8s.KubeService(this, 'Service', {
      metadata: { ...metadata, annotations: exposure.type === 'LoadBalancer' ? exposure.annotations : undefined },
      spec: {
        type: exposure.type,
        externalTrafficPolicy: exposure.type === 'LoadBalancer' && exposure.preserveClientIp ? 'Local' : undefined,
        selector,
        ports: [
          port('web', 80, exposure.type === 'NodePort' ? exposure.httpNodePort : undefined),
          port('websecure', 443, exposure.type === 'NodePort' ? exposure.httpsNodePort : undefined),
        ],
      },
    });
    new k8s.KubeService(this, 'MetricsService', {
      metadata: { ...metadata, name: `${this.name}-metrics` },
      spec: { type: 'ClusterIP', selector, ports: [servicePort('metrics', PORTS.metrics)] },
    });
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', { metadata, spec: disruptionBudgetSpec(this, 'replicas', { maxUnavailable: 1 }, replicas, selector) });
    }
    monitorService(this, props.metrics, { name: this.name, namespace: this.namespace, labels, selector, endpoints: [{ port: 'metrics' }] });
  }
}
