import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { BackendError } from '../util/errors';

/**
 * Several processes on one SQLite file (the workers of `serve`, a `users` command next to a
 * running service): docs/app.md, "Storing data", "Several workers on one SQLite file".
 *
 * - WAL journal (`sqlite_journal_mode`), so readers never wait for the writer, with
 *   `synchronous = NORMAL` (`sqlite_synchronous`): durable at each checkpoint, safe from corruption.
 * - better-sqlite3 runs every statement synchronously, and SQLite's busy handler sleeps inside it:
 *   the worker's event loop stops while it waits. So SQLite itself waits at most
 *   `sqlite_busy_timeout` (milliseconds), and a statement or `BEGIN` that still finds the database
 *   locked is tried again from a timer, with a growing pause, until `sqlite_lock_timeout`
 *   (seconds) has passed: then it is an outage (BackendError: 503 + Retry-After).
 * - Write transactions start with `BEGIN IMMEDIATE`: the write lock is taken before the first
 *   read, so a transaction that reads then writes never meets another writer half-way (a
 *   deferred `BEGIN` is refused at its first write, busy-handler or not).
 * - In one process, transactions take turns on a connection of their own (a second handle on
 *   the file; the same handle for `:memory:`), so two requests' transactions never mix and the
 *   other queries of the worker do not run inside someone else's transaction.
 */

export const SQLITE_JOURNAL_MODES = ['wal', 'delete', 'truncate', 'persist'] as const;
export const SQLITE_SYNCHRONOUS = ['off', 'normal', 'full', 'extra'] as const;
export type SqliteJournalMode = (typeof SQLITE_JOURNAL_MODES)[number];
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export interface SqliteLocking {
  journalMode: SqliteJournalMode;
  synchronous: SqliteSynchronous;
  /** Milliseconds SQLite's own busy handler may hold the event loop per attempt. */
  busyTimeoutMs: number;
  /** Seconds a statement or transaction waits for the lock in all before it is an outage. */
  lockTimeout: number;
  /** The config section the settings came from (`auth`, `data`…), for messages. */
  section: string;
}

export const DEFAULT_SQLITE_LOCKING: Omit<SqliteLocking, 'section'> = {
  journalMode: 'wal', synchronous: 'normal', busyTimeoutMs: 2, lockTimeout: 5,
};

/** The longest pause between two tries for the lock, in milliseconds. */
const MAX_PAUSE_MS = 20;

/** The part of a better-sqlite3 handle used here (its types are a dev dependency). */
interface Database {
  pragma(source: string): unknown;
  close(): void;
}
type DatabaseClass = new (file: string, options: { timeout: number }) => Database;

