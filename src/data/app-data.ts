import type { EntitySchema } from 'typeorm';
import { typeorm } from './load-typeorm';
import type { DataSource, EntityManager, EntityTarget, MigrationInterface, ObjectLiteral, Repository } from 'typeorm';
import { ConfigError } from '../config/errors';
import { filterParams } from '../config/filter-params';
import type { FlatConfig } from '../config/types';
import { DEFAULT_DATA_SECTION } from './data-schema';
import { SqlConnection, sqlConnectionParams } from './sql-connection';
import type { SqlConnectionOptions } from './sql-connection';
import { databaseIdentity } from './sql-uri';
import type { SqlDialect } from './sql-uri';

/** A class TypeORM can instantiate: a decorated entity or a migration. */
export type ClassOf<T = unknown> = new (...args: any[]) => T;

/**
 * What an app stores, declared on its class (`static override readonly data = { … }`):
 * `entities` are TypeORM `EntitySchema`s, or classes decorated with `@Entity()` when the app
 * compiles with `experimentalDecorators` (TypeORM reads `design:type`); `section` names the
 * config section of its settings (default `data`); `migrations` are TypeORM migration
 * classes, run by `services-core migrate` (docs/app.md, "Storing data"); `baseline` lets a
 * database whose tables `create_tables` made adopt them.
 */
export interface AppDataDeclaration {
  readonly entities: readonly (EntitySchema<any> | ClassOf)[];
  readonly section?: string;
  readonly migrations?: readonly ClassOf<MigrationInterface>[];
  readonly baseline?: MigrationBaseline;
}

/**
 * How an app that created its tables with `create_tables` adopts migrations: its first
 * migration (`migration`) creates `tables`. On a database where none of the declared
 * migrations is recorded yet and every one of `tables` exists, the baseline and the migrations
 * before it are recorded as applied without running (the tables are there); on a fresh
 * database it runs as usual; where only some of the tables exist, nothing runs (an error).
 */
export interface MigrationBaseline {
  readonly migration: ClassOf<MigrationInterface>;
  readonly tables: readonly string[];
}

export interface AppDataOptions {
  /** The app class's name, for messages. */
  owner: string;
  /** Where a relative SQLite path is resolved (the app's folder). Default: the working directory. */
  baseDir?: string;
  /** The SQL auth backend's connection: shared when it names the same database. */
  authConnection?: SqlConnection;
  warn?: (message: string) => void;
}

export { DEFAULT_DATA_SECTION } from './data-schema';

function describe(entity: unknown): string {
  if (typeof entity === 'function') return `class ${entity.name || '(anonymous)'}`;
  return entity === null ? 'null' : typeof entity === 'object' ? `an object (${(entity as object).constructor?.name ?? 'Object'})` : JSON.stringify(entity);
}

function isEntitySchema(entity: unknown): entity is EntitySchema {
  // By shape too: an app may load its own copy of typeorm.
  return entity instanceof typeorm().EntitySchema ||
    (typeof entity === 'object' && entity !== null && (entity as object).constructor?.name === 'EntitySchema' &&
      typeof (entity as { options?: { name?: unknown } }).options?.name === 'string');
}

function isDecoratedEntity(entity: unknown): boolean {
  return typeof entity === 'function' && typeorm().getMetadataArgsStorage().tables.some((table) => table.target === entity && table.type !== 'view');
}

/** Checks a declaration once, at construction: every message names the class and the entry. */
export function checkAppDataDeclaration(declaration: AppDataDeclaration, owner: string): void {
  const where = `${owner}.data`;
  if (typeof declaration !== 'object' || declaration === null || !Array.isArray(declaration.entities)) {
    throw new TypeError(`${where}: expected { entities: [...], section?, migrations? }`);
  }
  if (declaration.entities.length === 0) throw new TypeError(`${where}.entities: no entities declared`);
  declaration.entities.forEach((entity, i) => {
    if (isEntitySchema(entity) || isDecoratedEntity(entity)) return;
    throw new TypeError(`${where}.entities[${i}]: ${describe(entity)} is not a TypeORM entity: use an EntitySchema, ` +
      'or a class decorated with @Entity() compiled with experimentalDecorators (docs/app.md, "Storing data")');
  });
  const section = declaration.section ?? DEFAULT_DATA_SECTION;
  if (typeof section !== 'string' || !/^[A-Za-z][\w-]*$/.test(section)) {
    throw new TypeError(`${where}.section: expected a config section name (letters, digits, _ and -), got ${JSON.stringify(section)}`);
  }
  const baseline = declaration.baseline;
  if (baseline !== undefined && (typeof baseline !== 'object' || baseline === null || !declaration.migrations?.includes(baseline.migration) ||
    !Array.isArray(baseline.tables) || baseline.tables.length === 0 || !baseline.tables.every((t) => typeof t === 'string' && t !== ''))) {
    throw new TypeError(`${where}.baseline: expected { migration: one of the declared migrations, tables: ['table', …] }`);
  }
  if (declaration.migrations !== undefined) {
    if (!Array.isArray(declaration.migrations)) throw new TypeError(`${where}.migrations: expected an array of migration classes`);
    declaration.migrations.forEach((migration, i) => {
      if (typeof migration !== 'function' || typeof (migration.prototype as Partial<MigrationInterface>)?.up !== 'function') {
        throw new TypeError(`${where}.migrations[${i}]: ${describe(migration)} is not a TypeORM migration (a class with up() and down())`);
      }
    });
  }
}

