import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/auth/sql/sql-connection';
import type { SqlDialect } from '../../src/auth/sql/sql-connection';

/** A throwaway database of one dialect for a test file, and raw SQL on it. */
export interface TestDatabase {
  dialect: SqlDialect;
  uri: string;
  /** Runs SQL with `?` placeholders (rewritten to `$n` for PostgreSQL). */
  query<T = unknown>(sql: string, params?: unknown[]): Promise<T[]>;
  dropUsers(): Promise<void>;
  drop(): Promise<void>;
}

/** DDL of the legacy `users` table as server-core's SQLAlchemy mapper created it (docs/compatibility.md D.5). */
export const LEGACY_USERS_DDL: Record<SqlDialect, string> = {
  sqlite: `CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, username VARCHAR(32),
    password_hash VARCHAR(128), email VARCHAR(64), status INTEGER DEFAULT 0, alert TEXT, reset VARCHAR(32),
    reset_expiration DATETIME, UNIQUE (username, password_hash))`,
  postgres: `CREATE TABLE users (id SERIAL NOT NULL PRIMARY KEY, username VARCHAR(32),
    password_hash VARCHAR(128), email VARCHAR(64), status INTEGER DEFAULT 0, alert TEXT, reset VARCHAR(32),
    reset_expiration TIMESTAMP WITHOUT TIME ZONE, UNIQUE (username, password_hash))`,
  mysql: `CREATE TABLE users (id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY, username VARCHAR(32),
    password_hash VARCHAR(128), email VARCHAR(64), status INTEGER DEFAULT 0, alert TEXT, reset VARCHAR(32),
    reset_expiration DATETIME, UNIQUE (username, password_hash)) ENGINE=InnoDB`,
};

function withDatabase(serverUri: string, name: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${name}`;
  return url.toString();
}

async function raw(uri: string): Promise<DataSource> {
  return openDataSource(uri, { entities: [], createTables: false, poolSize: 2 });
}

function wrap(dialect: SqlDialect, uri: string, dataSource: DataSource, dropDatabase: () => Promise<void>): TestDatabase {
  return {
    dialect,
    uri,
    query: (sql, params = []) => {
      let n = 0;
      const text = dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
      return dataSource.query(text, params);
    },
    dropUsers: async () => { await dataSource.query('DROP TABLE IF EXISTS users'); },
    drop: async () => {
      await dataSource.destroy();
      await dropDatabase();
    },
  };
}

/** A SQLite file in a fresh temporary directory. */
export async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-sql-'));
  const uri = `sqlite:///${path.join(dir, 'users.db')}`;
  return wrap('sqlite', uri, await raw(uri), async () => rmSync(dir, { recursive: true, force: true }));
}

/** A uniquely named database on the test PostgreSQL or MariaDB server, so runs never collide. */
export async function serverDatabase(dialect: 'postgres' | 'mysql'): Promise<TestDatabase> {
  const serverUri = dialect === 'postgres' ? process.env.SC_PG_URL! : process.env.SC_MARIA_URL!;
  const name = `sc_sql_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await raw(serverUri);
  await admin.query(`CREATE DATABASE ${name}`);
  const uri = withDatabase(serverUri, name);
  return wrap(dialect, uri, await raw(uri), async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.destroy();
  });
}
