import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isBackendError, isHttpError } from '../../src/app/responses/errors';
import { LDAPAuth, NodeAttributionError } from '../../src/auth/ldap/ldap-auth';
import { createAuthBackend } from '../../src/auth/registry';
import { CachedAuthBackend } from '../../src/auth/cached-auth-backend';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

const { url: URL, ldapsUrl: LDAPS_URL, base: BASE, admin: ADMIN, adminPassword: ADMIN_PW, usersRoot: ROOT, tlsCa: TLS_CA, params } = testDirectory();

function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The stored attribute as slapd has it, read with the OpenLDAP tools as the admin. */
function stored(dn: string, attribute: string): string[] {
  const out = execFileSync('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', URL, '-D', ADMIN, '-w', ADMIN_PW, '-b', dn, '-s', 'base', attribute], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.startsWith(`${attribute}:`))
    .map((line) => line.startsWith(`${attribute}:: `) ? Buffer.from(line.slice(attribute.length + 3), 'base64').toString('utf8') : line.slice(attribute.length + 2));
}

const backends: LDAPAuth[] = [];
function backend(overrides: FlatConfig = {}): LDAPAuth {
  const auth = new LDAPAuth(params(overrides));
  backends.push(auth);
  return auth;
}
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

describeService('ldap', 'LDAPAuth against slapd (docs/compatibility.md D.7)', () => {
  describe.each([false, true])('ldap_use_pool = %s', (usePool) => {
    const auth = () => backend({ ldap_use_pool: usePool });

    test('users whose hashes slapd wrote log in and get their uidNumber: {SSHA} (ldappasswd), {SSHA256} (slappasswd)', async () => {
      const a = auth();
      expect(stored(`uidNumber=1001,${ROOT}`, 'userPassword')[0]).toMatch(/^\{SSHA\}/);
      expect(stored(`uidNumber=1003,${ROOT}`, 'userPassword')[0]).toMatch(/^\{SSHA256\}/);
      expect(await a.authenticateUser('carol', 'carol-secret')).toBe('1001');
      expect(await a.authenticateUser('erin', 'erin-secret')).toBe('1003');
    });

    test('wrong password, unknown user and empty password are null', async () => {
      const a = auth();
      expect(await a.authenticateUser('carol', 'wrong')).toBeNull();
      expect(await a.authenticateUser('nobody-here', 'carol-secret')).toBeNull();
      // an empty password would be an unauthenticated bind, which slapd accepts
      expect(await a.authenticateUser('carol', '')).toBeNull();
    });

    test('check_account_state: account-enabled must be Yes; off, any entry with the right password logs in', async () => {
      const strict = auth();
      expect(await strict.authenticateUser('dave', 'dave-secret')).toBeNull(); // account-enabled: No
      expect(await strict.authenticateUser('alice', 'alice-secret')).toBeNull(); // no account-enabled
      const lax = backend({ ldap_use_pool: usePool, check_account_state: false });
      expect(await lax.authenticateUser('dave', 'dave-secret')).toBe('1002');
      // plain inetOrgPerson entries without uidNumber: the id is the DN
      expect(await lax.authenticateUser('alice', 'alice-secret')).toBe(`uid=alice,${ROOT}`);
      expect(await lax.authenticateUser('bob', 'bob-secret')).toBe(`uid=bob,${ROOT}`);
      expect(await lax.authenticateUser('bob', 'alice-secret')).toBeNull();
    });

    test('getUserId and getUserInfo, by uidNumber and by DN', async () => {
      const a = auth();
      expect(await a.getUserId('carol')).toBe('1001');
      expect(await a.getUserId('alice')).toBe(`uid=alice,${ROOT}`);
      expect(await a.getUserId('nobody-here')).toBeNull();
      expect(await a.getUserInfo('1001')).toEqual({ username: 'carol', email: 'carol@example.com' });
      expect(await a.getUserInfo(1001)).toEqual({ username: 'carol', email: 'carol@example.com' });
      expect(await a.getUserInfo(`uid=alice,${ROOT}`)).toEqual({ username: 'alice', email: 'alice@example.com' });
      expect(await a.getUserInfo('99999')).toEqual({ username: null, email: null });
      // a DN outside users_root is not a user id
      expect(await a.getUserInfo(`cn=reader,${BASE}`)).toEqual({ username: null, email: null });
    });

    test('updatePassword with the old password; the old one stops working at once (Q-D3)', async () => {
      const a = backend({ ldap_use_pool: usePool, check_account_state: true });
      const name = uniqueName('pw');
      expect(await a.createUser(name, 'first-secret', `${name}@example.com`)).toBe(true);
      const id = await a.authenticateUser(name, 'first-secret');
      expect(id).toBe(`uid=${name},${ROOT}`);
      expect(await a.updatePassword(id as string, 'second-secret', { oldPassword: 'wrong' })).toBe(false);
      expect(await a.updatePassword(id as string, 'second-secret', { oldPassword: 'first-secret' })).toBe(true);
      expect(a.pool.countFor(id as string)).toBe(0);
      expect(await a.authenticateUser(name, 'first-secret')).toBeNull();
      expect(await a.authenticateUser(name, 'second-secret')).toBe(id);
      expect(stored(id as string, 'userPassword')[0]).toMatch(/^\{SSHA\}/);
    });

    test('updatePassword with neither the old password nor a key is refused and changes nothing (Q-D7)', async () => {
      const a = auth();
      const name = uniqueName('q-d7');
      await a.createUser(name, 'kept-secret', '');
      const id = await a.getUserId(name) as string;
      expect(await a.updatePassword(id, 'hijacked', {})).toBe(false);
      expect(await a.updatePassword(id, 'hijacked', { oldPassword: '' })).toBe(false);
      // without auth.sqluri there are no reset codes, so no key is valid
      expect(await a.updatePassword(id, 'hijacked', { key: 'AAAA-BBBB-CCCC-DDDD' })).toBe(false);
      expect(await a.authenticateUser(name, 'kept-secret')).toBe(id);
      expect(await a.authenticateUser(name, 'hijacked')).toBeNull();
    });

    test('updateEmail needs the user password', async () => {
      const a = auth();
      const name = uniqueName('mail');
      await a.createUser(name, 'mail-secret', 'old@example.com');
      const id = await a.getUserId(name) as string;
      expect(await a.updateEmail(id, 'new@example.com')).toBe(false);
      expect(await a.updateEmail(id, 'new@example.com', 'wrong')).toBe(false);
      expect((await a.getUserInfo(id)).email).toBe('old@example.com');
      expect(await a.updateEmail(id, 'new@example.com', 'mail-secret')).toBe(true);
      expect(await a.getUserInfo(id)).toEqual({ username: name, email: 'new@example.com' });
    });

    test('deleteUser needs the password, removes the entry and purges the pool (Q-D3)', async () => {
      const a = auth();
      const name = uniqueName('del');
      await a.createUser(name, 'del-secret', '');
      const id = await a.authenticateUser(name, 'del-secret') as string;
      expect(await a.deleteUser(id)).toBe(false);
      expect(await a.deleteUser(id, 'wrong')).toBe(false);
      expect(await a.deleteUser(id, 'del-secret')).toBe(true);
      expect(a.pool.countFor(id)).toBe(0);
      expect(await a.authenticateUser(name, 'del-secret')).toBeNull();
      expect(await a.getUserInfo(id)).toEqual({ username: null, email: null });
      expect(await a.deleteUser(id, 'del-secret')).toBe(false);
    });
  });

  test('with pooling, connectors are reused by DN and password within ldap_pool_size', async () => {
    const a = backend({ ldap_use_pool: true, ldap_pool_size: 2 });
    for (let i = 0; i < 5; i++) expect(await a.authenticateUser('carol', 'carol-secret')).toBe('1001');
    expect(a.pool.countFor(`cn=reader,${BASE}`)).toBe(1);
    expect(a.pool.countFor(`uidNumber=1001,${ROOT}`)).toBe(1);
    expect(a.pool.size).toBe(2);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      a.authenticateUser(i % 2 ? 'carol' : 'erin', i % 2 ? 'carol-secret' : 'erin-secret')));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? '1001' : '1003')));
    expect(a.pool.size).toBeLessThanOrEqual(2);
  });

  test('without pooling nothing is kept', async () => {
    const a = backend({ ldap_use_pool: false });
    expect(await a.authenticateUser('carol', 'carol-secret')).toBe('1001');
    expect(a.pool.size).toBe(0);
  });

  describe('LDAP injection (Q-D4)', () => {
    const lax = () => backend({ check_account_state: false });

    test.each([
      ['*'], ['*)(uid=*'], ['we*'], ['we*ird(x)*'], ['*)(|(uid=*'], ['we*ird(x)\\z\0'], ['\\2a'], ['we\\2aird(x)\\5cz'],
    ])('the name %j matches nothing, whatever the password', async (name) => {
      const a = lax();
      expect(await a.authenticateUser(name, 'weird-secret')).toBeNull();
      expect(await a.getUserId(name)).toBeNull();
    });

    test('a name made of filter metacharacters matches exactly its own entry', async () => {
      const a = lax();
      expect(await a.authenticateUser('we*ird(x)\\z', 'weird-secret')).toBe(`cn=weird,${ROOT}`);
      expect(await a.getUserId('we*ird(x)\\z')).toBe(`cn=weird,${ROOT}`);
    });

    test('DN metacharacters in a new user name stay inside its RDN, under users_root', async () => {
      const a = lax();
      const name = `${uniqueName('x')},ou=admins+cn=root;"<>=#`;
      expect(await a.createUser(name, 'dn-secret', '')).toBe(true);
      const id = await a.authenticateUser(name, 'dn-secret') as string;
      expect(id.endsWith(`,${ROOT}`)).toBe(true);
      expect(id.startsWith('uid=x-')).toBe(true);
      expect(stored(id, 'uid')).toEqual([name]);
      expect(await a.getUserInfo(id)).toEqual({ username: name, email: null });
      expect(await a.deleteUser(id, 'dn-secret')).toBe(true);
    });

    test('a name ldapjs cannot carry in a DN is refused with a 400 naming the method', async () => {
      const err = await lax().createUser('back\\slash', 'pw', '').catch((e: unknown) => e);
      expect(isHttpError(err) && err.status).toBe(400);
      expect((err as Error).message).toMatch(/^LDAPAuth\.createUser: /);
    });
  });

  test('createUser writes {SSHA} by default, or the configured scheme, and refuses a taken name (Q-D5)', async () => {
    const a = backend({ check_account_state: true });
    const name = uniqueName('new');
    expect(await a.createUser(name, 'new-secret', `${name}@example.com`)).toBe(true);
    const dn = `uid=${name},${ROOT}`;
    expect(stored(dn, 'userPassword')[0]).toMatch(/^\{SSHA\}/);
    expect(stored(dn, 'account-enabled')).toEqual(['Yes']);
    expect(stored(dn, 'primaryNode')).toEqual(['weave:']);
    expect(stored(dn, 'mail-verified')[0]).toMatch(/^[0-9a-f]{40}$/);
    expect(await a.authenticateUser(name, 'new-secret')).toBe(dn);
    expect(await a.createUser(name, 'other', '')).toBe(false);
    expect(await a.createUser('carol', 'other', '')).toBe(false);

    const sha512 = backend({ password_scheme: 'ssha512' });
    const other = uniqueName('sha512');
    await sha512.createUser(other, 'sha-secret', '');
    expect(stored(`uid=${other},${ROOT}`, 'userPassword')[0]).toMatch(/^\{SSHA512\}/);
    expect(await sha512.authenticateUser(other, 'sha-secret')).toBe(`uid=${other},${ROOT}`);
  });

  test('reset codes need auth.sqluri', async () => {
    await expect(backend().generateResetCode('1001')).rejects.toThrow(ConfigError);
    expect(await backend().verifyResetCode('1001', 'AAAA-BBBB-CCCC-DDDD')).toBe(false);
  });

  describe('TLS (Q-D2)', () => {
    test('use_tls runs StartTLS and checks the certificate against tls_ca', async () => {
      const a = backend({ use_tls: true, tls_ca: TLS_CA });
      expect(await a.authenticateUser('carol', 'carol-secret')).toBe('1001');
      // without the CA the server certificate is refused, so StartTLS did happen
      const untrusted = backend({ use_tls: true });
      const err = await untrusted.authenticateUser('carol', 'carol-secret').catch((e: unknown) => e);
      expect(isBackendError(err)).toBe(true);
      expect((err as Error).message).toMatch(/certificate/);
      expect(await backend({ use_tls: true, tls_reject_unauthorized: false }).authenticateUser('carol', 'carol-secret')).toBe('1001');
    });

    test('ldaps:// connects with TLS from the start', async () => {
      const a = backend({ ldapuri: LDAPS_URL, tls_ca: TLS_CA });
      expect(await a.authenticateUser('erin', 'erin-secret')).toBe('1003');
      const untrusted = backend({ ldapuri: LDAPS_URL });
      await expect(untrusted.authenticateUser('erin', 'erin-secret')).rejects.toThrow(/certificate/);
    });
  });

  test('ldapuri lists servers for fail-over, in order', async () => {
    const a = backend({ ldapuri: ['ldap://127.0.0.1:1', URL] });
    expect(await a.authenticateUser('carol', 'carol-secret')).toBe('1001');
    const down = backend({ ldapuri: 'ldap://127.0.0.1:1\nldap://127.0.0.1:2', ldap_retry_delay: 0.01 });
    const err = await down.authenticateUser('carol', 'carol-secret').catch((e: unknown) => e);
    expect(isBackendError(err)).toBe(true);
    expect((err as Error).message).toMatch(/ldap:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*ldap:\/\/127\.0\.0\.1:2: /);
  });

  test('checkHealth binds and reads users_root; a missing users_root or a closed backend fails', async () => {
    await backend().checkHealth();
    await expect(backend({ users_root: `ou=missing,${BASE}` }).checkHealth()).rejects.toThrow(/users_root ou=missing/);
    await expect(backend({ bind_password: 'wrong' }).checkHealth()).rejects.toThrow(/LDAPAuth.checkHealth: InvalidCredentialsError/);
    const closed = backend();
    await closed.close();
    await expect(closed.authenticateUser('carol', 'carol-secret')).rejects.toThrow(/closed/);
  });

  test('auth.backend = ldap through the registry, with dotted auth.ldap.* keys', async () => {
    const flat: FlatConfig = { 'auth.backend': 'ldap', 'auth.ldap.use_pool': true, 'auth.ldap.pool_size': 3 };
    for (const [key, value] of Object.entries(params())) flat[`auth.${key}`] = value;
    const cached = createAuthBackend(flat) as CachedAuthBackend<LDAPAuth>;
    backends.push(cached.backend);
    expect(cached).toBeInstanceOf(CachedAuthBackend);
    const a = cached.backend;
    expect(a).toBeInstanceOf(LDAPAuth);
    expect(a.settings.usePool).toBe(true);
    expect(a.pool.maxSize).toBe(3);
    expect(await cached.authenticateUser('carol', 'carol-secret')).toBe('1001');
  });

  describe('with auth.sqluri: the SQL half of the hybrid', () => {
    let dir: string;
    let file: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'ldap-sql-'));
      file = path.join(dir, 'hybrid.db');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    async function hybrid(overrides: FlatConfig = {}): Promise<LDAPAuth> {
      const a = backend({ sqluri: `sqlite:///${file}`, create_tables: true, ...overrides });
      await a.open();
      return a;
    }

    /** Starts the allocator past the entries earlier runs left in the directory. */
    function skipUsedIds(): void {
      const db = new Database(file);
      db.prepare('INSERT INTO user_ids (id) SELECT MAX(COALESCE(MAX(id), 0) + 1000, ?) FROM user_ids').run(100_000 + Math.floor(Math.random() * 1e8));
      db.close();
    }

    test('createUser takes the uidNumber from user_ids and names the entry uidNumber=<id>', async () => {
      const a = await hybrid();
      skipUsedIds();
      const name = uniqueName('hy');
      expect(await a.createUser(name, 'hy-secret', `${name}@example.com`)).toBe(true);
      const id = await a.authenticateUser(name, 'hy-secret') as string;
      expect(id).toMatch(/^\d+$/);
      const db = new Database(file);
      const max = (db.prepare('SELECT MAX(id) AS id FROM user_ids').get() as { id: number }).id;
      db.close();
      expect(id).toBe(String(max));
      expect(stored(`uidNumber=${id},${ROOT}`, 'uid')).toEqual([name]);
      const second = uniqueName('hy');
      await a.createUser(second, 'hy-secret', '');
      expect(await a.getUserId(second)).toBe(String(max + 1));

      // an allocator behind the directory is a clear error, not a silent false
      const behind = new Database(file);
      behind.exec('DELETE FROM user_ids');
      behind.prepare('INSERT INTO user_ids (id) VALUES (?)').run(max - 1);
      behind.exec('DELETE FROM sqlite_sequence WHERE name = \'user_ids\'');
      behind.close();
      const err = await a.createUser(uniqueName('hy'), 'hy-secret', '').catch((e: unknown) => e);
      expect(isBackendError(err)).toBe(true);
      expect((err as Error).message).toMatch(/uidNumber=\d+,ou=users.* already exists: the user_ids table is behind the directory/);
    });

    test('reset codes: a valid key changes the password with the admin bind, once', async () => {
      const a = await hybrid();
      skipUsedIds();
      const name = uniqueName('reset');
      await a.createUser(name, 'before-secret', '');
      const id = await a.getUserId(name) as string;
      const code = await a.generateResetCode(id);
      expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
      expect(await a.generateResetCode(id)).toBe(code);
      expect(await a.updatePassword(id, 'after-secret', { key: 'AAAA-BBBB-CCCC-DDDD' })).toBe(false);
      expect(await a.updatePassword(id, 'after-secret', { key: code })).toBe(true);
      expect(await a.authenticateUser(name, 'after-secret')).toBe(id);
      expect(await a.authenticateUser(name, 'before-secret')).toBeNull();
      expect(await a.verifyResetCode(id, code)).toBe(false);
      expect(await a.updatePassword(id, 'third-secret', { key: code })).toBe(false);
      await expect(a.generateResetCode('99999999')).rejects.toThrow(/no user/);
    });

    test('getUserNode: legacy vectors node1/node2/node3, ordered by actives', async () => {
      const a = await hybrid({ nodes_scheme: 'https' });
      skipUsedIds();
      const db = new Database(file);
      db.exec('DELETE FROM available_nodes');
      const insert = db.prepare('INSERT INTO available_nodes (node, available_assignments, actives) VALUES (?, ?, ?)');
      insert.run('node1', 10, 101);
      insert.run('node2', 0, 100);
      insert.run('node3', 1, 89);
      const first = uniqueName('node');
      const second = uniqueName('node');
      await a.createUser(first, 'n-secret', '');
      await a.createUser(second, 'n-secret', '');
      const uid1 = await a.getUserId(first) as string;
      const uid2 = await a.getUserId(second) as string;

      expect(await a.getUserNode(uid1)).toBe('https://node3/');
      expect(await a.getUserNode(uid1)).toBe('https://node3/');
      expect(stored(`uidNumber=${uid1},${ROOT}`, 'primaryNode')).toEqual(['weave:node3']);
      expect(await a.getUserNode(uid2, false)).toBeNull();
      expect(await a.getUserNode(uid2)).toBe('https://node1/');
      const rows = db.prepare('SELECT node, available_assignments AS a, actives FROM available_nodes ORDER BY node').all();
      expect(rows).toEqual([
        { node: 'node1', a: 9, actives: 102 },
        { node: 'node2', a: 0, actives: 100 },
        { node: 'node3', a: 0, actives: 90 },
      ]);

      db.exec('UPDATE available_nodes SET available_assignments = 0');
      db.close();
      const third = uniqueName('node');
      await a.createUser(third, 'n-secret', '');
      await expect(a.getUserNode(await a.getUserId(third) as string)).rejects.toBeInstanceOf(NodeAttributionError);
      expect(await backend({ single_box: true }).getUserNode(uid1)).toBeNull();
    });

    test('with create_tables = false and no tables, the SQL side fails as a BackendError', async () => {
      const empty = path.join(dir, 'empty.db');
      const a = backend({ sqluri: `sqlite:///${empty}`, create_tables: false });
      const name = uniqueName('notables');
      const err = await a.createUser(name, 'pw', '').catch((e: unknown) => e);
      expect(isBackendError(err)).toBe(true);
      expect((err as Error).message).toMatch(/user_ids/);
    });
  });
});

