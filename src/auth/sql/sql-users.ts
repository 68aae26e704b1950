import type { EntitySchema } from 'typeorm';
import { typeorm } from '../../data/load-typeorm';
import { dateTimeType } from '../../data/sql-connection';
import type { SqlDialect } from '../../data/sql-uri';

/** A row of the legacy `users` table (docs/compatibility.md D.5), shared with the Python storage servers. */
export interface UserRow {
  id: number;
  username: string | null;
  passwordHash: string | null;
  email: string | null;
  /** Only 1 may log in. */
  status: number | null;
  alert: string | null;
  reset: string | null;
  resetExpiration: Date | null;
}

/**
 * The `users` table with its legacy column names and types. A table created here makes
 * `username` unique (Q-D5); existing tables keep the legacy UNIQUE(username, password_hash).
 */
export function usersEntity(dialect: SqlDialect): EntitySchema<UserRow> {
  return new (typeorm().EntitySchema)<UserRow>({
    name: 'users',
    tableName: 'users',
    columns: {
      id: { type: 'integer', primary: true, generated: 'increment' },
      username: { type: 'varchar', length: 32, nullable: true },
      passwordHash: { name: 'password_hash', type: 'varchar', length: 128, nullable: true },
      email: { type: 'varchar', length: 64, nullable: true },
      status: { type: 'integer', nullable: true, default: 0 },
      alert: { type: 'text', nullable: true },
      reset: { type: 'varchar', length: 32, nullable: true },
      resetExpiration: { name: 'reset_expiration', type: dateTimeType(dialect), nullable: true },
    },
    uniques: [{ name: 'users_username_key', columns: ['username'] }],
  });
}

/** A user's storage node (`auth.assign_nodes`): one row per user, its `available_nodes` host. */
export interface UserNodeRow {
  userId: number;
  node: string;
}

/**
 * `user_nodes`, next to `users` rather than a column of it: legacy `users` tables (shared with
 * the Python servers) stay as they are, and `create_tables` makes it when it is missing.
 */
export const userNodesEntity = (): EntitySchema<UserNodeRow> => new (typeorm().EntitySchema)<UserNodeRow>({
  name: 'user_nodes',
  tableName: 'user_nodes',
  columns: {
    userId: { name: 'user_id', type: 'integer', primary: true },
    node: { type: 'varchar', length: 256 },
  },
});
