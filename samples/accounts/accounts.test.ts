import request from 'supertest';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from '../../src/testing';
import { AccountsApp } from './accounts-app';

const CONFIG = `
[auth]
backend = sql
sqluri = sqlite:///:memory:
password_scheme = ssha-256

[cef]
vendor = mozilla
version = 0
device_version = 1.0
product = accounts
`;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('samples/accounts', () => {
  let t: ReturnType<typeof createTestApp<AccountsApp>>;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    t = createTestApp(AccountsApp, CONFIG);
    http = request(t.app.callback());
    await http.put('/user/1.0/alice').send({ password: 'correct horse', email: 'alice@example.com' }).expect(200, 'alice');
  });
  afterEach(() => t.app.close());

  test('register, then the name is taken and the user can log in', async () => {
    await http.get('/user/1.0/alice').expect(200, '1');
    await http.get('/user/1.0/nobody').expect(200, '0');
    await http.get('/user/1.0/alice/info').set('Authorization', basic('alice', 'correct horse'))
      .expect(200, { username: 'alice', email: 'alice@example.com' });
    t.cef.assertLogged({ signature: 'AccountCreated', severity: 5 });
  });

  test('respcodes on bad input: invalid user 3, existing user 4, malformed JSON 6, missing password 7, weak password 9, no email 12', async () => {
    const put = (name: string) => http.put(`/user/1.0/${name}`).set('Content-Type', 'application/json');
    await put('bad%20name').send({ password: 'long enough pw', email: 'a@example.com' }).expect(400, '3');
    await put('alice').send({ password: 'another password', email: 'a@example.com' }).expect(400, '4');
    await put('bob').send('{"password": ').expect(400, '6');
    await put('bob').send({ email: 'bob@example.com' }).expect(400, '7');
    await put('bob').send({ password: 'short', email: 'bob@example.com' }).expect(400, '9');
    await put('bob').send({ password: 'BOB', email: 'bob@example.com' }).expect(400, '9');
    await put('bob').send({ password: 'long enough pw', email: 'not-an-address' }).expect(400, '12');
    // Nothing half-created by the refusals.
    await http.get('/user/1.0/bob').expect(200, '0');
  });

  test('info needs the right credentials for the user in the URL', async () => {
    await http.get('/user/1.0/alice/info').expect(401);
    await http.get('/user/1.0/alice/info').set('Authorization', basic('alice', 'wrong')).expect(401);
    await http.put('/user/1.0/bob').send({ password: 'bobs password', email: 'bob@example.com' }).expect(200);
    await http.get('/user/1.0/alice/info').set('Authorization', basic('bob', 'bobs password')).expect(401);
  });

  test('change password (old one checked through Basic auth) and email, both CEF-logged', async () => {
    const auth = basic('alice', 'correct horse');
    await http.post('/user/1.0/alice/password').set('Authorization', auth).send({ password: 'short' }).expect(400, '9');
    await http.post('/user/1.0/alice/password').set('Authorization', auth).send({ password: 'battery staple' }).expect(200, 'success');
    t.cef.assertLogged({ name: 'Password change', signature: 'PasswordChange', severity: 7, suser: 'alice' });
    // The login cache forgets the old password at once.
    await http.get('/user/1.0/alice/info').set('Authorization', auth).expect(401);
    const fresh = basic('alice', 'battery staple');
    await http.post('/user/1.0/alice/email').set('Authorization', fresh).send({ email: 'nope' }).expect(400, '12');
    await http.post('/user/1.0/alice/email').set('Authorization', fresh).send({ email: 'alice@example.org' }).expect(200);
    t.cef.assertLogged({ signature: 'EmailChange', suser: 'alice' });
    await http.get('/user/1.0/alice/info').set('Authorization', fresh).expect(200, { username: 'alice', email: 'alice@example.org' });
  });

  test('reset codes: the delivered code sets a new password once; a wrong code is respcode 10', async () => {
    await http.get('/user/1.0/nobody/password_reset').expect(404);
    await http.get('/user/1.0/alice/password_reset').expect(200, 'success');
    const delivered = t.logs.find((l) => l.msg === 'reset code for alice');
    const key = delivered?.resetCode as string;
    expect(key).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    await http.post('/user/1.0/alice/password_reset').send({ key: 'AAAA-AAAA-AAAA-AAAA', password: 'reset password' }).expect(400, '10');
    await http.post('/user/1.0/alice/password_reset').send({ key: 'junk', password: 'reset password' }).expect(400, '10');
    await http.post('/user/1.0/alice/password_reset').send({ key, password: 'reset password' }).expect(200, 'success');
    t.cef.assertLogged({ signature: 'PasswordReset', severity: 7 });
    await http.get('/user/1.0/alice/info').set('Authorization', basic('alice', 'reset password')).expect(200);
    await http.post('/user/1.0/alice/password_reset').send({ key, password: 'another one!' }).expect(400, '10');
  });

  test('the heartbeat checks the users table: 200, then 503 once it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    const file = join(dir, 'accounts.db');
    const app = createTestApp(AccountsApp, CONFIG.replace('sqlite:///:memory:', `sqlite:///${file}`)).app;
    try {
      await request(app.callback()).get('/__heartbeat__').expect(200, '');
      const db = new Database(file);
      db.exec('DROP TABLE users');
      db.close();
      await request(app.callback()).get('/__heartbeat__').expect(503);
    } finally {
      await app.close();
    }
  });

  test('the start hook seeds the demo user of accounts.demo_* and logs how to log in, under callback() too', async () => {
    const demo = createTestApp(AccountsApp, `${CONFIG}\n[accounts]\ndemo_user = demo\ndemo_password = demo-password-1234\n`);
    try {
      await request(demo.app.callback()).get('/user/1.0/demo/info').set('Authorization', basic('demo', 'demo-password-1234'))
        .expect(200, { username: 'demo', email: 'demo@example.com' });
      expect(demo.logs.filter((l) => l.msg === 'demo user: demo, password: accounts.demo_password')).toHaveLength(1);
      expect(JSON.stringify(demo.logs)).not.toContain('demo-password-1234');
    } finally {
      await demo.app.close();
    }
  });

  test('listen() seeds the demo user as well', async () => {
    const demo = createTestApp(AccountsApp, `${CONFIG}\n[accounts]\ndemo_user = demo\ndemo_password = demo-password-1234\n`);
    try {
      const server = await demo.app.listen(0);
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/user/1.0/demo/info`, { headers: { Authorization: basic('demo', 'demo-password-1234') } });
      expect(await res.json()).toEqual({ username: 'demo', email: 'demo@example.com' });
      expect(demo.logs.some((l) => l.msg === 'demo user: demo, password: accounts.demo_password')).toBe(true);
    } finally {
      await demo.app.close();
    }
  });
});
