import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Column, Entity, EntitySchema, PrimaryGeneratedColumn } from 'typeorm';
import { SyncServerApp, route, type AppContext } from '../../src/app';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { ConfigError } from '../../src/config/errors';
import type { AppDataDeclaration } from '../../src/data/app-data';
import { createTestApp } from '../../src/testing/test-app';
import { serverDatabase, sqliteDatabase, type TestDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';
import { NoteEntity, NotesApp } from './fixtures/notes-app';

/** The behaviour every dialect shares: the app's tables, its data from a handler, the answers to bad data. */
function appDataSuite(makeDatabase: () => Promise<TestDatabase>): void {
  let db: TestDatabase;
  const apps: SyncServerApp[] = [];
  const notesApp = (config: Record<string, string | number> = {}) => {
    const made = createTestApp(NotesApp, { 'storage.sqluri': db.uri, 'storage.pool_size': 3, ...config });
    apps.push(made.app);
    return made;
  };

  beforeAll(async () => { db = await makeDatabase(); });
  afterAll(async () => { await db.drop(); });
  beforeEach(async () => {
    await db.query('DROP TABLE IF EXISTS note_tags');
    await db.query('DROP TABLE IF EXISTS notes');
  });
  afterEach(async () => { await Promise.all(apps.splice(0).map((app) => app.close())); });

  test('the tables are created at start and a handler reads and writes them; a second app sees the same rows', async () => {
    const { app } = notesApp();
    await request(app.callback()).post('/alice/notes').send({ title: 'buy milk' }).expect(200);
    await request(app.callback()).get('/alice/notes').expect(200, ['buy milk']);
    const { app: other } = notesApp();
    await request(other.callback()).get('/alice/notes').expect(200, ['buy milk']);
    expect(app.data.dialect).toBe(db.dialect);
  });

  test('an unhandled duplicate key is a 409 (not a 503), logged as one line without the row', async () => {
    const { app, logs } = notesApp();
    await request(app.callback()).post('/alice/notes').send({ title: 'secret title' }).expect(200);
    const res = await request(app.callback()).post('/alice/notes').send({ title: 'secret title' }).expect(409);
    expect(res.headers['retry-after']).toBeUndefined();
    const lines = logs.filter((line) => line.msg.startsWith('query refused'));
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain('secret title');
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });

  test('a handler that catches the duplicate with isUniqueViolation answers for itself', async () => {
    const { app } = notesApp();
    await request(app.callback()).put('/bob/notes').send({ title: 'x' }).expect(200, { created: true });
    await request(app.callback()).put('/bob/notes').send({ title: 'x' }).expect(200, { created: false });
  });

  test('a NOT NULL or foreign-key violation is a 400', async () => {
    const { app } = notesApp();
    await request(app.callback()).post('/carol/notes').send({}).expect(400);
    await request(app.callback()).post('/tags/424242').send({ title: 'orphan' }).expect(400);
  });

  test('transaction(): a failure inside rolls back everything it wrote', async () => {
    const { app } = notesApp();
    await request(app.callback()).post('/dan/tagged').send({ title: 'ok', tags: ['a', 'b'] }).expect(200);
    await request(app.callback()).post('/dan/tagged').send({ title: 'half', tags: ['a', null] }).expect(400);
    await request(app.callback()).get('/dan/notes').expect(200, ['ok']);
    expect(await db.query('SELECT id FROM note_tags')).toHaveLength(2);
  });

  test('an existing table is never altered: a missing column stays missing', async () => {
    await db.query('CREATE TABLE notes (id INTEGER PRIMARY KEY, owner VARCHAR(32) NOT NULL, title VARCHAR(200) NOT NULL)');
    const { app } = notesApp();
    await app.start();
    const columns = (await app.data.source.createQueryRunner().getTable('notes'))!.columns.map((c) => c.name).sort();
    expect(columns).toEqual(['id', 'owner', 'title']);
    expect(await db.query('SELECT id FROM note_tags')).toHaveLength(0); // the missing one was created
  });

  test('apps opening a fresh database at the same moment all start (create_tables race)', async () => {
    const made = Array.from({ length: 4 }, () => notesApp());
    await Promise.all(made.map(({ app }) => app.start()));
    await Promise.all(made.map(({ app }, i) => request(app.callback()).post('/race/notes').send({ title: `n${i}` }).expect(200)));
    await request(made[3].app.callback()).get('/race/notes').expect(200).then((res) => expect((res.body as string[]).sort()).toEqual(['n0', 'n1', 'n2', 'n3']));
  });

  test('with the auth backend on the same database, both share one DataSource', async () => {
    const { app } = notesApp({ 'auth.backend': 'sql', 'auth.sqluri': db.uri, 'auth.password_scheme': 'ssha-256' });
    await app.start();
    expect(app.data.shared).toBe(true);
    const auth = (app.auth as unknown as { backend: SQLAuth }).backend ?? app.auth;
    expect(app.data.source).toBe(await (auth as SQLAuth).connection.dataSource());
    expect(await auth.createUser('erin', 'pw', 'e@x')).toBe(true);
    await request(app.callback()).post('/erin/notes').send({ title: 'shared' }).expect(200);
    await app.close();
    expect(() => app.data.source).toThrow(/not open/);
  });
}

describe('app data on SQLite', () => {
  appDataSuite(sqliteDatabase);

  test('the default sqluri is sqlite:///<section>.db in the app folder (baseDir)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-data-'));
    try {
      const { app } = createTestApp(NotesApp, {}, { baseDir: dir });
      await request(app.callback()).post('/a/notes').send({ title: 't' }).expect(200);
      expect(app.data.source.options.database).toBe(path.join(dir, 'storage.db'));
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('app.data before start says it opens at start; an app without data says it declares none', () => {
    const { app } = createTestApp(NotesApp, { 'storage.sqluri': 'sqlite:///:memory:' });
    expect(() => app.data.source).toThrow(/NotesApp.data is not open: it opens when the app starts/);
    class Plain extends SyncServerApp {
      @route('GET', '/') index() { return 'hi'; }
    }
    expect(() => createTestApp(Plain).app.data).toThrow(/Plain.data: the class declares no data/);
  });

  test('construction errors name the entry or the key', () => {
    class NotAnEntity { id = 0; }
    class BadEntity extends SyncServerApp {
      static override readonly data = { entities: [NoteEntity, NotAnEntity] } as AppDataDeclaration;
    }
    expect(() => createTestApp(BadEntity)).toThrow(/BadEntity.data.entities\[1\]: class NotAnEntity is not a TypeORM entity: use an EntitySchema, or a class decorated with @Entity\(\) compiled with experimentalDecorators/);
    class Empty extends SyncServerApp {
      static override readonly data: AppDataDeclaration = { entities: [] };
    }
    expect(() => createTestApp(Empty)).toThrow(/Empty.data.entities: no entities declared/);
    expect(() => createTestApp(NotesApp, { 'storage.sqluri': 'oracle://u:secret@h/db' })).toThrow(ConfigError);
    expect(() => createTestApp(NotesApp, { 'storage.sqluri': 'oracle://u:secret@h/db' })).toThrow(/storage.sqluri: unsupported database 'oracle:\/\/u:\*\*\*@h\/db'/);
    expect(() => createTestApp(NotesApp, { 'storage.sqluri': 'sqlite://relative.db' })).toThrow(/storage.sqluri: a SQLite URI needs three slashes/);
    expect(() => createTestApp(NotesApp, { 'storage.sqluri': 'postgresql://[bad/x' })).toThrow(/storage.sqluri: malformed URI/);
    expect(() => createTestApp(NotesApp, { 'storage.pool_size': 0 })).toThrow(/storage.pool_size: expected a positive integer, got 0/);
    expect(() => createTestApp(NotesApp, { 'storage.create_tables': 'maybe' })).toThrow(/storage.create_tables: expected true or false/);
  });

  test('create_tables = false: missing tables are an outage (503 + Retry-After), as for auth', async () => {
    const { app } = createTestApp(NotesApp, { 'storage.sqluri': 'sqlite:///:memory:', 'storage.create_tables': false });
    const res = await request(app.callback()).get('/a/notes').expect(503);
    expect(res.headers['retry-after']).toBe('1800');
    await app.close();
  });

  test('an EntitySchema of another copy of typeorm is accepted by its shape', () => {
    const schema = new EntitySchema<{ id: number }>({ name: 'Thing', columns: { id: { type: 'integer', primary: true } } });
    class ThingApp extends SyncServerApp {
      static override readonly data: AppDataDeclaration = { entities: [Object.assign(Object.create({ constructor: { name: 'EntitySchema' } }), { options: schema.options })] };
    }
    expect(() => createTestApp(ThingApp, { 'data.sqluri': 'sqlite:///:memory:' })).not.toThrow();
  });
});

@Entity('bookmarks')
class Bookmark {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200, unique: true })
  url!: string;
}

