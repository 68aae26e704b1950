import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { CEF_ACCOUNT_LOCKED } from '../../src/app/authentication/login-throttling';
import { withAuthCache } from '../../src/auth/cached-auth-backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import type { UserId } from '../../src/auth/backend';
import { readThrottleSettings } from '../../src/auth/throttle/login-throttle';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { freePort } from '../support/free-port';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { serverDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';
import { waitFor } from '../support/wait-for';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

class CountingAuth extends DummyAuth {
  calls = 0;
  constructor() {
    super({ allow_dummy: true });
  }

  override authenticateUser(username: string, password: string): Promise<UserId | null> {
    this.calls++;
    return super.authenticateUser(username, password);
  }
}

class ThrottledApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user?.name };
  }
}

async function setup(config: FlatConfig) {
  const inner = new CountingAuth();
  for (const name of ['alice', 'bob', 'carol', 'dave']) await inner.createUser(name, `${name}-pw`, `${name}@x`);
  const auth = withAuthCache(inner, { ttlSeconds: 60, maxEntries: 100 });
  const test = createTestApp(ThrottledApp, config, { auth });
  const get = (user: string, password: string, from = '192.0.2.1') => request(test.app.callback())
    .get(`/${user}/info`).set('Authorization', basic(user, password)).set('X-Forwarded-For', from);
  return { ...test, inner, get };
}

const locked = (cef: { events: { signature: string; suser: string }[] }) => cef.events.filter((e) => e.signature === 'AccountLockout');

