/**
 * samples/sync under concurrent writers and hostile input, on SQLite, PostgreSQL and MariaDB:
 * first writes racing to create one collection lose nothing (the unique (userid, name) index),
 * a database from before that index is repaired at start, and client input that once reached a
 * 500 is a 400 or a per-object failure.
 */
import request from 'supertest';
import { createTestApp } from '../../src/testing';
import { serverDatabase, sqliteDatabase, type TestDatabase } from '../../test/auth/sql-databases';
import { describeService } from '../../test/services/describe-service';
import { tableDdl } from './storage-source';
import { SyncApp } from './sync-app';
import { testConfig } from './test-config';

const USER = 'weaveunittest_race';
const PASSWORD = 'correct horse battery';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

type Http = ReturnType<typeof request>;

/** Two apps on one database, as two workers of `serve`; the user exists. */
async function twoWorkers(db: TestDatabase) {
  const apps = [createTestApp(SyncApp, testConfig(db.uri)), createTestApp(SyncApp, testConfig(db.uri))];
  const http = apps.map((t) => request(t.app.callback()));
  await http[0].put(`/user/1.0/${USER}`).set('X-Weave-Secret', 's3cret')
    .send(JSON.stringify({ password: PASSWORD, email: 'race@example.com' })).expect(200);
  await http[1].get('/__heartbeat__').expect(200);
  return { apps, http, close: () => Promise.all(apps.map((t) => t.app.close())) };
}

const post = (http: Http, collection: string, items: object[]) =>
  http.post(`/1.1/${USER}/storage/${collection}`).set('Authorization', AUTH).send(JSON.stringify(items));

type Opener = () => Promise<TestDatabase>;

defineSuites('SQLite', sqliteDatabase);
describeService('pg', 'samples/sync storage safety on PostgreSQL', () => defineSuites('PostgreSQL', () => serverDatabase('postgres')));
describeService('maria', 'samples/sync storage safety on MariaDB', () => defineSuites('MariaDB', () => serverDatabase('mysql')));

