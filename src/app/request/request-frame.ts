import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { FlatConfig } from '../../config/types';
import type { ClientIpResolver } from './client-ip';
import { type ErrorResponseOptions, respondToError } from './error-response';
import { RepeatedErrors } from './repeated-errors';
import { RequestState } from './request-state';
import type { AppContextExtras, AppState } from '../types';

export interface RequestFrameDeps {
  nextRequestId: (incoming: string | undefined) => string;
  clientIp: ClientIpResolver;
  clock: () => string;
  /** The precomputed config for a Host header (Q-C8). */
  configFor: (host: string | undefined) => FlatConfig;
  /** True once the app closes: responses then ask clients to close their connection. */
  isDraining: () => boolean;
  /** The app's logger, which `ctx.state.log` derives from. */
  logger: Logger;
  errors: ErrorResponseOptions;
}

/**
 * The first middleware: the request id (`X-Request-Id`), `ctx.state` (client IP, server time,
 * host config, logger), then the error boundary around everything after it.
 */
export function requestFrame(deps: RequestFrameDeps): Middleware<AppState, AppContextExtras> {
  const { nextRequestId, clientIp, clock, configFor, isDraining, logger } = deps;
  const errors: ErrorResponseOptions = { repeated: new RepeatedErrors(), ...deps.errors };
  return async function requestFrameMiddleware(ctx, next) {
    const req = ctx.req;
    const headers = req.headers;
    const id = nextRequestId(headers['x-request-id'] as string | undefined);
    ctx.res.setHeader('X-Request-Id', id);
    const forwarded = headers['x-forwarded-for'];
    const ip = clientIp.resolve(req.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded);
    ctx.request.ip = ip;
    ctx.state = new RequestState(logger, id, ip, clock(), configFor(headers.host));
    if (isDraining()) ctx.res.setHeader('Connection', 'close');
    try {
      await next();
    } catch (err) {
      respondToError(ctx, err, errors);
    }
    // A stop that began while this request was in flight: its connection closes too.
    if (isDraining() && !ctx.res.headersSent) ctx.res.setHeader('Connection', 'close');
  };
}
