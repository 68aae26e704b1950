import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { hashPassword } from '../../src/auth/passwords';
import type { FlatConfig } from '../../src/config/types';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

const { url: URL, admin: ADMIN, adminPassword: ADMIN_PW, usersRoot: ROOT, params } = testDirectory();

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
