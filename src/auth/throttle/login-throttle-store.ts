import type * as Rlf from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import { ConfigError } from '../../config/errors';
import { loadOptional } from '../../util/load-optional';
import { SqlConnection, createWithRetries } from '../sql/sql-connection';
import type { LoginThrottleSettings, ThrottleKey, ThrottleRule } from './throttle-settings';

export type { ThrottleStoreKind } from './throttle-settings';

// Where the failed-login counters live (rate-limiter-flexible): this process, the `serve`
// primary (one host), or a SQL table every host shares (a fleet).

export interface ThrottleStore<K extends string = ThrottleKey> {
  /** The limiters; rejects while the store cannot be opened (then the throttle fails open and tries again). */
  readonly limiters: Promise<Record<K, RateLimiterAbstract>>;
  close(): Promise<void>;
}

/** One limiter's counters: their name (shared by every process of the fleet), points and window. */
export interface LimiterSpec {
  keyPrefix: string;
  points: number;
  duration: number;
}

/** The counters of one kind of key; the names are shared by every process of the fleet. */
function limiterOptions(settings: LoginThrottleSettings, kind: ThrottleKey, rule: ThrottleRule): LimiterSpec {
  return { keyPrefix: `${settings.table}_${kind}`, points: rule.limit, duration: rule.windowSeconds };
}

const lib = {
  memory: () => loadOptional<typeof Rlf.RateLimiterMemory>('rate-limiter-flexible/lib/RateLimiterMemory', 'login throttling'),
  cluster: () => loadOptional<{ RateLimiterCluster: typeof Rlf.RateLimiterCluster }>('rate-limiter-flexible/lib/RateLimiterCluster', 'login throttling').RateLimiterCluster,
  postgres: () => loadOptional<typeof Rlf.RateLimiterPostgres>('rate-limiter-flexible/lib/RateLimiterPostgres', 'auth.throttle_store = sql'),
  mysql: () => loadOptional<typeof Rlf.RateLimiterMySQL>('rate-limiter-flexible/lib/RateLimiterMySQL', 'auth.throttle_store = sql'),
};

export function openThrottleStore(settings: LoginThrottleSettings): ThrottleStore {
  if (settings.store === 'none') throw new ConfigError(`auth.throttle_store = ${settings.store} has no counters`);
  const specs = { user: limiterOptions(settings, 'user', settings.user), address: limiterOptions(settings, 'address', settings.address) };
  return openLimiterStore(settings.store, specs, { sqluri: settings.sqluri, table: settings.table, timeoutSeconds: settings.timeoutSeconds, key: 'auth.throttle_store' });
}

/**
 * rate-limiter-flexible limiters in one of the stores (also the Hawk nonces'): this process,
 * the `serve` primary (one host; `timeoutSeconds` its deadline), or a table of the SQL database
 * `sqluri` every host shares (PostgreSQL or MySQL/MariaDB; `key` names the setting in errors).
 */
export function openLimiterStore<K extends string>(store: 'memory' | 'cluster' | 'sql', specs: Record<K, LimiterSpec>,
  options: { sqluri?: string; table: string; timeoutSeconds: number; key: string }): ThrottleStore<K> {
  const each = <T extends RateLimiterAbstract>(make: (spec: LimiterSpec) => T) =>
    Object.fromEntries(Object.entries<LimiterSpec>(specs).map(([kind, spec]) => [kind, make(spec)])) as Record<K, T>;
  switch (store) {
    case 'memory': {
      const RateLimiterMemory = lib.memory();
      return { limiters: Promise.resolve(each((spec) => new RateLimiterMemory(spec))), close: async () => undefined };
    }
    case 'cluster': {
      const RateLimiterCluster = lib.cluster();
      return {
        limiters: Promise.resolve(each((spec) => new RateLimiterCluster({ ...spec, timeoutMs: Math.max(1, options.timeoutSeconds * 1000) }))),
        close: async () => undefined,
      };
    }
    case 'sql':
      return new SqlLimiterStore(options.sqluri!, options.table, options.key, specs);
    default:
      throw new ConfigError(`${options.key} = ${String(store)} has no counters`);
  }
}

/**
 * Counters in one table of the auth database (PostgreSQL or MySQL/MariaDB), created when
 * missing. The connection opens on first use; while it cannot, `limiters` rejects and the
 * next call tries again.
 */
class SqlLimiterStore<K extends string> implements ThrottleStore<K> {
  private readonly connection: SqlConnection;
  private opening?: Promise<Record<K, RateLimiterAbstract>>;

  constructor(sqluri: string, private readonly table: string, key: string, private readonly specs: Record<K, LimiterSpec>) {
    this.connection = new SqlConnection(sqluri, { entities: [], createTables: false, poolSize: 5 });
    if (this.connection.dialect === 'sqlite') {
      throw new ConfigError(`${key} = sql needs PostgreSQL or MySQL/MariaDB; on one host use memory or cluster (the serve default)`);
    }
  }

  get limiters(): Promise<Record<K, RateLimiterAbstract>> {
    if (!this.opening) {
      this.opening = this.open();
      this.opening.catch(() => { this.opening = undefined; });
    }
    return this.opening;
  }

  private async open(): Promise<Record<K, RateLimiterAbstract>> {
    const dataSource = await this.connection.dataSource();
    // Each limiter creates the table if it is missing; one after the other, and again when
    // another process of a starting fleet created it at the same moment (PostgreSQL then refuses
    // the second CREATE TABLE IF NOT EXISTS).
    return createWithRetries(async () => {
      const limiters: Partial<Record<K, RateLimiterAbstract>> = {};
      for (const kind of Object.keys(this.specs) as K[]) limiters[kind] = await this.limiter(dataSource, this.specs[kind]);
      return limiters as Record<K, RateLimiterAbstract>;
    });
  }

  /** One limiter; all share the table, told apart by their key prefix. */
  private limiter(dataSource: DataSource, spec: LimiterSpec): Promise<RateLimiterAbstract> {
    return new Promise((resolve, reject) => {
      const options = { ...spec, tableName: this.table };
      const done = (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(limiter));
      const limiter: RateLimiterAbstract = this.connection.dialect === 'postgres'
        ? new (lib.postgres())({ ...options, storeClient: dataSource, storeType: 'typeorm' }, done)
        : new (lib.mysql())({
          ...options,
          storeClient: (dataSource.driver as unknown as { pool: unknown }).pool,
          storeType: 'pool',
          dbName: String(dataSource.options.database),
        }, done);
    });
  }

  close(): Promise<void> {
    this.opening = undefined;
    return this.connection.close();
  }
}
