import { ConfigError } from '../config/errors';
import type { ConfigValue, FlatConfig } from '../config/types';

/** Everything the app reads from its config, read once at construction. */
export interface AppSettings {
  /** `global.retry_after`: seconds in Retry-After on 503s (default 1800). */
  retryAfter: number;
  /** `/` + `global.heartbeat_page` (default `__heartbeat__`). */
  heartbeatPath: string;
  /** `/` + `global.debug_page`, or undefined (the default: no debug page). */
  debugPath?: string;
  /** `debug` or `translogger`: Apache combined access log. */
  accessLog: boolean;
  /** `profile`: CPU profile at `/__profile__`, written to `profileFile` on close. */
  profile: boolean;
  profileFile: string;
  /** `client_debug`: stacks in 500 bodies. */
  clientDebug: boolean;
  /** `auth.realm` for WWW-Authenticate (default `Sync`). */
  realm: string;
  trustedProxies?: ConfigValue;
  /** `global.graceful_shutdown_interval`: seconds the heartbeat says 503 before the listener stops. */
  gracefulShutdown: number;
  /** `global.hard_shutdown_interval`: seconds in-flight requests get before connections are cut. */
  hardShutdown: number;
  /** `global.max_body_size`: default limit of `{ body: 'json' }` routes, in bytes (1 MiB). */
  maxBodySize: number;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A switch from the paste `[DEFAULT]` (a top-level key) or the app's `[global]` section. */
function flag(config: FlatConfig, name: string): boolean {
  return [config[name], config[`global.${name}`]].some((value) => {
    if (value === undefined || value === false || value === 0) return false;
    if (value === true || value === 1) return true;
    const text = String(value).toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw new ConfigError(`${config[name] === value ? name : `global.${name}`}: expected true or false, got ${JSON.stringify(value)}`);
  });
}

function seconds(config: FlatConfig, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0 || typeof value === 'boolean') {
    throw new ConfigError(`${key}: expected a number of seconds, got ${JSON.stringify(value)}`);
  }
  return n;
}

function page(config: FlatConfig, key: string, fallback?: string): string | undefined {
  const value = config[key] ?? fallback;
  if (value === undefined || value === '' || value === false) return undefined;
  if (typeof value !== 'string' || !/^\/?[^/\s]+$/.test(value)) {
    throw new ConfigError(`${key}: expected a page name such as __heartbeat__, got ${JSON.stringify(value)}`);
  }
  return value.startsWith('/') ? value : `/${value}`;
}

export function readAppSettings(config: FlatConfig): AppSettings {
  const retryAfter = seconds(config, 'global.retry_after', 1800);
  if (!Number.isInteger(retryAfter)) throw new ConfigError(`global.retry_after: expected whole seconds, got ${retryAfter}`);
  const maxBodySize = seconds(config, 'global.max_body_size', 1024 * 1024);
  if (!Number.isInteger(maxBodySize) || maxBodySize < 1) {
    throw new ConfigError(`global.max_body_size: expected a positive number of bytes, got ${maxBodySize}`);
  }
  const realm = config['auth.realm'] ?? 'Sync';
  const profileFile = config['global.profile_file'] ?? `syncserver-${process.pid}.cpuprofile`;
  return {
    retryAfter,
    heartbeatPath: page(config, 'global.heartbeat_page', '__heartbeat__') ?? '/__heartbeat__',
    debugPath: page(config, 'global.debug_page'),
    accessLog: flag(config, 'debug') || flag(config, 'translogger'),
    profile: flag(config, 'profile'),
    profileFile: String(profileFile),
    clientDebug: flag(config, 'client_debug'),
    realm: String(realm),
    trustedProxies: config['global.trusted_proxies'],
    gracefulShutdown: seconds(config, 'global.graceful_shutdown_interval', 1),
    hardShutdown: seconds(config, 'global.hard_shutdown_interval', 10),
    maxBodySize,
  };
}
