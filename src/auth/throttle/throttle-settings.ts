import cluster from 'node:cluster';
import { ConfigError } from '../../config/errors';
import { filterParams } from '../../config/filter-params';
import { readEnum, readSeconds } from '../../config/settings';
import type { FlatConfig } from '../../config/types';
import { intParam, stringParam } from '../auth-params';
import { DEFAULT_CACHE_RECHECK } from '../auth-cache';

/** Where the failed-login counters live. */
export type ThrottleStoreKind = 'memory' | 'cluster' | 'sql' | 'none';

/** Failed logins allowed for one key within its window; the last one starts the block. */
export interface ThrottleRule {
  limit: number;
  windowSeconds: number;
  blockSeconds: number;
}

export interface LoginThrottleSettings {
  store: ThrottleStoreKind;
  user: ThrottleRule;
  address: ThrottleRule;
  /** Seconds a store call may take before the throttle fails open. */
  timeoutSeconds: number;
  /** Seconds a block state read serves requests that present a remembered login. */
  recheckSeconds: number;
  /** IPv6 clients are counted per network of this many bits (`auth.throttle_ipv6_prefix`); IPv4 per address. */
  ipv6Prefix: number;
  /** `sql` store: the database (default `auth.sqluri`) and the table. */
  sqluri?: string;
  table: string;
}

/** Which counter a block is on. */
export type ThrottleKey = 'user' | 'address';

export const THROTTLE_DEFAULTS = {
  user: { limit: 10, windowSeconds: 300, blockSeconds: 300 },
  address: { limit: 50, windowSeconds: 300, blockSeconds: 300 },
  timeoutSeconds: 1,
  ipv6Prefix: 64,
  table: 'login_throttle',
} as const;

const STORES: readonly ThrottleStoreKind[] = ['memory', 'cluster', 'sql', 'none'];

/**
 * The `auth.throttle_*` keys. The default store is `cluster` in a `services-core serve`
 * worker (the primary holds the counters of the host) and `memory` otherwise; `serveWorker`
 * says which (the `serve` pre-check reads them as its workers will).
 */
export function readThrottleSettings(config: FlatConfig, options: { serveWorker?: boolean } = {}): LoginThrottleSettings {
  const params = filterParams('auth', config);
  const inWorker = options.serveWorker ?? (cluster.isWorker && process.send !== undefined);
  const store = readEnum('auth.throttle_store', params.throttle_store, STORES, inWorker ? 'cluster' : 'memory');
  if (store === 'cluster' && !inWorker) {
    throw new ConfigError('auth.throttle_store = cluster needs a services-core serve worker (the primary keeps the counters)');
  }
  const sqluri = stringParam(params, 'throttle_sqluri') ?? stringParam(params, 'sqluri');
  if (store === 'sql' && sqluri === undefined) throw new ConfigError('auth.throttle_store = sql needs auth.throttle_sqluri or auth.sqluri');
  const rule = (kind: 'user' | 'ip', fallback: ThrottleRule): ThrottleRule => ({
    limit: intParam(params, `throttle_${kind}_limit`, fallback.limit, 1),
    windowSeconds: intParam(params, `throttle_${kind}_window`, fallback.windowSeconds, 1),
    blockSeconds: intParam(params, `throttle_${kind}_block`, fallback.blockSeconds, 1),
  });
  const table = stringParam(params, 'throttle_table', THROTTLE_DEFAULTS.table);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new ConfigError(`auth.throttle_table must be a plain SQL identifier, got ${JSON.stringify(table)}`);
  const seconds = (key: string, fallback: number) => readSeconds(`auth.${key}`, params[key], fallback);
  const ipv6Prefix = intParam(params, 'throttle_ipv6_prefix', THROTTLE_DEFAULTS.ipv6Prefix, 1);
  if (ipv6Prefix > 128) throw new ConfigError(`auth.throttle_ipv6_prefix: expected 1 to 128 bits, got ${ipv6Prefix}`);
  return {
    store,
    user: rule('user', THROTTLE_DEFAULTS.user),
    address: rule('ip', THROTTLE_DEFAULTS.address),
    timeoutSeconds: seconds('throttle_timeout', THROTTLE_DEFAULTS.timeoutSeconds),
    recheckSeconds: seconds('cache_recheck', DEFAULT_CACHE_RECHECK),
    ipv6Prefix,
    sqluri,
    table,
  };
}

