/**
 * The password reset of server-reg (README.md "Password reset"): the public mail request, the
 * reset key's precedence over credentials, cancelling, and the web pages, with the mail going to
 * a real SMTP server on loopback and the pages driven in a real headless chromium.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp } from '../../src/testing';
import { serverDatabase, sqliteDatabase, type TestDatabase } from '../../test/auth/sql-databases';
import { describeWithChromium, launchChromium } from '../../test/support/headless-chromium';
import { mailText, startSmtp } from '../../test/support/smtp-server';
import { closedPort, startServer, type LocalServer } from '../../test/util/local-server';
import { describeService } from '../../test/services/describe-service';
import { SyncApp } from './sync-app';
import { testConfig } from './test-config';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new password';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/;

const smtpConfig = (port: number) => `
[smtp]
host = 127.0.0.1
port = ${port}
sender = sync@example.com
timeout = 5
`;

type Smtp = Awaited<ReturnType<typeof startSmtp>>;
type Http = ReturnType<typeof request>;

/** The reset link of a mail: its third line, as server-reg's mail had it. */
function linkOf(raw: string): URL {
  return new URL(mailText(raw).split('\n')[2].trim());
}

/** Waits (polling, 5 s at most) until the SMTP server holds `count` mails. */
async function mails(smtp: Smtp, count: number): Promise<Smtp['received']> {
  const deadline = Date.now() + 5000;
  while (smtp.received.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} mail(s), got ${smtp.received.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return smtp.received;
}

/** A database, an SMTP server and the app mailing through it (`extra` config too), with alice (who has an address). */
async function openResetApp(open: () => Promise<TestDatabase>, extra = '') {
  const db = await open();
  const smtp = await startSmtp();
  const t = createTestApp(SyncApp, testConfig(db.uri, `${smtpConfig(smtp.port)}${extra}`));
  const http = request(t.app.callback());
  await createUser(http, 'alice', 'alice@example.com');
  const close = async () => {
    await t.app.close();
    await smtp.close();
    await db.drop();
  };
  return { db, smtp, t, http, close };
}

async function createUser(http: Http, name: string, email?: string) {
  await http.put(`/user/1.0/${name}`).set('X-Weave-Secret', 's3cret')
    .send(JSON.stringify(email === undefined ? { password: PASSWORD } : { password: PASSWORD, email })).expect(200);
}

defineSuites('SQLite', sqliteDatabase);
describeService('pg', 'samples/sync password reset on PostgreSQL', () => defineSuites('PostgreSQL', () => serverDatabase('postgres')));
describeService('maria', 'samples/sync password reset on MariaDB', () => defineSuites('MariaDB', () => serverDatabase('mysql')));

function defineSuites(label: string, open: () => Promise<TestDatabase>): void {
  describe(`samples/sync: password reset API (${label})`, () => {
    let smtp: Smtp;
    let t: ReturnType<typeof createTestApp<SyncApp>>;
    let http: Http;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ smtp, t, http, close } = await openResetApp(open));
    });
    afterEach(() => close());

    test('GET password_reset is public: it mails the link with a code of the original format, reused while pending', async () => {
      // Credentials are not asked for, and a malformed token does not matter.
      await http.get('/user/1.0/alice/password_reset').set('Authorization', 'FOooo baar').expect(200, 'success');
      await http.get('/user/1.0/alice/password_reset').expect(200, 'success');
      const [first, second] = await mails(smtp, 2);
      expect(first.from).toBe('sync@example.com');
      expect(first.to).toEqual(['alice@example.com']);
      expect(first.raw).toMatch(/^Subject: Resetting your Services password\r$/m);
      const link = linkOf(first.raw);
      expect(link.pathname).toBe('/weave-password-reset');
      expect(link.searchParams.get('username')).toBe('alice');
      expect(link.searchParams.get('key')).toMatch(CODE);
      expect(mailText(first.raw)).toContain('next 6 hours');
      expect(linkOf(second.raw).searchParams.get('key')).toBe(link.searchParams.get('key'));
      expect(await t.app.auth!.verifyResetCode(1, link.searchParams.get('key')!)).toBe(true);
    });

    test('an unknown user is 400 + 3, a user without an address 400 + 12; no mail goes out', async () => {
      await http.get('/user/1.0/nobody/password_reset').expect(400, '3');
      await http.get(`/user/1.0/${'x'.repeat(33)}/password_reset`).expect(400, '3');
      await createUser(http, 'bob');
      await http.get('/user/1.0/bob/password_reset').expect(400, '12');
      expect(smtp.received).toHaveLength(0);
    });

    test('POST password: the reset key decides, whatever the credentials say', async () => {
      await http.get('/user/1.0/alice/password_reset').expect(200, 'success');
      const key = linkOf((await mails(smtp, 1))[0].raw).searchParams.get('key')!;
      // A wrong key with a valid login: 10, and the password stays.
      await http.post('/user/1.0/alice/password').set('Authorization', basic('alice', PASSWORD))
        .set('X-Weave-Password-Reset', 'AAAA-AAAA-AAAA-AAAA').send(NEW_PASSWORD).expect(400, '10');
      t.cef.assertLogged({ name: 'Invalid Reset Code Submitted', severity: 5, suser: 'alice' });
      expect(t.cef.lines.some((line) => line.includes('AAAA-AAAA'))).toBe(false);
      await http.get('/1.1/alice/info/collections').set('Authorization', basic('alice', PASSWORD)).expect(200);
      // An unknown user with a key: 404.
      await http.post('/user/1.0/nobody/password').set('X-Weave-Password-Reset', key).send(NEW_PASSWORD).expect(404);
      // The right key with wrong credentials: the key wins, once.
      await http.post('/user/1.0/alice/password').set('Authorization', basic('alice', 'not the password'))
        .set('X-Weave-Password-Reset', key).send(NEW_PASSWORD).expect(200, 'success');
      await http.get('/1.1/alice/info/collections').set('Authorization', basic('alice', NEW_PASSWORD)).expect(200);
      await http.get('/1.1/alice/info/collections').set('Authorization', basic('alice', PASSWORD)).expect(401);
      await http.post('/user/1.0/alice/password').set('X-Weave-Password-Reset', key).send(PASSWORD).expect(400, '10');
      // Without a key, the old password as before; without either, 401.
      await http.post('/user/1.0/alice/password').set('Authorization', basic('alice', NEW_PASSWORD)).send(PASSWORD).expect(200, 'success');
      await http.post('/user/1.0/alice/password').send(PASSWORD).expect(401);
      await http.post('/user/1.0/alice/password').set('Authorization', basic('alice', NEW_PASSWORD)).send(PASSWORD).expect(401);
    });

    test('DELETE password_reset clears a pending reset (Basic auth): success, CEF PasswordResetCleared, the key is dead', async () => {
      await http.get('/user/1.0/alice/password_reset').expect(200);
      const key = linkOf((await mails(smtp, 1))[0].raw).searchParams.get('key')!;
      await http.delete('/user/1.0/alice/password_reset').expect(401);
      await http.delete('/user/1.0/alice/password_reset').set('Authorization', basic('alice', PASSWORD)).expect(200, 'success');
      t.cef.assertLogged({ name: 'Password Reset Cancelled', signature: 'PasswordResetCleared', severity: 7, suser: 'alice' });
      await http.post('/user/1.0/alice/password').set('X-Weave-Password-Reset', key).send(NEW_PASSWORD).expect(400, '10');
    });
  });
}

