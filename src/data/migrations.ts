import type { DataSource, DataSourceOptions, Logger, MigrationInterface, QueryRunner } from 'typeorm';
import { BackendError } from '../util/errors';
import { typeorm } from './load-typeorm';
import type { AppData, AppDataSettings, ClassOf, MigrationBaseline } from './app-data';
import { maskSqlUri, parseSqlUri } from './sql-uri';
import type { SqlDialect } from './sql-uri';

/** What `runMigrations` did. */
export interface MigrationReport {
  dialect: SqlDialect;
  /** The masked URI of the database. */
  database: string;
  /** Names of the migrations this run applied, in order. */
  ran: string[];
  /** Migrations recorded as applied without running: the baseline's tables existed (`MigrationBaseline`). */
  baselined: string[];
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

export interface MigrateOptions {
  baseline?: MigrationBaseline;
}

/**
 * Runs the pending `migrations` on the database of `settings`, once: under a lock (a
 * PostgreSQL advisory lock, MySQL/MariaDB GET_LOCK, SQLite's write lock), in one transaction
 * where the database has transactional DDL. Applied migrations are recorded in TypeORM's
 * `migrations` table. A database that cannot be reached is a BackendError.
 */
export async function runMigrations(
  settings: AppDataSettings, migrations: readonly ClassOf<MigrationInterface>[], options: MigrateOptions = {},
): Promise<MigrationReport> {
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
  try {
    const database = String((base as { database?: string }).database ?? '');
    return await applyMigrations(dataSource, { dialect, masked, database, migrations, baseline: options.baseline, failed: () => logger.failed });
  } finally {
    await dataSource.destroy();
  }
}

export interface ApplyMigrationsTarget {
  dialect: SqlDialect;
  /** The database's masked URI, for the report and messages. */
  masked: string;
  /** The database name (MySQL's lock is per database). */
  database: string;
  migrations: readonly ClassOf<MigrationInterface>[];
  baseline?: MigrationBaseline;
  /** The name of the migration that failed, when the DataSource's logger saw it. */
  failed?: () => string | undefined;
}

/**
 * The pending migrations of `target` on an open DataSource (`runMigrations`' own, or the app's:
 * an in-memory SQLite database exists only on its own connection), under the lock, the baseline
 * first (`MigrationBaseline`).
 */
export async function applyMigrations(dataSource: DataSource, target: ApplyMigrationsTarget): Promise<MigrationReport> {
  const { dialect, masked, migrations, baseline } = target;
  // The executor reads the DataSource's migration instances; an app's DataSource is built without them.
  Object.assign(dataSource, { migrations: migrations.map((Migration) => new Migration()) });
  const runner = dataSource.createQueryRunner();
  try {
    const unlock = await lock(runner, dialect, target.database);
    try {
      const executor = new (typeorm().MigrationExecutor)(dataSource, runner);
      executor.transaction = dialect === 'sqlite' ? 'none' : 'all';
      let ran;
      let baselined: string[] = [];
      try {
        if (baseline) baselined = await applyBaseline(dataSource, runner, executor, target, baseline);
        ran = await executor.executePendingMigrations();
        if (dialect === 'sqlite') await runner.commitTransaction();
      } catch (err) {
        if (dialect === 'sqlite') await runner.rollbackTransaction().catch(() => undefined);
        const failed = target.failed?.();
        if (failed === undefined) throw err;
        throw new Error(`migration ${failed} failed on ${masked}: ${(err as Error).message}`, { cause: err });
      }
      return { dialect, database: masked, ran: ran.map((m) => m.name), baselined, alreadyApplied: migrations.length - ran.length - baselined.length };
    } finally {
      await unlock().catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/**
 * The app's declared migrations on its own open DataSource, the baseline first: what
 * `createTestApp` and `serveApp` (through `migrate: true`) run at start, before the start hooks.
 */
export function migrateAppData(data: AppData): Promise<MigrationReport> {
  const { options } = parseSqlUri(data.settings.sqluri, data.settings.options);
  return applyMigrations(data.source, {
    dialect: data.dialect, masked: maskSqlUri(data.settings.sqluri), database: String((options as { database?: string }).database ?? ''),
    migrations: data.migrations, baseline: data.baseline,
  });
}

/** Records the baseline (and the migrations before it) as applied when its tables exist; their names. */
async function applyBaseline(
  dataSource: DataSource, runner: QueryRunner, executor: InstanceType<ReturnType<typeof typeorm>['MigrationExecutor']>,
  target: ApplyMigrationsTarget, baseline: MigrationBaseline,
): Promise<string[]> {
  const names = target.migrations.map((Migration) => Migration.name);
  const at = target.migrations.indexOf(baseline.migration);
  if (at === -1) throw new TypeError(`data.baseline.migration: ${baseline.migration.name} is not one of the declared migrations`);
  const executed = await executor.getExecutedMigrations();
  if (executed.some((m) => names.includes(m.name))) return [];
  const exist = await Promise.all(baseline.tables.map((table) => runner.hasTable(table)));
  const present = baseline.tables.filter((_t, i) => exist[i]);
  if (present.length === 0) return [];
  if (present.length < baseline.tables.length) {
    const missing = baseline.tables.filter((_t, i) => !exist[i]);
    throw new Error(`baseline ${baseline.migration.name} on ${target.masked}: the tables ${present.join(', ')} exist but ${missing.join(', ')} do not ` +
      '(neither a fresh database nor one create_tables made): nothing was run');
  }
  // The tables exist (create_tables made them): record the baseline and those before it, run nothing of them.
  const all = dataSource.migrations;
  Object.assign(dataSource, { migrations: all.slice(0, at + 1) });
  executor.fake = true;
  try {
    const recorded = (await executor.getPendingMigrations()).map((m) => m.name);
    await executor.executePendingMigrations();   // fake: records them, returns none
    return recorded;
  } finally {
    executor.fake = false;
    Object.assign(dataSource, { migrations: all });
  }
}
