import { ConfigError } from '../config/errors';
import { readBoolean, readBytes, readSeconds } from '../config/settings';
import type { ConfigValue, FlatConfig } from '../config/types';

/** Everything the app reads from its config, read once at construction. */
export interface AppSettings {
  /** `global.retry_after`: seconds in Retry-After on 503s (default 1800). */
  retryAfter: number;
  /** `/` + `global.heartbeat_page` (default `__heartbeat__`). */
  heartbeatPath: string;
  /** `/` + `global.debug_page`, or undefined (the default: no debug page). */
  debugPath?: string;
  /** `/` + `global.openapi_page`, or undefined (the default: no OpenAPI document served). */
  openApiPath?: string;
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
  /** The http.Server's timeouts, in seconds (see the DEFAULT_* constants). */
  timeouts: { headers: number; request: number; keepAlive: number };
}

/** `global.headers_timeout`: a client must send the whole request head within this (408 otherwise). */
export const DEFAULT_HEADERS_TIMEOUT = 60;
/** `global.request_timeout`: the whole request, body included (0: no limit). */
export const DEFAULT_REQUEST_TIMEOUT = 300;
/**
 * `global.keep_alive_timeout`: an idle keep-alive connection is closed after this. Longer than
 * nginx's upstream `keepalive_timeout` (60 s), so nginx closes idle connections first and never
 * sends a request on one the app is closing.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT = 75;

/** A switch from the paste `[DEFAULT]` (a top-level key) or the app's `[global]` section. */
function flag(config: FlatConfig, name: string): boolean {
  return readBoolean(name, config[name], false) || readBoolean(`global.${name}`, config[`global.${name}`], false);
}

function seconds(config: FlatConfig, key: string, fallback: number): number {
  return readSeconds(key, config[key], fallback);
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
  const maxBodySize = readBytes('global.max_body_size', config['global.max_body_size'], 1024 * 1024);
  const timeouts = {
    headers: seconds(config, 'global.headers_timeout', DEFAULT_HEADERS_TIMEOUT),
    request: seconds(config, 'global.request_timeout', DEFAULT_REQUEST_TIMEOUT),
    keepAlive: seconds(config, 'global.keep_alive_timeout', DEFAULT_KEEP_ALIVE_TIMEOUT),
  };
  if (timeouts.request > 0 && timeouts.headers > timeouts.request) {
    throw new ConfigError(`global.headers_timeout: ${timeouts.headers} s is longer than global.request_timeout (${timeouts.request} s)`);
  }
  const realm = config['auth.realm'] ?? 'Sync';
  const profileFile = config['global.profile_file'] ?? `syncserver-${process.pid}.cpuprofile`;
  return {
    retryAfter,
    heartbeatPath: page(config, 'global.heartbeat_page', '__heartbeat__') ?? '/__heartbeat__',
    debugPath: page(config, 'global.debug_page'),
    openApiPath: page(config, 'global.openapi_page'),
    accessLog: flag(config, 'debug') || flag(config, 'translogger'),
    profile: flag(config, 'profile'),
    profileFile: String(profileFile),
    clientDebug: flag(config, 'client_debug'),
    realm: String(realm),
    trustedProxies: config['global.trusted_proxies'],
    gracefulShutdown: seconds(config, 'global.graceful_shutdown_interval', 1),
    hardShutdown: seconds(config, 'global.hard_shutdown_interval', 10),
    maxBodySize,
    timeouts,
  };
}
