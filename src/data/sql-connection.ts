import { statSync } from 'node:fs';
import type { DataSource, DataSourceOptions, EntityMetadata, EntitySchema, MixedList } from 'typeorm';
import { BackendError, isBackendError } from '../util/errors';
import { readBoolean, readEnum, readInteger, readNumber } from '../config/settings';
import type { FlatConfig } from '../config/types';
import { typeorm } from './load-typeorm';
import { sqlFailure } from './sql-errors';
import { databaseIdentity, maskSqlUri, parseSqlUri } from './sql-uri';
import type { ParseSqlUriOptions, SqlDialect } from './sql-uri';
import { DEFAULT_SQLITE_LOCKING, SQLITE_JOURNAL_MODES, SQLITE_SYNCHRONOUS, installSqliteLocking, isSqliteBusy, preparePragmas, whileBusy } from './sqlite-locking';
import type { SqliteLocking } from './sqlite-locking';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;

export interface SqlConnectionOptions extends ParseSqlUriOptions {
  /** Entities, or a function of the dialect for tables whose column types differ per dialect. */
  entities: EntityList | ((dialect: SqlDialect) => EntityList);
  /** Most connections per process (PostgreSQL, MySQL). Default 20. */
  poolSize?: number;
  /** Seconds after which a pooled connection is replaced (PostgreSQL) or an idle one closed (MySQL). Default 3600. */
  poolRecycle?: number;
  /** Create the entities' tables that do not exist; existing tables are never altered. Default true. */
  createTables?: boolean;
  /** Seconds to wait for a server connection (PostgreSQL: also for a free pooled one). Default 10. */
  connectTimeout?: number;
  /** SQLite: journal mode, synchronous, and how long to wait for a lock (src/data/sqlite-locking.ts). */
  sqlite?: SqliteLocking;
  /** Who declares `entities`, for messages (`the app data (NotesApp.data, [storage])`). Default: the `<section> tables`. */
  owner?: string;
}

export const DEFAULT_POOL_SIZE = 20;
export const DEFAULT_POOL_RECYCLE = 3600;
export const DEFAULT_POOL_TIMEOUT = 10;

/**
 * The pool, table and SQLite options of a config section (`auth` or an app's data section):
 * `pool_size`, `pool_recycle`, `pool_timeout`, `create_tables` and the `sqlite_*` keys.
 * `params` holds the section's keys without the prefix; errors name `<section>.<key>`.
 */
export function sqlConnectionParams(params: FlatConfig, createTables: boolean, section = 'auth'): Omit<SqlConnectionOptions, 'entities'> {
  return {
    poolSize: readInteger(`${section}.pool_size`, params.pool_size, DEFAULT_POOL_SIZE, 1),
    poolRecycle: readInteger(`${section}.pool_recycle`, params.pool_recycle, DEFAULT_POOL_RECYCLE, 1),
    connectTimeout: readNumber(`${section}.pool_timeout`, params.pool_timeout, DEFAULT_POOL_TIMEOUT, 0.001),
    createTables: readBoolean(`${section}.create_tables`, params.create_tables, createTables),
    sqlite: {
      journalMode: readEnum(`${section}.sqlite_journal_mode`, params.sqlite_journal_mode, SQLITE_JOURNAL_MODES, DEFAULT_SQLITE_LOCKING.journalMode),
      synchronous: readEnum(`${section}.sqlite_synchronous`, params.sqlite_synchronous, SQLITE_SYNCHRONOUS, DEFAULT_SQLITE_LOCKING.synchronous),
      busyTimeoutMs: readInteger(`${section}.sqlite_busy_timeout`, params.sqlite_busy_timeout, DEFAULT_SQLITE_LOCKING.busyTimeoutMs, 0, MAX_SQLITE_BUSY_TIMEOUT_MS),
      lockTimeout: readNumber(`${section}.sqlite_lock_timeout`, params.sqlite_lock_timeout, DEFAULT_SQLITE_LOCKING.lockTimeout, 0.001),
      section,
    },
  };
}

/** SQLite's own busy wait holds the event loop: at most this many milliseconds per try. */
export const MAX_SQLITE_BUSY_TIMEOUT_MS = 100;

