import { httpRequest } from './http-request';

export interface GetUrlOptions {
  /** Default `GET`. */
  method?: string;
  /** Request body (not with GET or HEAD). */
  body?: string | Uint8Array;
  /** With `password`, sent as HTTP Basic `Authorization` (it replaces one in `headers`). */
  user?: string;
  password?: string;
  /** For the whole exchange, body included; default 5000. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface GetUrlResult {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Decoded as UTF-8. */
  body: string;
}

/**
 * Calls `url` and returns what came back (legacy `get_url`), never throwing for the exchange
 * itself: a timeout gives 504, an unreachable host 502 (the body says why), an HTTP error its
 * own status and body. Redirects are followed. A malformed URL or option throws.
 *
 *   const { status, body } = await getUrl('https://example.com/api', { timeoutMs: 2000 });
 */
export async function getUrl(url: string, options: GetUrlOptions = {}): Promise<GetUrlResult> {
  const { user, password, headers, ...rest } = options;
  const sent: Record<string, string> = { ...headers };
  if (user !== undefined) {
    for (const name of Object.keys(sent)) if (name.toLowerCase() === 'authorization') delete sent[name];
    sent.Authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
  }
  const result = await httpRequest('getUrl', url, { ...rest, headers: sent });
  const received: Record<string, string> = {};
  for (const name of result.headers.keys()) received[name] = result.headers.get(name) as string;
  return { status: result.status, headers: received, body: result.body.toString('utf8') };
}
