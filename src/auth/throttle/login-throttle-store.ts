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

export interface ThrottleStore {
  /** The two limiters; rejects while the store cannot be opened (then the throttle fails open and tries again). */
  readonly limiters: Promise<Record<ThrottleKey, RateLimiterAbstract>>;
  close(): Promise<void>;
}

/** The counters of one kind of key; the names are shared by every process of the fleet. */
function limiterOptions(settings: LoginThrottleSettings, kind: ThrottleKey, rule: ThrottleRule) {
  return { keyPrefix: `${settings.table}_${kind}`, points: rule.limit, duration: rule.windowSeconds };
}

const lib = {
  memory: () => loadOptional<typeof Rlf.RateLimiterMemory>('rate-limiter-flexible/lib/RateLimiterMemory', 'login throttling'),
  cluster: () => loadOptional<{ RateLimiterCluster: typeof Rlf.RateLimiterCluster }>('rate-limiter-flexible/lib/RateLimiterCluster', 'login throttling').RateLimiterCluster,
  postgres: () => loadOptional<typeof Rlf.RateLimiterPostgres>('rate-limiter-flexible/lib/RateLimiterPostgres', 'auth.throttle_store = sql'),
  mysql: () => loadOptional<typeof Rlf.RateLimiterMySQL>('rate-limiter-flexible/lib/RateLimiterMySQL', 'auth.throttle_store = sql'),
};

export function openThrottleStore(settings: LoginThrottleSettings): ThrottleStore {
  const both = <T extends RateLimiterAbstract>(make: (kind: ThrottleKey, rule: ThrottleRule) => T) =>
    ({ user: make('user', settings.user), address: make('address', settings.address) });
  switch (settings.store) {
    case 'memory': {
      const RateLimiterMemory = lib.memory();
      return { limiters: Promise.resolve(both((kind, rule) => new RateLimiterMemory(limiterOptions(settings, kind, rule)))), close: async () => undefined };
    }
    case 'cluster': {
      const RateLimiterCluster = lib.cluster();
      return {
        limiters: Promise.resolve(both((kind, rule) => new RateLimiterCluster({
          ...limiterOptions(settings, kind, rule), timeoutMs: Math.max(1, settings.timeoutSeconds * 1000),
        }))),
        close: async () => undefined,
      };
    }
    case 'sql':
      return new SqlThrottleStore(settings);
    default:
      throw new ConfigError(`auth.throttle_store = ${settings.store} has no counters`);
  }
}

/**
 * Counters in one table of the auth database (PostgreSQL or MySQL/MariaDB), created when
 * missing. The connection opens on first use; while it cannot, `limiters` rejects and the
 * next call tries again.
 */
class SqlThrottleStore implements ThrottleStore {
  private readonly connection: SqlConnection;
  private opening?: Promise<Record<ThrottleKey, RateLimiterAbstract>>;

  constructor(private readonly settings: LoginThrottleSettings) {
    this.connection = new SqlConnection(settings.sqluri!, { entities: [], createTables: false, poolSize: 5 });
    if (this.connection.dialect === 'sqlite') {
      throw new ConfigError('auth.throttle_store = sql needs PostgreSQL or MySQL/MariaDB; on one host use memory or cluster (the serve default)');
    }
  }

  get limiters(): Promise<Record<ThrottleKey, RateLimiterAbstract>> {
    if (!this.opening) {
      this.opening = this.open();
      this.opening.catch(() => { this.opening = undefined; });
    }
    return this.opening;
  }

  private async open(): Promise<Record<ThrottleKey, RateLimiterAbstract>> {
    const dataSource = await this.connection.dataSource();
    // Each limiter creates the table if it is missing; one after the other, and again when
    // another process of a starting fleet created it at the same moment (PostgreSQL then refuses
    // the second CREATE TABLE IF NOT EXISTS).
    return createWithRetries(async () => ({
      user: await this.limiter(dataSource, 'user', this.settings.user),
      address: await this.limiter(dataSource, 'address', this.settings.address),
    }));
  }

  /** One limiter; both share the table, told apart by their key prefix. */
  private limiter(dataSource: DataSource, kind: ThrottleKey, rule: ThrottleRule): Promise<RateLimiterAbstract> {
    return new Promise((resolve, reject) => {
      const options = { ...limiterOptions(this.settings, kind, rule), tableName: this.settings.table };
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
