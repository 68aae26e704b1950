import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import { writeAnswer } from './answer-writer';
import type { AppContext, AppContextExtras, AppState } from '../types';

/** The context of the response a connection is writing, for its socket's error listener. */
const CONTEXT = Symbol('services-core.context');
const WATCHED = Symbol('services-core.watched');

type Watched = Socket & { [WATCHED]?: true; _httpMessage?: ServerResponse & { [CONTEXT]?: AppContext } };

/**
 * A socket error while a response is in flight is reported like Koa reports it (`ctx.onerror`:
 * the app's 'error' event with that request's context). Koa's `callback()` attaches four
 * listeners per request for this (on-finished), about a sixth of a hello request's CPU; one
 * per connection does the same: Node's http server keeps the response it is writing on the
 * socket (`_httpMessage`) until that response finishes.
 */
function onSocketError(this: Watched, err: Error): void {
  this._httpMessage?.[CONTEXT]?.onerror(err);
}

/**
 * Node's request listener for the app's Koa stack: a Koa context, the middleware, then the
 * answer (src/app/request/answer-writer.ts), as Koa's `callback()` without its per-request listeners.
 */
export function requestListener(
  koa: Koa<AppState, AppContextExtras>,
  run: (ctx: AppContext) => Promise<unknown>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return (req, res) => {
    const ctx = koa.createContext(req, res) as AppContext;
    res.statusCode = 404;
    (res as ServerResponse & { [CONTEXT]?: AppContext })[CONTEXT] = ctx;
    const socket = req.socket as Watched;
    if (socket[WATCHED] !== true) {
      socket[WATCHED] = true;
      socket.on('error', onSocketError);
    }
    return run(ctx).then(() => writeAnswer(ctx)).catch((err: unknown) => ctx.onerror(err as Error));
  };
}
