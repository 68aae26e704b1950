import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli as run } from '../support/run-cli';
import { readAppDataSettings } from '../../src/data/app-data';
import { runMigrations } from '../../src/data/migrations';
import { serverDatabase, sqliteDatabase, type TestDatabase } from '../auth/sql-databases';
import { deployment } from '../e2e/fixtures/serve-process';
import { describeService } from '../services/describe-service';
import request from 'supertest';
import { createTestApp, serveApp } from '../../src/testing';
import { MigratedNotesApp, NotesApp } from './fixtures/notes-app';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixtures', 'notes-app.ts');

function iniFor(sqluri: string, exportName = 'MigratedNotesApp'): { dir: string; ini: string } {
  return deployment('', `[storage]\nsqluri = ${sqluri}\n`, `${FIXTURE}#${exportName}`);
}

function migrateSuite(makeDatabase: () => Promise<TestDatabase>): void {
  let db: TestDatabase;
  const dirs: string[] = [];

  beforeAll(async () => { db = await makeDatabase(); });
  afterAll(async () => { await db.drop(); });
  beforeEach(async () => {
    for (const table of ['note_tags', 'notes', 'migrations']) await db.query(`DROP TABLE IF EXISTS ${table}`);
  });
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

  test('runs the pending migrations once and says what ran; a second run has nothing to do', async () => {
    const { dir, ini } = iniFor(db.uri);
    dirs.push(dir);
    const first = await run('migrate', ini);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^ran CreateNotes1700000000000\nran AddNoteColor1700000000001\n.*: 2 migration\(s\) run, 0 already applied\n$/);
    await db.query("INSERT INTO notes (id, owner, title) VALUES (1, 'a', 'b')");
    expect(await db.query('SELECT color FROM notes')).toEqual([{ color: 'yellow' }]);
    const second = await run('migrate', ini);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/: 0 migration\(s\) run, 2 already applied\n$/);
  });

  test('adopting migrations: the baseline is recorded where create_tables made its tables, the rest runs; a fresh database runs it', async () => {
    const { app } = createTestApp(NotesApp, { 'storage.sqluri': db.uri });      // the tables as create_tables made them
    await request(app.callback()).post('/alice/notes').send({ title: 'kept' }).expect(200);
    await app.close();
    const { dir, ini } = iniFor(db.uri, 'AdoptingNotesApp');
    dirs.push(dir);
    const first = await run('migrate', ini);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^recorded CreateNotes1700000000000 as applied without running it \(baseline: its tables exist\)\nran AddNoteColor1700000000001\n.*: 1 migration\(s\) run, 0 already applied\n$/);
    expect(await db.query('SELECT title, color FROM notes')).toEqual([{ title: 'kept', color: 'yellow' }]);
    expect((await run('migrate', ini)).stdout).toMatch(/: 0 migration\(s\) run, 2 already applied\n$/);
    for (const table of ['note_tags', 'notes', 'migrations']) await db.query(`DROP TABLE IF EXISTS ${table}`);
    expect((await run('migrate', ini)).stdout).toMatch(/^ran CreateNotes1700000000000\nran AddNoteColor1700000000001\n/);
  });

  test('a baseline whose tables only partly exist runs nothing and names them', async () => {
    await db.query('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
    const { dir, ini } = iniFor(db.uri, 'PartlyAdoptingNotesApp');
    dirs.push(dir);
    const failed = await run('migrate', ini);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^services-core migrate: baseline CreateNotes1700000000000 on .*: the tables notes exist but note_tags do not \(neither a fresh database nor one create_tables made\): nothing was run\n$/);
    expect(await db.query("SELECT COUNT(*) AS n FROM notes")).toEqual([{ n: expect.anything() as unknown }]);
  });

  test('migrations declared: create_tables defaults to false (the migrations own the schema)', () => {
    const settings = readAppDataSettings(MigratedNotesApp.data, { 'storage.sqluri': db.uri });
    expect(settings.options.createTables).toBe(false);
    expect(readAppDataSettings(NotesApp.data, { 'storage.sqluri': db.uri }).options.createTables).toBe(true);
  });
}

