import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { classifySqlError, sqlErrorCode } from '../../data/sql-errors';
import type { AnswerProfile } from '../answer-profile';
import { isBackendError, isHttpError } from '../responses/errors';
import { problemDetails } from '../responses/problem-details';
import { webobPage } from '../responses/webob-page';
import type { AppContext } from '../types';
import type { RepeatedErrors } from './repeated-errors';
import type { RateLimitedLog } from '../../util/rate-limited-log';

export interface ErrorResponseOptions {
  /** `global.retry_after`, for BackendErrors that carry none. */
  retryAfter: number;
  /** `client_debug`: put the stack in 500 bodies. */
  clientDebug: boolean;
  /** Where repeated backend errors are counted instead of logged each time. */
  repeated?: RepeatedErrors;
  /** Where a client's own mistakes are logged, a few a minute (the rest counted). */
  clientMistakes?: RateLimitedLog;
  /** How error bodies look (default `legacy`: WebOb's pages). */
  profile?: AnswerProfile;
}

/** An error from Koa's own `ctx.throw` / http-errors: it has a status and says if it is exposable. */
interface KoaHttpError extends Error {
  status: number;
  expose: boolean;
  headers?: Record<string, string>;
  body?: unknown;
  problem?: Readonly<Record<string, unknown>>;
}

function isKoaHttpError(err: unknown): err is KoaHttpError {
  const e = err as Partial<KoaHttpError> | null;
  return typeof e === 'object' && e !== null && typeof e.status === 'number' && e.status >= 400 && e.status < 600 &&
    typeof e.expose === 'boolean';
}

// Headers the handler set before it failed do not belong on the error response; the request id
// and what CORS middleware set do (a browser must see the error's status, not a CORS failure).
function keepsHeader(name: string): boolean {
  return name === 'x-request-id' || name === 'vary' || name.startsWith('access-control-');
}

function resetHeaders(ctx: AppContext): void {
  for (const name of ctx.res.getHeaderNames()) if (!keepsHeader(name)) ctx.res.removeHeader(name);
}

function send(ctx: AppContext, status: number, headers: Record<string, string>, type: string, body: string | Buffer): void {
  resetHeaders(ctx);
  ctx.status = status;
  ctx.set(headers);
  ctx.type = type;
  ctx.body = body;
}

/**
 * The body of an error answer in the app's profile: WebOb's page (docs/compatibility.md C.12;
 * its Basic challenge, a 401 to a request without credentials, had no charset) or RFC 9457 problem details.
 */
function sendError(ctx: AppContext, status: number, headers: Record<string, string>, options: ErrorResponseOptions,
  detail?: string, members?: Readonly<Record<string, unknown>>): void {
  const page = options.profile === 'json'
    ? problemDetails({ status, detail, members })
    : webobPage({
      status, detail, method: ctx.method, accept: ctx.get('Accept'),
      charset: !(status === 401 && ctx.req.headers.authorization === undefined),
    });
  resetHeaders(ctx);
  ctx.status = status;
  ctx.set(headers);
  // Set before the body, so Koa keeps it as it is (no charset of its own).
  ctx.set('Content-Type', page.contentType);
  ctx.body = page.body;
}

// What an HttpError tells the client: its message, unless hidden or the bare reason phrase.
function detailOf(err: KoaHttpError): string | undefined {
  return err.expose && err.message !== STATUS_CODES[err.status] ? err.message : undefined;
}

function logCrash(ctx: AppContext, err: unknown, status: number, crashId: string): void {
  ctx.state.log.error({ err, crashId, method: ctx.method, path: ctx.path, user: ctx.state.user?.name, status }, `crash id ${crashId}`);
}

function crash(ctx: AppContext, err: unknown, status: number): string {
  const crashId = randomBytes(8).toString('hex');
  logCrash(ctx, err, status, crashId);
  return crashId;
}

/**
 * The error boundary's answer (docs/compatibility.md C.8 with the v2 crash ids, C.12): HttpErrors keep their status,
 * message (as the page's detail) and headers; in the legacy profile an error with a body sends
 * it instead (a body other than a Buffer is sent as JSON: respcodes), in the JSON profile
 * every error is problem details with the error's `problem` members; BackendErrors and
 * database outages are a 503 with Retry-After (logged in full the first time, then counted:
 * `RepeatedErrors`); a query the database refused because of the request is a 409 (unique
 * violation) or a 400 (src/data/sql-errors.ts); anything else is a 500 whose short body carries the crash id that is
 * logged with the stack. No stack reaches the client unless `client_debug` is on.
 */
export function respondToError(ctx: AppContext, err: unknown, options: ErrorResponseOptions): void {
  if (ctx.headerSent || !ctx.writable) {
    // A client's own mistake on a connection that is already gone (Node's parser answered it,
    // or it hung up) is not a crash: one info line, no stack, no crash id.
    if ((isHttpError(err) || isKoaHttpError(err)) && err.status < 500) {
      const fields = { status: err.status, method: ctx.method, path: ctx.path };
      const message = 'answer not sent: the client\'s connection is gone';
      if (options.clientMistakes) options.clientMistakes.write(fields, message, ctx.state.log);
      else ctx.state.log.info(fields, message);
    } else {
      crash(ctx, err, ctx.status);
    }
    return;
  }
  if (isHttpError(err) || isKoaHttpError(err)) {
    const headers = err.headers ?? {};
    const body = err.body;
    if (body === undefined || options.profile === 'json') {
      sendError(ctx, err.status, headers, options, detailOf(err), err.problem);
    } else {
      send(ctx, err.status, headers, Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json',
        Buffer.isBuffer(body) ? body : JSON.stringify(body) ?? 'null');
    }
    return;
  }
  const kind = classifySqlError(err);
  if (kind === 'conflict' || kind === 'invalid') {
    // The request's fault (docs/app.md, "Storing data"): one line with the database's code,
    // never its message, which may quote the row.
    const status = kind === 'conflict' ? 409 : 400;
    ctx.state.log.info({ sqlCode: sqlErrorCode(err), method: ctx.method, path: ctx.path, status }, `query refused: ${kind === 'conflict' ? 'unique violation' : 'invalid data'}`);
    sendError(ctx, status, {}, options);
    return;
  }
  if (kind === 'outage') {
    const crashId = randomBytes(8).toString('hex');
    // An outage fails every request the same way: the first in full, then a count per interval.
    if (options.repeated?.first(err, crashId, ctx.state.log) ?? true) logCrash(ctx, err, 503, crashId);
    const retryAfter = (isBackendError(err) ? err.retryAfter : undefined) ?? options.retryAfter;
    sendError(ctx, 503, retryAfter > 0 ? { 'Retry-After': String(retryAfter) } : {}, options, `crash id ${crashId}`, { crashId });
    return;
  }
  const crashId = crash(ctx, err, 500);
  const stack = options.clientDebug ? (err as Error | null)?.stack ?? String(err) : undefined;
  if (options.profile === 'json') {
    sendError(ctx, 500, {}, options, `An unexpected error occurred (crash id ${crashId})`, stack === undefined ? { crashId } : { crashId, stack });
    return;
  }
  // The original's catch-all answered this text, not a WebOb page (docs/compatibility.md C.8).
  send(ctx, 500, {}, 'text/plain', `An unexpected error occurred (crash id ${crashId})${stack === undefined ? '' : `\n\n${stack}`}`);
}
