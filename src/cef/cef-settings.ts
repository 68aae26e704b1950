import path from 'node:path';
import { ConfigError } from '../config/errors';
import { checkReadableFile } from '../config/readable-file';
import { filterParams } from '../config/filter-params';
import { readBoolean, readEnum, readInteger } from '../config/settings';
import type { ConfigValue, FlatConfig } from '../config/types';
import { escapePrefix } from './cef-escape';
import { FACILITIES, OPTIONS, PRIORITIES, type SyslogOption } from './syslog-codes';

/** A flat config map, or anything that makes one (the `Config` class). */
export type CefConfigSource = FlatConfig | { getMap(): FlatConfig };

export interface SyslogSettings {
  facility: number;
  priority: number;
  options: ReadonlySet<SyslogOption>;
  ident: string;
  socket: string;
  format: '5424' | '3164';
  transport: 'auto' | 'unix-dgram' | 'logger';
}

/** The validated `cef.*` settings. */
export interface CefSettings {
  /** `cef.file`; null only when the caller supplies its own sink. */
  file: string | null;
  /** `CEF:<version>|<vendor>|<product>|<device_version>|`, escaped once. */
  prefix: string;
  syslog: SyslogSettings;
  queueSize: number;
  /** How long flush() and close() wait for a network peer that is down, in ms. */
  flushTimeoutMs: number;
  tls: { ca: string | null; rejectUnauthorized: boolean };
}

// filterParams turns every dot after `cef.` into `_`; these are the names users write.
const KEYS: Record<string, string> = {
  use: 'cef.use',
  file: 'cef.file',
  vendor: 'cef.vendor',
  product: 'cef.product',
  device_version: 'cef.device_version',
  version: 'cef.version',
  syslog_options: 'cef.syslog.options',
  syslog_facility: 'cef.syslog.facility',
  syslog_priority: 'cef.syslog.priority',
  syslog_ident: 'cef.syslog.ident',
  syslog_socket: 'cef.syslog.socket',
  syslog_format: 'cef.syslog.format',
  syslog_transport: 'cef.syslog.transport',
  queue_size: 'cef.queue_size',
  flush_timeout: 'cef.flush_timeout',
  tls_ca: 'cef.tls.ca',
  tls_reject_unauthorized: 'cef.tls.reject_unauthorized',
};

export const DEFAULT_QUEUE_SIZE = 10000;
export const DEFAULT_FLUSH_TIMEOUT_MS = 5000;

function fail(key: string, problem: string): never {
  throw new ConfigError(`${KEYS[key]}: ${problem}`);
}

function text(key: string, value: ConfigValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return fail(key, `expected text, got ${JSON.stringify(value)}`);
}

function required(cef: FlatConfig, key: string): string {
  const value = text(key, cef[key]);
  if (value === undefined) fail(key, 'missing (required when CEF logging is on)');
  return value;
}

function flag(key: string, value: ConfigValue | undefined, fallback: boolean): boolean {
  return readBoolean(KEYS[key], value, fallback);
}

function oneOf<T extends string>(key: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  return readEnum(KEYS[key], value, allowed, fallback);
}

function code(key: string, value: string | undefined, table: Readonly<Record<string, number>>, fallback: string): number {
  const name = (value ?? fallback).trim().toUpperCase();
  if (Object.hasOwn(table, name)) return table[name];
  return fail(key, `unknown name "${value}" (expected one of ${Object.keys(table).join(', ')})`);
}

function options(value: ConfigValue | undefined): Set<SyslogOption> {
  // The INI reader may already have split a comma list; a one-element value is plain text.
  const names = value === undefined ? [] : Array.isArray(value) ? value.map(String) : String(value).split(',');
  const out = new Set<SyslogOption>();
  for (const raw of names) {
    const name = raw.trim().toUpperCase();
    if (name === '') continue;
    if (!(OPTIONS as readonly string[]).includes(name)) {
      fail('syslog_options', `unknown option "${raw.trim()}" (expected ${OPTIONS.join(', ')})`);
    }
    out.add(name as SyslogOption);
  }
  return out;
}

function positiveInt(key: string, value: ConfigValue | undefined, fallback: number): number {
  return readInteger(KEYS[key], value, fallback, 1);
}

