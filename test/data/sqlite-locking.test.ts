import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { createTestApp } from '../../src/testing/test-app';
import { ConfigError } from '../../src/config/errors';
import { readAppDataSettings } from '../../src/data/app-data';
import { main, type CommandIO } from '../../src/cli/main';
import { LinkEntity, LinksApp } from './fixtures/links-app';
import { waitFor } from '../support/wait-for';

// Issue 26, item 1: WAL, BEGIN IMMEDIATE, and a lock held by another process for longer than
// `sqlite_lock_timeout` is an outage (503 + Retry-After, one log line), met without stopping
// the worker's event loop; the settings are checked like every other key.

/** The longest pause between two ticks of a 5 ms interval while `work` runs. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    stall = Math.max(stall, performance.now() - last);
    return { result, stall };
  } finally {
    clearInterval(timer);
  }
}

describe('SQLite under a lock held by another connection', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sc-sqlite-lock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the file is in WAL mode with synchronous = NORMAL, and a transaction starts with BEGIN IMMEDIATE', async () => {
    const { app } = createTestApp(LinksApp, { 'data.sqluri': `sqlite:///${dir}/links.db` });
    try {
      await app.start();
      expect(await app.data.source.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await app.data.source.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
      const seen: string[] = [];
      await app.data.transaction(async (manager) => {
        seen.push(...(await manager.query('SELECT 1 AS one')).map(() => 'in'));
        // Another connection cannot write now: this transaction holds the write lock from BEGIN on.
        const other = new Database(join(dir, 'links.db'), { timeout: 0 });
        try {
          expect(() => other.exec("INSERT INTO links (slug, url, clicks) VALUES ('x', 'y', 0)")).toThrow(/locked/);
        } finally {
          other.close();
        }
      });
      expect(seen).toEqual(['in']);
    } finally {
      await app.close();
    }
  });

  test('held past data.sqlite_lock_timeout: 503 + Retry-After and one log line, the event loop kept running; released: served again', async () => {
    const { app, logs } = createTestApp(LinksApp, { 'data.sqluri': `sqlite:///${dir}/links.db`, 'data.sqlite_lock_timeout': 1 });
    const holder = new Database(join(dir, 'links.db'));
    try {
      await request(app.callback()).put('/links/abc').send({ url: 'https://example.com/' }).expect(200);
      holder.exec('BEGIN IMMEDIATE');
      const before = logs.length;
      const { result: redirect, stall } = await longestStall(() => request(app.callback()).get('/r/abc'));
      expect(redirect.status).toBe(503);
      expect(redirect.headers['retry-after']).toBe('1800');
      // SQLite's own wait is 2 ms a try; the rest of the second is spent on timers.
      expect(stall).toBeLessThan(500);
      const lines = logs.slice(before).filter((line) => line.level >= 40);
      expect(lines).toHaveLength(1);
      expect(JSON.stringify(lines[0])).toMatch(/stayed locked by another connection for more than 1 s \(data\.sqlite_lock_timeout\)/);
      // A write outside a transaction waits the same way.
      const { result: put } = await longestStall(() => request(app.callback()).put('/links/def').send({ url: 'https://example.org/' }));
      expect(put.status).toBe(503);
      // Readers are not stopped by a writer in WAL mode.
      await request(app.callback()).get('/links/abc').expect(200, { clicks: 0, recorded: 0 });
      holder.exec('ROLLBACK');
      await request(app.callback()).get('/r/abc').expect(302);
      await request(app.callback()).get('/links/abc').expect(200, { clicks: 1, recorded: 1 });
    } finally {
      holder.close();
      await app.close();
    }
  }, 30_000);

  test('a lock released within the bound is waited for: the request succeeds', async () => {
    const { app } = createTestApp(LinksApp, { 'data.sqluri': `sqlite:///${dir}/links.db` });
    const holder = new Database(join(dir, 'links.db'));
    try {
      await request(app.callback()).put('/links/abc').send({ url: 'https://example.com/' }).expect(200);
      holder.exec('BEGIN IMMEDIATE');
      setTimeout(() => holder.exec('COMMIT'), 200);
      const { result, stall } = await longestStall(() => request(app.callback()).get('/r/abc'));
      expect(result.status).toBe(302);
      expect(stall).toBeLessThan(150);
    } finally {
      holder.close();
      await app.close();
    }
  });

  test('transactions of one process take turns: concurrent ones neither nest nor mix', async () => {
    const { app } = createTestApp(LinksApp, { 'data.sqluri': `sqlite:///${dir}/links.db` });
    let redirects = 0;
    app.use(async (ctx, next) => {
      if (ctx.path === '/r/abc') redirects++;
      await next();
    });
    try {
      await request(app.callback()).put('/links/abc').send({ url: 'https://example.com/' }).expect(200);
      const failing = app.data.transaction(async (manager) => {
        await manager.getRepository(LinkEntity).update({ slug: 'abc' }, { clicks: 100 });
        // Held open until all ten redirects have arrived and wait for their turn.
        await waitFor(() => redirects >= 10, { what: 'ten redirects arriving' });
        throw new Error('rolled back');
      });
      const counted = Promise.all(Array.from({ length: 10 }, () => request(app.callback()).get('/r/abc').expect(302)));
      await expect(failing).rejects.toThrow('rolled back');
      await counted;
      await request(app.callback()).get('/links/abc').expect(200, { clicks: 10, recorded: 10 });
    } finally {
      await app.close();
    }
  });

  test('the auth backend on a locked file: a write waits off the event loop, then is an outage (BackendError)', async () => {
    const auth = new SQLAuth({ sqluri: `sqlite:///${dir}/users.db`, password_scheme: 'ssha-256', sqlite_lock_timeout: 0.5 });
    const holder = new Database(join(dir, 'users.db'));
    try {
      expect(await auth.createUser('alice', 'a-long-password-1', 'alice@example.com')).toBe(true);
      holder.exec('BEGIN IMMEDIATE');
      const { result, stall } = await longestStall(() => auth.setUserEnabled(1, false).catch((err: Error) => err));
      expect(result).toMatchObject({ name: 'BackendError', message: expect.stringMatching(/auth\.sqlite_lock_timeout/) });
      expect(stall).toBeLessThan(300);
      expect(await auth.getUserId('alice')).toBe(1); // reads go on
      holder.exec('ROLLBACK');
      expect(await auth.setUserEnabled(1, false)).toBe(true);
    } finally {
      holder.close();
      await auth.close();
    }
  });

  test('an in-memory database keeps working, transactions included', async () => {
    const { app } = createTestApp(LinksApp, { 'data.sqluri': 'sqlite:///:memory:' });
    try {
      await request(app.callback()).put('/links/abc').send({ url: 'https://example.com/' }).expect(200);
      await Promise.all(Array.from({ length: 5 }, () => request(app.callback()).get('/r/abc').expect(302)));
      await request(app.callback()).get('/links/abc').expect(200, { clicks: 5, recorded: 5 });
    } finally {
      await app.close();
    }
  });
});

describe('the SQLite settings', () => {
  const read = (settings: Record<string, string | number>) => readAppDataSettings({ entities: [LinkEntity] }, settings);

  test('defaults: WAL, synchronous NORMAL, 2 ms of SQLite busy wait a try, 5 s in all', () => {
    expect(read({}).options.sqlite).toEqual({ journalMode: 'wal', synchronous: 'normal', busyTimeoutMs: 2, lockTimeout: 5, section: 'data' });
    expect(read({ 'data.sqlite_journal_mode': 'delete', 'data.sqlite_synchronous': 'full', 'data.sqlite_busy_timeout': 0, 'data.sqlite_lock_timeout': 0.5 }).options.sqlite)
      .toEqual({ journalMode: 'delete', synchronous: 'full', busyTimeoutMs: 0, lockTimeout: 0.5, section: 'data' });
  });

  test.each([
    ['data.sqlite_journal_mode', 'memory', /^data\.sqlite_journal_mode: unknown value "memory" \(expected one of wal, delete, truncate, persist\)$/],
    ['data.sqlite_synchronous', 'sometimes', /^data\.sqlite_synchronous: unknown value "sometimes"/],
    ['data.sqlite_busy_timeout', 5000, /^data\.sqlite_busy_timeout: expected an integer from 0 to 100, got 5000$/],
    ['data.sqlite_lock_timeout', 'soon', /^data\.sqlite_lock_timeout: expected a number >= 0.001, got "soon"$/],
  ])('%s = %s is a one-line ConfigError naming the key', (key, value, message) => {
    let error: unknown;
    try {
      read({ [key]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  test('`services-core config` checks them: one line naming the file and the key, exit 1; a good value passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-sqlite-config-'));
    try {
      const ini = join(dir, 'deployment.ini');
      const check = async (extra: string) => {
        writeFileSync(ini, `[server:main]\nport = 0\n\n[app:main]\nuse = ${join(__dirname, 'fixtures', 'links-app.ts')}#LinksApp\n` +
          `auth.backend = sql\nauth.sqluri = sqlite:///:memory:\n${extra}`);
        let stdout = '';
        let stderr = '';
        const io: CommandIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
        return { code: await main(['config', ini], io), stdout, stderr };
      };
      const bad = await check('data.sqlite_lock_timeout = soon\n');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^services-core config: .*deployment\.ini.*data\.sqlite_lock_timeout: expected a number >= 0\.001, got "soon"\n$/);
      const badAuth = await check('auth.sqlite_journal_mode = memory\n');
      expect(badAuth.code).toBe(1);
      expect(badAuth.stderr).toMatch(/auth\.sqlite_journal_mode: unknown value "memory"/);
      const good = await check('auth.sqlite_busy_timeout = 0\ndata.sqlite_synchronous = full\n');
      expect(good).toMatchObject({ code: 0, stderr: '' });
      expect(good.stdout).toContain('data.sqlite_synchronous = "full"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('auth.* has the same keys', () => {
    expect(() => new SQLAuth({ sqlite_busy_timeout: 'x' })).toThrow(/^auth\.sqlite_busy_timeout: expected an integer from 0 to 100, got "x"$/);
  });
});
