import { BadRequestError, type HttpError } from './errors';

// A brand, not `instanceof` alone: jest realms and two copies of the package (see errors.ts).
const HTTP_RESPONSE = Symbol.for('services-core.HttpResponse');

export interface HttpResponseInit {
  /** Default 200. */
  status?: number;
  /** Added to the helper's own headers; a `Content-Type` here replaces the helper's. */
  headers?: Record<string, string>;
}

/** A complete response a handler can return: the app sends status, headers and body as they are. */
export class HttpResponse {
  readonly [HTTP_RESPONSE] = true;
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;

  constructor(body: string | Buffer = '', init: HttpResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`HttpResponse: invalid status ${String(status)}`);
    }
    this.status = status;
    this.headers = { ...init.headers };
    this.body = body;
  }
}

export function isHttpResponse(value: unknown): value is HttpResponse {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HTTP_RESPONSE] === true;
}

const JSON_TYPE = 'application/json';
const NEWLINES_TYPE = 'application/newlines';
const WHOISI_TYPE = 'application/whoisi';

/** `data` as JSON, `Content-Type: application/json`; undefined is written `null`. */
export function jsonResponse(data: unknown, init?: HttpResponseInit): HttpResponse {
  return typed(JSON_TYPE, JSON.stringify(data) ?? 'null', init);
}

/**
 * `data` as `text/plain`: strings and Buffers as they are, plain objects and arrays as JSON text
 * (the original wrote Python's repr), anything else through `String()`; null and undefined are empty.
 */
export function textResponse(data: unknown, init?: HttpResponseInit): HttpResponse {
  return typed('text/plain; charset=utf-8', toText(data), init);
}

/** `html` as `text/html`. */
export function htmlResponse(html: string, init?: HttpResponseInit): HttpResponse {
  return typed('text/html; charset=utf-8', html, init);
}

const jsonText = (item: unknown): string => JSON.stringify(item) ?? 'null';

function newlinesBody(texts: Iterable<string>): string {
  let body = '';
  for (const text of texts) body += `${text}\n`;
  return body;
}

function whoisiBody(texts: Iterable<string>): Buffer {
  const parts: Buffer[] = [];
  for (const text of texts) {
    const json = Buffer.from(text);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    parts.push(length, json);
  }
  return Buffer.concat(parts);
}

/** Each item as JSON followed by `\n` (`application/newlines`). */
export function newlinesResponse(items: Iterable<unknown>, init?: HttpResponseInit): HttpResponse {
  return typed(NEWLINES_TYPE, newlinesBody(Array.from(items, jsonText)), init);
}

/** Each item as JSON prefixed with its byte length, 4 bytes big-endian (`application/whoisi`). */
export function whoisiResponse(items: Iterable<unknown>, init?: HttpResponseInit): HttpResponse {
  return typed(WHOISI_TYPE, whoisiBody(Array.from(items, jsonText)), init);
}

/** Where `convertResponse` reads `Accept`: the header's value, a Koa context or request. */
export type AcceptSource = string | undefined | { get(field: string): string };

/** The list formats `convertResponse` writes. */
export type ListFormat = 'json' | 'newlines' | 'whoisi';

/**
 * The list format the client prefers by `Accept` (quality, then order): `json` when it names
 * none of them or is absent, as in the original. For an app that writes the items itself.
 */
export function preferredFormat(accept: AcceptSource): ListFormat {
  const header = typeof accept === 'object' ? accept.get('Accept') : accept;
  // No Accept header (most clients' list requests): nothing to weigh.
  if (!header) return 'json';
  switch (preferredType(header, [JSON_TYPE, NEWLINES_TYPE, WHOISI_TYPE])) {
    case NEWLINES_TYPE: return 'newlines';
    case WHOISI_TYPE: return 'whoisi';
    default: return 'json';
  }
}

/** The items as JSON, newlines or whoisi, whichever the client prefers (`preferredFormat`). */
export function convertResponse(accept: AcceptSource, items: Iterable<unknown>, init?: HttpResponseInit): HttpResponse {
  switch (preferredFormat(accept)) {
    case 'newlines': return newlinesResponse(items, init);
    case 'whoisi': return whoisiResponse(items, init);
    default: return jsonResponse(Array.isArray(items) ? items : [...items], init);
  }
}

/**
 * Items the app has serialised as JSON texts itself (numbers written its own way), in the list
 * format `Accept` prefers, as `convertResponse` writes items: a JSON list (`separator` between
 * the texts), one text per line, or length-prefixed texts.
 */
export function jsonTextsResponse(accept: AcceptSource, texts: readonly string[], init?: HttpResponseInit, separator = ','): HttpResponse {
  switch (preferredFormat(accept)) {
    case 'newlines': return typed(NEWLINES_TYPE, newlinesBody(texts), init);
    case 'whoisi': return typed(WHOISI_TYPE, whoisiBody(texts), init);
    default: return typed(JSON_TYPE, `[${texts.join(separator)}]`, init);
  }
}

/**
 * A 400 whose body is `code`, sent as JSON (legacy `HTTPJsonBadRequest`); used with the
 * `respcodes` constants: `throw jsonBadRequest(ERROR_WEAK_PASSWORD)`. `detail` is what the JSON
 * answer profile says instead (it sends no respcode).
 */
export function jsonBadRequest(code: unknown, detail?: string): HttpError {
  return new BadRequestError(detail ?? `Bad Request (code ${JSON.stringify(code) ?? 'null'})`, { body: code });
}

function typed(contentType: string, body: string | Buffer, init: HttpResponseInit = {}): HttpResponse {
  const headers = init.headers;
  const own = headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return new HttpResponse(body, { status: init.status, headers: own ? headers : { 'Content-Type': contentType, ...headers } });
}

function toText(data: unknown): string | Buffer {
  if (data == null) return '';
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  const proto = typeof data === 'object' ? Object.getPrototypeOf(data) : undefined;
  if (Array.isArray(data) || proto === Object.prototype || proto === null) return JSON.stringify(data);
  return String(data);
}

interface MediaRange { type: string; subtype: string; q: number; index: number }

/** The offer the client prefers (RFC 9110: the most specific range that matches sets its quality). */
function preferredType(header: string, offers: string[]): string | undefined {
  const ranges = parseAccept(header);
  let best: { offer: string; q: number; index: number } | undefined;
  for (const offer of offers) {
    const [type, subtype] = offer.split('/');
    let match: (MediaRange & { specificity: number }) | undefined;
    for (const r of ranges) {
      const specificity = r.type === type ? (r.subtype === subtype ? 2 : r.subtype === '*' ? 1 : -1) : r.type === '*' ? 0 : -1;
      if (specificity > (match?.specificity ?? -1)) match = { ...r, specificity };
    }
    if (!match || match.q <= 0) continue;
    if (!best || match.q > best.q || (match.q === best.q && match.index < best.index)) {
      best = { offer, q: match.q, index: match.index };
    }
  }
  return best?.offer;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((part, index) => {
    const [mediaType, ...params] = part.split(';');
    const m = /^\s*([\w.+*-]+)\/([\w.+*-]+)\s*$/.exec(mediaType);
    if (!m) return;
    const qParam = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)).find(Boolean);
    const q = qParam ? Number(qParam[1]) : 1;
    ranges.push({ type: m[1].toLowerCase(), subtype: m[2].toLowerCase(), q: Number.isFinite(q) ? q : 0, index });
  });
  return ranges;
}