function sqliteLocking(options: SqlConnectionOptions): SqliteLocking {
  return options.sqlite ?? { ...DEFAULT_SQLITE_LOCKING, section: (options.key ?? 'auth.sqluri').replace(/\.sqluri$/, '') };
}

/** DATETIME where the dialect has it; PostgreSQL's equivalent is TIMESTAMP. */
export function dateTimeType(dialect: SqlDialect): 'datetime' | 'timestamp' {
  return dialect === 'postgres' ? 'timestamp' : 'datetime';
}

/** Whether an UPDATE or DELETE changed a row. */
export function affectedAny(result: { affected?: number | null }): boolean {
  return (result.affected ?? 0) > 0;
}

function poolOptions(dialect: SqlDialect, options: SqlConnectionOptions, database: string): Partial<DataSourceOptions> {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const recycle = options.poolRecycle ?? DEFAULT_POOL_RECYCLE;
  const timeout = Math.ceil((options.connectTimeout ?? DEFAULT_POOL_TIMEOUT) * 1000);
  if (dialect === 'postgres') {
    return { poolSize, connectTimeoutMS: timeout, extra: { maxLifetimeSeconds: recycle } } as Partial<DataSourceOptions>;
  }
  if (dialect === 'mysql') {
    // mysql2 only runs its idle reaper when maxIdle < connectionLimit.
    return { poolSize, connectTimeout: timeout, extra: { idleTimeout: recycle * 1000, maxIdle: Math.max(1, poolSize - 1) } } as Partial<DataSourceOptions>;
  }
  const locking = sqliteLocking(options);
  return {
    timeout: locking.busyTimeoutMs,
    prepareDatabase: (db: Parameters<typeof preparePragmas>[0]) => preparePragmas(db, locking, database),
  } as Partial<DataSourceOptions>;
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

/** Referenced tables first, so a foreign key never names a table that is not there yet. */
function inDependencyOrder(tables: EntityMetadata[]): EntityMetadata[] {
  const ordered: EntityMetadata[] = [];
  const placed = new Set<EntityMetadata>();
  const visit = (metadata: EntityMetadata, path: Set<EntityMetadata>) => {
    if (placed.has(metadata) || path.has(metadata)) return;
    path.add(metadata);
    for (const fk of metadata.foreignKeys) if (tables.includes(fk.referencedEntityMetadata)) visit(fk.referencedEntityMetadata, path);
    placed.add(metadata);
    ordered.push(metadata);
  };
  for (const metadata of tables) visit(metadata, new Set());
  return ordered;
}

/**
 * Creates the missing tables among `tables`; never alters one. One transaction, so SQLite and
 * PostgreSQL show another process all of them or none.
 */
async function createMissingTables(dataSource: DataSource, tables: EntityMetadata[]): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    const missing = [];
    for (const metadata of tables) {
      if (!(await runner.hasTable(metadata.tablePath))) missing.push(metadata);
    }
    if (missing.length === 0) return;
    await runner.startTransaction();
    try {
      for (const metadata of inDependencyOrder(missing)) {
        const { Table, TableForeignKey } = typeorm();
        const table = Table.create(metadata, dataSource.driver);
        for (const fk of metadata.foreignKeys) table.addForeignKey(TableForeignKey.create(fk, dataSource.driver));
        await runner.createTable(table, true, true, true);
      }
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await runner.release();
  }
}

/** A set of entities on a connection, whether their missing tables are created at open, and who declares them. */
interface EntityGroup {
  entities: SqlConnectionOptions['entities'];
  createTables: boolean;
  owner: string;
}

function ownerOf(options: SqlConnectionOptions): string {
  return options.owner ?? `the ${(options.key ?? 'auth.sqluri').replace(/\.sqluri$/, '')} tables`;
}

/**
 * An entity declaration the database cannot take (a column type of another dialect, a missing
 * primary column…): the app's code is at fault, not the database, and the message names who
 * declared the entity, even on a connection another part shares.
 */
export class DataDeclarationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataDeclarationError';
  }
}

/** By name: jest realms and a second copy of the package make `instanceof` unreliable. */
export function isDataDeclarationError(err: unknown): err is DataDeclarationError {
  return (err as Error | null)?.name === 'DataDeclarationError';
}

