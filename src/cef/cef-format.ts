import { hostname as osHostname } from 'node:os';
import { cachedFormatter, cefDate } from './cef-date';
import { readEnviron } from './cef-environ';
import { escapeExtension, escapePrefix, sanitizeKey } from './cef-escape';
import { parseCefSettings, type CefConfigSource, type CefSettings } from './cef-settings';
import type { CefEnviron, CefEvent, CefExtra } from './types';

/** Longest line custom extensions may grow to (docs/compatibility.md B.5.4); the base line is never cut. */
export const MAX_LENGTH = 1024;

/**
 * The longest value of each field a client can fill, in characters (ArcSight's documented
 * lengths: Name 512, Signature ID, `suser`, `request`, `dhost`, `requestMethod` 1023, a custom
 * string such as `cs1` 4000; `src` as `suser`). A longer value is cut and ends in `…`, so a
 * failed login with an 8 KB user name writes a bounded line; ordinary values are written whole.
 */
export const FIELD_LIMITS = {
  name: 512, signature: 1023, cs1: 4000, requestMethod: 1023, request: 1023, src: 1023, dhost: 1023, suser: 1023,
} as const;
const TRUNCATED = '…';

/** `value` cut to `limit` characters, the last one `…` when it was longer; never half a surrogate pair. */
export function boundField(value: string, limit: number): string {
  if (value.length <= limit) return value;
  let end = limit - TRUNCATED.length;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end) + TRUNCATED;
}

/** Extension keys the line always carries; an `extra` entry with one of these names is ignored. */
const BUILT_IN = new Set(['cs1Label', 'cs1', 'requestMethod', 'request', 'src', 'dhost', 'suser']);

/** Hostname read once, like the legacy module did at import. */
export const HOSTNAME = osHostname();

const dateText = cachedFormatter(cefDate);

export interface RenderContext {
  settings: CefSettings;
  hostname: string;
  now: Date;
  warn: (message: string) => void;
}

interface Custom {
  /** As written: illegal characters replaced by `?`. */
  key: string;
  /** As passed: what the order and the length budget use, as in Python. */
  rawKey: string;
  keyBytes: number;
  value: string;
  bytes: number;
}

// Legacy order: (UTF-8 byte length of value, of the key as passed, key, value), shortest values first.
function byLegacyOrder(a: Custom, b: Custom): number {
  return a.bytes - b.bytes || a.keyBytes - b.keyBytes || (a.rawKey < b.rawKey ? -1 : a.rawKey > b.rawKey ? 1 : 0) ||
    (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

function customExtensions(extra: CefExtra, warn: (message: string) => void): Custom[] {
  const out: Custom[] = [];
  for (const rawKey of Object.keys(extra)) {
    if (rawKey === 'username' || rawKey === 'signature') continue;
    const raw = extra[rawKey];
    if (raw === undefined) continue;
    if (BUILT_IN.has(rawKey)) {
      warn(`CEF extension "${rawKey}" is a built-in field and was ignored${rawKey === 'suser' ? ' (pass the user as `username`)' : ''}`);
      continue;
    }
    const key = sanitizeKey(rawKey);
    if (key !== rawKey) warn(`The "${rawKey}" key contains illegal characters`);
    const value = String(raw);
    out.push({ key, rawKey, keyBytes: key === rawKey ? key.length : Buffer.byteLength(rawKey), value, bytes: Buffer.byteLength(value) });
  }
  return out.sort(byLegacyOrder);
}

/** Builds one CEF line (docs/compatibility.md B.3, escaped per B.8) and the event it records. */
export function renderCef(
  ctx: RenderContext,
  name: string,
  severity: number,
  environ: CefEnviron,
  extra: CefExtra = {},
): { line: string; event: CefEvent } {
  const raw = readEnviron(environ);
  const request = {
    userAgent: boundField(raw.userAgent, FIELD_LIMITS.cs1), method: boundField(raw.method, FIELD_LIMITS.requestMethod),
    path: boundField(raw.path, FIELD_LIMITS.request), src: boundField(raw.src, FIELD_LIMITS.src), host: boundField(raw.host, FIELD_LIMITS.dhost),
  };
  const suser = extra.username === undefined ? 'none' : boundField(String(extra.username), FIELD_LIMITS.suser);
  const eventName = boundField(String(name), FIELD_LIMITS.name);
  const signature = boundField(extra.signature === undefined ? String(name) : String(extra.signature), FIELD_LIMITS.signature);
  let line =
    `${dateText(ctx.now)} ${ctx.hostname} ${ctx.settings.prefix}` +
    `${escapePrefix(signature)}|${escapePrefix(eventName)}|${escapePrefix(String(severity))}|` +
    `cs1Label=requestClientApplication cs1=${escapeExtension(request.userAgent)} ` +
    `requestMethod=${escapeExtension(request.method)} request=${escapeExtension(request.path)} ` +
    `src=${escapeExtension(request.src)} dhost=${escapeExtension(request.host)} suser=${escapeExtension(suser)}`;
  // Null prototype: an extension key such as `__proto__` must stay an ordinary field.
  const extensions: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
    cs1Label: 'requestClientApplication',
    cs1: request.userAgent,
    requestMethod: request.method,
    request: request.path,
    src: request.src,
    dhost: request.host,
    suser,
  });

  const customs = customExtensions(extra, ctx.warn);
  if (customs.length > 0) {
    let length = Buffer.byteLength(line);
    for (let i = 0; i < customs.length; i++) {
      const { key, value, bytes, keyBytes } = customs[i];
      // Counted as legacy did: raw value bytes + raw key bytes + 2, escapes not included.
      const cost = bytes + keyBytes + 2;
      if (length + cost > MAX_LENGTH) {
        const dropped = customs.slice(i).map((c) => c.key).join(', ');
        ctx.warn(`CEF Message too big. ${line} (dropped: ${dropped})`);
        break;
      }
      line += ` ${key}=${escapeExtension(value)}`;
      extensions[key] = value;
      length += cost;
    }
  }

  return { line, event: { name: eventName, signature, severity, suser, extensions } };
}

export interface FormatOptions {
  now?: Date;
  hostname?: string;
  warn?: (message: string) => void;
}

/** The default `warn`: a Node process warning of type `CefWarning`. */
export function emitWarning(message: string): void {
  process.emitWarning(message, 'CefWarning');
}

// Settings per config object, read once (the same rule as Config.getMap converting once).
const settingsCache = new WeakMap<object, CefSettings | null>();

function settingsOf(config: CefConfigSource, warn: (message: string) => void): CefSettings | null {
  let settings = settingsCache.get(config);
  if (settings === undefined) {
    settings = parseCefSettings(config, { warn });
    settingsCache.set(config, settings);
  }
  return settings;
}

/**
 * The CEF line for one event, without the newline, or null when CEF is off in `config`.
 * Throws ConfigError when `config` turns CEF on with a missing or bad `cef.*` key.
 */
export function formatCef(
  name: string,
  severity: number,
  environ: CefEnviron,
  config: CefConfigSource,
  extra?: CefExtra,
  options: FormatOptions = {},
): string | null {
  const warn = options.warn ?? emitWarning;
  const settings = settingsOf(config, warn);
  if (settings === null) return null;
  const ctx = { settings, hostname: options.hostname ?? HOSTNAME, now: options.now ?? new Date(), warn };
  return renderCef(ctx, name, severity, environ, extra).line;
}
