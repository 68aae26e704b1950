import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { FlatConfig } from '../../config/types';
import type { ClientIpResolver } from './client-ip';
import { type ErrorResponseOptions, respondToError } from './error-response';
import { RepeatedErrors } from './repeated-errors';
import { RequestState } from './request-state';
import type { AppContext, AppContextExtras, AppState } from '../types';

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
  /** The app's per-request hooks, each composed into one function at start (absent: none). */
  hooks?: RequestHooks;
}

export interface RequestHooks {
  onRequest?: (ctx: AppContext) => unknown;
  onResponse?: (ctx: AppContext) => unknown;
  onError?: (err: unknown, ctx: AppContext) => unknown;
}

/**
 * The first middleware: the request id (`X-Request-Id`), `ctx.state` (client IP, server time,
 * host config, logger), then the error boundary around everything after it: `onRequest`, the
 * app middleware, the pages and routing. Every error it answers goes to `onError` afterwards,
 * then `onResponse` sees the final response (an error it throws is answered as well).
 */
export function requestFrame(deps: RequestFrameDeps): Middleware<AppState, AppContextExtras> {
  const { nextRequestId, clientIp, clock, configFor, isDraining, logger } = deps;
  const errors: ErrorResponseOptions = { repeated: new RepeatedErrors(), ...deps.errors };
  const { onRequest, onResponse, onError } = deps.hooks ?? {};

  const answer = async (ctx: AppContext, err: unknown): Promise<void> => {
    respondToError(ctx, err, errors);
    if (!onError) return;
    try {
      await onError(err, ctx);
    } catch (hookError) {
      ctx.state.log.error({ err: hookError }, 'the onError hook failed');
    }
  };

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
      if (onRequest) await onRequest(ctx);
      await next();
    } catch (err) {
      await answer(ctx, err);
    }
    if (onResponse) {
      try {
        await onResponse(ctx);
      } catch (err) {
        await answer(ctx, err);
      }
    }
    // A stop that began while this request was in flight: its connection closes too.
    if (isDraining() && !ctx.res.headersSent) ctx.res.setHeader('Connection', 'close');
  };
}
