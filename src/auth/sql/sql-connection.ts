// The SQL connection lives in src/data (shared with app data); the auth backend's names for it.
export {
  DEFAULT_POOL_RECYCLE, DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT, SqlConnection, affectedAny, createWithRetries, dateTimeType,
  openDataSource, sqlConnectionParams,
} from '../../data/sql-connection';
export type { EntityList, SqlConnectionOptions } from '../../data/sql-connection';
export { maskSqlUri, parseSqlUri } from '../../data/sql-uri';
export type { SqlDialect } from '../../data/sql-uri';
export { isUniqueViolation } from '../../data/sql-errors';
