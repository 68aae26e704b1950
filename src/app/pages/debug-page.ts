import { maskSecrets, maskUriCredentials } from '../../config/mask-secrets';
import type { FlatConfig } from '../../config/types';
import type { AppContext } from '../types';

/**
 * The request headers the page shows (docs/deploy.md, Security notes); any other header shows
 * its name with `********`: an API key, a token or a session can come under any name.
 */
export const DEBUG_PAGE_HEADERS: ReadonlySet<string> = new Set([
  'host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'content-type', 'content-length',
  'connection', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id',
]);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function repr(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value) ?? 'None';
}

function dump(entries: Array<[string, unknown]>): string {
  return entries.map(([key, value]) => `${repr(key)}: ${repr(value)}`).join('\n');
}

/** The request as a WSGI-style environ (docs/compatibility.md C.7); only the allow-listed headers' values show. */
function environ(ctx: AppContext): Array<[string, unknown]> {
  const req = ctx.req;
  const entries: Array<[string, unknown]> = [
    ['REQUEST_METHOD', ctx.method],
    ['PATH_INFO', ctx.path],
    ['QUERY_STRING', ctx.querystring],
    ['SERVER_PROTOCOL', `HTTP/${req.httpVersion}`],
    ['REMOTE_ADDR', req.socket.remoteAddress ?? ''],
    ['CLIENT_IP', ctx.state.clientIp],
    ['REQUEST_ID', ctx.state.requestId],
  ];
  for (const [name, value] of Object.entries(req.headers)) {
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    entries.push([key, DEBUG_PAGE_HEADERS.has(name) ? value : '********']);
  }
  return entries;
}

/**
 * The debug page (docs/compatibility.md C.7, Q-C1): the request, a scrubbed COPY of the host config
 * (passwords, keys, tokens and secrets as `********`, URI credentials as `****:****`), then the
 * app's `debugServer` lines with URI credentials masked, or `None.`. All HTML-escaped.
 */
export function renderDebugPage(ctx: AppContext, config: FlatConfig, lines: string[]): string {
  const extra = lines.length > 0 ? lines.map((line) => maskUriCredentials(String(line))).join('\n') : 'None.';
  const scrubbed = Object.entries(maskSecrets(config)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>Debug</title></head><body>',
    '<h1>Request environ</h1>',
    `<pre>${escapeHtml(dump(environ(ctx)))}</pre>`,
    '<h1>Configuration</h1>',
    `<pre>${escapeHtml(dump(scrubbed))}</pre>`,
    '<h1>Additional information</h1>',
    `<pre>${escapeHtml(extra)}</pre>`,
    '</body></html>',
    '',
  ].join('\n');
}
