import type { FlatConfig } from '../../src/config/types';
import { useService } from './describe-service';

/**
 * This run's slapd as test/services/ldap-up.sh fills it, started on first use; empty strings
 * when it is not available (the suites that need it are then skipped or fail under CI).
 */
export function testDirectory() {
  const env = useService('ldap') ?? {};
  const base = env.SC_LDAP_BASE ?? 'dc=example,dc=com';
  const directory = {
    url: env.SC_LDAP_URL ?? '',
    ldapsUrl: env.SC_LDAPS_URL ?? '',
    tlsCa: env.SC_LDAP_TLS_CA ?? '',
    base,
    admin: env.SC_LDAP_ADMIN ?? `cn=admin,${base}`,
    adminPassword: env.SC_LDAP_ADMIN_PASSWORD ?? '',
    usersRoot: `ou=users,${base}`,
  };
  /** `auth.*` params (prefix removed) with the reader and admin accounts ldap-up.sh creates. */
  const params = (overrides: FlatConfig = {}): FlatConfig => ({
    ldapuri: directory.url, bind_user: `cn=reader,${base}`, bind_password: 'reader-secret',
    admin_user: directory.admin, admin_password: directory.adminPassword, users_root: directory.usersRoot, ...overrides,
  });
  return { ...directory, params };
}