describe('services-core migrate on SQLite', () => {
  migrateSuite(sqliteDatabase);

  test('two processes migrating one fresh file at once: each migration runs once', async () => {
    const db = await sqliteDatabase();
    const { dir, ini } = iniFor(db.uri);
    try {
      const children = Array.from({ length: 2 }, () => spawn(process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), 'migrate', ini], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
      const outputs = children.map((child) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        return () => text;
      });
      const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0] as number));
      expect({ codes, output: outputs.map((o) => o()) }).toMatchObject({ codes: [0, 0] });
      expect(outputs.map((o) => o()).join('').match(/ran CreateNotes/g)).toHaveLength(1);
      expect(await db.query('SELECT name FROM migrations ORDER BY id')).toEqual([
        { name: 'CreateNotes1700000000000' }, { name: 'AddNoteColor1700000000001' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  }, 90_000);

  test('an app without data, a usage mistake, a database that cannot be opened: one line each', async () => {
    const { dir, ini } = iniFor('sqlite:///x.db', 'NotesApp');
    const plain = deployment('', '');
    try {
      expect(await run('migrate', plain.ini)).toMatchObject({ code: 1, stderr: expect.stringMatching(/E2eApp declares no data/) as unknown });
      expect(await run('migrate')).toMatchObject({ code: 2, stderr: 'usage: services-core migrate <deployment.ini>\n' });
      expect(await run('migrate', ini)).toMatchObject({ code: 0, stdout: 'NotesApp: no migrations declared (storage): nothing to run\n' });
      const unreachable = iniFor('postgresql://u:secret@127.0.0.1:1/db');
      const failed = await run('migrate', unreachable.ini);
      rmSync(unreachable.dir, { recursive: true, force: true });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^services-core migrate: cannot open SQL database postgresql:\/\/u:\*\*\*@127.0.0.1:1\/db: .*\n$/);
      expect(failed.stderr).not.toContain('secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(plain.dir, { recursive: true, force: true });
    }
  });

  test('serve and config check the data section before any worker starts, naming the key', async () => {
    const { dir, ini } = iniFor('oracle://u:secret@h/db');
    try {
      const serve = await run('serve', ini, '--workers', '1');
      expect(serve.code).toBe(1);
      expect(serve.stderr).toMatch(/deployment.ini: storage.sqluri: unsupported database 'oracle:\/\/u:\*\*\*@h\/db'/);
      const config = await run('config', ini);
      expect(config.code).toBe(1);
      expect(config.stderr).toMatch(/storage.sqluri: unsupported database/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('createTestApp applies the declared migrations (on the in-memory database of the app); migrate: false leaves the schema alone', async () => {
    const { app } = createTestApp(MigratedNotesApp, { 'storage.sqluri': 'sqlite:///:memory:' });
    await request(app.callback()).post('/alice/notes').send({ title: 'one' }).expect(200);
    await request(app.callback()).get('/alice/notes').expect(200, ['one']);
    expect(await app.data.source.query('SELECT color FROM notes')).toEqual([{ color: 'yellow' }]);
    await app.close();
    const { app: bare, logs } = createTestApp(MigratedNotesApp, { 'storage.sqluri': 'sqlite:///:memory:' }, { migrate: false });
    await request(bare.callback()).post('/alice/notes').send({ title: 'one' }).expect(503);   // no table: an outage
    expect(logs.some((line) => /no such table: notes/.test(JSON.stringify(line)))).toBe(true);
    await bare.close();
  });

  test('serveApp runs the pending migrations before serve, as a deploy does', async () => {
    const db = await sqliteDatabase();
    const { dir, ini } = iniFor(db.uri);
    const served = await serveApp(ini, { workers: 1, startTimeoutMs: 150_000 });
    try {
      const response = await fetch(`${served.url}/alice/notes`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"title":"a"}' });
      expect(response.status).toBe(200);
      expect(await db.query('SELECT name FROM migrations ORDER BY id')).toEqual([{ name: 'CreateNotes1700000000000' }, { name: 'AddNoteColor1700000000001' }]);
    } finally {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  }, 180_000);

  test('help lists migrate', async () => {
    expect((await run('--help')).stdout).toContain('services-core migrate <deployment.ini>\n');
  });
});

describeService('pg', 'services-core migrate on PostgreSQL', () => {
  migrateSuite(() => serverDatabase('postgres'));

  test('three runs at once: the advisory lock lets each migration run exactly once', async () => {
    const db = await serverDatabase('postgres');
    try {
      const settings = readAppDataSettings(MigratedNotesApp.data, { 'storage.sqluri': db.uri });
      const reports = await Promise.all([0, 1, 2].map(() => runMigrations(settings, MigratedNotesApp.data.migrations!)));
      expect(reports.flatMap((r) => r.ran).sort()).toEqual(['AddNoteColor1700000000001', 'CreateNotes1700000000000']);
      expect(await db.query('SELECT name FROM migrations ORDER BY id')).toHaveLength(2);
    } finally {
      await db.drop();
    }
  }, 60_000);

  test('a failing migration applies nothing (one transaction) and says why', async () => {
    const db = await serverDatabase('postgres');
    const { dir, ini } = iniFor(db.uri);
    try {
      await db.query('CREATE TABLE notes (id INTEGER PRIMARY KEY, color TEXT)'); // AddNoteColor will fail
      const failed = await run('migrate', ini);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^services-core migrate: migration CreateNotes1700000000000 failed on postgres(ql)?:.*: relation "notes" already exists\n$/);
      expect(await db.query("SELECT to_regclass('migrations') IS NULL OR NOT EXISTS (SELECT 1 FROM migrations) AS none")).toEqual([{ none: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});

describeService('maria', 'services-core migrate on MariaDB', () => migrateSuite(() => serverDatabase('mysql')));