describe('LDAPAuth settings', () => {
  test('defaults (documented in docs/auth-ldap.md)', () => {
    const a = new LDAPAuth({ ldapuri: 'ldap://localhost' });
    expect(a.settings).toMatchObject({
      urls: ['ldap://localhost'], useTls: false, bindUser: '', usersRoot: 'ou=users,dc=mozilla', timeout: 10_000,
      usePool: false, poolSize: 10, retryMax: 3, retryDelay: 100, maxLifetime: 600_000, checkAccountState: true,
      singleBox: false, nodesScheme: 'https', passwordScheme: 'ssha',
    });
    expect(a.settings.tls.rejectUnauthorized).toBe(true);
  });

  test('ldapuri takes a space-separated string, several lines, or a list', () => {
    expect(new LDAPAuth({ ldapuri: 'ldap://a ldaps://b:636' }).settings.urls).toEqual(['ldap://a', 'ldaps://b:636']);
    expect(new LDAPAuth({ ldapuri: ['ldap://a', 'ldap://b'] }).settings.urls).toEqual(['ldap://a', 'ldap://b']);
    expect(new LDAPAuth({ ldapuri: 'ldap://a\nldap://b/' }).settings.urls).toEqual(['ldap://a', 'ldap://b/']);
  });

  test.each<[FlatConfig, RegExp]>([
    [{}, /auth\.ldapuri is required/],
    [{ ldapuri: 'http://x' }, /auth\.ldapuri: 'http:\/\/x' is not an ldap/],
    [{ ldapuri: 'ldap://x', password_scheme: 'argon2id' }, /auth\.password_scheme = argon2id/],
    [{ ldapuri: 'ldap://x', tls_ca: '/nonexistent/ca.pem' }, /auth\.tls_ca: cannot read \/nonexistent\/ca\.pem/],
    [{ ldapuri: 'ldap://x', ldap_use_pool: 'maybe' }, /auth\.ldap_use_pool: expected true or false, got "maybe"/],
    [{ ldapuri: 'ldap://x', ldap_pool_size: 'ten' }, /auth\.ldap_pool_size: expected a number, got "ten"/],
    [{ ldapuri: 'ldap://x', ldap_pool_size: 0 }, /size must be a positive integer/],
    [{ ldapuri: 'ldap://x', users_root: 'md5' }, /users_root = md5/],
  ])('%j is refused: %s', (bad, message) => {
    expect(() => new LDAPAuth(bad)).toThrow(message);
  });

  test('ldap_timeout <= 0 waits forever, as the legacy -1', () => {
    expect(new LDAPAuth({ ldapuri: 'ldap://x', ldap_timeout: -1 }).settings.timeout).toBe(0);
  });

  test('writes without admin_user fail with a ConfigError naming the method', async () => {
    const a = new LDAPAuth({ ldapuri: 'ldap://127.0.0.1:1' });
    await expect(a.createUser('x', 'y', '')).rejects.toThrow(/LDAPAuth\.createUser writes to the directory: set auth\.admin_user/);
  });
});
