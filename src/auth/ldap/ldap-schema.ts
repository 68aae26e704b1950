import type { SettingsSchema } from '../../config/schema';
import { SQL_SETTINGS } from '../sql/sql-schema';

/** `auth.backend = ldap`: the directory, and the SQL side (`auth.sqluri`) for node assignment. */
export const LDAP_SETTINGS: SettingsSchema = {
  'auth.ldapuri': ['URIs', 'required for ldap', 'one or more `ldap://`/`ldaps://` URIs (fail-over)'],
  'auth.use_tls': ['boolean', '`false`', 'StartTLS'],
  'auth.tls_ca': ['file', 'system CAs', 'CA file (checked by the pre-check, read when the backend opens)'],
  'auth.tls_reject_unauthorized': ['boolean', '`true`', 'check the server\'s certificate'],
  'auth.bind_user': ['DN', 'anonymous', 'LDAP search identity'],
  'auth.bind_password': ['secret', 'none', 'its password'],
  'auth.admin_user': ['DN', 'none', 'LDAP write identity'],
  'auth.admin_password': ['secret', 'none', 'its password'],
  'auth.users_root': ['DN', '`ou=users,dc=mozilla`', 'LDAP search base and parent of new entries'],
  'auth.ldap_timeout': ['seconds', '`10`', 'seconds per connect/operation (`-1`/`0`: none)'],
  'auth.ldap_use_pool': ['boolean', '`false`', 'LDAP connection pool'],
  'auth.ldap_pool_size': ['integer', '`10`', 'its size'],
  'auth.ldap_retry_max': ['integer', '`3`', 'pool retries'],
  'auth.ldap_retry_delay': ['seconds', '`0.1`', 'delay between them'],
  'auth.ldap_max_lifetime': ['seconds', '`600`', 'pooled connection lifetime'],
  'auth.ldap_stamp_attributes': ['attribute names', '`entryCSN modifyTimestamp`', 'LDAP attributes the login cache keys on'],
  'auth.check_account_state': ['boolean', '`true`', 'refuse disabled accounts'],
  'auth.single_box': ['boolean', '`false`', 'node assignment: one box'],
  ...SQL_SETTINGS,
};
