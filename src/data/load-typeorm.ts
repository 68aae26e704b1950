import type * as TypeOrm from 'typeorm';
import { loadOptional } from '../util/load-optional';

/**
 * TypeORM, loaded the first time SQL is used (an SQL backend opens, an app declares data), so
 * importing services-core, or any module of it, does not pay for it. Modules import its types
 * only, and its values through this.
 */
let loaded: typeof TypeOrm | undefined;

export function typeorm(): typeof TypeOrm {
  return (loaded ??= loadOptional<typeof TypeOrm>('typeorm', 'SQL (auth.sqluri, static data)'));
}
