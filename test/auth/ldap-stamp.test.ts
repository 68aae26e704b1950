import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LDAPAuth } from '../../src/auth/backends/ldap';
import { hashPassword } from '../../src/auth/passwords';
import type { FlatConfig } from '../../src/config/types';
import { describeService, useService } from '../services/describe-service';

// this run's slapd, started on first use (test/services/); empty when it is not available
const ldap = useService('ldap') ?? {};
const URL = ldap.SC_LDAP_URL ?? '';
const BASE = ldap.SC_LDAP_BASE ?? 'dc=example,dc=com';
const ADMIN = ldap.SC_LDAP_ADMIN ?? `cn=admin,${BASE}`;
const ADMIN_PW = ldap.SC_LDAP_ADMIN_PASSWORD ?? '';
const ROOT = `ou=users,${BASE}`;

const params = (overrides: FlatConfig = {}): FlatConfig => ({
  ldapuri: URL, bind_user: `cn=reader,${BASE}`, bind_password: 'reader-secret',
  admin_user: ADMIN, admin_password: ADMIN_PW, users_root: ROOT, ...overrides,
});

/** A change made outside the backend, as an admin with the OpenLDAP tools would. */
async function ldapmodify(dn: string, attribute: string, value: string): Promise<void> {
  execFileSync('ldapmodify', ['-x', '-H', URL, '-D', ADMIN, '-w', ADMIN_PW], {
    input: `dn: ${dn}\nchangetype: modify\nreplace: ${attribute}\n${attribute}: ${value}\n`,
  });
}

describeService('ldap', 'LDAPAuth.credentialStamp', () => {
  const backends: LDAPAuth[] = [];
  const backend = (overrides: FlatConfig = {}) => {
    const auth = new LDAPAuth(params(overrides));
    backends.push(auth);
    return auth;
  };
  const name = `stamp-${randomBytes(4).toString('hex')}`;
  const dn = `uid=${name},${ROOT}`;

  beforeAll(async () => {
    expect(await backend().createUser(name, 'first-pw', `${name}@example.com`)).toBe(true);
  });
  afterAll(async () => {
    execFileSync('ldapdelete', ['-x', '-H', URL, '-D', ADMIN, '-w', ADMIN_PW, dn]);
    await Promise.all(backends.map((b) => b.close()));
  });

  test('changes with the password and the account state, made anywhere; null for an unknown user', async () => {
    const auth = backend();
    const first = await auth.credentialStamp(name);
    expect(first).toContain(dn);
    expect(await auth.credentialStamp(name)).toBe(first);
    expect(await auth.credentialStamp(`${name}-nobody`)).toBeNull();
    await ldapmodify(dn, 'userPassword', await hashPassword('second-pw', 'ssha'));
    const second = await auth.credentialStamp(name);
    expect(second).not.toBe(first);
    await ldapmodify(dn, 'account-enabled', 'No');
    expect(await auth.credentialStamp(name)).not.toBe(second);
    await ldapmodify(dn, 'account-enabled', 'Yes');
    await ldapmodify(dn, 'userPassword', await hashPassword('first-pw', 'ssha'));
  });

  test('unreadable stamp attributes: null (not cached) and one warning', async () => {
    const warnings: string[] = [];
    const auth = new LDAPAuth(params({ ldap_stamp_attributes: 'noSuchStampAttribute' }), { config: {}, warn: (m) => warnings.push(m) });
    backends.push(auth);
    expect(await auth.credentialStamp(name)).toBeNull();
    expect(await auth.credentialStamp(name)).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/cannot read noSuchStampAttribute .*logins are not cached/)]);
  });

  test('with the pool on, a password changed elsewhere no longer logs in on a connection bound with the old one', async () => {
    const auth = backend({ ldap_use_pool: true });
    expect(await auth.authenticateUser(name, 'first-pw')).toBe(dn);
    await ldapmodify(dn, 'userPassword', await hashPassword('third-pw', 'ssha'));
    expect(await auth.authenticateUser(name, 'first-pw')).toBeNull();
    expect(await auth.authenticateUser(name, 'third-pw')).toBe(dn);
    await ldapmodify(dn, 'userPassword', await hashPassword('first-pw', 'ssha'));
  });
});
