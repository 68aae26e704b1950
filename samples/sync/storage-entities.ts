/**
 * server-storage's tables (`sqlmappers.py`: one `wbo` table, no sharding, and `collections`),
 * plus `collection_stamps`, as TypeORM EntitySchemas for the app's data (`static data`). The
 * columns are the original ones, so an existing server-full database can be pointed at; the
 * queries are plain SQL (sync-storage.ts), the schemas only create missing tables.
 */
import { EntitySchema } from 'typeorm';

export const COLLECTIONS_NAME_INDEX = 'collections_userid_name';

export const CollectionsTable = new EntitySchema({
  name: 'collections',
  tableName: 'collections',
  columns: {
    userid: { type: 'int', primary: true },
    collectionid: { type: 'int', primary: true },
    name: { type: 'varchar', length: 32 },
  },
  // One id per (user, name): concurrent first writes to a new collection cannot create two
  // (README.md "Collections"). Added to an existing database at start (SyncStorage.upgradeSchema).
  indices: [{ name: COLLECTIONS_NAME_INDEX, columns: ['userid', 'name'], unique: true }],
});

export const WboTable = new EntitySchema({
  name: 'wbo',
  tableName: 'wbo',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    username: { type: 'int', primary: true },
    collection: { type: 'int', primary: true, default: 0 },
    parentid: { type: 'varchar', length: 64, nullable: true },
    predecessorid: { type: 'varchar', length: 64, nullable: true },
    sortindex: { type: 'int', nullable: true },
    modified: { type: 'bigint', nullable: true },
    payload: { type: 'text', nullable: true },
    payload_size: { type: 'int', default: 0 },
    ttl: { type: 'int', nullable: true, default: 2100000000 },
  },
  indices: [{ name: 'wbo_user_collection_modified', columns: ['username', 'collection', 'modified'] }],
});

/** The last change of each collection (moved by writes and deletes, never backwards). */
export const CollectionStampsTable = new EntitySchema({
  name: 'collection_stamps',
  tableName: 'collection_stamps',
  columns: {
    userid: { type: 'int', primary: true },
    collection: { type: 'int', primary: true },
    modified: { type: 'bigint' },
  },
});

export const STORAGE_ENTITIES = [CollectionsTable, WboTable, CollectionStampsTable];
