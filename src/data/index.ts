// The package's data names. typeorm loads when an app's data opens (load-typeorm.ts).
export type { AppData, AppDataDeclaration, AppDataSettings, ClassOf } from './app-data';
export type { MigrationReport } from './migrations';
export { SqlRequestError, classifySqlError, isDeadlock, isUniqueViolation, sqlErrorCode, type SqlErrorKind } from './sql-errors';
export { maskSqlUri } from './sql-uri';
