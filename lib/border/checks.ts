import { Construct } from 'constructs';
import { PropsError } from '../core/errors';
import { RouteOptions } from './options';

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d+)?$/;

/** Checks shared by every border route. */
export function checkRoute(scope: Construct, o: RouteOptions): void {
  if (!HOST.test(o.host)) throw new PropsError(scope, 'host', o.host, 'a DNS host name such as "api.example.com"');
  if (o.path !== undefined && !o.path.startsWith('/')) throw new PropsError(scope, 'path', o.path, 'a path starting with "/"');
  for (const origin of o.corsOrigins ?? []) {
    if (!ORIGIN.test(origin)) throw new PropsError(scope, 'corsOrigins', origin, 'an explicit origin such as "https://app.example.com" ("*" lets every site call the API with the user\'s browser)');
  }
  if (o.rateLimit) {
    const { requestsPerSecond: rps, burst } = o.rateLimit;
    if (!Number.isInteger(rps) || rps < 1) throw new PropsError(scope, 'rateLimit.requestsPerSecond', rps, 'an integer >= 1');
    if (burst !== undefined && (!Number.isInteger(burst) || burst < rps)) throw new PropsError(scope, 'rateLimit.burst', burst, `an integer >= requestsPerSecond (${rps})`);
  }
}
