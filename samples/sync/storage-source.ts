/**
 * Opens the storage database without the app: a TypeORM DataSource from `storage.sqluri`, and
 * the original tables when missing. The app itself uses its `static data`; this is for the
 * bench's bare Koa server (bench/sync.ts).
 */
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { BackendError, maskSqlUri } from '../../src';
import { COLLECTIONS_NAME_INDEX } from './storage-entities';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface StorageSource {
  source: DataSource;
  dialect: Dialect;
  /** Whether the storage closes the DataSource (false: its owner, such as the app's data, does). */
  owned?: boolean;
}

/** SQLAlchemy-style URIs, as `auth.sqluri` takes them (docs/auth-sql.md "URI forms"). */
export function dataSourceOptions(uri: string): { dialect: Dialect; options: DataSourceOptions } {
  const match = /^([a-z][\w.-]*)(?:\+[\w.-]+)?:\/\/(.*)$/is.exec(uri);
  const scheme = match?.[1].toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === 'sqlite') {
    const file = rest.split('?')[0];
    if (file !== '' && !file.startsWith('/')) throw new Error(`storage.sqluri: a SQLite URI needs three slashes, got '${uri}'`);
    const name = file.slice(1);
    const database = name === '' || name === ':memory:' ? ':memory:' : path.resolve(name);
    return { dialect: 'sqlite', options: { type: 'better-sqlite3', database, timeout: 10000 } as DataSourceOptions };
  }
  if (scheme === 'postgresql' || scheme === 'postgres') {
    return { dialect: 'postgres', options: { type: 'postgres', url: `postgres://${rest}`, poolSize: 20 } };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    return { dialect: 'mysql', options: { type: 'mysql', url: `mysql://${rest}`, poolSize: 20, charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: false } };
  }
  throw new Error(`storage.sqluri: unsupported database '${maskSqlUri(uri)}' (use sqlite:///, postgresql:// or mysql://)`);
}

/** The original server-storage tables (sqlmappers.py), plus `collection_stamps` (README.md). */
export function tableDdl(dialect: Dialect): string[] {
  const text = dialect === 'mysql' ? 'MEDIUMTEXT' : 'TEXT';
  const tail = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
  return [
    `CREATE TABLE IF NOT EXISTS collections (
      userid INTEGER NOT NULL,
      collectionid INTEGER NOT NULL,
      name VARCHAR(32) NOT NULL,
      PRIMARY KEY (userid, collectionid))${tail}`,
    `CREATE TABLE IF NOT EXISTS wbo (
      id VARCHAR(64) NOT NULL,
      username INTEGER NOT NULL,
      collection INTEGER NOT NULL DEFAULT 0,
      parentid VARCHAR(64),
      predecessorid VARCHAR(64),
      sortindex INTEGER,
      modified BIGINT,
      payload ${text},
      payload_size INTEGER NOT NULL DEFAULT 0,
      ttl INTEGER DEFAULT 2100000000,
      PRIMARY KEY (id, username, collection))${tail}`,
    `CREATE TABLE IF NOT EXISTS collection_stamps (
      userid INTEGER NOT NULL,
      collection INTEGER NOT NULL,
      modified BIGINT NOT NULL,
      PRIMARY KEY (userid, collection))${tail}`,
    'CREATE INDEX IF NOT EXISTS wbo_user_collection_modified ON wbo (username, collection, modified)',
    `CREATE UNIQUE INDEX IF NOT EXISTS ${COLLECTIONS_NAME_INDEX} ON collections (userid, name)`,
  ];
}

/** Opens the DataSource and creates missing tables (retried: workers start together). */
export async function openStorageSource(uri: string, createTables: boolean): Promise<StorageSource> {
  const { dialect, options } = dataSourceOptions(uri);
  const source = new DataSource(options);
  try {
    await source.initialize();
    if (dialect === 'sqlite') await source.query('PRAGMA journal_mode = WAL');
    if (createTables) {
      for (const ddl of tableDdl(dialect)) {
        for (let attempt = 0; ; attempt++) {
          try {
            await source.query(ddl);
            break;
          } catch (err) {
            // A worker that lost a CREATE race: the table is there on the next try.
            if (attempt >= 3) throw err;
            await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
          }
        }
      }
    }
  } catch (err) {
    if (source.isInitialized) await source.destroy().catch(() => undefined);
    throw new BackendError(`cannot open the storage database ${maskSqlUri(uri)}: ${(err as Error).message}`);
  }
  return { source, dialect };
}
