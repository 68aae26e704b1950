// The package's data names. Types only from app-data and migrations: typeorm is loaded by the
// apps that declare data, not by every import of the package.
export type { AppData, AppDataDeclaration, AppDataSettings, ClassOf } from './app-data';
export type { MigrationReport } from './migrations';
export { SqlRequestError, classifySqlError, isUniqueViolation, sqlErrorCode, type SqlErrorKind } from './sql-errors';
