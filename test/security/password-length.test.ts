import bcrypt from 'bcryptjs';
import request from 'supertest';
import { ERROR_WEAK_PASSWORD } from '../../src/util/respcodes';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { DEFAULT_MAX_PASSWORD_LENGTH, PasswordTooLongError } from '../../src/auth/password-length';
import { hashPassword, validatePassword } from '../../src/auth/passwords';
import { createTestApp } from '../../src/testing';
import { AccountsApp } from '../../samples/accounts/accounts-app';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('auth.max_password_length', () => {
  const config = (extra = '') => `
[auth]
backend = sql
sqluri = sqlite:///:memory:
password_scheme = ssha-256
${extra}
`;

  test('password-setting routes answer respcode 9; login with a longer password is a plain 401; the account keeps working', async () => {
    const t = createTestApp(AccountsApp, config());
    try {
      const http = request(t.app.callback());
      await http.put('/user/1.0/longpw').send({ password: 'x'.repeat(DEFAULT_MAX_PASSWORD_LENGTH + 1), email: 'l@example.com' })
        .expect(400, String(ERROR_WEAK_PASSWORD));
      await http.put('/user/1.0/longpw').send({ password: 'the-first-password', email: 'l@example.com' }).expect(200);
      // The change the report made: a 1,000,000-character password.
      await http.post('/user/1.0/longpw/password').set('Authorization', basic('longpw', 'the-first-password'))
        .send({ password: 'y'.repeat(1_000_000) }).expect(400, String(ERROR_WEAK_PASSWORD));
      await http.get('/user/1.0/longpw/info').set('Authorization', basic('longpw', 'the-first-password')).expect(200);
      const res = await http.get('/user/1.0/longpw/info').set('Authorization', basic('longpw', 'z'.repeat(DEFAULT_MAX_PASSWORD_LENGTH + 1)))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
      t.cef.assertLogged({ signature: 'Authentication Failed for Backend service longpw' });
    } finally {
      await t.app.close();
    }
  });

  test('the limit is configurable and checked before any hash: the backend is not asked', async () => {
    const auth = new SQLAuth({ sqluri: 'sqlite:///:memory:', password_scheme: 'ssha-256', max_password_length: 20 });
    const asked: string[] = [];
    const authenticate = auth.authenticateUser.bind(auth);
    auth.authenticateUser = (username, password) => {
      asked.push(password);
      return authenticate(username, password);
    };
    const t = createTestApp(AccountsApp, config('max_password_length = 20'), { auth });
    try {
      const http = request(t.app.callback());
      await http.put('/user/1.0/short').send({ password: 'a'.repeat(21), email: 's@example.com' }).expect(400, String(ERROR_WEAK_PASSWORD));
      await http.put('/user/1.0/short').send({ password: 'a'.repeat(20), email: 's@example.com' }).expect(200);
      await http.get('/user/1.0/short/info').set('Authorization', basic('short', 'a'.repeat(21))).expect(401);
      await http.get('/user/1.0/short/info').set('Authorization', basic('short', 'a'.repeat(20))).expect(200);
      expect(asked).toEqual(['a'.repeat(20)]);
    } finally {
      await t.app.close();
    }
    expect(() => createTestApp(AccountsApp, config('max_password_length = none'))).toThrow(/auth\.max_password_length: expected a positive integer, got "none"/);
  });

  test('the SQL backend refuses a long password on create and update, and never matches one', async () => {
    const auth = new SQLAuth({ sqluri: 'sqlite:///:memory:', password_scheme: 'ssha-256', max_password_length: 30 });
    try {
      await expect(auth.createUser('u', 'p'.repeat(31), 'u@example.com')).rejects.toThrow(PasswordTooLongError);
      expect(await auth.createUser('u', 'p'.repeat(30), 'u@example.com')).toBe(true);
      const id = (await auth.getUserId('u'))!;
      await expect(auth.updatePassword(id, 'q'.repeat(31), { oldPassword: 'p'.repeat(30) })).rejects.toMatchObject({ status: 400, body: ERROR_WEAK_PASSWORD });
      expect(await auth.authenticateUser('u', 'p'.repeat(31))).toBeNull();
      expect(await auth.authenticateUser('u', 'p'.repeat(30))).toBe(id);
    } finally {
      await auth.close();
    }
  });
});

describe('bcrypt reads 72 bytes: two passwords sharing them are not the same password', () => {
  const first72 = 'é'.repeat(30) + 'x'.repeat(12); // 72 bytes in UTF-8

  test('a new bcrypt hash refuses a password over 72 bytes', async () => {
    expect(Buffer.byteLength(first72)).toBe(72);
    await expect(hashPassword(`${first72}y`, 'bcrypt')).rejects.toThrow(PasswordTooLongError);
    await expect(hashPassword('é'.repeat(37), 'bcrypt')).rejects.toMatchObject({ body: ERROR_WEAK_PASSWORD });
  });

  test('a longer password sharing the first 72 bytes does not match; existing hashes verify as before', async () => {
    const ours = await hashPassword(first72, 'bcrypt');
    expect(await validatePassword(first72, ours)).toBe(true);
    expect(await validatePassword(`${first72}-anything`, ours)).toBe(false);
    // A hash another bcrypt writer made (cost 4, $2a$ and $2b$) still verifies with its password.
    for (const hash of [bcrypt.hashSync('legacy-password', 4), bcrypt.hashSync('legacy-password', 4).replace(/^\$2b\$/, '$2a$')]) {
      expect(await validatePassword('legacy-password', hash)).toBe(true);
      expect(await validatePassword('legacy-passwore', hash)).toBe(false);
    }
  });
});
