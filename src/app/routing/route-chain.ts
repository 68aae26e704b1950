import type { Middleware } from 'koa';
import type { CefLogger } from '../../cef';
import type { CefExtra } from '../../cef/types';
import { applyHandlerResult } from './handler-result';
import { type ContentTypes, acceptsContentType } from './accepted-content-types';
import { readJsonBody, readTextBody } from './json-body';
import { compileValidation } from '../validation/route-validation';
import type { RouteDefinition } from './route-table';
import { type RouteAuth, checkSignedBody } from '../authentication/token-authentication';
import type { AppContext, AppContextExtras, AppState, AppUser } from '../types';

export type Handler = (ctx: AppContext) => unknown;
export type Headers = Record<string, string>;

export interface RouteChainDeps {
  handler: Handler;
  /** The app's `beforeCall`, only when an app overrides it. */
  beforeCall?: (ctx: AppContext) => Headers | undefined | Promise<Headers | undefined>;
  authenticate: (ctx: AppContext, urlUsername?: string, route?: RouteAuth) => Promise<AppUser | null>;
  /** The 401 for a request without credentials. */
  unauthorized: () => Error;
  cef: Pick<CefLogger, 'log'>;
  /** `global.max_body_size`, for body routes without a `limit`. */
  maxBodySize: number;
  /** The app's `static contentTypes`, for JSON body routes without their own. */
  contentTypes?: ContentTypes;
  /** `client_debug`: failing fields in respcode bodies too. */
  clientDebug: boolean;
  /** `X-Weave-Timestamp` on every answer (the legacy answer profile). */
  weaveTimestamp: boolean;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * One route's middleware, built once (the route tree already checked the legacy constraints):
 * beforeCall → authenticate → body →
 * validate → handler, audited by @cef whether it returns or throws → the response with X-Weave-Timestamp
 * and the beforeCall headers. The request id and error boundary run before it, app-wide.
 */
export function buildRouteChain(route: RouteDefinition, deps: RouteChainDeps): Middleware<AppState, AppContextExtras> {
  const { handler, beforeCall, authenticate, unauthorized, cef } = deps;
  const auth = route.authenticated;
  const audit = route.cef && { ...route.cef, name: route.cef.name ?? String(route.property) };
  const { body, validate: schemas, invalid } = route.options;
  const limit = body ? route.options.limit ?? deps.maxBodySize : 0;
  // The app-wide list widens JSON routes; a text route reads any type unless it lists its own.
  const accepts = acceptsContentType(route.options.contentTypes ?? (body === 'text' ? 'any' : deps.contentTypes));
  const readBody = body === 'text' ? readTextBody : readJsonBody;
  const validate = schemas && compileValidation(schemas, { invalid, clientDebug: deps.clientDebug });

  const call = audit
    ? async (ctx: AppContext): Promise<unknown> => {
      let outcome = 'failure';
      try {
        const result = await handler(ctx);
        outcome = 'success';
        return result;
      } finally {
        const extra: CefExtra = { outcome };
        if (ctx.state.user) extra.username = ctx.state.user.name;
        if (audit.signature !== undefined) extra.signature = audit.signature;
        cef.log(audit.name, audit.severity, ctx, extra);
      }
    }
    : handler;

  const finish = (ctx: AppContext, result: unknown, headers?: Headers): void => {
    applyHandlerResult(ctx, result);
    if (deps.weaveTimestamp) ctx.res.setHeader('X-Weave-Timestamp', ctx.state.serverTime);
    if (headers) ctx.set(headers);
  };

  // The common route (no hook, auth, body, validation or audit) skips an async frame per request.
  if (!beforeCall && !auth && limit === 0 && !validate && !audit) {
    return function plainRouteChain(ctx) {
      const result = handler(ctx);
      if (isThenable(result)) return Promise.resolve(result).then((value) => finish(ctx, value));
      finish(ctx, result);
      return undefined;
    };
  }

  return async function routeChain(ctx) {
    const headers = beforeCall && await beforeCall(ctx);
    if (auth) {
      const user = await authenticate(ctx, ctx.params.username, auth);
      if (user) ctx.state.user = user;
      else if (!auth.optional) throw unauthorized();
    }
    if (limit > 0) ctx.request.body = await readBody(ctx.req, limit, accepts, auth && ((bytes) => checkSignedBody(ctx, bytes, deps)));
    if (validate) await validate(ctx);
    finish(ctx, await call(ctx), headers);
  };
}
