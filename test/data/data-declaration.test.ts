import { EntitySchema } from 'typeorm';
import { SyncServerApp } from '../../src/app';
import type { AppDataDeclaration } from '../../src/data/app-data';
import { createTestApp } from '../../src/testing/test-app';
import { serverDatabase, type TestDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';

// Issue 26, item 5: a SQLite-only column type in an app's entity, on PostgreSQL. The app data
// shares the SQL auth backend's connection (same database), so the entity was refused while
// the auth backend opened: the error blamed auth. It names the app data, the entity and the
// column now, shared connection or not.

interface DatedLink { id: number; createdAt: Date }

const DatedLinkEntity = new EntitySchema<DatedLink>({
  name: 'Link',
  tableName: 'dated_links',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    createdAt: { type: 'datetime' }, // SQLite and MySQL only: PostgreSQL calls it timestamp
  },
});

class DatedLinksApp extends SyncServerApp {
  static override readonly data: AppDataDeclaration = { entities: [DatedLinkEntity] };
}

const NAMED = /^DatedLinksApp\.listen: the app data \(DatedLinksApp\.data, \[data\]\): entity "Link", column "createdAt": data type "datetime" is not supported by postgres; use a portable type \(docs\/app\.md, "Storing data", "Column types"\)$/;

describeService('pg', 'an entity PostgreSQL cannot take', () => {
  let db: TestDatabase;

  beforeAll(async () => { db = await serverDatabase('postgres'); });
  afterAll(() => db.drop());

  test('on the SQL auth backend\'s connection: the error names the app data, the entity and the column, not auth', async () => {
    const { app } = createTestApp(DatedLinksApp, { 'auth.backend': 'sql', 'auth.sqluri': db.uri, 'data.sqluri': db.uri });
    expect(app.data.shared).toBe(true);
    const error = await app.start().then(() => undefined, (err: Error) => err);
    await app.close();
    expect(error?.message).toMatch(NAMED);
    expect(error?.message).not.toMatch(/auth backend|cannot be reached/);
  });

  test('on a connection of its own: the same message', async () => {
    const { app } = createTestApp(DatedLinksApp, { 'data.sqluri': db.uri });
    const error = await app.start().then(() => undefined, (err: Error) => err);
    await app.close();
    expect(error?.message).toMatch(NAMED);
  });

  test('the app\'s table is not created by a start that failed; with `type: Date` (portable) it is, and holds dates', async () => {
    expect(await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'dated_links'")).toEqual([]);
    const PortableEntity = new EntitySchema<DatedLink>({ ...DatedLinkEntity.options, columns: { ...DatedLinkEntity.options.columns, createdAt: { type: Date } } });
    class PortableLinksApp extends SyncServerApp {
      static override readonly data: AppDataDeclaration = { entities: [PortableEntity] };
    }
    const { app } = createTestApp(PortableLinksApp, { 'auth.backend': 'sql', 'auth.sqluri': db.uri, 'data.sqluri': db.uri });
    try {
      await app.start();
      const at = new Date('2026-12-07T12:00:00.000Z');
      await app.data.repository(PortableEntity).insert({ createdAt: at });
      expect((await app.data.repository(PortableEntity).find())[0].createdAt.getTime()).toBe(at.getTime());
      expect(await db.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'dated_links' AND column_name = 'createdAt'"))
        .toEqual([{ data_type: 'timestamp without time zone' }]);
    } finally {
      await app.close();
    }
  });
});