function entityName(entity: unknown): string | undefined {
  if (typeof entity === 'string') return entity;
  if (typeof entity === 'function') return entity.name;
  return (entity as { options?: { name?: string } } | null)?.options?.name;
}

/**
 * TypeORM's refusal of an entity while it builds the metadata, which names the entity's column
 * as `"Entity.property"`: a DataDeclarationError naming the group that declares the entity.
 * Undefined for anything else (a driver's or the network's error).
 */
function declarationError(err: unknown, groups: EntityGroup[], dialect: SqlDialect): DataDeclarationError | undefined {
  if (!(err instanceof typeorm().TypeORMError) || (err as { driverError?: unknown }).driverError !== undefined) return undefined;
  const named = /"([^".]+)\.([^"]+)"/.exec(err.message);
  if (!named) return undefined;
  const [, entity, column] = named;
  const group = groups.find((g) => listOf(resolveEntities(g.entities, dialect)).some((e) => entityName(e) === entity));
  if (!group) return undefined;
  const type = /^Data type "([^"]+)" in /.exec(err.message)?.[1];
  const what = type === undefined ? err.message
    : `data type "${type}" is not supported by ${dialect}; use a portable type (docs/app.md, "Storing data", "Column types")`;
  return new DataDeclarationError(`${group.owner}: entity "${entity}", column "${column}": ${what}`, { cause: err });
}

function resolveEntities(entities: SqlConnectionOptions['entities'], dialect: SqlDialect): EntityList {
  return typeof entities === 'function' ? entities(dialect) : entities;
}

function listOf(entities: EntityList): unknown[] {
  return Array.isArray(entities) ? entities : Object.values(entities);
}

/** The tables the groups that create tables own, with the junction tables of their relations. */
function tablesToCreate(dataSource: DataSource, groups: EntityGroup[], dialect: SqlDialect): EntityMetadata[] {
  const owned = new Set<EntityMetadata>();
  for (const group of groups.filter((g) => g.createTables)) {
    for (const entity of listOf(resolveEntities(group.entities, dialect))) {
      const metadata = dataSource.getMetadata(entity as string);
      owned.add(metadata);
      for (const relation of metadata.manyToManyRelations) if (relation.junctionEntityMetadata) owned.add(relation.junctionEntityMetadata);
    }
  }
  return dataSource.entityMetadatas.filter((metadata) => owned.has(metadata));
}

async function openGroups(sqluri: string, options: SqlConnectionOptions, groups: EntityGroup[]): Promise<DataSource> {
  const { dialect, options: base } = parseSqlUri(sqluri, options);
  if (dialect !== 'sqlite') return openGroupsOnce(sqluri, options, groups);
  // Processes that open one new SQLite file together meet its locks while opening (the journal
  // mode switch, another's CREATE TABLE): the whole open is tried again, up to the lock timeout.
  const locking = sqliteLocking(options);
  const file = String((base as { database?: unknown }).database);
  return whileBusy(() => openGroupsOnce(sqluri, options, groups), Date.now() + locking.lockTimeout * 1000, locking, file);
}

