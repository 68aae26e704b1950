import type { DataSource, EntitySchema } from 'typeorm';
import { typeorm } from '../../data/load-typeorm';
import type { FlatConfig } from '../../config/types';
import { availableNodesEntity, claimNode, pickNode } from '../node-assignment';
import { ResetCodes, storedResetCode } from '../reset-code';
import { SqlConnection, affectedAny, dateTimeType, sqlConnectionParams, type SqlDialect } from '../sql/sql-connection';

// The SQL half of the LDAP + SQL hybrid (docs/compatibility.md D.7): uidNumber allocation, node assignment
// and reset codes. No ldapjs here; LDAPAuth (ldap.ts) drives it.

interface ResetCodeRow {
  username: string;
  reset: string | null;
  expiration: Date | null;
}

/** Allocates the `uidNumber`s of new users. */
const userIdsEntity = (): EntitySchema<{ id: number }> => new (typeorm().EntitySchema)<{ id: number }>({
  name: 'user_ids',
  tableName: 'user_ids',
  columns: { id: { type: 'integer', primary: true, generated: 'increment' } },
});

/** Keyed by the user id in a column named `username`, as legacy `ResetCodeManager` did. */
function resetCodesEntity(dialect: SqlDialect): EntitySchema<ResetCodeRow> {
  return new (typeorm().EntitySchema)<ResetCodeRow>({
    name: 'reset_codes',
    tableName: 'reset_codes',
    columns: {
      // legacy VARCHAR(32); new tables are wider so that DN ids fit
      username: { type: 'varchar', length: 255, primary: true },
      reset: { type: 'varchar', length: 32, nullable: true },
      expiration: { type: dateTimeType(dialect), nullable: true },
    },
  });
}

/**
 * The hybrid's tables on `auth.sqluri` (pool and table options from `auth.pool_size`,
 * `auth.pool_recycle` and `auth.create_tables`, off by default). `userExists` resolves an id to
 * its DN, or null: a reset code is only stored for an existing user.
 */
export class LdapSqlSide {
  readonly resetCodes: ResetCodes;
  private readonly db: SqlConnection;

  constructor(sqluri: string, params: FlatConfig, userExists: (id: string) => Promise<string | null>) {
    const db = new SqlConnection(sqluri, {
      entities: (dialect) => [userIdsEntity(), availableNodesEntity(), resetCodesEntity(dialect)],
      ...sqlConnectionParams(params, false),
    });
    this.db = db;
    const codes = (ds: DataSource) => ds.getRepository<ResetCodeRow>('reset_codes');
    this.resetCodes = new ResetCodes({
      read: (id) => db.run('LDAPAuth reading a reset code', async (ds) => {
        const row = await codes(ds).findOneBy({ username: String(id) });
        return storedResetCode(row?.reset, row?.expiration);
      }),
      write: async (id, stored) => {
        if (!(await userExists(String(id)))) return false;
        await db.run('LDAPAuth writing a reset code', async (ds) => {
          await codes(ds).delete({ username: String(id) });
          await codes(ds).insert({ username: String(id), reset: stored.code, expiration: stored.expiration });
        });
        return true;
      },
      clear: (id) => db.run('LDAPAuth clearing a reset code', async (ds) =>
        affectedAny(await codes(ds).delete({ username: String(id) }))),
    });
  }

  async open(): Promise<void> {
    await this.db.dataSource();
  }

  /** The next `uidNumber`, from the `user_ids` autoincrement. */
  allocateUid(): Promise<number> {
    return this.db.run('LDAPAuth allocating a uidNumber', async (ds) => {
      const result = await ds.getRepository<{ id: number }>('user_ids').insert({});
      return Number(result.identifiers[0]?.id);
    });
  }

  /** The available node with the fewest active users (legacy ordering), or null. */
  pickNode(): Promise<string | null> {
    return this.db.run('LDAPAuth picking a node', (ds) => pickNode(ds));
  }

  /** Counts the assignment (after the entry was written, as the original did). */
  async nodeAssigned(node: string): Promise<void> {
    await this.db.run('LDAPAuth counting a node assignment', (ds) => claimNode(ds, node));
  }

  checkHealth(): Promise<void> {
    return this.db.checkHealth('LDAPAuth SQL health check');
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