describe('login throttling (memory store)', () => {
  test('the limit-th wrong password starts a block: one AccountLockout event, then 429 + Retry-After without the backend, the right password included', async () => {
    const { get, inner, cef, app } = await setup({ 'auth.throttle_user_limit': 3, 'auth.throttle_user_block': 60 });
    await get('alice', 'alice-pw').expect(200); // remembered: the block must still apply to it
    for (let i = 0; i < 3; i++) await get('alice', 'wrong').expect(401);
    expect(locked(cef)).toHaveLength(1);
    expect(cef.events.find((e) => e.signature === 'AccountLockout')).toMatchObject({
      name: CEF_ACCOUNT_LOCKED, severity: 7, suser: 'alice', extensions: expect.objectContaining({ src: '192.0.2.1', cs2: 'user', cn1: '60' }),
    });
    const calls = inner.calls;
    const res = await get('alice', 'wrong').expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(55);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    await get('alice', 'alice-pw').expect(429);
    await get('alice', 'alice-pw', '192.0.2.99').expect(429); // per user name, from any address
    expect(inner.calls).toBe(calls);
    expect(locked(cef)).toHaveLength(1);
    await get('bob', 'bob-pw').expect(200); // other users are not affected
    await app.close();
  });

  test('per address: failures over many names block the address for every name', async () => {
    const { get, cef, app } = await setup({ 'auth.throttle_ip_limit': 4 });
    for (const name of ['alice', 'bob', 'carol', 'dave']) await get(name, 'wrong', '198.51.100.7').expect(401);
    expect(locked(cef).map((e) => e.suser)).toEqual(['dave']);
    await get('carol', 'carol-pw', '198.51.100.7').expect(429);
    await get('carol', 'carol-pw', '198.51.100.8').expect(200);
    await app.close();
  });

  test('a block ends after its duration; a mistyped password or two never blocks', async () => {
    const { get, app } = await setup({ 'auth.throttle_user_limit': 2, 'auth.throttle_user_block': 1, 'auth.cache_recheck': 0 });
    await get('bob', 'typo').expect(401);
    await get('bob', 'bob-pw').expect(200);
    await get('bob', 'typo').expect(401);
    await get('bob', 'bob-pw').expect(429);
    // the block ends by itself: poll with a deadline
    await waitFor(async () => (await get('bob', 'bob-pw')).status === 200, { timeoutMs: 5000, intervalMs: 50, what: 'the block to end' });
    await app.close();
  });

  test('auth.throttle_store = none turns it off', async () => {
    const { get, inner, app } = await setup({ 'auth.throttle_store': 'none', 'auth.throttle_user_limit': 1 });
    for (let i = 0; i < 3; i++) await get('alice', 'wrong').expect(401);
    await get('alice', 'alice-pw').expect(200);
    expect(inner.calls).toBe(4);
    await app.close();
  });

  test('a store that is down fails open, with one warning', async () => {
    const port = await freePort(); // nothing listens there
    const { get, logs, app } = await setup({
      'auth.throttle_store': 'sql', 'auth.throttle_sqluri': `postgresql://nobody@127.0.0.1:${port}/none`, 'auth.throttle_user_limit': 1,
    });
    for (let i = 0; i < 3; i++) await get('alice', 'wrong').expect(401);
    await get('alice', 'alice-pw').expect(200);
    const warnings = logs.filter((l) => l.level === 40 && /login throttling: the sql store failed .*failing open/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain('alice-pw');
    await app.close();
  });
});

describe('auth.throttle_* settings', () => {
  test('defaults that leave a human who mistypes alone; memory outside serve', () => {
    expect(readThrottleSettings({})).toMatchObject({
      store: 'memory', user: { limit: 10, windowSeconds: 300, blockSeconds: 300 }, address: { limit: 50, windowSeconds: 300, blockSeconds: 300 },
      timeoutSeconds: 1, recheckSeconds: 0.5, table: 'login_throttle',
    });
  });

  test('bad values name the key', () => {
    expect(() => readThrottleSettings({ 'auth.throttle_store': 'redis' })).toThrow(/auth.throttle_store: unknown value "redis" \(expected one of memory, cluster, sql, none\)/);
    expect(() => readThrottleSettings({ 'auth.throttle_store': 'cluster' })).toThrow(/needs a services-core serve worker/);
    expect(() => readThrottleSettings({ 'auth.throttle_store': 'sql' })).toThrow(/needs auth.throttle_sqluri or auth.sqluri/);
    expect(() => readThrottleSettings({ 'auth.throttle_user_limit': 0 })).toThrow(/auth.throttle_user_limit: expected a positive integer, got 0/);
    expect(() => readThrottleSettings({ 'auth.throttle_table': 'x; drop' })).toThrow(/auth.throttle_table must be a plain SQL identifier/);
    expect(() => readThrottleSettings({ 'auth.throttle_timeout': -1 })).toThrow(/auth.throttle_timeout: expected a number of seconds, got -1/);
  });
});

describeService('pg', 'login throttling on PostgreSQL (auth.throttle_store = sql)', () => {
  /** A TCP relay to the test server, which the test can cut: a database outage. */
  async function relay(target: number) {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined).on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as net.AddressInfo).port,
      cut: () => new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    };
  }

  test('apps meeting a fresh table at the same moment (a fleet starting) all count: none fails open', async () => {
    const db = await serverDatabase('postgres');
    const table = `throttle_${randomBytes(4).toString('hex')}`;
    const config = { 'auth.throttle_store': 'sql', 'auth.throttle_sqluri': db.uri, 'auth.throttle_table': table, 'auth.throttle_user_limit': 4, 'auth.throttle_timeout': 10 };
    const apps = await Promise.all(Array.from({ length: 4 }, () => setup(config)));
    try {
      await Promise.all(apps.map((app) => app.get('alice', 'wrong').expect(401)));
      expect(apps.flatMap((app) => app.logs.filter((l) => l.level === 40)).map((l) => l.msg)).toEqual([]);
      await apps[0].get('alice', 'alice-pw').expect(429);
    } finally {
      await Promise.all(apps.map((app) => app.app.close()));
      await db.drop();
    }
  }, 30_000);

  test('counters shared through a table; a store that goes down fails open with a warning', async () => {
    const db = await serverDatabase('postgres');
    const link = await relay(Number(new URL(db.uri).port));
    const uri = new URL(db.uri);
    uri.port = String(link.port);
    const table = `throttle_${randomBytes(4).toString('hex')}`;
    const config = {
      'auth.throttle_store': 'sql', 'auth.throttle_sqluri': uri.toString(), 'auth.throttle_table': table,
      // generous: a loaded machine must not make the live store look slow (that fails open too)
      'auth.throttle_user_limit': 2, 'auth.throttle_timeout': 10,
    };
    const one = await setup(config);
    const two = await setup(config);
    try {
      await one.get('alice', 'wrong').expect(401);
      await two.get('alice', 'wrong').expect(401); // the second failure, in another app: blocked
      await one.get('alice', 'alice-pw').expect(429);
      expect((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n).not.toBe('0');
      await link.cut();
      // Down: not blocked any more (fail open), and said so once.
      await two.get('bob', 'bob-pw').expect(200);
      await two.get('alice', 'alice-pw').expect(200);
      await two.get('alice', 'wrong').expect(401);
      expect(two.logs.filter((l) => l.level === 40 && /login throttling: the sql store failed/.test(l.msg))).toHaveLength(1);
    } finally {
      await one.app.close();
      await two.app.close();
      await db.drop();
    }
  }, 30_000);
});
