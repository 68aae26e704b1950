/**
 * Smoke test: `services-core serve samples/sync/development.ini` through `serveApp` (2 workers, SQLite),
 * driven over HTTP as a client would: create a user, write, read, change the password, delete.
 * The deployment file is copied to a temporary folder (its database and CEF log go there).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../../src/testing';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('samples/sync under services-core serve (2 workers, SQLite)', () => {
  let dir: string;
  let served: ServedApp | undefined;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-serve-'));
    const ini = readFileSync(join(__dirname, 'development.ini'), 'utf8')
      .replace('use = ./sync-app.ts#SyncApp', `use = ${join(__dirname, 'sync-app.ts')}#SyncApp`)
      .replace('file:%(here)s/sync.conf', `file:${join(__dirname, 'sync.conf')}`);
    writeFileSync(join(dir, 'development.ini'), ini);
    served = await serveApp(join(dir, 'development.ini'), { env: { SYNC_SECRET: 'smoke-secret' } });
    base = served.url;
  }, 120_000);

  afterAll(async () => {
    expect(await served?.stop()).toEqual({ code: 0, signal: null });
    rmSync(dir, { recursive: true, force: true });
  });

  test('create user → write → read → change password (old one refused on every worker) → delete', async () => {
    const user = `smoke_${process.pid}`;
    const oldPassword = 'first password 1';
    const newPassword = 'second password 2';
    let res = await fetch(`${base}/user/1.0/${user}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Weave-Secret': 'smoke-secret' },
      body: JSON.stringify({ password: oldPassword, email: 'smoke@example.com' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(user);
    expect(res.headers.get('x-weave-timestamp')).toMatch(/^\d+\.\d\d$/);

    const auth = { Authorization: basic(user, oldPassword), 'Content-Type': 'application/x-www-form-urlencoded' };
    res = await fetch(`${base}/1.1/${user}/storage/bookmarks`, {
      method: 'POST', headers: auth, body: JSON.stringify([{ id: 'a', payload: 'one' }, { id: 'b', payload: 'two', sortindex: 5 }]),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { success: string[] }).success).toEqual(['a', 'b']);
    res = await fetch(`${base}/1.1/${user}/storage/bookmarks?full=1&sort=index`, { headers: auth });
    const items = (await res.json()) as Array<{ id: string; payload: string }>;
    expect(items.map((i) => [i.id, i.payload])).toEqual([['b', 'two'], ['a', 'one']]);
    res = await fetch(`${base}/1.1/${user}/info/collections`, { headers: auth });
    expect(Object.keys((await res.json()) as object)).toEqual(['bookmarks']);

    res = await fetch(`${base}/user/1.0/${user}/password`, { method: 'POST', headers: auth, body: newPassword });
    expect(await res.text()).toBe('success');
    // Connections are spread over both workers: each refuses the old password.
    for (let i = 0; i < 6; i++) {
      res = await fetch(`${base}/1.1/${user}/info/collections`, { headers: { ...auth, Connection: 'close' } });
      expect(res.status).toBe(401);
    }
    const fresh = { Authorization: basic(user, newPassword) };
    res = await fetch(`${base}/1.1/${user}/storage/bookmarks/a`, { headers: fresh });
    expect(((await res.json()) as { payload: string }).payload).toBe('one');

    res = await fetch(`${base}/user/1.0/${user}`, { method: 'DELETE', headers: fresh });
    expect(await res.text()).toBe('1');
    res = await fetch(`${base}/user/1.0/${user}`);
    expect(await res.text()).toBe('0');
  }, 120_000);

  test('several clients at once; dozens of failed logins from one address are not throttled', async () => {
    const client = async (n: number) => {
      const user = `para_${process.pid}_${n}`;
      const put = await fetch(`${base}/user/1.0/${user}`, {
        method: 'PUT', headers: { 'X-Weave-Secret': 'smoke-secret' }, body: JSON.stringify({ password: 'parallel password', email: 'p@example.com' }),
      });
      expect(put.status).toBe(200);
      const auth = { Authorization: basic(user, 'parallel password') };
      const batch = Array.from({ length: 20 }, (_, i) => ({ id: `id${i}`, payload: `payload ${n} ${i}` }));
      const post = await fetch(`${base}/1.1/${user}/storage/history`, { method: 'POST', headers: auth, body: JSON.stringify(batch) });
      expect(((await post.json()) as { success: string[] }).success.length).toBe(20);
      const counts = await fetch(`${base}/1.1/${user}/info/collection_counts`, { headers: auth });
      expect(await counts.json()).toEqual({ history: 20 });
      const change = await fetch(`${base}/user/1.0/${user}/password`, { method: 'POST', headers: auth, body: 'changed password' });
      expect(change.status).toBe(200);
      const old = await fetch(`${base}/1.1/${user}/info/collections`, { headers: auth });
      expect(old.status).toBe(401);
      const del = await fetch(`${base}/user/1.0/${user}`, { method: 'DELETE', headers: { Authorization: basic(user, 'changed password') } });
      expect(await del.text()).toBe('1');
    };
    await Promise.all(Array.from({ length: 6 }, (_, n) => client(n)));

    const user = `fails_${process.pid}`;
    await fetch(`${base}/user/1.0/${user}`, {
      method: 'PUT', headers: { 'X-Weave-Secret': 'smoke-secret' }, body: JSON.stringify({ password: 'the right password' }),
    });
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${base}/1.0/${user}/info/collections`, { headers: { Authorization: basic(user, `wrong ${i}`) } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${base}/1.0/${user}/info/collections`, { headers: { Authorization: basic(user, 'the right password') } });
    expect(res.status).toBe(200);
  }, 120_000);

  test('the heartbeat answers; a user cannot be created without the secret (captcha on)', async () => {
    expect((await fetch(`${base}/__heartbeat__`)).status).toBe(200);
    const res = await fetch(`${base}/user/1.0/nosecret_${process.pid}`, {
      method: 'PUT', body: JSON.stringify({ password: 'some password 1', email: 'x@example.com' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('2');
  });
});
