/**
 * A Sync service spread over storage nodes, as the original grew (README.md "Storage nodes"):
 * one user node (user-node.ini) and two storage nodes (storage-node.ini), three
 * `services-core serve` instances on loopback, each storage node with its own database (SQLite
 * files here, one PostgreSQL each in production) and all three on one users database. Users are
 * created until both storage nodes hold some; each syncs through the node node/weave gave it;
 * a login on the other node is a 401 with the CEF event.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { serveApp, type ServedApp } from '../../src/testing';

const SECRET = 'nodes-secret';
const PASSWORD = 'node password 1234';
/** A start compiles the sources (ts-node) on a shared machine: minutes, not seconds, under load. */
const START = 240_000;
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;

/** Polls `read` until `accept` holds, failing after `ms`: for what another process writes. */
async function eventually<T>(read: () => T, accept: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

describe('samples/sync over one user node and two storage nodes (three services-core serve)', () => {
  let dir: string;
  let userNode: ServedApp;
  const storageNodes: ServedApp[] = [];
  const served: ServedApp[] = [];
  const usersDb = () => `sqlite:///${join(dir, 'users.db')}`;
  const cefFile = (name: string) => join(dir, `cef-${name}.log`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-nodes-'));
    const common = { SYNC_USERS_DB: usersDb(), SYNC_NODES_SCHEME: 'http', SYNC_SECRET: SECRET };
    // The user node first: it creates the users and node tables the storage nodes then find.
    userNode = await serveApp(join(__dirname, 'user-node.ini'), { workers: 1, startTimeoutMs: START, env: { ...common, SYNC_CEF_FILE: cefFile('user') } });
    served.push(userNode);
    const starting = ['a', 'b'].map((name) => serveApp(join(__dirname, 'storage-node.ini'), {
      workers: 1, startTimeoutMs: START, env: { ...common, SYNC_STORAGE_DB: `sqlite:///${join(dir, `storage-${name}.db`)}`, SYNC_CEF_FILE: cefFile(name) },
    }));
    const started = await Promise.allSettled(starting);
    for (const result of started) if (result.status === 'fulfilled') served.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    storageNodes.push(...served.slice(1));
    // The operator's step: the storage nodes and their capacity.
    const db = new Database(join(dir, 'users.db'));
    const insert = db.prepare('INSERT INTO available_nodes (node, available_assignments, downed, backoff, actives) VALUES (?, 100, 0, 0, 0)');
    for (const node of storageNodes) insert.run(`127.0.0.1:${node.port}`);
    db.close();
  }, 3 * START);

  afterAll(async () => {
    const exits = await Promise.all(served.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
    expect(exits).toEqual(served.map(() => ({ code: 0, signal: null })));
  }, 60_000);

  test('new users spread over both storage nodes, each syncs through its own, the other refuses it', async () => {
    const nodeOf = new Map<string, string>();
    const base = userNode.url;
    for (let i = 0; i < 12; i++) {
      const counts = storageNodes.map((n) => [...nodeOf.values()].filter((url) => url === `${n.url}/`).length);
      if (counts.every((count) => count >= 2)) break;
      const user = `nodes_${process.pid}_${i}`;
      const put = await fetch(`${base}/user/1.0/${user}`, {
        method: 'PUT', headers: { 'X-Weave-Secret': SECRET }, body: JSON.stringify({ password: PASSWORD, email: `${user}@example.com` }),
      });
      expect([put.status, await put.text()]).toEqual([200, user]);
      const node = await fetch(`${base}/user/1.0/${user}/node/weave`);
      expect(node.status).toBe(200);
      const url = await node.text();
      // Asked again: the same node.
      expect(await (await fetch(`${base}/user/1.0/${user}/node/weave`)).text()).toBe(url);
      nodeOf.set(user, url);
    }
    const urls = storageNodes.map((n) => `${n.url}/`);
    for (const url of urls) expect([...nodeOf.values()].filter((u) => u === url).length).toBeGreaterThanOrEqual(2);
    expect([...nodeOf.values()].every((url) => urls.includes(url))).toBe(true);

    for (const [user, url] of nodeOf) {
      const auth = { Authorization: basic(user) };
      // Sync through the node it was given (a client appends `1.1/…` to the node URL).
      let res = await fetch(`${url}1.1/${user}/storage/bookmarks`, {
        method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify([{ id: 'b1', payload: user }]),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { success: string[] }).success).toEqual(['b1']);
      res = await fetch(`${url}1.1/${user}/storage/bookmarks/b1`, { headers: auth });
      expect(((await res.json()) as { payload: string }).payload).toBe(user);
      // The other storage node: the right password, the wrong node.
      const other = urls.find((u) => u !== url)!;
      res = await fetch(`${other}1.1/${user}/info/collections`, { headers: auth });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Sync"');
      // The user node serves no storage.
      expect((await fetch(`${base}/1.1/${user}/info/collections`, { headers: auth })).status).toBe(404);
    }

    // Each storage database holds the data of its own users only.
    const users = new Database(join(dir, 'users.db'), { readonly: true });
    const idOf = (user: string) => (users.prepare('SELECT id FROM users WHERE username = ?').get(user) as { id: number }).id;
    ['a', 'b'].forEach((name, i) => {
      const storage = new Database(join(dir, `storage-${name}.db`), { readonly: true });
      const stored = (storage.prepare('SELECT DISTINCT username FROM wbo ORDER BY username').all() as Array<{ username: number }>).map((r) => r.username);
      storage.close();
      const own = [...nodeOf].filter(([, url]) => url === urls[i]).map(([user]) => idOf(user)).sort((x, y) => x - y);
      expect(stored).toEqual(own);
    });
    users.close();

    // Every refused login wrote the wrong-node event on the node that refused it.
    for (const [i, name] of ['a', 'b'].entries()) {
      const strangers = [...nodeOf].filter(([, url]) => url !== urls[i]).map(([user]) => user);
      const lines = await eventually(() => readFileSync(cefFile(name), { encoding: 'utf8', flag: 'a+' }).split('\n').filter((l) => l.includes('User authenticated to wrong node')),
        (found) => found.length >= strangers.length);
      expect(lines).toHaveLength(strangers.length);
      for (const line of lines) expect(line).toMatch(/\|AuthFail\|User authenticated to wrong node\|7\|/);
      expect(lines.map((l) => /suser=(\S+)/.exec(l)?.[1]).sort()).toEqual([...strangers].sort());
    }
  }, 180_000);
});
