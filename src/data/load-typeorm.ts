import type * as TypeOrm from 'typeorm';
import { loadOptional } from '../util/load-optional';

/**
 * The parts of TypeORM services-core uses, each from its own file: `require('typeorm')` loads
 * the whole package (about 330 modules, with every decorator, repository and driver class),
 * these about 265, almost all of them the DataSource's driver factory. An app whose entities
 * import 'typeorm' loads the rest itself; the classes are the same either way.
 */
const PARTS = {
  DataSource: 'data-source/DataSource',
  EntitySchema: 'entity-schema/EntitySchema',
  IsNull: 'find-options/operator/IsNull',
  MigrationExecutor: 'migration/MigrationExecutor',
  Not: 'find-options/operator/Not',
  Table: 'schema-builder/table/Table',
  TableForeignKey: 'schema-builder/table/TableForeignKey',
  TypeORMError: 'error/TypeORMError',
  getMetadataArgsStorage: 'globals',
} as const;

type Parts = Pick<typeof TypeOrm, keyof typeof PARTS>;

/**
 * TypeORM, loaded the first time SQL is used (an SQL backend opens, an app declares data), so
 * importing services-core, or any module of it, does not pay for it. Modules import its types
 * only, and its values through this; each part loads when first read.
 */
let loaded: Parts | undefined;

export function typeorm(): Parts {
  if (loaded) return loaded;
  const parts = {} as Parts;
  for (const [name, file] of Object.entries(PARTS)) {
    Object.defineProperty(parts, name, {
      configurable: true,
      get: () => {
        const value = loadOptional<Record<string, unknown>>(`typeorm/${file}`, 'SQL (auth.sqluri, static data)')[name];
        Object.defineProperty(parts, name, { value });
        return value;
      },
    });
  }
  return (loaded = parts);
}
