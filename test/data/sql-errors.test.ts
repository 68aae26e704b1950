import { QueryFailedError } from 'typeorm';
import { BackendError, BadRequestError } from '../../src/util/errors';
import { SqlRequestError, classifySqlError, isDeadlock, isUniqueViolation, sqlFailure } from '../../src/data/sql-errors';

// The driver errors as pg, mysql2 and better-sqlite3 shape them (code / errno), wrapped by
// TypeORM in a QueryFailedError or raw (a failed connect).
const failed = (driverError: object) => new QueryFailedError('SELECT 1', [], Object.assign(new Error('driver says no'), driverError));
const system = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('one classification of query errors (auth and app alike)', () => {
  test.each([
    ['pg unique', failed({ code: '23505' }), 'conflict'],
    ['pg foreign key', failed({ code: '23503' }), 'invalid'],
    ['pg not null', failed({ code: '23502' }), 'invalid'],
    ['pg NUL byte', failed({ code: '22021' }), 'invalid'],
    ['pg bad integer text', failed({ code: '22P02' }), 'invalid'],
    ['pg admin shutdown', failed({ code: '57P01' }), 'outage'],
    ['pg too many connections', failed({ code: '53300' }), 'outage'],
    ['pg database missing', system('3D000'), 'outage'],
    ['pg read-only', failed({ code: '25006' }), 'outage'],
    ['pg table missing', failed({ code: '42P01' }), 'outage'],
    ['pg syntax error (a bug)', failed({ code: '42601' }), 'unknown'],
    ['pg connection lost', failed({ message: 'Connection terminated unexpectedly' }), 'outage'],
    ['pg pool exhausted', new Error('timeout exceeded when trying to connect'), 'outage'],
    ['refused', system('ECONNREFUSED'), 'outage'],
    ['refused, dual stack', Object.assign(new AggregateError([system('ECONNREFUSED')]), { code: 'ECONNREFUSED' }), 'outage'],
    ['mysql duplicate', failed({ code: 'ER_DUP_ENTRY', errno: 1062 }), 'conflict'],
    ['mysql not null', failed({ code: 'ER_BAD_NULL_ERROR', errno: 1048 }), 'invalid'],
    ['mysql foreign key', failed({ code: 'ER_NO_REFERENCED_ROW_2', errno: 1452 }), 'invalid'],
    ['mysql read-only', failed({ code: 'ER_OPTION_PREVENTS_STATEMENT', errno: 1290 }), 'outage'],
    ['mysql unknown database (errno)', Object.assign(new Error('x'), { code: 'ER_BAD_DB_ERROR', errno: 1049 }), 'outage'],
    ['mysql lost', Object.assign(new Error('x'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }), 'outage'],
    ['mysql syntax (a bug)', failed({ code: 'ER_PARSE_ERROR', errno: 1064 }), 'unknown'],
    ['sqlite unique', failed({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), 'conflict'],
    ['sqlite not null', failed({ code: 'SQLITE_CONSTRAINT_NOTNULL' }), 'invalid'],
    ['sqlite busy', failed({ code: 'SQLITE_BUSY' }), 'outage'],
    ['sqlite read-only', failed({ code: 'SQLITE_READONLY' }), 'outage'],
    ['sqlite file moved', failed({ code: 'SQLITE_READONLY_DBMOVED' }), 'outage'],
    ['sqlite no such table', failed({ code: 'SQLITE_ERROR', message: 'no such table: notes' }), 'outage'],
    ['sqlite no such column (a bug)', failed({ code: 'SQLITE_ERROR', message: 'no such column: x' }), 'unknown'],
    ['a BackendError', new BackendError('down'), 'outage'],
    ['an HttpError', new BadRequestError(), 'unknown'],
    ['a plain bug', new TypeError('x is undefined'), 'unknown'],
    ['a file error', system('ENOENT'), 'unknown'],
  ])('%s → %s', (_what, err, kind) => {
    expect(classifySqlError(err)).toBe(kind);
  });

  test('isUniqueViolation: raw errors of every dialect and the 409 they become', () => {
    expect(isUniqueViolation(failed({ code: '23505' }))).toBe(true);
    expect(isUniqueViolation(failed({ errno: 1062, code: 'ER_DUP_ENTRY' }))).toBe(true);
    expect(isUniqueViolation(failed({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }))).toBe(true);
    expect(isUniqueViolation(failed({ code: '23503' }))).toBe(false);
    expect(isUniqueViolation(new SqlRequestError('conflict', failed({ code: '23505' })))).toBe(true);
    expect(isUniqueViolation(new Error('duplicate'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });

  test('isDeadlock: a deadlock victim of PostgreSQL or MySQL/MariaDB, raw or wrapped by TypeORM; nothing else', () => {
    expect(isDeadlock(failed({ code: '40P01' }))).toBe(true);
    expect(isDeadlock(failed({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }))).toBe(true);
    expect(isDeadlock(Object.assign(new Error('Deadlock found'), { errno: 1213 }))).toBe(true);
    expect(classifySqlError(failed({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }))).toBe('outage');
    expect(isDeadlock(failed({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }))).toBe(false);
    expect(isDeadlock(failed({ code: '23505' }))).toBe(false);
    expect(isDeadlock(failed({ code: 'SQLITE_BUSY' }))).toBe(false);
    expect(isDeadlock(null)).toBe(false);
  });

  test('sqlFailure: an outage names what failed where; a request fault keeps its code, not its message', () => {
    const outage = sqlFailure(system('ECONNREFUSED'), 'SQLAuth.getUserId', 'postgresql://u:***@h/db');
    expect(outage).toBeInstanceOf(BackendError);
    expect((outage as Error).message).toBe('SQLAuth.getUserId failed on postgresql://u:***@h/db: connect ECONNREFUSED');
    const conflict = sqlFailure(failed({ code: '23505' }), 'x', 'y') as SqlRequestError;
    expect([conflict.status, conflict.message, conflict.sqlCode]).toEqual([409, 'Conflict', '23505']);
    const bug = new TypeError('bug');
    expect(sqlFailure(bug, 'x', 'y')).toBe(bug);
  });
});
