import { BackendError, HttpError, isBackendError, isHttpError } from '../util/errors';

/**
 * What a failed query means, decided once for auth and app queries alike (docs/app.md,
 * "Storing data"):
 * - `outage`: the database cannot serve now (connection refused, lost or timed out, pool
 *   exhausted, database or table missing, read-only, server shutting down or overloaded,
 *   lock timeout or deadlock): a `BackendError`, 503 + Retry-After.
 * - `conflict`: a UNIQUE or primary key refused the row: 409 unless the handler catches it.
 * - `invalid`: the request's data is at fault (foreign key, NOT NULL or CHECK violation, a
 *   value the column cannot hold, such as a NUL byte in a PostgreSQL text): 400.
 * - `unknown`: anything else (bad SQL, an unknown column: a bug), left as it is: a 500.
 */
export type SqlErrorKind = 'outage' | 'conflict' | 'invalid' | 'unknown';

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  fatal?: unknown;
  errors?: unknown;
}

// Node's socket errors: the server cannot be reached.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL',
]);

// The database ended this statement to break a deadlock (a retry may pass).
const PG_DEADLOCK = '40P01';
const MYSQL_DEADLOCK = 1213;

// PostgreSQL SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const PG_OUTAGE_CLASSES = new Set(['08', '53', '57', '58', '28', 'XX']);
const PG_OUTAGE_CODES = new Set([
  '3D000', // invalid_catalog_name: the database does not exist
  '42P01', // undefined_table: tables missing (create_tables off, or dropped)
  '25006', // read_only_sql_transaction: a standby or default_transaction_read_only
  '40001', // serialization_failure
  PG_DEADLOCK, // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
]);
const PG_CONFLICT_CODES = new Set(['23505']);
// 23xxx integrity (foreign key 23503, not null 23502, check 23514, exclusion 23P01), 22xxx data
// exceptions (invalid byte sequence 22021 for a NUL byte, too long 22001, out of range 22003,
// bad input syntax 22P02, bad date 22007/22008).
const PG_INVALID_CLASSES = new Set(['22', '23']);

// MySQL / MariaDB server error numbers.
const MYSQL_OUTAGE_ERRNOS = new Set([
  1040, // too many connections
  1044, 1045, // access denied
  1049, // unknown database
  1053, // server shutdown in progress
  1146, // table does not exist
  1205, // lock wait timeout
  MYSQL_DEADLOCK,
  1290, // --read-only (ER_OPTION_PREVENTS_STATEMENT)
  1792, // read-only transaction
  1836, // read-only mode
  1927, // connection was killed
  2002, 2003, 2006, 2013, // client: cannot connect, server has gone away, lost connection
  4031, // disconnected by the server for inactivity
]);
const MYSQL_CONFLICT_ERRNOS = new Set([1062, 1586]);
const MYSQL_INVALID_ERRNOS = new Set([
  1048, // column cannot be null
  1052, 1364, // field has no default value
  1216, 1217, 1451, 1452, // foreign key
  1264, // out of range
  1265, 1292, 1366, 1367, // truncated / incorrect value / incorrect string value
  1406, // data too long
  3819, // check constraint
  4025, // MariaDB check constraint
]);

// SQLite primary result codes (https://www.sqlite.org/rescode.html), as better-sqlite3 names them.
const SQLITE_OUTAGE = /^SQLITE_(?:BUSY|LOCKED|READONLY|CANTOPEN|IOERR|FULL|CORRUPT|NOTADB|PROTOCOL|NOLFS|AUTH|PERM)(?:_|$)/;
const SQLITE_CONFLICT = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const SQLITE_INVALID = /^SQLITE_(?:CONSTRAINT|MISMATCH|TOOBIG|RANGE)(?:_|$)/;

// Errors without a code that drivers and pools raise when the connection is gone or none is
// free: pg, pg-pool, mysql2, better-sqlite3 and TypeORM's own.
const OUTAGE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot enqueue',
  'Pool is closed',
  'No connections available',
  'Queue limit reached',
  'connection is in closed state',
  "Can't add new command when connection is in closed state",
  'The database connection is not open',
  'Driver not Connected',
  'Connection is not established',
  'DataSource is not initialized',
  'no such table',
];

function driverErrorOf(err: unknown): DriverError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const inner = (err as { driverError?: unknown }).driverError;
  return (typeof inner === 'object' && inner !== null ? inner : err) as DriverError;
}

function messageOutage(message: unknown): boolean {
  return typeof message === 'string' && OUTAGE_MESSAGES.some((part) => message.includes(part));
}