class BookmarksApp extends SyncServerApp {
  static override readonly data: AppDataDeclaration = { entities: [Bookmark] };

  @route('POST', '/bookmarks', { body: 'json' })
  async add(ctx: AppContext) {
    const saved = await this.data.repository(Bookmark).save({ url: (ctx.request.body as { url: string }).url });
    return { id: saved.id };
  }
}

test('a decorated entity class (experimentalDecorators) works as an EntitySchema does; the heartbeat checks the data', async () => {
  const { app } = createTestApp(BookmarksApp, { 'data.sqluri': 'sqlite:///:memory:' });
  await request(app.callback()).post('/bookmarks').send({ url: 'https://example.com' }).expect(200, { id: 1 });
  await request(app.callback()).post('/bookmarks').send({ url: 'https://example.com' }).expect(409);
  await request(app.callback()).get('/__heartbeat__').expect(200);
  await app.close();
});

describeService('pg', 'app data on PostgreSQL', () => {
  appDataSuite(() => serverDatabase('postgres'));

  test('a NUL byte in a text column is a 400, not a 503', async () => {
    const db = await serverDatabase('postgres');
    const { app } = createTestApp(NotesApp, { 'storage.sqluri': db.uri });
    try {
      const res = await request(app.callback()).post('/nul/notes').send({ title: 'a\u0000b' }).expect(400);
      expect(res.headers['retry-after']).toBeUndefined();
      await request(app.callback()).post('/nul/notes').send({ title: 'fine' }).expect(200);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});

describeService('maria', 'app data on MariaDB', () => appDataSuite(() => serverDatabase('mysql')));
