import type { DataSourceOptions, Logger, MigrationInterface, QueryRunner } from 'typeorm';
import { BackendError } from '../util/errors';
import { typeorm } from './load-typeorm';
import type { AppDataSettings, ClassOf } from './app-data';
import { maskSqlUri, parseSqlUri } from './sql-uri';
import type { SqlDialect } from './sql-uri';

/** What `runMigrations` did. */
export interface MigrationReport {
  dialect: SqlDialect;
  /** The masked URI of the database. */
  database: string;
  /** Names of the migrations this run applied, in order. */
  ran: string[];
  /** How many of the declared migrations had already run. */
  alreadyApplied: number;
}

// One lock per database: a second `migrate` (or a second host) waits, then finds nothing to run.
const PG_LOCK_KEY = 'services-core migrate';
const MYSQL_LOCK_SECONDS = 600;

async function lock(runner: QueryRunner, dialect: SqlDialect, database: string): Promise<() => Promise<void>> {
  if (dialect === 'postgres') {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [PG_LOCK_KEY]);
    return async () => { await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [PG_LOCK_KEY]); };
  }
  if (dialect === 'mysql') {
    const name = `services-core.migrate.${database}`.slice(0, 64);
    const [row] = await runner.query('SELECT GET_LOCK(?, ?) AS got', [name, MYSQL_LOCK_SECONDS]) as { got: number | string | null }[];
    if (Number(row?.got) !== 1) throw new Error(`another migrate held the lock '${name}' for ${MYSQL_LOCK_SECONDS} s`);
    return async () => { await runner.query('SELECT RELEASE_LOCK(?)', [name]); };
  }
  // SQLite: BEGIN IMMEDIATE takes the database's write lock before the list of applied
  // migrations is read, so a second process waits (busy timeout) and then sees them applied.
  // The runner is told a transaction is open: a migration's own startTransaction() nests as a
  // savepoint, and commitTransaction() below ends it.
  await runner.query('BEGIN IMMEDIATE');
  Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
  return async () => undefined;
}

/** TypeORM's logger, silent: it would print to the console; the failing migration's name goes into the error instead. */
function migrationLogger(): Logger & { failed?: string } {
  const logger: Logger & { failed?: string } = {
    logQuery: () => undefined, logQueryError: () => undefined, logQuerySlow: () => undefined, logSchemaBuild: () => undefined, log: () => undefined,
    logMigration: (message: string) => {
      const failed = /^Migration "([^"]*)" failed/.exec(message);
      if (failed) logger.failed = failed[1];
    },
  };
  return logger;
}

/**
 * Runs the pending `migrations` on the database of `settings`, once: under a lock (a
 * PostgreSQL advisory lock, MySQL/MariaDB GET_LOCK, SQLite's write lock), in one transaction
 * where the database has transactional DDL. Applied migrations are recorded in TypeORM's
 * `migrations` table. A database that cannot be reached is a BackendError.
 */
export async function runMigrations(settings: AppDataSettings, migrations: readonly ClassOf<MigrationInterface>[]): Promise<MigrationReport> {
  const { dialect, options: base } = parseSqlUri(settings.sqluri, settings.options);
  const masked = maskSqlUri(settings.sqluri);
  const entities = typeof settings.options.entities === 'function' ? settings.options.entities(dialect) : settings.options.entities;
  const logger = migrationLogger();
  const dataSource = new (typeorm().DataSource)({
    ...base, entities, migrations: [...migrations], synchronize: false, migrationsRun: false, logging: false, logger,
    ...(dialect === 'sqlite' ? {} : { poolSize: 2 }),
  } as DataSourceOptions);
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new BackendError(`cannot open SQL database ${masked}: ${(err as Error).message}`, { cause: err });
  }
  const runner = dataSource.createQueryRunner();
  try {
    const database = String((base as { database?: string }).database ?? '');
    const unlock = await lock(runner, dialect, database);
    try {
      const executor = new (typeorm().MigrationExecutor)(dataSource, runner);
      executor.transaction = dialect === 'sqlite' ? 'none' : 'all';
      let ran;
      try {
        ran = await executor.executePendingMigrations();
        if (dialect === 'sqlite') await runner.commitTransaction();
      } catch (err) {
        if (dialect === 'sqlite') await runner.rollbackTransaction().catch(() => undefined);
        if (logger.failed === undefined) throw err;
        throw new Error(`migration ${logger.failed} failed on ${masked}: ${(err as Error).message}`, { cause: err });
      }
      return { dialect, database: masked, ran: ran.map((m) => m.name), alreadyApplied: migrations.length - ran.length };
    } finally {
      await unlock().catch(() => undefined);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
