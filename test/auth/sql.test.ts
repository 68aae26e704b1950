import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBackendError } from '../../src/app/responses/errors';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { schemeOf } from '../../src/auth/passwords';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import { describeService } from '../services/describe-service';
import { LEGACY_USERS_DDL, serverDatabase, sqliteDatabase } from './sql-databases';
import type { TestDatabase } from './sql-databases';

// Written by Python server-core for the password 'tarek' (docs/compatibility.md D.10 vectors).
const PY_SSHA = '{SSHA}QCDS8FPwyLnHGObywiREgBzIV0NhYmNkZWZnaA==';
const PY_SSHA_256 = '{SSHA-256}7MsJ0t3FV1X60+YMEhRQ6QbqsTyLsHxyDehrH2oIMWVhYmNkZWZnaA==';

function sqlBackendSuite(makeDatabase: () => Promise<TestDatabase>): void {
  let db: TestDatabase;
  const opened: SQLAuth[] = [];
  const warnings: string[] = [];

  async function backend(params: FlatConfig = {}): Promise<SQLAuth> {
    const auth = new SQLAuth({ sqluri: db.uri, ...params }, { config: {}, warn: (m) => warnings.push(m) });
    opened.push(auth);
    await auth.open();
    return auth;
  }

  beforeAll(async () => { db = await makeDatabase(); });
  afterAll(async () => { await db.drop(); });
  beforeEach(async () => {
    await db.dropUsers();
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((auth) => auth.close()));
  });

  test('create, authenticate, and only status = 1 may log in (docs/compatibility.md D.5)', async () => {
    const auth = await backend();
    expect(await auth.createUser('tarek', 'tarek', 'tarek@ziade.org')).toBe(true);
    const id = await auth.getUserId('tarek');
    expect(typeof id).toBe('number');
    expect(await auth.authenticateUser('tarek', 'xxx')).toBeNull();
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    expect(await auth.authenticateUser('nobody', 'tarek')).toBeNull();
    await db.query('UPDATE users SET status = 0');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();
  });

  test('new passwords are argon2id by default, or auth.password_scheme', async () => {
    const auth = await backend();
    await auth.createUser('a', 'pw', 'a@x');
    const bcrypt = await backend({ password_scheme: 'bcrypt' });
    await bcrypt.createUser('b', 'pw', 'b@x');
    const rows = await db.query<{ username: string; password_hash: string; status: number }>('SELECT username, password_hash, status FROM users ORDER BY id');
    expect(rows.map((r) => [r.username, schemeOf(r.password_hash), Number(r.status)])).toEqual([['a', 'argon2id', 1], ['b', 'bcrypt', 1]]);
  });

  test('usernames are unique (Q-D5): createUser says false, the new table refuses duplicates', async () => {
    const auth = await backend();
    expect(await auth.createUser('tarek', 'one', 'a@x')).toBe(true);
    expect(await auth.createUser('tarek', 'two', 'b@x')).toBe(false);
    await expect(db.query("INSERT INTO users (username, password_hash, status) VALUES ('tarek', 'other', 1)")).rejects.toThrow();
    expect(await db.query('SELECT id FROM users')).toHaveLength(1);
  });

  test('workers opening a fresh database at once all start: the tables are created once (serve with workers > 1)', async () => {
    const auths = Array.from({ length: 4 }, () => new SQLAuth({ sqluri: db.uri }, { config: {}, warn: (m) => warnings.push(m) }));
    opened.push(...auths);
    await Promise.all(auths.map((auth) => auth.open()));
    await Promise.all(auths.map((auth, i) => auth.createUser(`u${i}`, 'pw', `u${i}@x`)));
    expect(await db.query('SELECT id FROM users')).toHaveLength(4);
    expect(await auths[3].createUser('u0', 'again', 'b@x')).toBe(false);
  });

  test('too long names are refused with a clear error, nothing written', async () => {
    const auth = await backend();
    await expect(auth.createUser('x'.repeat(33), 'pw', 'a@x')).rejects.toThrow(/SQLAuth.createUser: the user name must have 1 to 32/);
    expect(await db.query('SELECT id FROM users')).toHaveLength(0);
  });

  test('getUserInfo and updateEmail', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'tarek@ziade.org');
    const id = (await auth.getUserId('tarek'))!;
    expect(await auth.getUserInfo(id)).toEqual({ username: 'tarek', email: 'tarek@ziade.org' });
    expect(await auth.getUserInfo(999999)).toEqual({ username: null, email: null });
    expect(await auth.getUserInfo('not-an-id')).toEqual({ username: null, email: null });
    expect(await auth.updateEmail(id, 'new@ziade.org')).toBe(true);
    expect(await auth.updateEmail(id, 'other@ziade.org', 'wrong')).toBe(false);
    expect(await auth.updateEmail(999999, 'x@y')).toBe(false);
    expect((await auth.getUserInfo(String(id))).email).toBe('new@ziade.org');
  });

  test('updatePassword checks the old password (Q-D1) and needs it or a key (Q-D7)', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'a@x');
    const id = (await auth.getUserId('tarek'))!;
    expect(await auth.updatePassword(id, 'new', {})).toBe(false);
    expect(await auth.updatePassword(id, 'new', { oldPassword: 'wrong' })).toBe(false);
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    expect(await auth.updatePassword(id, 'new', { oldPassword: 'tarek' })).toBe(true);
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();
    expect(await auth.authenticateUser('tarek', 'new')).toBe(id);
    expect(await auth.updatePassword(999999, 'x', { oldPassword: 'new' })).toBe(false);
  });

  test('updatePassword with a reset key uses the key up', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'a@x');
    const id = (await auth.getUserId('tarek'))!;
    const code = await auth.generateResetCode(id);
    expect(await auth.updatePassword(id, 'new', { key: 'AAAA-AAAA-AAAA-AAAA' })).toBe(false);
    expect(await auth.updatePassword(id, 'new', { key: code })).toBe(true);
    expect(await auth.authenticateUser('tarek', 'new')).toBe(id);
    expect(await auth.verifyResetCode(id, code)).toBe(false);
    expect(await auth.updatePassword(id, 'newer', { key: code })).toBe(false);
  });

  test('deleteUser checks the password when given', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'a@x');
    const id = (await auth.getUserId('tarek'))!;
    expect(await auth.deleteUser(id, 'wrong')).toBe(false);
    expect(await auth.deleteUser(id, 'tarek')).toBe(true);
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();
    expect(await auth.deleteUser(id)).toBe(false);
    await auth.createUser('tarek', 'tarek', 'a@x');
    expect(await auth.deleteUser((await auth.getUserId('tarek'))!)).toBe(true);
  });

  test('reset codes in users.reset (docs/compatibility.md D.6)', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'a@x');
    const id = (await auth.getUserId('tarek'))!;
    const code = await auth.generateResetCode(id);
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(await auth.generateResetCode(id)).toBe(code);
    expect(await auth.verifyResetCode(id, code)).toBe(true);
    expect(await auth.verifyResetCode(id, 'BADCODE')).toBe(false);
    expect(await auth.verifyResetCode(id, `${code}X`)).toBe(false); // anchored at both ends
    const fresh = await auth.generateResetCode(id, true);
    expect(fresh).not.toBe(code);
    expect(await auth.verifyResetCode(id, code)).toBe(false);
    expect(await auth.verifyResetCode(id, fresh)).toBe(true);
    expect(await auth.clearResetCode(id)).toBe(true);
    expect(await auth.clearResetCode(id)).toBe(false);
    expect(await auth.verifyResetCode(id, fresh)).toBe(false);
    await expect(auth.generateResetCode(999999)).rejects.toThrow(/no user with id 999999/);
  });

  test('an expired code fails and is deleted on read', async () => {
    const auth = await backend();
    await auth.createUser('tarek', 'tarek', 'a@x');
    const id = (await auth.getUserId('tarek'))!;
    const code = await auth.generateResetCode(id);
    const [{ reset_expiration: stored }] = await db.query<{ reset_expiration: Date | string }>('SELECT reset_expiration FROM users');
    expect(stored).not.toBeNull();
    const dataSource = await auth.connection.dataSource();
    await dataSource.getRepository('users').update({ id }, { resetExpiration: new Date(Date.now() - 7 * 3600 * 1000) });
    expect(await auth.verifyResetCode(id, code)).toBe(false);
    expect(await db.query('SELECT id FROM users WHERE reset IS NULL')).toHaveLength(1);
    expect(await auth.generateResetCode(id)).not.toBe(code);
  });

  test('a legacy table written by Python: {SSHA-256} and {SSHA} hashes, duplicate names', async () => {
    await db.query(LEGACY_USERS_DDL[db.dialect]);
    await db.query('INSERT INTO users (username, password_hash, email, status) VALUES (?, ?, ?, 1)', ['tarek', PY_SSHA_256, 't@x']);
    await db.query('INSERT INTO users (username, password_hash, email, status) VALUES (?, ?, ?, 1)', ['ldapish', PY_SSHA, 'l@x']);
    await db.query('INSERT INTO users (username, password_hash, email, status) VALUES (?, ?, ?, 1)', ['tarek', PY_SSHA, 'dup@x']);
    const auth = await backend();
    const [first] = await db.query<{ id: number }>('SELECT id FROM users WHERE email = ?', ['t@x']);
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(first.id); // the first row wins
    expect(await auth.authenticateUser('ldapish', 'tarek')).not.toBeNull();
    expect(await auth.authenticateUser('tarek', 'other')).toBeNull();
    // no rehash by default: Python readers of the same table keep working
    const rows = await db.query<{ password_hash: string }>('SELECT password_hash FROM users ORDER BY id');
    expect(rows.map((r) => r.password_hash)).toEqual([PY_SSHA_256, PY_SSHA, PY_SSHA]);
    // the existing table is not altered; createUser still refuses a taken name on it
    await db.query('INSERT INTO users (username, password_hash, status) VALUES (?, ?, 1)', ['tarek', 'another hash']);
    expect(await auth.createUser('tarek', 'x', 'x@x')).toBe(false);
  });

  test('auth.rehash = true upgrades a legacy hash at login', async () => {
    await db.query(LEGACY_USERS_DDL[db.dialect]);
    await db.query('INSERT INTO users (username, password_hash, email, status) VALUES (?, ?, ?, 1)', ['tarek', PY_SSHA_256, 't@x']);
    const auth = await backend({ rehash: true });
    const id = await auth.authenticateUser('tarek', 'tarek');
    expect(id).not.toBeNull();
    const [{ password_hash: upgraded }] = await db.query<{ password_hash: string }>('SELECT password_hash FROM users');
    expect(schemeOf(upgraded)).toBe('argon2id');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    expect(await auth.authenticateUser('tarek', 'wrong')).toBeNull();
  });

  test('create_tables = false and no table: every call is a BackendError (test_no_create)', async () => {
    const auth = await backend({ create_tables: false });
    const err = await auth.authenticateUser('tarek', 'tarek').catch((e: unknown) => e);
    expect(isBackendError(err)).toBe(true);
    expect((err as Error).message).toMatch(/SQLAuth.authenticateUser failed on/);
    expect(isBackendError(await auth.createUser('a', 'b', 'c').catch((e: unknown) => e))).toBe(true);
    await auth.checkHealth(); // the database itself answers
  });

  test('checkHealth runs SELECT 1; after close it reconnects on use', async () => {
    const auth = await backend();
    await auth.checkHealth();
    await auth.close();
    await auth.checkHealth();
  });
}

