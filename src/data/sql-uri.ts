import path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ConfigError } from '../config/errors';
import { checkInstalled } from '../util/load-optional';

/** The SQL dialects a `sqluri` can name. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

export interface ParseSqlUriOptions {
  /** The setting the URI came from, for error messages. Default `auth.sqluri`. */
  key?: string;
  /** Where a relative SQLite path is resolved. Default: the working directory. */
  baseDir?: string;
}

/** The URI with its password replaced by `***`, for messages and logs. */
export function maskSqlUri(uri: string): string {
  return uri.replace(/^([a-z][\w+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/**
 * Reads a SQLAlchemy-style URI: `sqlite:///relative/path` (from `baseDir`, default the working
 * directory), `sqlite:////absolute/path`, `sqlite:///:memory:`, `postgresql://` or
 * `postgres://`, `mysql://` or `mariadb://`. A `+driver` suffix (`mysql+pymysql://`) is ignored.
 * A bad URI is a ConfigError naming `options.key`.
 */
export function parseSqlUri(uri: string, options: ParseSqlUriOptions = {}): { dialect: SqlDialect; options: DataSourceOptions } {
  const key = options.key ?? 'auth.sqluri';
  const scheme = /^([a-z][\w.-]*)(?:\+[\w.-]+)?:\/\//i.exec(uri)?.[1].toLowerCase();
  if (scheme === 'sqlite') {
    const afterScheme = uri.slice(uri.indexOf('://') + 3);
    const query = afterScheme.indexOf('?');
    const rest = query === -1 ? afterScheme : afterScheme.slice(0, query);
    if (rest !== '' && !rest.startsWith('/')) {
      throw new ConfigError(`${key}: a SQLite URI needs three slashes (sqlite:///relative or sqlite:////absolute), got '${uri}'`);
    }
    const file = rest.slice(1);
    const database = file === '' || file === ':memory:' ? ':memory:' : path.resolve(options.baseDir ?? '', file);
    checkInstalled('better-sqlite3', `${key} = sqlite://`);
    return { dialect: 'sqlite', options: { type: 'better-sqlite3', database } };
  }
  const dialect = scheme === 'postgresql' || scheme === 'postgres' ? 'postgres'
    : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (dialect === undefined) {
    throw new ConfigError(`${key}: unsupported database '${maskSqlUri(uri)}' (use sqlite:///, postgresql://, mysql:// or mariadb://)`);
  }
  checkInstalled(dialect === 'postgres' ? 'pg' : 'mysql2', `${key} = ${scheme}://`);
  let url: URL;
  try {
    url = new URL(uri.replace(/^[^:]+:/, 'db:'));
  } catch {
    throw new ConfigError(`${key}: malformed URI '${maskSqlUri(uri)}'`);
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

const DEFAULT_PORT: Record<SqlDialect, number> = { sqlite: 0, postgres: 5432, mysql: 3306 };

/**
 * What makes two URIs "the same database", so app data and the SQL auth backend share one
 * connection pool: the dialect, then the absolute SQLite file, or the server's host (lower
 * case), port (default 5432 / 3306), database name and user. The password, the driver suffix
 * and query options do not count. An in-memory SQLite database is never the same as another
 * (each open makes a new one): undefined.
 */
export function databaseIdentity(uri: string, options: ParseSqlUriOptions = {}): string | undefined {
  const { dialect, options: parsed } = parseSqlUri(uri, options);
  const o = parsed as { database?: string; host?: string; port?: number; username?: string };
  if (dialect === 'sqlite') return o.database === ':memory:' ? undefined : `sqlite:${o.database}`;
  return `${dialect}://${o.username ?? ''}@${(o.host ?? '').toLowerCase()}:${o.port ?? DEFAULT_PORT[dialect]}/${o.database ?? ''}`;
}