function kindOf(e: DriverError, outer: unknown): SqlErrorKind {
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  if (code !== undefined && NETWORK_CODES.has(code)) return 'outage';
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    if (PG_CONFLICT_CODES.has(code)) return 'conflict';
    if (PG_INVALID_CLASSES.has(code.slice(0, 2))) return 'invalid';
    if (PG_OUTAGE_CODES.has(code) || PG_OUTAGE_CLASSES.has(code.slice(0, 2))) return 'outage';
    return 'unknown';
  }
  if (code?.startsWith('SQLITE_')) {
    if (SQLITE_CONFLICT.has(code)) return 'conflict';
    if (SQLITE_INVALID.test(code)) return 'invalid';
    if (SQLITE_OUTAGE.test(code)) return 'outage';
    return messageOutage(e.message) ? 'outage' : 'unknown';
  }
  if (code?.startsWith('ER_') || (errno !== undefined && errno >= 1000 && errno < 5000)) {
    if (errno !== undefined && MYSQL_CONFLICT_ERRNOS.has(errno)) return 'conflict';
    if (errno !== undefined && MYSQL_INVALID_ERRNOS.has(errno)) return 'invalid';
    if (errno !== undefined && MYSQL_OUTAGE_ERRNOS.has(errno)) return 'outage';
    return e.fatal === true ? 'outage' : 'unknown';
  }
  if (code === 'PROTOCOL_CONNECTION_LOST' || e.fatal === true) return 'outage';
  // Node 20 reports a refused dual-stack connect as an AggregateError of the attempts.
  if (Array.isArray(e.errors) && e.errors.some((inner) => kindOf(inner as DriverError, inner) === 'outage')) return 'outage';
  if (messageOutage(e.message) || (outer !== e && messageOutage((outer as { message?: unknown }).message))) return 'outage';
  return 'unknown';
}

/** The kind of a failed query (see `SqlErrorKind`); BackendErrors are outages, HttpErrors unknown. */
export function classifySqlError(err: unknown): SqlErrorKind {
  if (isBackendError(err)) return 'outage';
  if (isHttpError(err)) return 'unknown';
  const driverError = driverErrorOf(err);
  return driverError ? kindOf(driverError, err) : 'unknown';
}

/** A SQL error that says a UNIQUE constraint or primary key refused the row (SQLite, PostgreSQL, MySQL/MariaDB). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof SqlRequestError) return err.kind === 'conflict';
  const driverError = driverErrorOf(err);
  return driverError !== undefined && !isBackendError(err) && !isHttpError(err) && kindOf(driverError, err) === 'conflict';
}

/**
 * A SQL error that says the database ended this statement to break a deadlock (PostgreSQL,
 * MySQL/MariaDB): an outage for `classifySqlError`, but a statement that may simply be tried
 * again (InnoDB picks one of two concurrent INSERTs into one unique key as the victim).
 */
export function isDeadlock(err: unknown): boolean {
  const e = driverErrorOf(err);
  return e !== undefined && !isHttpError(err) && (e.code === PG_DEADLOCK || e.errno === MYSQL_DEADLOCK);
}

/** The database's error code (SQLSTATE, `ER_…` or `SQLITE_…`), for logs: never the message, which may quote the row. */
export function sqlErrorCode(err: unknown): string | undefined {
  const e = driverErrorOf(err);
  return typeof e?.code === 'string' ? e.code : typeof e?.errno === 'number' ? String(e.errno) : undefined;
}

/** The answer to a query that failed because of the request: 409 for a conflict, else 400; the cause is kept for the log. */
export class SqlRequestError extends HttpError {
  readonly kind: 'conflict' | 'invalid';
  readonly sqlCode?: string;

  constructor(kind: 'conflict' | 'invalid', cause: unknown) {
    super(kind === 'conflict' ? 409 : 400, kind === 'conflict' ? 'Conflict' : 'Bad Request', { cause });
    this.name = 'SqlRequestError';
    this.kind = kind;
    this.sqlCode = sqlErrorCode(cause);
  }
}

/**
 * The error to throw for a failed query, by its kind: an outage becomes a `BackendError` saying
 * `what` failed on `where` (a masked URI), a conflict or invalid data a `SqlRequestError`
 * (409 / 400), anything else is returned as it is.
 */
export function sqlFailure(err: unknown, what: string, where: string): unknown {
  if (isBackendError(err) || isHttpError(err)) return err;
  const kind = classifySqlError(err);
  if (kind === 'outage') return new BackendError(`${what} failed on ${where}: ${(err as Error | null)?.message ?? String(err)}`, { cause: err });
  if (kind === 'conflict' || kind === 'invalid') return new SqlRequestError(kind, err);
  return err;
}
