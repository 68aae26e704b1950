import type { SettingsSchema } from '../../config/schema';
import { sqliteSettingsSchema } from '../../data/data-schema';

/** `auth.backend = sql` (and the SQL side of `ldap`). */
export const SQL_SETTINGS: SettingsSchema = {
  'auth.sqluri': ['database URI', '`sqlite:///:memory:`', 'SQL database (`sqlite:///file.db`, `postgresql://…`, `mysql://…`)'],
  'auth.pool_size': ['integer', '`20`', 'SQL pool size'],
  'auth.pool_recycle': ['integer seconds', '`3600`', 'SQL connection lifetime'],
  'auth.create_tables': ['boolean', '`true` (`false` for ldap)', 'create missing tables, never alter existing ones'],
  ...sqliteSettingsSchema('auth'),
  'auth.password_scheme': ['scheme', '`argon2id` (`ssha` for ldap)', 'hash for new passwords: `argon2id`, `bcrypt`, `ssha`, `ssha-256`, `ssha256`, `ssha512`'],
  'auth.assign_nodes': ['boolean', '`false`', 'sql: each user gets a storage node from the `available_nodes` table (`getUserNode`), kept in `user_nodes`'],
  'auth.nodes_scheme': ['scheme', '`https`', 'scheme of the node URLs `getUserNode` answers (`<scheme>://<node>/`)'],
  'auth.rehash': ['boolean', '`false`', 'upgrade a legacy hash on successful login (SQL)'],
};
