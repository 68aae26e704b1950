export { AppData, DEFAULT_DATA_SECTION, type AppDataDeclaration, type AppDataSettings, type ClassOf } from './app-data';
export { SqlRequestError, classifySqlError, isUniqueViolation, sqlErrorCode, sqlFailure, type SqlErrorKind } from './sql-errors';
export { databaseIdentity, maskSqlUri, parseSqlUri, type SqlDialect } from './sql-uri';
export { runMigrations, type MigrationReport } from './migrations';
