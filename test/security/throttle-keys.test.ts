import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import type { AuthBackend } from '../../src/auth/backend';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { accountKey } from '../../src/auth/throttle/login-throttle';
import { canonicalUsername } from '../../src/auth/username';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { ERROR_INVALID_USER } from '../../src/util/respcodes';
import { hasUnsafeNameCharacters, validUsername } from '../../src/util/validation';
import { AccountsApp } from '../../samples/accounts/accounts-app';
import { serverDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';
import { sample } from '../support/prometheus-text';

// One account is one throttle key, whatever spelling of its name a login uses; names no
// database could hold (NUL, controls, format characters) never reach a backend (docs/auth-sql.md).

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

class WhoAmI extends SyncServerApp {
  @route('GET', '/whoami')
  @authenticated
  whoami(ctx: AppContext) {
    return { id: ctx.state.user?.id };
  }
}

/** Counts every call the app makes to the backend. */
function counting<T extends AuthBackend>(backend: T): { backend: T; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(backend, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend: proxy, calls };
}

async function lockOutWithVariants(auth: AuthBackend, variants: string[], canonical: string, password: string) {
  const t = createTestApp(WhoAmI, { 'auth.throttle_user_limit': 10, 'auth.throttle_ip_limit': 1000 }, { auth });
  try {
    const get = (user: string, pw: string) => request(t.app.callback()).get('/whoami').set('Authorization', basic(user, pw));
    await get(canonical, password).expect(200);
    for (let i = 0; i < 10; i++) await get(variants[i % variants.length], `wrong-${i}`).expect(401);
    // The tenth failure, whatever the spelling, locked the account: the right password too.
    await get(canonical, password).expect(429);
    for (const variant of variants) await get(variant, password).expect(429);
    expect(t.cef.events.filter((e) => e.signature === 'AccountLockout')).toHaveLength(1);
  } finally {
    await t.app.close();
  }
}

describe('user names: what never reaches a backend, and the throttle key of unknown names', () => {
  test('controls, NUL, format (zero-width) and unassigned code points are unsafe; white space inside is not', () => {
    for (const bad of ['de\0mo', 'de\x01mo', 'de\x7fmo', 'de\u0085mo', 'de\u200bmo', 'de\u200emo', 'de\ufeffmo', 'de\u{e0001}mo', 'de\u0378mo', 'de\ud800mo']) {
      expect(hasUnsafeNameCharacters(bad)).toBe(true);
      expect(validUsername(bad)).toBe(false);
    }
    for (const good of ['demo', 'dé mo', 'ｍｖｉｃｔｉｍ', 'müller', 'a.b_c-d']) expect(hasUnsafeNameCharacters(good)).toBe(false);
    // Registration also refuses surrounding white space, empty and over-long names.
    expect(validUsername('demo')).toBe(true);
    expect(validUsername(' demo')).toBe(false);
    expect(validUsername('demo\u00a0')).toBe(false);
    expect(validUsername('')).toBe(false);
    expect(validUsername('x'.repeat(33), { maxLength: 32 })).toBe(false);
    expect(validUsername(42)).toBe(false);
  });

  test('unknown names: NFKC, case-folded, trimmed', () => {
    const one = canonicalUsername('mvictim');
    for (const variant of ['MVICTIM', 'mVictim', 'mvictim ', ' mvictim\u00a0', 'ｍｖｉｃｔｉｍ', 'ＭＶＩＣＴＩＭ']) expect(canonicalUsername(variant)).toBe(one);
    expect(canonicalUsername('STRASSE')).toBe(canonicalUsername('straße'));
  });

  test('the throttle key of an unknown name is a fixed-size digest of its canonical form: an 8 KB name costs 48 characters', () => {
    const long = 'x'.repeat(8192);
    const key = accountKey(null, long);
    expect(key).toMatch(/^name:[\w-]{43}$/);
    expect(accountKey(undefined, `${long.toUpperCase()} `)).toBe(key);
    expect(accountKey(null, 'ＭＶＩＣＴＩＭ')).toBe(accountKey(null, 'mvictim'));
    expect(accountKey(null, `${long}y`)).not.toBe(key);
    expect(accountKey(42, long)).toBe('id:42');
  });

  test('a NUL or a control character in a Basic name: 401 and the usual CEF event, and the backend is never called', async () => {
    const { backend, calls } = counting(new SQLAuth({ sqluri: 'sqlite:///:memory:', password_scheme: 'ssha-256' }));
    const t = createTestApp(WhoAmI, {}, { auth: backend });
    try {
      for (const name of ['de\0mo', 'de\x01mo', 'de\u200bmo']) {
        const res = await request(t.app.callback()).get('/whoami').set('Authorization', basic(name, 'pw')).expect(401);
        expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
      }
      expect(calls.filter((c) => c !== 'open')).toEqual([]);
      expect(t.cef.events.filter((e) => e.name.startsWith('Authentication Failed for Backend service'))).toHaveLength(3);
    } finally {
      await t.app.close();
    }
  });

  test('registration: the accounts sample answers respcode 3 for such names (validUsername), before the backend', async () => {
    const { backend, calls } = counting(new SQLAuth({ sqluri: 'sqlite:///:memory:', password_scheme: 'ssha-256' }));
    const t = createTestApp(AccountsApp, {}, { auth: backend });
    try {
      for (const name of ['de%00mo', 'de%E2%80%8Bmo', 'demo%20']) {
        await request(t.app.callback()).put(`/user/1.0/${name}`).send({ password: 'a-good-password', email: 'd@example.com' })
          .expect(400, String(ERROR_INVALID_USER));
      }
      expect(calls.filter((c) => c === 'createUser' || c === 'getUserId')).toEqual([]);
    } finally {
      await t.app.close();
    }
  });
});

describeService('maria', 'one throttle key per account on MariaDB (case- and accent-insensitive collation)', () => {
  test('10 wrong passwords spread over variants of the name lock the account for its canonical name too', async () => {
    const db = await serverDatabase('mysql');
    const auth = new SQLAuth({ sqluri: db.uri, password_scheme: 'ssha-256' });
    try {
      expect(await auth.createUser('mvictim', 'victim-password-1', 'v@example.com')).toBe(true);
      // What the report saw: MariaDB's collation maps all of these to the one row.
      expect(await auth.authenticateUser('ｍｖｉｃｔｉｍ', 'victim-password-1')).not.toBeNull();
      await lockOutWithVariants(auth, ['MVICTIM', 'mvictim ', 'ｍｖｉｃｔｉｍ', 'mVictim', 'mvíctim'], 'mvictim', 'victim-password-1');
    } finally {
      await auth.close();
      await db.drop();
    }
  }, 60_000);

  test('de\\0mo: a NUL in the Basic name is a 401 without a query (it matched `demo` before)', async () => {
    const db = await serverDatabase('mysql');
    const inner = new SQLAuth({ sqluri: db.uri, password_scheme: 'ssha-256' });
    const { backend, calls } = counting(inner);
    const t = createTestApp(WhoAmI, {}, { auth: backend });
    try {
      expect(await inner.createUser('demo', 'demo-password-1', 'd@example.com')).toBe(true);
      await request(t.app.callback()).get('/whoami').set('Authorization', basic('de\0mo', 'demo-password-1')).expect(401);
      expect(calls.filter((c) => c !== 'open')).toEqual([]);
      await request(t.app.callback()).get('/whoami').set('Authorization', basic('demo', 'demo-password-1')).expect(200);
    } finally {
      await t.app.close();
      await db.drop();
    }
  }, 60_000);
});

describeService('ldap', 'one throttle key per account on slapd (caseIgnoreMatch, insignificant spaces)', () => {
  const directory = testDirectory();

  test('10 wrong passwords spread over Carol, CAROL, " carol", "carol\\u00a0" and full-width lock carol', async () => {
    const auth = new LDAPAuth(directory.params());
    try {
      await lockOutWithVariants(auth, ['Carol', 'CAROL', ' carol', 'carol\u00a0', 'ｃａｒｏｌ'], 'carol', 'carol-secret');
    } finally {
      await auth.close();
    }
  }, 60_000);

  test('a homoglyph e-mail on registration is a 400, not a 503', async () => {
    const auth = new LDAPAuth(directory.params());
    const t = createTestApp(AccountsApp, { 'metrics.enabled': true }, { auth });
    try {
      const name = `homoglyph${process.pid}`;
      const res = await request(t.app.callback()).put(`/user/1.0/${name}`)
        .send({ password: 'a-good-password', email: 'dėmo@еxample.com' });
      expect(res.status).toBe(400);
      expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await t.app.close();
    }
  }, 60_000);
});

describeService('pg', 'NUL and control characters never reach PostgreSQL', () => {
  test('GET /user/1.0/%00 is "no such user", a NUL Basic name a 401: no 503, no backend_error', async () => {
    const db = await serverDatabase('postgres');
    const auth = new SQLAuth({ sqluri: db.uri, password_scheme: 'ssha-256' });
    const config: FlatConfig = { 'metrics.enabled': true };
    const t = createTestApp(AccountsApp, config, { auth });
    try {
      const http = () => request(t.app.callback());
      await http().get('/user/1.0/%00').expect(200, '0');
      await http().get('/user/1.0/de%01mo').expect(200, '0');
      await http().get('/user/1.0/de%00mo/info').set('Authorization', basic('de\0mo', 'whatever-1')).expect(401);
      await http().get('/user/1.0/%00/password_reset').expect(404);
      // Nor in an e-mail address: validEmail refuses it (respcode 12), no 503.
      await http().put('/user/1.0/newuser').send({ password: 'a-good-password', email: 'a\u0000b@example.com' }).expect(400, '12');
      await http().put('/user/1.0/newuser').send({ password: 'a-good-password', email: 'a\u200bb@example.com' }).expect(400, '12');
      await expect(auth.createUser('de\0mo', 'a-good-password', 'd@example.com')).rejects.toMatchObject({ status: 400 });
      expect(await auth.authenticateUser('de\0mo', 'whatever-1')).toBeNull();
      expect(await auth.credentialStamp('de\0mo')).toBeNull();
      const { text } = await http().get('/__metrics__').expect(200);
      expect(sample(text, 'auth_outcomes_total', { outcome: 'backend_error' })).toBe(0);
      expect(sample(text, 'auth_outcomes_total', { outcome: 'failure' })).toBe(1);
      expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await t.app.close();
      await db.drop();
    }
  }, 60_000);
});
