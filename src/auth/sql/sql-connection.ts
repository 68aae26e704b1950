import { statSync } from 'node:fs';
import path from 'node:path';
import { DataSource, Table } from 'typeorm';
import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { BackendError, isBackendError } from '../../util/errors';
import { ConfigError } from '../../config/errors';
import type { FlatConfig } from '../../config/types';
import { boolParam, intParam } from '../auth-params';

/** The SQL dialects `auth.sqluri` can name. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;

export interface SqlConnectionOptions {
  /** Entities, or a function of the dialect for tables whose column types differ per dialect. */
  entities: EntityList | ((dialect: SqlDialect) => EntityList);
  /** Most connections per process (PostgreSQL, MySQL). Default 20. */
  poolSize?: number;
  /** Seconds after which a pooled connection is replaced (PostgreSQL) or an idle one closed (MySQL). Default 3600. */
  poolRecycle?: number;
  /** Create the entities' tables that do not exist; existing tables are never altered. Default true. */
  createTables?: boolean;
  /** Seconds to wait for a server connection. Default 10. */
  connectTimeout?: number;
}

export const DEFAULT_POOL_SIZE = 20;
export const DEFAULT_POOL_RECYCLE = 3600;

/** The pool and table options from `auth.pool_size`, `auth.pool_recycle` and `auth.create_tables`. */
export function sqlConnectionParams(params: FlatConfig, createTables: boolean): Omit<SqlConnectionOptions, 'entities'> {
  return {
    poolSize: intParam(params, 'pool_size', DEFAULT_POOL_SIZE, 1),
    poolRecycle: intParam(params, 'pool_recycle', DEFAULT_POOL_RECYCLE, 1),
    createTables: boolParam(params, 'create_tables', createTables),
  };
}

/** DATETIME where the dialect has it; PostgreSQL's equivalent is TIMESTAMP. */
export function dateTimeType(dialect: SqlDialect): 'datetime' | 'timestamp' {
  return dialect === 'postgres' ? 'timestamp' : 'datetime';
}

/** Whether an UPDATE or DELETE changed a row. */
export function affectedAny(result: { affected?: number | null }): boolean {
  return (result.affected ?? 0) > 0;
}

