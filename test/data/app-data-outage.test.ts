import request from 'supertest';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { createTestApp } from '../../src/testing/test-app';
import { describeWithBinaries } from '../services/describe-service';
import { type OwnPostgres, ownPostgres } from '../services/own-postgres';
import { NotesApp } from './fixtures/notes-app';

// Outages of the app's database are 503 + Retry-After with one log line, and the app recovers
// by itself; a PostgreSQL of this file's own, so stopping it disturbs no other suite.
describeWithBinaries('pg', 'app data when PostgreSQL goes away', () => {
  let pg: OwnPostgres;

  beforeAll(async () => { pg = await ownPostgres('sc-pg-data-outage-'); }, 60_000);
  afterAll(() => pg.remove());

  test('PostgreSQL stopped: 503 + Retry-After and one log line; started again: the app serves again', async () => {
    const { app, logs } = createTestApp(NotesApp, { 'storage.sqluri': pg.uri, 'storage.pool_size': 2 });
    try {
      await request(app.callback()).post('/alice/notes').send({ title: 'before' }).expect(200);
      pg.stop();
      try {
        const before = logs.length;
        const res = await request(app.callback()).get('/alice/notes').expect(503);
        expect(res.headers['retry-after']).toBe('1800');
        const lines = logs.slice(before).filter((line) => line.level >= 40);
        expect(lines).toHaveLength(1);
        expect(JSON.stringify(lines[0])).not.toContain('not-so-secret');
        await request(app.callback()).post('/alice/notes').send({ title: 'during' }).expect(503);
        await request(app.callback()).get('/__heartbeat__').expect(503);
      } finally {
        pg.start();
      }
      await request(app.callback()).get('/alice/notes').expect(200, ['before']);
      await request(app.callback()).get('/__heartbeat__').expect(200);
    } finally {
      await app.close();
    }
  }, 60_000);

  test('the pool exhausted for pool_timeout is an outage (503), not a hang', async () => {
    const { app } = createTestApp(NotesApp, { 'storage.sqluri': pg.uri, 'storage.pool_size': 1, 'storage.pool_timeout': 0.3 });
    try {
      await app.start();
      const runner = app.data.source.createQueryRunner();
      await runner.connect(); // the only connection
      try {
        const res = await request(app.callback()).get('/bob/notes').expect(503);
        expect(res.headers['retry-after']).toBe('1800');
      } finally {
        await runner.release();
      }
      await request(app.callback()).get('/bob/notes').expect(200, []);
    } finally {
      await app.close();
    }
  }, 60_000);

  test('the auth backend reuses the classification: its connection answers a NUL byte with a 400, not a BackendError', async () => {
    const auth = new SQLAuth({ sqluri: pg.uri, password_scheme: 'ssha-256' });
    try {
      await auth.open();
      const err = await auth.connection.run('probe', (ds) => ds.query('SELECT $1::text AS t', ['a\u0000b'])).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'SqlRequestError', status: 400, sqlCode: '22021' });
    } finally {
      await auth.close();
    }
  });
});