/** Whether SQLite refused for a lock another connection holds (SQLITE_BUSY and its extended codes). */
export function isSqliteBusy(err: unknown): boolean {
  const inner = (err as { driverError?: unknown } | null)?.driverError ?? err;
  const code = (inner as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs `attempt` until it is not refused for a lock, pausing 1, 2, 4… ms (at most
 * `MAX_PAUSE_MS`, jittered so two workers do not retry in step) between tries; past `deadline`
 * the refusal becomes a BackendError saying which file and which setting. `refused`: the error
 * of a first try the caller made itself (rethrown when it is not a lock).
 */
export async function whileBusy<T>(attempt: () => T | Promise<T>, deadline: number, locking: SqliteLocking, file: string,
  refused?: { error: unknown }): Promise<T> {
  let failure = refused;
  for (let pause = 1; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    if (failure) {
      const err = failure.error;
      if (!isSqliteBusy(err)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw lockTimeout(locking, file, err);
      await sleep(Math.min(left, pause * (0.5 + Math.random())));
    }
    try {
      return await attempt();
    } catch (error) {
      failure = { error };
    }
  }
}

function lockTimeout(locking: SqliteLocking, file: string, cause: unknown): BackendError {
  return new BackendError(`the SQLite database ${file} stayed locked by another connection for more than ` +
    `${locking.lockTimeout} s (${locking.section}.sqlite_lock_timeout)`, { cause });
}

/**
 * The pragmas of every handle on the database. Changing the journal mode needs the file to
 * itself for a moment: at a fleet's start the processes open it together, so it waits as the
 * statements do.
 */
export async function preparePragmas(db: Database, locking: SqliteLocking, file: string): Promise<void> {
  db.pragma(`busy_timeout = ${locking.busyTimeoutMs}`);
  db.pragma(`synchronous = ${locking.synchronous}`);
  if (file === ':memory:') return;
  const deadline = Date.now() + locking.lockTimeout * 1000;
  await whileBusy(() => db.pragma(`journal_mode = ${locking.journalMode}`), deadline, locking, file);
}

/** One holder at a time, in arrival order; a waiter gives up at its deadline. */
class TurnQueue {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  acquire(deadline: number, onTimeout: () => Error): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((done, fail) => {
      const wake = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(wake);
        if (at !== -1) this.waiting.splice(at, 1);
        fail(onTimeout());
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(wake);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

type QueryFn = QueryRunner['query'];

/**
 * Makes a query runner's statements wait for the lock off the event loop, and its
 * transactions start with BEGIN IMMEDIATE. A statement inside an open transaction is not
 * tried again (the transaction holds the write lock; a refused read there is the caller's to
 * handle), except COMMIT, which SQLite allows to be repeated.
 */
function waitForLocks(runner: QueryRunner, locking: SqliteLocking, file: string, deadlineOf: () => number): void {
  const query = runner.query.bind(runner) as QueryFn;
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => {
    if (sql === 'BEGIN TRANSACTION') sql = 'BEGIN IMMEDIATE TRANSACTION';
    const retry = !runner.isTransactionActive || sql.startsWith('BEGIN') || sql === 'COMMIT';
    const run = () => query(sql, parameters, structured as true);
    if (!retry) return run();
    // Most statements find no lock: the retry loop starts only once SQLite refuses one.
    const deadline = deadlineOf();
    return run().catch((error: unknown) => whileBusy(run, deadline, locking, file, { error }));
  }) as QueryFn;
}

/**
 * The SQLite side of a connection, installed on a data source right after it opens, before any
 * table is created: its statements wait for locks off the event loop, and `transaction` is
 * the data source's `transaction` from then on (`dataSource.transaction`,
 * `dataSource.manager.transaction`, AppData's).
 */
export function installSqliteLocking(dataSource: DataSource, locking: SqliteLocking, file: string): void {
  const transactions = new SqliteTransactions(dataSource, locking, file);
  dataSource.manager.transaction = ((isolationOrFn: unknown, maybeFn?: unknown) => {
    const fn = (typeof isolationOrFn === 'function' ? isolationOrFn : maybeFn) as (m: EntityManager) => Promise<unknown>;
    return transactions.transaction(fn);
  }) as EntityManager['transaction'];
}

class SqliteTransactions {
  private readonly turns = new TurnQueue();
  private readonly runner: QueryRunner;
  private handle?: Database;
  /** The deadline of the transaction that holds the turn, for its BEGIN and COMMIT. */
  private deadline = 0;

  constructor(private readonly dataSource: DataSource, private readonly locking: SqliteLocking, private readonly file: string) {
    const main = dataSource.driver.createQueryRunner('master');
    waitForLocks(main, locking, file, () => Date.now() + locking.lockTimeout * 1000);
    const Runner = main.constructor as new (driver: DataSource['driver']) => QueryRunner;
    this.runner = new Runner(dataSource.driver);
    Object.assign(this.runner, { manager: dataSource.createEntityManager(this.runner) });
    waitForLocks(this.runner, locking, file, () => this.deadline);
    if (file !== ':memory:') {
      // A handle of its own: the worker's other queries stay outside the transaction.
      (this.runner as unknown as { connect(): Promise<Database> }).connect = () => this.ownHandle();
      const disconnect = dataSource.driver.disconnect.bind(dataSource.driver);
      dataSource.driver.disconnect = async () => {
        this.handle?.close();
        this.handle = undefined;
        await disconnect();
      };
    }
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction, after the transactions before it in this process. */
  async transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.locking.lockTimeout * 1000;
    await this.turns.acquire(deadline, () => lockTimeout(this.locking, this.file, undefined));
    try {
      this.deadline = deadline;
      return await this.runner.manager.transaction(fn);
    } finally {
      this.turns.release();
    }
  }

  private async ownHandle(): Promise<Database> {
    if (this.handle) return this.handle;
    const Sqlite = (this.dataSource.driver as unknown as { sqlite: DatabaseClass }).sqlite;
    const handle = new Sqlite(this.file, { timeout: this.locking.busyTimeoutMs });
    try {
      await preparePragmas(handle, this.locking, this.file);
      handle.pragma('foreign_keys = ON');
    } catch (err) {
      handle.close();
      throw err;
    }
    this.handle = handle;
    return handle;
  }
}