/** The URI with its password replaced by `***`, for messages and logs. */
export function maskSqlUri(uri: string): string {
  return uri.replace(/^([a-z][\w+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/**
 * Reads a SQLAlchemy-style URI: `sqlite:///relative/path` (from the working directory),
 * `sqlite:////absolute/path`, `sqlite:///:memory:`, `postgresql://` or `postgres://`,
 * `mysql://` or `mariadb://`. A `+driver` suffix (`mysql+pymysql://`) is ignored.
 */
export function parseSqlUri(uri: string): { dialect: SqlDialect; options: DataSourceOptions } {
  const scheme = /^([a-z][\w.-]*)(?:\+[\w.-]+)?:\/\//i.exec(uri)?.[1].toLowerCase();
  if (scheme === 'sqlite') {
    const afterScheme = uri.slice(uri.indexOf('://') + 3);
    const query = afterScheme.indexOf('?');
    const rest = query === -1 ? afterScheme : afterScheme.slice(0, query);
    if (rest !== '' && !rest.startsWith('/')) {
      throw new ConfigError(`auth.sqluri: a SQLite URI needs three slashes (sqlite:///relative or sqlite:////absolute), got '${uri}'`);
    }
    const file = rest.slice(1);
    const database = file === '' || file === ':memory:' ? ':memory:' : path.resolve(file);
    return { dialect: 'sqlite', options: { type: 'better-sqlite3', database } };
  }
  const dialect = scheme === 'postgresql' || scheme === 'postgres' ? 'postgres'
    : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (dialect === undefined) {
    throw new ConfigError(`auth.sqluri: unsupported database '${maskSqlUri(uri)}' (use sqlite:///, postgresql://, mysql:// or mariadb://)`);
  }
  let url: URL;
  try {
    url = new URL(uri.replace(/^[^:]+:/, 'db:'));
  } catch {
    throw new ConfigError(`auth.sqluri: malformed URI '${maskSqlUri(uri)}'`);
  }
  const credentials = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: url.port ? Number(url.port) : undefined,
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
  };
  if (dialect === 'postgres') {
    const sslmode = url.searchParams.get('sslmode');
    const ssl = sslmode === 'require' ? { rejectUnauthorized: false } : sslmode === 'verify-full' ? true : undefined;
    return { dialect, options: { type: 'postgres', ...credentials, ssl } };
  }
  return {
    dialect,
    options: { type: scheme === 'mariadb' ? 'mariadb' : 'mysql', ...credentials, charset: url.searchParams.get('charset') ?? undefined },
  };
}

function poolOptions(dialect: SqlDialect, options: SqlConnectionOptions): Partial<DataSourceOptions> {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const recycle = options.poolRecycle ?? DEFAULT_POOL_RECYCLE;
  const timeout = (options.connectTimeout ?? 10) * 1000;
  if (dialect === 'postgres') {
    return { poolSize, connectTimeoutMS: timeout, extra: { maxLifetimeSeconds: recycle } } as Partial<DataSourceOptions>;
  }
  if (dialect === 'mysql') {
    // mysql2 only runs its idle reaper when maxIdle < connectionLimit.
    return { poolSize, connectTimeout: timeout, extra: { idleTimeout: recycle * 1000, maxIdle: Math.max(1, poolSize - 1) } } as Partial<DataSourceOptions>;
  }
  return {};
}

/** How often a table creation that lost a race to another process is tried again. */
const CREATE_ATTEMPTS = 8;

/**
 * Runs `create` (which makes missing tables) until it succeeds, at most `CREATE_ATTEMPTS` times.
 * The processes of a fleet open a fresh database at the same moment; the one that loses the race
 * ("already exists", database busy) pauses, tries again and finds the tables made.
 */
export async function createWithRetries<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      if (attempt >= CREATE_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}

/**
 * Creates the tables of the data source's entities that are missing; never alters one. One
 * transaction, so SQLite and PostgreSQL show another process all of them or none.
 */
async function createMissingTables(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    const missing = [];
    for (const metadata of dataSource.entityMetadatas) {
      if (!(await runner.hasTable(metadata.tablePath))) missing.push(metadata);
    }
    if (missing.length === 0) return;
    await runner.startTransaction();
    try {
      for (const metadata of missing) await runner.createTable(Table.create(metadata, dataSource.driver), true, true, true);
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await runner.release();
  }
}

/** Connects a TypeORM data source for `sqluri`. Connection failures are `BackendError`s naming the masked URI. */
export async function openDataSource(sqluri: string, options: SqlConnectionOptions): Promise<DataSource> {
  const { dialect, options: base } = parseSqlUri(sqluri);
  const entities = typeof options.entities === 'function' ? options.entities(dialect) : options.entities;
  const dataSource = new DataSource({ ...base, ...poolOptions(dialect, options), entities, synchronize: false, logging: false } as DataSourceOptions);
  try {
    await dataSource.initialize();
    if (options.createTables ?? true) await createWithRetries(() => createMissingTables(dataSource));
    return dataSource;
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw new BackendError(`cannot open SQL database ${maskSqlUri(sqluri)}: ${(err as Error).message}`, { cause: err });
  }
}

/** SQLite's answer to a write on a file that was deleted, moved or replaced under the open handle. */
function isDatabaseMoved(err: unknown): boolean {
  const driverError = (err as { driverError?: { code?: string } } | null)?.driverError ?? err;
  return (driverError as { code?: string } | null)?.code === 'SQLITE_READONLY_DBMOVED';
}

/** A SQL error that says a UNIQUE constraint refused the row (SQLite, PostgreSQL, MySQL). */
export function isUniqueViolation(err: unknown): boolean {
  const driverError = (err as { driverError?: { code?: string; errno?: number } } | null)?.driverError ?? err;
  const { code, errno } = (driverError ?? {}) as { code?: string; errno?: number };
  return code === '23505' || code === 'ER_DUP_ENTRY' || errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A data source opened on first use and shared afterwards. When opening fails (database down
 * at start), the next call tries again, so a service recovers by itself; pooled drivers
 * reconnect on their own once open. Every failure comes out as a `BackendError`.
 */
export class SqlConnection {
  readonly uri: string;
  readonly maskedUri: string;
  readonly dialect: SqlDialect;
  private opening?: Promise<DataSource>;
  /** The SQLite database file, when the URI names one: watched so a deleted or replaced file is noticed. */
  private readonly sqliteFile?: string;
  /** Device and inode of the file the open handle reads; undefined until it is open. */
  private fileIdentity?: { dev: number; ino: number };
  /** Once the file has been opened, a missing file is an outage, not a database to create. */
  private fileSeen = false;

  constructor(uri: string, private readonly options: SqlConnectionOptions) {
    const parsed = parseSqlUri(uri); // a bad URI fails here, at configuration time
    this.dialect = parsed.dialect;
    this.uri = uri;
    this.maskedUri = maskSqlUri(uri);
    const database = parsed.dialect === 'sqlite' ? String(parsed.options.database) : ':memory:';
    if (database !== ':memory:') this.sqliteFile = database;
  }

  dataSource(): Promise<DataSource> {
    if (this.sqliteFile) this.checkSqliteFile(this.sqliteFile);
    if (!this.opening) {
      const opening = openDataSource(this.uri, this.options);
      this.opening = opening;
      opening.then(() => {
        if (this.opening !== opening || !this.sqliteFile) return;
        const stat = statSync(this.sqliteFile, { throwIfNoEntry: false });
        this.fileIdentity = stat && { dev: stat.dev, ino: stat.ino };
        this.fileSeen = true;
      }, () => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  /**
   * SQLite keeps reading a deleted file through its open handle and cannot write it
   * (SQLITE_READONLY_DBMOVED): a deleted file is a BackendError (503) until it is back, a
   * replaced one (other device or inode) is reopened, so every process serves the file that is
   * at the path now. One stat per query.
   */
  private checkSqliteFile(file: string): void {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) {
      if (!this.fileSeen) return; // first start: SQLite creates it
      this.drop();
      throw new BackendError(`the SQLite database ${file} is missing (deleted or moved); restore it to recover`);
    }
    const known = this.fileIdentity;
    if (known && (known.dev !== stat.dev || known.ino !== stat.ino)) this.drop();
  }

  /** Forgets the open handle (closing it); the next query opens the file at the path again. */
  private drop(): void {
    const old = this.opening;
    this.opening = undefined;
    this.fileIdentity = undefined;
    void old?.then((dataSource) => (dataSource.isInitialized ? dataSource.destroy() : undefined)).catch(() => undefined);
  }

  /** Runs `fn` on the data source; any error it throws becomes a `BackendError` saying `what` failed. */
  async run<T>(what: string, fn: (dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    try {
      return await fn(dataSource);
    } catch (err) {
      if (isBackendError(err)) throw err;
      if (isDatabaseMoved(err)) this.drop();
      throw new BackendError(`${what} failed on ${this.maskedUri}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** `SELECT 1`; a failure is a `BackendError` saying `what` failed. */
  async checkHealth(what: string): Promise<void> {
    await this.run(what, (dataSource) => dataSource.query('SELECT 1'));
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const dataSource = await opening?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}