describe('samples/sync: password reset mail failures and captcha (SQLite)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await sqliteDatabase();
  });
  afterEach(() => db.drop());

  test('an SMTP server that is down: 503 with Retry-After and a log line; without smtp.sender: 503', async () => {
    const t = createTestApp(SyncApp, testConfig(db.uri, smtpConfig(await closedPort())));
    try {
      const http = request(t.app.callback());
      await createUser(http, 'alice', 'alice@example.com');
      const res = await http.get('/user/1.0/alice/password_reset').expect(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(t.logs.some((r) => JSON.stringify(r).includes('cannot send the password reset mail') && JSON.stringify(r).includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await t.app.close();
    }
    const none = createTestApp(SyncApp, testConfig(db.uri));
    try {
      await request(none.app.callback()).get('/user/1.0/alice/password_reset').expect(503);
    } finally {
      await none.app.close();
    }
  });

  test('with captcha.use, the captcha of the query is verified first (missing or refused: 400 + 2)', async () => {
    const smtp = await startSmtp();
    let verdict = 'false';
    const verifier: LocalServer = await startServer((_req, res) => res.end(`${verdict}\nok`));
    const t = createTestApp(SyncApp, testConfig(db.uri, `${smtpConfig(smtp.port)}
[captcha]
use = true
private_key = secret-key
verify_url = ${verifier.url}/verify
`));
    try {
      const http = request(t.app.callback());
      await createUser(http, 'alice', 'alice@example.com');
      await http.get('/user/1.0/alice/password_reset').expect(400, '2');
      await http.get('/user/1.0/alice/password_reset?captcha-challenge=c&captcha-response=r').expect(400, '2');
      verdict = 'true';
      await http.get('/user/1.0/alice/password_reset?captcha-challenge=c&captcha-response=r').expect(200, 'success');
      expect(new URLSearchParams(verifier.requests.at(-1)!.body.toString()).get('privatekey')).toBe('secret-key');
      await http.delete('/user/1.0/alice/password_reset').set('Authorization', basic('alice', PASSWORD)).expect(400, '2');
      await http.delete('/user/1.0/alice/password_reset?captcha-challenge=c&captcha-response=r')
        .set('Authorization', basic('alice', PASSWORD)).expect(200, 'success');
      expect(smtp.received).toHaveLength(1);
    } finally {
      await t.app.close();
      await verifier.close();
      await smtp.close();
    }
  });
});

describe('samples/sync: the reset pages over HTTP (SQLite)', () => {
  let smtp: Smtp;
  let t: ReturnType<typeof createTestApp<SyncApp>>;
  let http: Http;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ smtp, t, http, close } = await openResetApp(sqliteDatabase, '\n[reg]\npublic_url = https://sync.example.com/\n'));
  });
  afterEach(() => close());

  const submit = (fields: Record<string, string>) =>
    http.post('/weave-password-reset').set('Content-Type', 'application/x-www-form-urlencoded').send(new URLSearchParams(fields).toString());

  test('the ask form, then the mailed link to reg.public_url; every failed check shows the form with its reason', async () => {
    const ask = await http.get('/weave-password-reset').expect(200);
    expect(ask.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ask.headers['cache-control']).toBe('no-store');
    expect(ask.text).toContain('<input type="text" name="username"');
    await http.get('/weave-password-reset?foo=bar').expect(400);
    expect((await submit({ username: 'alice' }).expect(200)).text).toContain('next 6 hours');
    const link = linkOf((await mails(smtp, 1))[0].raw);
    expect(link.origin).toBe('https://sync.example.com');
    const key = link.searchParams.get('key')!;
    expect((await submit({ username: 'nobody' }).expect(200)).text).toContain('We are unable to locate your account');

    const form = await http.get(`${link.pathname}${link.search}`).expect(200);
    expect(form.text).toContain(`name="key" value="${key}"`);
    const reason = async (fields: Record<string, string>) => /<div class="error" id="error">([^<]*)</.exec((await submit(fields).expect(200)).text)?.[1];
    expect(await reason({ key, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).toBe('Username not provided. Please check the link you used.');
    expect(await reason({ username: 'joe', key, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).toBe('We are unable to locate your account');
    expect(await reason({ username: 'alice', key })).toBe('Password not provided. Please check the link you used.');
    expect(await reason({ username: 'alice', key, password: NEW_PASSWORD, confirm: 'something else' })).toBe('Password and confirmation do not match');
    expect(await reason({ username: 'alice', key, password: 'short', confirm: 'short' })).toBe('Password should be at least 8 characters and not the same as your username');
    expect(await reason({ username: 'alice', key: `${key.slice(0, -1)}${key.endsWith('X') ? 'Y' : 'X'}`, password: NEW_PASSWORD, confirm: NEW_PASSWORD }))
      .toBe('Key does not match with username. Please request a new key.');
    await submit({ username: 'alice', password: NEW_PASSWORD }).expect(400);
    const done = await submit({ username: 'alice', key, password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
    expect(done.text).toContain('Password successfully changed');
    t.cef.assertLogged({ signature: 'PasswordReset', severity: 7, suser: 'alice' });
    await http.get('/1.1/alice/info/collections').set('Authorization', basic('alice', NEW_PASSWORD)).expect(200);
    expect(await reason({ username: 'alice', key, password: PASSWORD, confirm: PASSWORD })).toBe('Key does not match with username. Please request a new key.');
  });

  test('what a client sends is escaped in the pages; the style sheet is served, other media names are 404', async () => {
    const res = await http.get('/weave-password-reset?username=%22%3E%3Cscript%3Ex()%3C/script%3E&key=%3Cb%3E').expect(200);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('value="&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"');
    expect(res.text).toContain('value="&lt;b&gt;"');
    const css = await http.get('/media/forms.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('.error');
    await http.get('/media/missing.css').expect(404);
    await http.get('/media/..%2Fsync-app.ts').expect(404);
  });
});

describeWithChromium('samples/sync: the reset pages in headless chromium (SQLite)', () => {
  let db: TestDatabase;
  let smtp: Smtp;
  let t: ReturnType<typeof createTestApp<SyncApp>>;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    db = await sqliteDatabase();
    smtp = await startSmtp();
    t = createTestApp(SyncApp, testConfig(db.uri, smtpConfig(smtp.port)));
    server = await t.app.listen(0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await createUser(request(base), 'alice', 'alice@example.com');
  });
  afterAll(async () => {
    await t.app.close();
    await smtp.close();
    await db.drop();
  });

  test('ask for the mail in the form, open its link, type the new password twice, read the confirmation', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${base}/weave-password-reset`);
      await page.fill('#username', 'alice');
      await page.click('#send');
      expect(await page.textContent('#sent')).toContain('next 6 hours');
      // The page is styled by the served sheet.
      expect(await page.$eval('#content', (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { borderTopStyle: string } }).getComputedStyle(el).borderTopStyle)).toBe('solid');
      const link = linkOf((await mails(smtp, 1))[0].raw);
      expect(link.origin).toBe(base);

      await page.goto(link.toString());
      await page.fill('#user_pass', NEW_PASSWORD);
      await page.fill('#user_pass2', 'not the same password');
      await page.click('#pchange');
      expect(await page.textContent('#error')).toBe('Password and confirmation do not match');
      await page.fill('#user_pass', NEW_PASSWORD);
      await page.fill('#user_pass2', NEW_PASSWORD);
      await page.click('#pchange');
      expect(await page.textContent('#changed')).toContain('Password successfully changed');
    } finally {
      await browser.close();
    }
    await request(base).get('/1.1/alice/info/collections').set('Authorization', basic('alice', NEW_PASSWORD)).expect(200);
    await request(base).get('/1.1/alice/info/collections').set('Authorization', basic('alice', PASSWORD)).expect(401);
  }, 60_000);
});