describe('SQLAuth on SQLite', () => {
  sqlBackendSuite(sqliteDatabase);

  test('sqlite:///:memory: needs no file, and an unset sqluri says so loudly', async () => {
    const warnings: string[] = [];
    const auth = new SQLAuth({}, { config: {}, warn: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/auth.sqluri is not set.*memory/);
    expect(await auth.createUser('tarek', 'tarek', 'a@x')).toBe(true);
    expect(await auth.authenticateUser('tarek', 'tarek')).not.toBeNull();
    await auth.close();
  });

  test('processes opening a fresh SQLite file at the same moment all start (serve with workers > 1)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-sql-race-'));
    const uri = `sqlite:///${path.join(dir, 'fresh.db')}`;
    try {
      const children = Array.from({ length: 4 }, () => spawn(process.execPath,
        ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures/open-sql-backend.ts'), uri],
        { stdio: ['pipe', 'pipe', 'pipe'] }));
      const stderr = children.map((child) => {
        let text = '';
        child.stderr.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        return () => text;
      });
      await Promise.all(children.map((child) => once(child.stdout, 'data')));
      for (const child of children) child.stdin.write('go\n');
      const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0]));
      expect({ codes, stderr: stderr.map((read) => read()) }).toEqual({ codes: [0, 0, 0, 0], stderr: ['', '', '', ''] });
      const auth = new SQLAuth({ sqluri: uri });
      expect(await auth.getUserId(`user${children[0].pid}`)).not.toBeNull();
      await auth.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000); // four ts-node starts: about 50 s on a loaded 2-core machine

  test('bad parameters are ConfigErrors naming the key', () => {
    expect(() => new SQLAuth({ sqluri: 'oracle://x/y' })).toThrow(ConfigError);
    expect(() => new SQLAuth({ sqluri: 'oracle://u:secret@x/y' })).toThrow(/auth.sqluri: unsupported database 'oracle:\/\/u:\*\*\*@x\/y'/);
    expect(() => new SQLAuth({ sqluri: 'sqlite://relative.db' })).toThrow(/three slashes/);
    expect(() => new SQLAuth({ pool_size: 0 })).toThrow(/auth.pool_size: expected a positive integer, got 0/);
    expect(() => new SQLAuth({ pool_recycle: 'soon' })).toThrow(/auth.pool_recycle/);
    expect(() => new SQLAuth({ create_tables: 'maybe' })).toThrow(/auth.create_tables: expected true or false/);
    expect(() => new SQLAuth({ password_scheme: 'md5' })).toThrow(/auth.password_scheme: unknown password scheme 'md5'/);
  });
});

describeService('pg', 'SQLAuth on PostgreSQL', () => sqlBackendSuite(() => serverDatabase('postgres')));
describeService('maria', 'SQLAuth on MariaDB', () => sqlBackendSuite(() => serverDatabase('mysql')));
