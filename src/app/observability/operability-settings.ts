import { ConfigError } from '../../config/errors';
import type { ConfigValue, FlatConfig } from '../../config/types';

/** The Dockerflow pages, log format and metrics keys, read once at construction. */
export interface OperabilitySettings {
  /** `/` + `global.lbheartbeat_page` (default `__lbheartbeat__`; empty turns it off). */
  lbheartbeatPath?: string;
  /** `/` + `global.version_page` (default `__version__`; empty turns it off). */
  versionPath?: string;
  /** `global.version_file`: the version.json to serve (default: `version.json` in the app's folder). */
  versionFile?: string;
  /** `global.heartbeat_format`: `legacy` (empty body, the default) or `dockerflow` (JSON). */
  heartbeatFormat: 'legacy' | 'dockerflow';
  /** `global.heartbeat_timeout`: seconds each heartbeat check may take (default 5). */
  heartbeatTimeoutMs: number;
  /** `global.log_format` (or a top-level `log_format`): `json` (pino, the default) or `mozlog`. */
  logFormat: 'json' | 'mozlog';
  metrics: MetricsSettings;
}

export interface MetricsSettings {
  /** `metrics.enabled` (default false). */
  enabled: boolean;
  /** `metrics.path` (default `/__metrics__`). */
  path: string;
  /** `metrics.port`: serve the scrape on its own listener instead of the app port. */
  port?: number;
  /** `metrics.host`: that listener's address (default `127.0.0.1`). */
  host: string;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

function bool(config: FlatConfig, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new ConfigError(`${key}: expected true or false, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(key: string, value: ConfigValue | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  const text = String(value).toLowerCase();
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(`${key}: expected ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return text as T;
}

/** A page path: `name` or `/name`, one segment; empty or false turns the page off. */
function page(config: FlatConfig, key: string, fallback: string): string | undefined {
  const value = config[key] ?? fallback;
  if (value === '' || value === false) return undefined;
  if (typeof value !== 'string' || !/^\/?[^/\s]+$/.test(value)) {
    throw new ConfigError(`${key}: expected a page name such as ${fallback}, got ${JSON.stringify(value)}`);
  }
  return value.startsWith('/') ? value : `/${value}`;
}

function positiveSeconds(config: FlatConfig, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${key}: expected a positive number of seconds, got ${JSON.stringify(value)}`);
  return n;
}

function port(config: FlatConfig, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${key}: expected a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

/** The log format alone (the logger is made before the app reads the rest). */
export function readLogFormat(config: FlatConfig): OperabilitySettings['logFormat'] {
  const key = config['global.log_format'] !== undefined ? 'global.log_format' : 'log_format';
  return oneOf(key, config[key], ['json', 'mozlog'] as const, 'json');
}

/** The `metrics.*` keys (also read by the `serve` primary). */
export function readMetricsSettings(config: FlatConfig): MetricsSettings {
  const metricsPath = config['metrics.path'] === undefined ? '/__metrics__' : String(config['metrics.path']);
  if (!/^(?:\/[^/\s?#%]+)+$/.test(metricsPath)) throw new ConfigError(`metrics.path: expected a path such as /__metrics__, got ${JSON.stringify(config['metrics.path'])}`);
  return {
    enabled: bool(config, 'metrics.enabled', false),
    path: metricsPath,
    port: port(config, 'metrics.port'),
    host: String(config['metrics.host'] ?? '127.0.0.1'),
  };
}

export function readOperabilitySettings(config: FlatConfig, heartbeatPath: string): OperabilitySettings {
  const lbheartbeatPath = page(config, 'global.lbheartbeat_page', '__lbheartbeat__');
  const versionPath = page(config, 'global.version_page', '__version__');
  const metrics = readMetricsSettings(config);
  const pages: [string, string | undefined][] = [
    ['global.heartbeat_page', heartbeatPath], ['global.lbheartbeat_page', lbheartbeatPath], ['global.version_page', versionPath],
    ['metrics.path', metrics.enabled && metrics.port === undefined ? metrics.path : undefined],
  ];
  for (const [i, [key, path]] of pages.entries()) {
    const clash = pages.slice(0, i).find(([, other]) => path !== undefined && other === path);
    if (clash) throw new ConfigError(`${key}: ${path} is already ${clash[0]}`);
  }
  const versionFile = config['global.version_file'];
  return {
    lbheartbeatPath,
    versionPath,
    versionFile: versionFile === undefined || versionFile === '' ? undefined : String(versionFile),
    heartbeatFormat: oneOf('global.heartbeat_format', config['global.heartbeat_format'], ['legacy', 'dockerflow'] as const, 'legacy'),
    heartbeatTimeoutMs: positiveSeconds(config, 'global.heartbeat_timeout', 5) * 1000,
    logFormat: readLogFormat(config),
    metrics,
  };
}
