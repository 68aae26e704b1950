/**
 * The sample's settings, read once from the flat config (the framework's app data reads
 * `storage.sqluri`, `storage.create_tables` and the pool keys): the original `[storage]`, `[auth]`,
 * `[captcha]`, `[nodes]` and `global.shared_secret` keys, with their older names as aliases
 * (README.md "Configuration").
 */
import { ConfigError, type FlatConfig, type SettingsSchema } from '../../src';

/** The keys the sample reads (`static settingsSchema`): `services-core config` and `serve` refuse others in these sections. */
export const SYNC_SETTINGS_SCHEMA: SettingsSchema = {
  'global.shared_secret': ['string', 'none', 'the X-Weave-Secret value that creates accounts without a captcha'],
  'auth.strict_usernames': ['boolean', 'true', 'a new account name must be the hashed e-mail address (respcode 15)'],
  'auth.fallback_node': ['string', 'none', 'alias of nodes.fallback_node'],
  'nodes.fallback_node': ['URL', 'none (`null`)', 'the storage node node/weave answers for a user the auth backend gives none'],
  'nodes.serve': ['list', 'user storage', 'the APIs this node answers: `user` (server-reg) and/or `storage` (server-storage); the other\'s paths are 404'],
  'storage.backend': ['string', 'sql', 'sql, memcached or the original class names: all store in SQL'],
  'storage.sqluri': ['database URI', 'sqlite:///storage.db', 'the storage database (the app data)'],
  'storage.create_tables': ['boolean', 'true', 'create the missing storage tables at start'],
  'storage.pool_size': ['integer', '20', 'storage connection pool size'],
  'storage.pool_recycle': ['integer', '3600', 'seconds before a pooled connection is replaced'],
  'storage.pool_timeout': ['number', '10', 'seconds to wait for a connection'],
  'storage.standard_collections': ['boolean', 'false', 'fixed ids for the common collection names'],
  'storage.use_quota': ['boolean', 'false', 'limit what each user stores'],
  'storage.quota_size': ['integer', '5120', 'the quota, KB'],
  'storage.batch_size': ['integer', '100', 'objects per write statement'],
  'storage.batch_max_count': ['integer', '100', 'objects per batch (more: retry wbo)'],
  'storage.batch_max_bytes': ['integer', '1048576', 'payload bytes per batch (more: retry bytes)'],
  'storage.cache_servers': ['string', 'none', 'memcached servers of the original: ignored'],
  'storage.shard': ['boolean', 'false', 'sharding of the original: ignored'],
  'storage.shardsize': ['integer', '100', 'sharding of the original: ignored'],
  'storage.check_node_status': ['boolean', 'false', 'memcached node status of the original: ignored'],
  'storage.reset_on_return': ['boolean', 'true', 'SQLAlchemy pool option of the original: ignored'],
  'storage.display_config': ['boolean', 'false', 'option of the original: ignored'],
  'captcha.use': ['boolean', 'false', 'account creation needs a captcha (unless the shared secret is given)'],
  'captcha.public_key': ['string', 'none', 'reCAPTCHA public key'],
  'captcha.private_key': ['string', 'none', 'reCAPTCHA private key'],
  'captcha.use_ssl': ['boolean', 'true', 'load reCAPTCHA over https'],
  'captcha.verify_url': ['URL', 'https://www.google.com/recaptcha/api/verify', 'reCAPTCHA v1 verification endpoint'],
  'reg.shared_secret': ['string', 'none', 'alias of global.shared_secret'],
  'reg.public_url': ['URL', "the request's own", 'the server root the password-reset mail links to'],
  'reg.strict_usernames': ['boolean', 'true', 'alias of auth.strict_usernames'],
};

export interface SyncSettings {
  standardCollections: boolean;
  useQuota: boolean;
  /** KB, as the original counted. */
  quotaSize: number;
  batchSize: number;
  batchMaxCount: number;
  batchMaxBytes: number;
  strictUsernames: boolean;
  fallbackNode?: string;
  /** `nodes.serve`: the user API (`/user/…`, `/misc/…`) and the storage API (`/<version>/…`). */
  serve: { user: boolean; storage: boolean };
  sharedSecret?: string;
  /** `reg.public_url` without a trailing slash: the root of the reset link (else the request's host). */
  publicUrl?: string;
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

/** `global.shared_secret` (alias `reg.shared_secret`); an empty value (`${SYNC_SECRET:-}` unset) is no secret. */
function sharedSecret(config: FlatConfig): string | undefined {
  const value = text(config, ['global.shared_secret', 'reg.shared_secret']);
  return value === '' ? undefined : value;
}

function servedApis(config: FlatConfig): SyncSettings['serve'] {
  const value = config['nodes.serve'];
  if (value === undefined || value === '') return { user: true, storage: true };
  const apis = (Array.isArray(value) ? value.map(String) : [String(value)]).flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== '');
  const unknown = apis.find((api) => api !== 'user' && api !== 'storage');
  if (unknown !== undefined || apis.length === 0) {
    throw new ConfigError(`nodes.serve: expected \`user\`, \`storage\` or both, got '${unknown ?? String(value)}'`);
  }
  return { user: apis.includes('user'), storage: apis.includes('storage') };
}

function withoutTrailingSlash(url: string | undefined): string | undefined {
  let end = url?.length ?? 0;
  while (end > 0 && url![end - 1] === '/') end--;
  return url === undefined || url === '' ? undefined : url.slice(0, end);
}

export function readSyncSettings(config: FlatConfig): SyncSettings {
  const backend = text(config, ['storage.backend']);
  if (backend !== undefined && !STORAGE_BACKENDS.has(backend)) {
    throw new ConfigError(`storage.backend: unsupported storage '${backend}' (this server stores in SQL: use sql)`);
  }
  const ignored = ['storage.cache_servers', 'storage.shard', 'storage.shardsize', 'storage.check_node_status'].filter((k) => config[k] !== undefined);
  const captchaUse = bool(config, ['captcha.use'], false);
  return {
    standardCollections: bool(config, ['storage.standard_collections'], false),
    useQuota: bool(config, ['storage.use_quota'], false),
    quotaSize: int(config, ['storage.quota_size'], 5120),
    batchSize: int(config, ['storage.batch_size'], 100, 1),
    batchMaxCount: int(config, ['storage.batch_max_count'], 100, 1),
    batchMaxBytes: int(config, ['storage.batch_max_bytes'], 1024 * 1024, 1),
    strictUsernames: bool(config, ['auth.strict_usernames', 'reg.strict_usernames'], true),
    fallbackNode: cleanLocation(text(config, ['nodes.fallback_node', 'auth.fallback_node'])),
    serve: servedApis(config),
    sharedSecret: sharedSecret(config),
    publicUrl: withoutTrailingSlash(text(config, ['reg.public_url'])),
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