async function openGroupsOnce(sqluri: string, options: SqlConnectionOptions, groups: EntityGroup[]): Promise<DataSource> {
  const { dialect, options: base } = parseSqlUri(sqluri, options);
  const entities = groups.flatMap((group) => listOf(resolveEntities(group.entities, dialect))) as EntityList;
  const database = String((base as { database?: unknown }).database);
  const dataSource = new (typeorm().DataSource)({ ...base, ...poolOptions(dialect, options, database), entities, synchronize: false, logging: false } as DataSourceOptions);
  try {
    await dataSource.initialize();
    if (dialect === 'sqlite') installSqliteLocking(dataSource, sqliteLocking(options), database);
    const tables = tablesToCreate(dataSource, groups, dialect);
    if (tables.length > 0) await createWithRetries(() => createMissingTables(dataSource, tables));
    return dataSource;
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (dialect === 'sqlite' && isSqliteBusy(err)) throw err;
    const declared = declarationError(err, groups, dialect);
    if (declared) throw declared;
    throw new BackendError(`cannot open SQL database ${maskSqlUri(sqluri)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Connects a TypeORM data source for `sqluri`. Connection failures are `BackendError`s naming the masked URI. */
export function openDataSource(sqluri: string, options: SqlConnectionOptions): Promise<DataSource> {
  return openGroups(sqluri, options, [{ entities: options.entities, createTables: options.createTables ?? true, owner: ownerOf(options) }]);
}

/** SQLite's answer to a write on a file that was deleted, moved or replaced under the open handle. */
function isDatabaseMoved(err: unknown): boolean {
  const driverError = (err as { driverError?: { code?: string } } | null)?.driverError ?? err;
  return (driverError as { code?: string } | null)?.code === 'SQLITE_READONLY_DBMOVED';
}

/**
 * A data source opened on first use and shared afterwards, by the SQL auth backend and the
 * app's data when both name the same database (`attach`). When opening fails (database down at
 * start), the next call tries again, so a service recovers by itself; pooled drivers reconnect
 * on their own once open. Failures are classified once (src/data/sql-errors.ts): an outage is a
 * `BackendError`, the request's fault a 409/400.
 */
export class SqlConnection {
  readonly uri: string;
  readonly maskedUri: string;
  readonly dialect: SqlDialect;
  /** Which database this is (`databaseIdentity`): undefined for an in-memory one. */
  readonly identity?: string;
  private opening?: Promise<DataSource>;
  /** The open data source, once `opening` has resolved. */
  private current?: DataSource;
  private readonly groups: EntityGroup[];
  /** The SQLite database file, when the URI names one: watched so a deleted or replaced file is noticed. */
  private readonly sqliteFile?: string;
  /** Device and inode of the file the open handle reads; undefined until it is open. */
  private fileIdentity?: { dev: number; ino: number };
  /** Once the file has been opened, a missing file is an outage, not a database to create. */
  private fileSeen = false;

  constructor(uri: string, private readonly options: SqlConnectionOptions) {
    const parsed = parseSqlUri(uri, options); // a bad URI fails here, at configuration time
    this.dialect = parsed.dialect;
    this.uri = uri;
    this.maskedUri = maskSqlUri(uri);
    this.identity = databaseIdentity(uri, options);
    this.groups = [{ entities: options.entities, createTables: options.createTables ?? true, owner: ownerOf(options) }];
    const database = parsed.dialect === 'sqlite' ? String(parsed.options.database) : ':memory:';
    if (database !== ':memory:') this.sqliteFile = database;
  }

  /**
   * Adds entities of another user of the same database (the app's data next to the users
   * table), before the connection opens: one pool, one data source for both.
   */
  attach(entities: SqlConnectionOptions['entities'], createTables: boolean, owner: string): void {
    if (this.opening || this.current) throw new Error(`SqlConnection.attach: ${this.maskedUri} is already open`);
    this.groups.push({ entities, createTables, owner });
  }

  /** The open data source, or undefined before the first open, after close, or after a failed open. */
  get openDataSource(): DataSource | undefined {
    return this.current;
  }

  dataSource(): Promise<DataSource> {
    if (this.sqliteFile) this.checkSqliteFile(this.sqliteFile);
    if (!this.opening) {
      const opening = openGroups(this.uri, this.options, this.groups);
      this.opening = opening;
      opening.then((dataSource) => {
        if (this.opening !== opening) return;
        this.current = dataSource;
        if (!this.sqliteFile) return;
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
    this.current = undefined;
    this.fileIdentity = undefined;
    void old?.then((dataSource) => (dataSource.isInitialized ? dataSource.destroy() : undefined)).catch(() => undefined);
  }

  /**
   * Runs `fn` on the data source. An error it throws is classified (src/data/sql-errors.ts): an
   * outage becomes a `BackendError` saying `what` failed, the request's fault a `SqlRequestError`
   * (409/400); anything else is thrown as it is.
   */
  async run<T>(what: string, fn: (dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    try {
      return await fn(dataSource);
    } catch (err) {
      if (isDatabaseMoved(err)) this.drop();
      throw sqlFailure(err, what, this.maskedUri);
    }
  }

  /** `SELECT 1`; a failure is a `BackendError` saying `what` failed. */
  async checkHealth(what: string): Promise<void> {
    try {
      await this.run(what, (dataSource) => dataSource.query('SELECT 1'));
    } catch (err) {
      throw isBackendError(err) ? err
        : new BackendError(`${what} failed on ${this.maskedUri}: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    this.current = undefined;
    const dataSource = await opening?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}
