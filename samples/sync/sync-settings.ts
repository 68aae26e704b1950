/**
 * The sample's settings, read once from the flat config (the framework's app data reads
 * `storage.sqluri`, `storage.create_tables` and the pool keys): the original `[storage]`, `[auth]`,
 * `[captcha]`, `[nodes]` and `global.shared_secret` keys, with their older names as aliases
 * (README.md "Configuration").
 */
import { ConfigError, type FlatConfig } from '../../src';

export interface SyncSettings {
  standardCollections: boolean;
  useQuota: boolean;
  /** KB, as the original counted. */
  quotaSize: number;
  batchSize: number;
  batchMaxCount: number;
  batchMaxBytes: number;
  maxBodySize: number;
  strictUsernames: boolean;
  fallbackNode?: string;
  sharedSecret?: string;
  captcha: { use: boolean; publicKey?: string; privateKey?: string; useSsl: boolean; verifyUrl: string };
  /** Legacy keys read but without effect here, for the start-up log. */
  ignored: string[];
}

// Storage back ends the original could name; all are served by the SQL storage here.
const STORAGE_BACKENDS = new Set(['sql', 'memcached', 'syncstorage.storage.sql.SQLStorage', 'syncstorage.storage.memcachedsql.MemcachedSQLStorage']);

function first(config: FlatConfig, keys: string[]): unknown {
  for (const key of keys) if (config[key] !== undefined && config[key] !== '') return config[key];
  return undefined;
}

function bool(config: FlatConfig, keys: string[], fallback: boolean): boolean {
  const value = first(config, keys);
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const text = String(value).toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(text)) return true;
  if (['false', 'no', 'off', '0'].includes(text)) return false;
  throw new ConfigError(`${keys[0]}: not a boolean: '${String(value)}'`);
}

function int(config: FlatConfig, keys: string[], fallback: number, min = 0): number {
  const value = first(config, keys);
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(String(value));
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${keys[0]}: expected an integer >= ${min}, got '${String(value)}'`);
  return n;
}

function text(config: FlatConfig, keys: string[]): string | undefined {
  const value = first(config, keys);
  return value === undefined ? undefined : String(value);
}

/** A node location as the original cleaned it: a trailing slash, `https://` when no scheme. */
function cleanLocation(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  let result = location.endsWith('/') ? location : `${location}/`;
  if (!result.startsWith('http')) result = `https://${result}`;
  return result;
}

/**
 * `global.shared_secret` (alias `reg.shared_secret`), else the environment variable that
 * `global.shared_secret_env` names; an empty value is no secret.
 */
function sharedSecret(config: FlatConfig, env: NodeJS.ProcessEnv): string | undefined {
  const direct = text(config, ['global.shared_secret', 'reg.shared_secret']);
  if (direct !== undefined) return direct;
  const name = text(config, ['global.shared_secret_env']);
  const value = name === undefined ? undefined : env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function readSyncSettings(config: FlatConfig, env: NodeJS.ProcessEnv = process.env): SyncSettings {
  const backend = text(config, ['storage.backend']);
  if (backend !== undefined && !STORAGE_BACKENDS.has(backend)) {
    throw new ConfigError(`storage.backend: unsupported storage '${backend}' (this server stores in SQL: use sql)`);
  }
  const ignored = ['storage.cache_servers', 'storage.shard', 'storage.check_node_status'].filter((k) => config[k] !== undefined);
  const captchaUse = bool(config, ['captcha.use'], false);
  return {
    standardCollections: bool(config, ['storage.standard_collections'], false),
    useQuota: bool(config, ['storage.use_quota'], false),
    quotaSize: int(config, ['storage.quota_size'], 5120),
    batchSize: int(config, ['storage.batch_size'], 100, 1),
    batchMaxCount: int(config, ['storage.batch_max_count'], 100, 1),
    batchMaxBytes: int(config, ['storage.batch_max_bytes'], 1024 * 1024, 1),
    maxBodySize: int(config, ['storage.max_body_size', 'global.max_body_size'], 4 * 1024 * 1024, 1),
    strictUsernames: bool(config, ['auth.strict_usernames', 'reg.strict_usernames'], true),
    fallbackNode: cleanLocation(text(config, ['nodes.fallback_node', 'auth.fallback_node'])),
    sharedSecret: sharedSecret(config, env),
    captcha: {
      use: captchaUse,
      publicKey: text(config, ['captcha.public_key']),
      privateKey: text(config, ['captcha.private_key']),
      useSsl: bool(config, ['captcha.use_ssl'], true),
      verifyUrl: text(config, ['captcha.verify_url']) ?? 'https://www.google.com/recaptcha/api/verify',
    },
    ignored,
  };
}
