/** One outbound HTTP exchange with the legacy failure mapping; shared by `getUrl` and `proxy`. */

export interface HttpRequestOptions {
  /** Default `GET`. */
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Whole exchange, body included; default 5000. */
  timeoutMs?: number;
  /** `follow` (default) or `manual` to hand a 3xx back as it is. */
  redirect?: 'follow' | 'manual';
}

export interface RawHttpResult {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * Sends the request with Node's fetch. A timeout answers 504 and an unreachable peer 502, each
 * with a short text body; an upstream HTTP error comes back as it is. Bad arguments throw.
 */
export async function httpRequest(fn: string, url: string, options: HttpRequestOptions = {}): Promise<RawHttpResult> {
  const { method = 'GET', body, headers, timeoutMs = 5000, redirect = 'follow' } = options;
  const target = parseUrl(fn, url);
  if (body !== undefined && /^(GET|HEAD)$/i.test(method)) throw new TypeError(`${fn}: a ${method} request cannot have a body`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`${fn}: timeoutMs must be a positive number, got ${timeoutMs}`);

  const where = `${method.toUpperCase()} ${target.origin}${target.pathname}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(target, { method, body, headers, redirect, signal });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  } catch (err) {
    // fetch names a timeout abort differently across Node versions; the signal does not lie.
    if (signal.aborted) return failure(504, `upstream timed out after ${timeoutMs} ms: ${where}`);
    return failure(502, `upstream unreachable: ${where} (${reason(err)})`);
  }
}

function parseUrl(fn: string, url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`${fn}: invalid URL ${JSON.stringify(url)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new TypeError(`${fn}: only http and https URLs are supported, got ${JSON.stringify(target.protocol)}`);
  }
  if (target.username || target.password) throw new TypeError(`${fn}: pass credentials as user and password, not in the URL`);
  return target;
}

function failure(status: number, message: string): RawHttpResult {
  return { status, headers: new Headers({ 'content-type': 'text/plain; charset=utf-8' }), body: Buffer.from(message) };
}

/** The most specific cause fetch gives: `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET` … */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
