import type { UserId } from '../backend';
import { SqlConnection } from '../sql/sql-connection';

/** What a Hawk credentials id stands for (issued to the client with its key). */
export interface HawkCredentials {
  /** The MAC key, shared with the client. */
  key: string;
  algorithm: 'sha256' | 'sha1';
  /** The user name the requests act as. */
  user: string;
  /** The user's id, when it is not the name. */
  userId?: UserId;
  /** What the credentials allow (checked against a route's `scopes`). */
  scopes?: readonly string[];
  /** When the credentials stop being valid, ms since the epoch (or a Date). */
  expiresAt?: number | Date;
}

/** Finds the credentials of an id; null when there are none. A failure of its store is thrown (a BackendError: 503). */
export type HawkCredentialsSource = (id: string) => Promise<HawkCredentials | null>;

const MAX_ID = 256;

/**
 * Credentials from a table the framework reads and never writes (docs/auth-tokens.md gives
 * its DDL): `id`, `mac_key`, `algorithm`, `username`, `scopes` (space-separated, may be null),
 * `expires` (seconds since the epoch, may be null).
 */
export class SqlHawkCredentials {
  private readonly connection: SqlConnection;

  constructor(sqluri: string, private readonly table: string) {
    this.connection = new SqlConnection(sqluri, { entities: [], createTables: false, poolSize: 5 });
  }

  readonly find: HawkCredentialsSource = async (id) => {
    if (id.length > MAX_ID) return null;
    const param = this.connection.dialect === 'postgres' ? '$1' : '?';
    const rows = await this.connection.run(`reading Hawk credentials from ${this.table}`, (db) =>
      db.query(`SELECT mac_key, algorithm, username, scopes, expires FROM ${this.table} WHERE id = ${param}`, [id])) as Array<Record<string, unknown>>;
    const row = rows[0];
    if (!row || (row.algorithm !== 'sha256' && row.algorithm !== 'sha1') || typeof row.mac_key !== 'string' || typeof row.username !== 'string') return null;
    const expires = row.expires === null || row.expires === undefined ? undefined : Number(row.expires) * 1000;
    return {
      key: row.mac_key, algorithm: row.algorithm, user: row.username,
      scopes: typeof row.scopes === 'string' ? row.scopes.split(' ').filter((s) => s !== '') : undefined,
      expiresAt: expires,
    };
  };

  checkHealth(): Promise<void> {
    return this.connection.checkHealth(`reading Hawk credentials from ${this.table}`);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