/** The connection settings of an app's data section; errors name `<section>.<key>`. */
export interface AppDataSettings {
  section: string;
  sqluri: string;
  options: SqlConnectionOptions;
}

/**
 * Reads `[<section>]`: `sqluri` (default `sqlite:///<section>.db` in the app's folder),
 * `create_tables` (default true, false when the app declares migrations: they own the schema),
 * `pool_size`, `pool_recycle`, `pool_timeout`.
 */
export function readAppDataSettings(declaration: AppDataDeclaration, config: FlatConfig, baseDir?: string, owner = 'App'): AppDataSettings {
  const section = declaration.section ?? DEFAULT_DATA_SECTION;
  const params = filterParams(section, config);
  const raw = params.sqluri;
  if (Array.isArray(raw)) throw new ConfigError(`${section}.sqluri must be a single value, got a list`);
  const sqluri = raw === undefined || raw === '' ? `sqlite:///${section}.db` : String(raw);
  const createTables = (declaration.migrations?.length ?? 0) === 0;
  const options: SqlConnectionOptions = {
    entities: [...declaration.entities],
    key: `${section}.sqluri`,
    owner: `the app data (${owner}.data, [${section}])`,
    baseDir,
    ...sqlConnectionParams(params, createTables, section),
  };
  new SqlConnection(sqluri, options); // a malformed URI fails here, naming the key
  return { section, sqluri, options };
}

/**
 * An app's own data: one TypeORM DataSource, opened by the app's start (before `onStart`)
 * and closed at its close (after `onClose`). When the app's `sqluri` names the database of the
 * SQL auth backend (`databaseIdentity`), both use the auth backend's connection and pool.
 * Queries through it throw TypeORM's errors; the error boundary classifies them
 * (src/data/sql-errors.ts): an outage is a 503, a duplicate key a 409, other bad data a 400.
 */
export class AppData {
  readonly section: string;
  readonly dialect: SqlDialect;
  /** True when the app's data shares the SQL auth backend's connection. */
  readonly shared: boolean;
  readonly migrations: readonly ClassOf<MigrationInterface>[];
  readonly baseline?: MigrationBaseline;
  /** The connection settings (for `services-core migrate`). */
  readonly settings: AppDataSettings;
  readonly #connection: SqlConnection;
  readonly #owner: string;

  constructor(declaration: AppDataDeclaration, config: FlatConfig, options: AppDataOptions) {
    checkAppDataDeclaration(declaration, options.owner);
    this.#owner = options.owner;
    this.settings = readAppDataSettings(declaration, config, options.baseDir, options.owner);
    const { section, sqluri, options: connectionOptions } = this.settings;
    this.section = section;
    this.migrations = [...(declaration.migrations ?? [])];
    this.baseline = declaration.baseline;
    const identity = databaseIdentity(sqluri, connectionOptions);
    const auth = options.authConnection;
    this.shared = identity !== undefined && auth !== undefined && auth.identity === identity;
    if (this.shared) {
      auth!.attach(connectionOptions.entities, connectionOptions.createTables ?? true, connectionOptions.owner!);
      const own = ['pool_size', 'pool_recycle', 'pool_timeout'].filter((key) => config[`${section}.${key}`] !== undefined);
      if (own.length > 0) {
        options.warn?.(`${own.map((key) => `${section}.${key}`).join(', ')} ignored: ${section}.sqluri names the auth database, whose connection (auth.*) the app data shares`);
      }
      this.#connection = auth!;
    } else {
      this.#connection = new SqlConnection(sqluri, connectionOptions);
    }
    this.dialect = this.#connection.dialect;
  }

  /** The TypeORM DataSource; only while the app is started. */
  get source(): DataSource {
    const source = this.#connection.openDataSource;
    if (!source) throw new Error(`${this.#owner}.data is not open: it opens when the app starts (listen(), callback(), createTestApp, serve)`);
    return source;
  }

  get manager(): EntityManager {
    return this.source.manager;
  }

  repository<Entity extends ObjectLiteral>(entity: EntityTarget<Entity>): Repository<Entity> {
    return this.source.getRepository(entity);
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.source.transaction(fn);
  }

  /** Connects and creates the missing tables (`create_tables`); a database that cannot be reached is a BackendError. */
  async open(): Promise<void> {
    await this.#connection.dataSource();
  }

  /** `SELECT 1` on the app's database: a BackendError when it cannot serve (the heartbeat's `app_data` check). */
  checkHealth(): Promise<void> {
    return this.#connection.checkHealth(`${this.#owner}.data (${this.section})`);
  }

  /** Closes the connection, unless it is the auth backend's (which closes it). */
  async close(): Promise<void> {
    if (!this.shared) await this.#connection.close();
  }
}
