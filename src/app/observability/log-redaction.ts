import pino, { type LoggerOptions } from 'pino';

/** What a redacted value is logged as. */
export const REDACTED = '[redacted]';

// Keys (lower-cased) whose values are credentials wherever they appear in a logged object.
const SECRET_KEYS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie',
  'password', 'oldpassword', 'newpassword', 'old_password', 'new_password', 'passwd',
]);
// Keys whose values are raw request bytes: Node's parse errors carry the whole packet, headers included.
const RAW_KEYS = new Set(['rawpacket', 'rawbody', 'body']);
const MAX_DEPTH = 8;

function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const lower = key.toLowerCase();
    const item = (value as Record<string, unknown>)[key];
    if (SECRET_KEYS.has(lower)) out[key] = REDACTED;
    else if (RAW_KEYS.has(lower)) out[key] = item === undefined ? undefined : REDACTED;
    else out[key] = scrub(item, depth + 1);
  }
  return out;
}

/**
 * pino's error serializer, then every credential and raw byte removed at any depth: an error
 * from Node's HTTP parser carries `rawPacket` (the request with its Authorization and Cookie
 * headers), an HttpError may carry a body, nested and aggregate errors carry the same.
 */
export function redactError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error);
  return scrub(serialized, 0);
}

/** Request-like objects (`{ req }`, `{ headers }`) keep their shape with credentials removed. */
export function redactObject(value: unknown): unknown {
  return scrub(value, 0);
}

// Top-level fields and one level down: `{ password }`, `{ user: { password } }`, `{ headers: { cookie } }`.
const SLOTS = ['password', 'oldPassword', 'newPassword', 'authorization', 'cookie', 'rawPacket', 'rawBody', 'body'];
const REDACT_PATHS = [
  ...SLOTS,
  ...SLOTS.map((key) => `*.${key}`),
  ...['authorization', 'cookie', '"proxy-authorization"', '"set-cookie"', 'Authorization', 'Cookie', '"Proxy-Authorization"']
    .flatMap((h) => [`headers.${h}`, `*.headers.${h}`]),
];

/**
 * The redaction every framework logger applies (serve, workers, SyncServerApp, createTestApp):
 * serializers for `err`, `error`, `req` and `headers`, and pino's `redact` for credential
 * fields elsewhere. Spread it into pino's options.
 */
export const logRedaction: Pick<LoggerOptions, 'serializers' | 'redact'> = {
  serializers: { err: redactError, error: redactError, req: redactObject, request: redactObject, headers: redactObject },
  redact: { paths: REDACT_PATHS, censor: REDACTED },
};
