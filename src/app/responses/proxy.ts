import type { Context } from 'koa';
import { httpRequest } from '../../util/http-request';

export interface ProxyOptions {
  /** For the whole upstream exchange; default 5000. A timeout answers 504, no answer 502. */
  timeoutMs?: number;
}

// Hop-by-hop headers belong to one connection. fetch has already decoded the body, and Koa
// measures what it sends, so the upstream encoding and length no longer apply.
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'content-encoding', 'content-length', 'set-cookie',
]);

/**
 * Forwards the request to `scheme://netloc` + the same path and query (legacy `proxy`): method,
 * body, `Content-Type`, every `X-*` header, and the original `Authorization`
 * (`ctx.state.authorization`, kept by the app's authentication; else the request's own).
 * `X-Forwarded-For` is added from `ctx.ip` when the client sent none. The upstream status,
 * headers and body are set on `ctx`; redirects are passed back, not followed.
 *
 *   @route('GET', '/1.0/:username/node/weave')
 *   async node(ctx) { await proxy(ctx, 'https', 'nodes.internal:8443'); }
 */
export async function proxy(ctx: Context, scheme: string, netloc: string, options: ProxyOptions = {}): Promise<void> {
  if (!/^https?$/i.test(scheme)) throw new TypeError(`proxy: scheme must be http or https, got ${JSON.stringify(scheme)}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (name.startsWith('x-') && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['x-forwarded-for'] ??= ctx.ip;
  const authorization = (ctx.state as { authorization?: unknown }).authorization ?? ctx.get('Authorization');
  if (typeof authorization === 'string' && authorization !== '') headers.authorization = authorization;

  const method = ctx.method;
  const body = /^(GET|HEAD)$/.test(method) ? undefined : await requestBody(ctx);
  if (body !== undefined && ctx.get('Content-Type')) headers['content-type'] = ctx.get('Content-Type');

  const result = await httpRequest('proxy', `${scheme}://${netloc}${ctx.originalUrl}`, {
    method, body, headers, timeoutMs: options.timeoutMs, redirect: 'manual',
  });

  ctx.status = result.status;
  for (const [name, value] of result.headers) if (!NOT_FORWARDED.has(name)) ctx.set(name, value);
  const cookies = result.headers.getSetCookie();
  if (cookies.length > 0) ctx.set('Set-Cookie', cookies);
  ctx.body = result.body;
  // Koa types a Buffer body as octet-stream; an upstream that named no type keeps none.
  if (!result.headers.has('content-type')) ctx.remove('Content-Type');
  // A HEAD answer has no body to measure: keep the length upstream announced.
  const length = result.headers.get('content-length');
  if (method === 'HEAD' && length !== null) ctx.set('Content-Length', length);
}

/** The raw request body: a body parser's `rawBody` if one ran, else the unread stream. */
async function requestBody(ctx: Context): Promise<Buffer | string> {
  const raw = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) return raw;
  if (ctx.req.readableEnded) {
    throw new Error('proxy: the request body was already read (by a body parser?) and no ctx.request.rawBody keeps it');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
