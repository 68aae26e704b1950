import { Readable, Stream, pipeline } from 'node:stream';
import type { AppContext } from '../types';

/** Statuses whose answer never has a body. */
const EMPTY_STATUS = new Set([204, 205, 304]);

/** A body to pipe: a Node stream (or one from another copy of Node's stream module), or a web body Koa 3 accepts. */
function streamOf(body: unknown): Readable | undefined {
  const readable = body as Partial<Readable>;
  if (body instanceof Stream || (typeof readable.pipe === 'function' && typeof readable.read === 'function')) return body as Readable;
  if (body instanceof Blob) return Readable.from(body.stream());
  if (body instanceof ReadableStream) return Readable.from(body);
  if (body instanceof Response) return Readable.from(body.body ?? '');
  return undefined;
}

/** A body that is absent: the status text, unless the app set `ctx.body = null` (then empty). */
function endWithoutBody(ctx: AppContext): void {
  const res = ctx.res;
  // Koa marks a body set to null explicitly: it answers that with an empty body.
  if ((ctx.response as { _explicitNullBody?: boolean })._explicitNullBody) {
    ctx.remove('Content-Type');
    ctx.remove('Transfer-Encoding');
    ctx.length = 0;
    res.end();
    return;
  }
  const text = ctx.req.httpVersionMajor >= 2 ? String(ctx.status) : ctx.message || String(ctx.status);
  if (!res.headersSent) {
    ctx.type = 'text';
    ctx.length = Buffer.byteLength(text);
  }
  res.end(text);
}

/**
 * Sends what the middleware left on `ctx`, as Koa's own response step does (HEAD, bodiless
 * statuses, `ctx.respond = false`, strings, buffers, streams, JSON): the app's request listener
 * (src/app/request/request-listener.ts) runs the stack without Koa's `callback()`.
 */
export function writeAnswer(ctx: AppContext): void {
  if (ctx.respond === false) return;
  const res = ctx.res;
  if (!ctx.writable) {
    res.end();
    return;
  }
  if (EMPTY_STATUS.has(ctx.status)) {
    ctx.body = null;
    res.end();
    return;
  }
  if (ctx.method === 'HEAD') {
    if (!res.headersSent && !res.hasHeader('Content-Length')) {
      const length = ctx.response.length;
      if (Number.isInteger(length)) ctx.length = length;
    }
    res.end();
    return;
  }
  const body: unknown = ctx.body;
  if (body === null || body === undefined) return endWithoutBody(ctx);
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  const stream = streamOf(body);
  if (stream) {
    pipeline(stream, res, (err) => {
      if (err && ctx.app.listenerCount('error') > 0) ctx.onerror(err);
    });
    return;
  }
  const json = JSON.stringify(body);
  // What `ctx.length =` does, without its two layers of Koa accessors.
  if (!res.headersSent && !res.hasHeader('Transfer-Encoding')) res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