function defineSuites(label: string, open: Opener): void {
  describe(`samples/sync: concurrent first writes (${label})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(() => db.drop());

    test('20 parallel POSTs to one new collection over two workers: all 20 objects stored, one collection row', async () => {
      const w = await twoWorkers(db);
      try {
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          post(w.http[i % 2], 'racing', [{ id: `item${i}`, payload: `p${i}` }])));
        for (const [i, res] of answers.entries()) {
          expect(res.status).toBe(200);
          expect(JSON.parse(res.text)).toMatchObject({ success: [`item${i}`], failed: {} });
        }
        const res = await w.http[0].get(`/1.1/${USER}/storage/racing`).set('Authorization', AUTH).expect(200);
        expect((JSON.parse(res.text) as string[]).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `item${i}`).sort());
        const rows = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM collections WHERE name = 'racing'");
        expect(Number(rows[0].n)).toBe(1);
      } finally {
        await w.close();
      }
    });

    test('the storage: 5 rounds of 20 concurrent creations of one new name on two connections give one id each round', async () => {
      const w = await twoWorkers(db);
      try {
        for (let round = 0; round < 5; round++) {
          const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => w.apps[i % 2].app.storage.collectionId(1, `round${round}`, true)));
          expect(new Set(ids).size).toBe(1);
        }
        const rows = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM collections WHERE name LIKE 'round%'");
        expect(Number(rows[0].n)).toBe(5);
      } finally {
        await w.close();
      }
    });

    test('20 parallel POSTs to 20 new collections: each gets its own id', async () => {
      const w = await twoWorkers(db);
      try {
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(w.http[i % 2], `coll${i}`, [{ id: 'a', payload: 'x' }])));
        for (const res of answers) expect(JSON.parse(res.text)).toMatchObject({ success: ['a'], failed: {} });
        const res = await w.http[1].get(`/1.1/${USER}/info/collection_counts`).set('Authorization', AUTH).expect(200);
        expect(JSON.parse(res.text)).toEqual(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`coll${i}`, 1])));
        const rows = await db.query<{ n: number | string }>('SELECT COUNT(DISTINCT collectionid) AS n FROM collections');
        expect(Number(rows[0].n)).toBe(20);
      } finally {
        await w.close();
      }
    });

    test('a database from before the index: duplicates merged at start (the later object wins), then the index refuses a second row', async () => {
      const dialect = db.dialect === 'postgres' ? 'postgres' : db.dialect === 'mysql' ? 'mysql' : 'sqlite';
      for (const ddl of tableDdl(dialect).filter((sql) => !sql.includes('UNIQUE'))) await db.query(ddl);
      // What the old code left behind: "tabs" twice for user 1 (ids 0 and 1), objects under both.
      await db.query("INSERT INTO collections (userid, collectionid, name) VALUES (1, 0, 'tabs'), (1, 1, 'tabs'), (1, 2, 'forms'), (2, 0, 'tabs')");
      const wbo = 'INSERT INTO wbo (id, username, collection, modified, payload, payload_size) VALUES (?, ?, ?, ?, ?, ?)';
      await db.query(wbo, ['only0', 1, 0, 100, 'a', 1]);
      await db.query(wbo, ['only1', 1, 1, 100, 'b', 1]);
      await db.query(wbo, ['both', 1, 0, 100, 'older', 5]);
      await db.query(wbo, ['both', 1, 1, 200, 'newer', 5]);
      await db.query(wbo, ['both2', 1, 0, 300, 'kept newer', 10]);
      await db.query(wbo, ['both2', 1, 1, 250, 'dropped', 7]);
      await db.query('INSERT INTO collection_stamps (userid, collection, modified) VALUES (1, 0, 150), (1, 1, 400)');
      const t = createTestApp(SyncApp, testConfig(db.uri));
      try {
        await request(t.app.callback()).get('/__heartbeat__').expect(200);
        expect(t.logs.some((r) => r.msg === 'collections: merged 1 duplicate collection id(s) into one per user and name')).toBe(true);
        expect(await db.query('SELECT userid, collectionid, name FROM collections ORDER BY userid, collectionid')).toEqual([
          { userid: 1, collectionid: 0, name: 'tabs' }, { userid: 1, collectionid: 2, name: 'forms' }, { userid: 2, collectionid: 0, name: 'tabs' },
        ]);
        const rows = await db.query<{ id: string; collection: number; payload: string }>('SELECT id, collection, payload FROM wbo ORDER BY id');
        expect(rows).toEqual([
          { id: 'both', collection: 0, payload: 'newer' }, { id: 'both2', collection: 0, payload: 'kept newer' },
          { id: 'only0', collection: 0, payload: 'a' }, { id: 'only1', collection: 0, payload: 'b' },
        ]);
        const stamps = await db.query<{ collection: number; modified: number | string }>('SELECT collection, modified FROM collection_stamps');
        expect(stamps.map((s) => [s.collection, Number(s.modified)])).toEqual([[0, 400]]);
        await expect(db.query("INSERT INTO collections (userid, collectionid, name) VALUES (1, 5, 'tabs')")).rejects.toThrow();
      } finally {
        await t.app.close();
      }
      // A second start finds the index and merges nothing.
      const again = createTestApp(SyncApp, testConfig(db.uri));
      await request(again.app.callback()).get('/__heartbeat__').expect(200);
      expect(again.logs.some((r) => String(r.msg).startsWith('collections: merged'))).toBe(false);
      await again.app.close();
    });
  });

  describe(`samples/sync: client input that once reached a 500 (${label})`, () => {
    let db: TestDatabase;
    let w: Awaited<ReturnType<typeof twoWorkers>>;
    let http: Http;
    beforeAll(async () => {
      db = await open();
      w = await twoWorkers(db);
      http = w.http[0];
      await post(http, 'bm', [
        { id: 'low', sortindex: 1, payload: 'x' }, { id: 'mid', sortindex: 2, payload: 'x' }, { id: 'high', sortindex: 3, payload: 'x' },
      ]).expect(200);
    });
    afterAll(async () => {
      await w.close();
      await db.drop();
    });
    const get = (query: string) => http.get(`/1.1/${USER}/storage/bm?${query}`).set('Authorization', AUTH);

    test.each([
      ['newer=1e20', 'newer'], ['older=90072000000000', 'older'], ['newer=-1e20', 'newer'], ['index_above=1e400', 'index_above'],
      ['index_below=-1e400', 'index_below'], ['limit=99999999999999999999', 'limit'], ['limit=5&offset=99999999999999999999', 'offset'],
    ])('GET and DELETE with %s: 400 Invalid value', async (query, arg) => {
      const res = await get(query).expect(400);
      expect(res.text).toContain(`Invalid value for "${arg}"`);
      await http.delete(`/1.1/${USER}/storage/bm?${query}`).set('Authorization', AUTH).expect(400);
    });

    test('index_above / index_below with decimals: one answer on every database (sortindex is an integer)', async () => {
      const ids = async (query: string) => (JSON.parse((await get(`${query}&sort=index`).expect(200)).text) as string[]);
      expect(await ids('index_above=1.5')).toEqual(['high', 'mid']);
      expect(await ids('index_below=2.5')).toEqual(['mid', 'low']);
      expect(await ids('index_above=-1.5&index_below=1.0001')).toEqual(['low']);
      expect(await ids('index_above=1e300')).toEqual([]);
      expect(await ids('index_below=-1e300')).toEqual([]);
      expect(await ids('older=9007199254740.99')).toEqual(['high', 'mid', 'low']);
    });

    test('an object the database cannot store fails alone, with its reason; the other 99 are stored', async () => {
      const items = Array.from({ length: 100 }, (_, i) => ({ id: `n${i}`, payload: `ok ${i}` }));
      items[10] = { id: 'nul\u0000id', payload: 'x' };
      items[20] = { id: 'n20', payload: 'a\u0000b' };
      const res = await post(http, 'nul', items).expect(200);
      const body = JSON.parse(res.text) as { success: string[]; failed: Record<string, unknown> };
      if (db.dialect === 'postgres') {
        expect(body.failed).toEqual({ 'nul\u0000id': ['invalid id'], n20: ['invalid payload'] });
        expect(body.success).toHaveLength(98);
        await http.put(`/1.1/${USER}/storage/nul/x`).set('Authorization', AUTH).send('{"payload": "\\u0000"}').expect(400, '8');
      } else {
        // SQLite and MariaDB store a NUL as any other character.
        expect(body.failed).toEqual({});
        expect(body.success).toHaveLength(100);
      }
      const stored = JSON.parse((await http.get(`/1.1/${USER}/storage/nul`).set('Authorization', AUTH).expect(200)).text) as string[];
      expect(stored).toHaveLength(body.success.length);
    });

    test('a NUL in a filter value is never a 5xx', async () => {
      const res = await get('parentid=%00');
      expect(res.status).toBeLessThan(500);
    });
  });
}
