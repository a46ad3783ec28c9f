import * as k8s from '../../imports/k8s';

/** Timing shared by every probe kind. Kubernetes defaults apply where unset. */
export interface ProbeTiming {
  /** @default 0 */
  readonly initialDelaySeconds?: number;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 1 */
  readonly timeoutSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
}

/** A health check: HTTP GET, TCP connect or a command. */
export class Probe {
  /** HTTP GET on `path`, against the named port (default: the service's `http` port). */
  public static http(path: string, timing: ProbeTiming & { readonly port?: string | number } = {}): Probe {
    const { port, ...rest } = timing;
    return new Probe((defaultPort) => ({ httpGet: { path, port: portOf(port ?? defaultPort) } }), rest);
  }

  /** TCP connect to the named or numbered port. */
  public static tcp(port: string | number, timing: ProbeTiming = {}): Probe {
    return new Probe(() => ({ tcpSocket: { port: portOf(port) } }), timing);
  }

  /** Runs `command` in the container; exit code 0 is healthy. */
  public static exec(command: string[], timing: ProbeTiming = {}): Probe {
    return new Probe(() => ({ exec: { command } }), timing);
  }

  private constructor(
    private readonly handler: (defaultPort: string) => Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec'>,
    private readonly timing: ProbeTiming,
  ) {}

  /** The Kubernetes probe, with `defaultPort` used by HTTP probes that name none. */
  public render(defaultPort: string): k8s.Probe {
    return { ...this.handler(defaultPort), ...this.timing };
  }
}

function portOf(p: string | number): k8s.IntOrString {
  return typeof p === 'number' ? k8s.IntOrString.fromNumber(p) : k8s.IntOrString.fromString(p);
}
