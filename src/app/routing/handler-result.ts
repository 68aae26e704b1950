import { Readable } from 'node:stream';
import { isHttpError } from '../responses/errors';
import { isHttpResponse } from '../responses/responses';
import type { AppContext } from '../types';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Puts a handler's return value on the response: an HttpResponse as it is, a string as
 * `text/plain`, a Buffer or stream as it is, anything else as JSON; undefined keeps what the
 * handler set on `ctx` (204 when it set nothing). A returned HttpError is answered like a
 * thrown one.
 */
export function applyHandlerResult(ctx: AppContext, result: unknown): void {
  if (result === undefined) {
    if (ctx.body === undefined && ctx.status === 404) ctx.status = 204;
    return;
  }
  if (typeof result === 'string') {
    ctx.type = 'text/plain';
    ctx.body = result;
  } else if (isHttpResponse(result)) {
    ctx.status = result.status;
    ctx.set(result.headers);
    ctx.body = result.body;
  } else if (isHttpError(result)) {
    throw result;
  } else if (Buffer.isBuffer(result) || result instanceof Readable) {
    ctx.body = result;
  } else if (typeof result === 'object' && result !== null) {
    // The type Koa would give it, set here: Koa looks 'json' up in its MIME table on every answer.
    if (!ctx.res.hasHeader('Content-Type')) ctx.res.setHeader('Content-Type', JSON_TYPE);
    ctx.body = result;
  } else {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(result);
  }
}