function defaultIdent(): string {
  return process.argv[1] ? path.basename(process.argv[1]) : process.title;
}

function flatOf(config: CefConfigSource): FlatConfig {
  const maybe = config as { getMap?: unknown };
  return typeof maybe.getMap === 'function' ? (config as { getMap(): FlatConfig }).getMap() : (config as FlatConfig);
}

const NETWORK = /^(udp|tcp|tls):\/\/(.*)$/i;
const DEFAULT_PORTS = { udp: 514, tcp: 514, tls: 6514 } as const;

/**
 * The collector a `cef.file` of `udp://`, `tcp://` or `tls://host:port` names, or null for a file
 * path or `syslog`; another scheme or a bad address is a ConfigError (checked with the settings,
 * so the pre-check catches it rather than every worker).
 */
export function sinkAddress(file: string): { protocol: keyof typeof DEFAULT_PORTS; host: string; port: number } | null {
  const network = NETWORK.exec(file);
  if (!network) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
      throw new ConfigError(`cef.file: unsupported scheme in "${file}" (expected a file path, syslog, udp://, tcp:// or tls://)`);
    }
    return null;
  }
  const protocol = network[1].toLowerCase() as keyof typeof DEFAULT_PORTS;
  let url: URL;
  try {
    url = new URL(file);
  } catch {
    throw new ConfigError(`cef.file: bad address "${file}" (expected ${protocol}://host:port)`);
  }
  const extra = (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash || url.username;
  if (!url.hostname || extra || url.port === '0') throw new ConfigError(`cef.file: bad address "${file}" (expected ${protocol}://host:port)`);
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : DEFAULT_PORTS[protocol] };
}

/**
 * Validates the `cef.*` keys once, so a bad setting is a ConfigError at start-up rather than
 * at the first event. Returns null when CEF is off: no `cef.*` key at all, or `cef.use = false`.
 */
export function parseCefSettings(
  config: CefConfigSource,
  { requireFile = true, warn }: { requireFile?: boolean; warn: (message: string) => void },
): CefSettings | null {
  const cef = filterParams('cef', flatOf(config));
  if (Object.keys(cef).length === 0) return null;
  if (!flag('use', cef.use, true)) return null;
  for (const key of Object.keys(cef)) {
    if (!Object.hasOwn(KEYS, key)) warn(`cef: ignoring unknown setting "${key}" (from cef.${key.replace(/_/g, '.')} or cef.${key})`);
  }

  const file = requireFile ? required(cef, 'file') : (text('file', cef.file) ?? null);
  if (file !== null && file.trim() === '') fail('file', 'empty (a file path, syslog, or udp://, tcp://, tls://host:port)');
  if (file !== null) sinkAddress(file);
  const ca = text('tls_ca', cef.tls_ca) ?? null;
  if (ca !== null) checkReadableFile(KEYS.tls_ca, ca);
  const head = ['version', 'vendor', 'product', 'device_version'].map((key) => escapePrefix(required(cef, key)));

  return {
    file,
    prefix: `CEF:${head.join('|')}|`,
    syslog: {
      facility: code('syslog_facility', text('syslog_facility', cef.syslog_facility), FACILITIES, 'LOCAL4'),
      priority: code('syslog_priority', text('syslog_priority', cef.syslog_priority), PRIORITIES, 'INFO'),
      options: options(cef.syslog_options),
      ident: text('syslog_ident', cef.syslog_ident) ?? defaultIdent(),
      socket: text('syslog_socket', cef.syslog_socket) ?? '/dev/log',
      format: oneOf('syslog_format', text('syslog_format', cef.syslog_format), ['5424', '3164'], '5424'),
      transport: oneOf('syslog_transport', text('syslog_transport', cef.syslog_transport), ['auto', 'unix-dgram', 'logger'], 'auto'),
    },
    queueSize: positiveInt('queue_size', cef.queue_size, DEFAULT_QUEUE_SIZE),
    flushTimeoutMs: positiveInt('flush_timeout', cef.flush_timeout, DEFAULT_FLUSH_TIMEOUT_MS),
    tls: {
      ca,
      rejectUnauthorized: flag('tls_reject_unauthorized', cef.tls_reject_unauthorized, true),
    },
  };
}
