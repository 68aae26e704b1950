/**
 * Sync storage on SQL, in server-storage's tables (`wbo`, `collections`) and its SQL backend's
 * behaviour, with the collection timestamps its memcached layer showed: kept in
 * `collection_stamps`, never moving backwards, and moved by every DELETE (README.md).
 * Framework-independent: it takes a function that opens a TypeORM DataSource.
 */
import type { DataSource } from 'typeorm';
import { BackendError, bigint2time, isDeadlock, isUniqueViolation, time2bigint } from '../../src';
import type { ItemQuery } from './query-args';
import { COLLECTIONS_NAME_INDEX } from './storage-entities';
import type { Dialect, StorageSource } from './storage-source';
import { NO_EXPIRY, type Wbo } from './wbo';

export type UserId = number;

/** A stored WBO as read back: `modified` as two-decimal text. */
export interface StoredWbo {
  id: string;
  parentid?: string;
  predecessorid?: string;
  sortindex?: number;
  modified?: string;
  payload?: string;
}

export interface SyncStorageOptions {
  /** `storage.standard_collections`: fixed ids for the common names. */
  standardCollections?: boolean;
}

// sql.py _STANDARD_COLLECTIONS (the legacy names, "client" and "key" included).
const STANDARD: Record<string, number> = {
  client: 1, crypto: 2, forms: 3, history: 4, key: 5, meta: 6, bookmarks: 7, prefs: 8, tabs: 9, passwords: 10,
};
const STANDARD_BY_ID = new Map(Object.entries(STANDARD).map(([name, id]) => [id, name]));
const FIRST_CUSTOM_STANDARD = 11;

/** Tries at creating a collection whose id other new collections keep taking. */
const CREATE_ATTEMPTS = 20;

const FULL_FIELDS = 'id, parentid, predecessorid, sortindex, modified, payload';
const ROW_FIELDS = ['id', 'parentid', 'predecessorid', 'sortindex', 'modified', 'payload', 'payload_size', 'ttl'] as const;

/** Whole seconds now, as the `ttl` column counts them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Builds one statement's placeholders for the dialect. */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

export class SyncStorage {
  #opening?: Promise<StorageSource>;
  #source?: StorageSource;
  private readonly standard: boolean;

  constructor(private readonly opener: () => Promise<StorageSource>, options: SyncStorageOptions = {}) {
    this.standard = options.standardCollections ?? false;
  }

  /** Opens the database on first use; a failed open is retried by the next call. */
  private async source(): Promise<StorageSource> {
    if (this.#source) return this.#source;
    this.#opening ??= this.opener().then((s) => (this.#source = s), (err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening;
  }

  /** Opens the database now (else the first query does). */
  async open(): Promise<void> {
    await this.source();
  }

  get dialect(): Dialect | undefined {
    return this.#source?.dialect;
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    this.#source = undefined;
    const source = await opening?.catch(() => undefined);
    if (source?.owned !== false && source?.source.isInitialized) await source.source.destroy();
  }

  /** Runs a query; a database failure is a BackendError (503), named after the operation. */
  private async query<T = Record<string, unknown>>(what: string, sql: string, params: unknown[]): Promise<T[]> {
    const { source } = await this.source();
    return await run(source, sql, params) as T[];
  }

  private async params(): Promise<Params> {
    return new Params((await this.source()).dialect);
  }

  /** Checks the database answers (the heartbeat). */
  async check(): Promise<void> {
    await this.query('check', 'SELECT 1 AS one FROM collections WHERE 1 = 0', []);
  }

  // --- collections ---------------------------------------------------------------------------

  /**
   * The id of a collection, created when missing with `create`. Race-safe: the unique
   * (userid, name) index refuses a second row for the name, and the loser reads the winner's id;
   * an id another new collection took meanwhile is chosen again.
   */
  async collectionId(user: UserId, name: string, create: boolean): Promise<number | null> {
    if (this.standard && name in STANDARD) return STANDARD[name];
    const existing = await this.findCollection(user, name);
    if (existing !== null || !create) return existing;
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const q = await this.params();
      const [max] = await this.query<{ m: number | string | null }>('collectionId',
        `SELECT MAX(collectionid) AS m FROM collections WHERE userid = ${q.add(user)}`, q.values);
      const min = this.standard ? FIRST_CUSTOM_STANDARD : 0;
      const next = max.m === null ? min : Math.max(min, Number(max.m) + 1);
      const i = await this.params();
      try {
        await this.query('collectionId', `INSERT INTO collections (userid, collectionid, name) VALUES (${i.list([user, next, name])})`, i.values);
        return next;
      } catch (err) {
        // Another request created the collection (the name index) or took that id (the key); or
        // InnoDB chose this INSERT as the victim of the two inserts' key locks (a deadlock):
        // the loop looks again.
        if (!isUniqueViolation(err) && !isDeadlock(err)) throw err;
        const again = await this.findCollection(user, name);
        if (again !== null) return again;
      }
    }
    throw new BackendError(`SyncStorage.collectionId: could not create collection ${name}`);
  }

  private async findCollection(user: UserId, name: string): Promise<number | null> {
    const p = await this.params();
    const rows = await this.query<{ collectionid: number }>('collectionId',
      `SELECT collectionid FROM collections WHERE userid = ${p.add(user)} AND name = ${p.add(name)}`, p.values);
    return rows.length > 0 ? Number(rows[0].collectionid) : null;
  }

  /**
   * Gives a database created before the unique (userid, name) index of `collections` that
   * index (README.md "Collections"). A name the old schema let concurrent writes create twice
   * is merged first into its lowest id: objects stored under both keep the later one, the
   * collection's timestamp the later one. Does nothing when the index is there; returns how
   * many duplicate ids were merged.
   */
  async upgradeSchema(): Promise<number> {
    const { source, dialect } = await this.source();
    if (await hasNameIndex(source, dialect)) return 0;
    const merged = await source.transaction((manager) => mergeDuplicateCollections(
      (sql, params) => manager.query(sql, params) as Promise<Record<string, unknown>[]>, dialect));
    try {
      await source.query(`CREATE UNIQUE INDEX ${COLLECTIONS_NAME_INDEX} ON collections (userid, name)`);
    } catch (err) {
      // Another worker created it meanwhile.
      if (!(await hasNameIndex(source, dialect))) throw err;
    }
    return merged;
  }

  /**
   * Why the database cannot store an object, or undefined: PostgreSQL text holds no NUL
   * character (README.md "WBO validation"), so such an object fails alone in its batch.
   */
  unstorable(wbo: Wbo): string | undefined {
    if (this.dialect !== 'postgres') return undefined;
    for (const field of ['id', 'parentid', 'predecessorid', 'payload'] as const) {
      if (wbo[field]?.includes('\0')) return `invalid ${field}`;
    }
    return undefined;
  }

  private async collectionNames(user: UserId): Promise<Map<number, string>> {
    const p = await this.params();
    const rows = await this.query<{ collectionid: number; name: string }>('collectionNames',
      `SELECT collectionid, name FROM collections WHERE userid = ${p.add(user)}`, p.values);
    const names = new Map<number, string>(this.standard ? STANDARD_BY_ID : []);
    for (const row of rows) names.set(Number(row.collectionid), row.name);
    return names;
  }

  private async byName<V>(user: UserId, rows: { collection: number | string; value: V }[]): Promise<Map<string, V>> {
    const names = await this.collectionNames(user);
    const result = new Map<string, V>();
    for (const row of rows) {
      const name = names.get(Number(row.collection));
      if (name !== undefined) result.set(name, row.value);
    }
    return result;
  }

  /** info/collections: each collection's last change, in hundredths. */
  async timestamps(user: UserId): Promise<Map<string, number>> {
    const p = await this.params();
    const u1 = p.add(user);
    const u2 = p.add(user);
    const rows = await this.query<{ collection: number; value: number | string }>('timestamps',
      `SELECT collection, MAX(m) AS value FROM (
         SELECT collection, MAX(modified) AS m FROM wbo WHERE username = ${u1} GROUP BY collection
         UNION ALL
         SELECT collection, modified AS m FROM collection_stamps WHERE userid = ${u2}
       ) stamps WHERE m IS NOT NULL GROUP BY collection`, p.values);
    const result = await this.byName(user, rows);
    return new Map([...result].map(([name, value]) => [name, Number(value)]));
  }

  /** The last change of one collection in hundredths (X-If-Unmodified-Since), or null. */
  async collectionStamp(user: UserId, name: string): Promise<number | null> {
    const id = await this.collectionId(user, name, false);
    if (id === null) return null;
    const p = await this.params();
    const [u1, c1, u2, c2] = [p.add(user), p.add(id), p.add(user), p.add(id)];
    const [row] = await this.query<{ m: number | string | null }>('collectionStamp',
      `SELECT MAX(m) AS m FROM (
         SELECT MAX(modified) AS m FROM wbo WHERE username = ${u1} AND collection = ${c1}
         UNION ALL
         SELECT modified AS m FROM collection_stamps WHERE userid = ${u2} AND collection = ${c2}
       ) stamps`, p.values);
    return row?.m === null || row?.m === undefined ? null : Number(row.m);
  }

  async counts(user: UserId): Promise<Map<string, number>> {
    const p = await this.params();
    const rows = await this.query<{ collection: number; value: number | string }>('counts',
      `SELECT collection, COUNT(*) AS value FROM wbo WHERE username = ${p.add(user)} AND ttl > ${p.add(nowSeconds())} GROUP BY collection`,
      p.values);
    const result = await this.byName(user, rows);
    return new Map([...result].map(([name, value]) => [name, Number(value)]));
  }

  /** Stored payload bytes per collection (live objects). */
  async sizes(user: UserId): Promise<Map<string, number>> {
    const p = await this.params();
    const rows = await this.query<{ collection: number; value: number | string }>('sizes',
      `SELECT collection, SUM(payload_size) AS value FROM wbo WHERE username = ${p.add(user)} AND ttl > ${p.add(nowSeconds())} GROUP BY collection`,
      p.values);
    const result = await this.byName(user, rows);
    return new Map([...result].map(([name, value]) => [name, Number(value)]));
  }

  /** Stored payload bytes of the user (live objects). */
  async totalSize(user: UserId): Promise<number> {
    const p = await this.params();
    const [row] = await this.query<{ value: number | string | null }>('totalSize',
      `SELECT SUM(payload_size) AS value FROM wbo WHERE username = ${p.add(user)} AND ttl > ${p.add(nowSeconds())}`, p.values);
    return row?.value === null || row?.value === undefined ? 0 : Number(row.value);
  }

  // --- items ---------------------------------------------------------------------------------

  private where(p: Params, user: UserId, collection: number, query: ItemQuery): string[] {
    const where = [`username = ${p.add(user)}`, `collection = ${p.add(collection)}`];
    if (query.ids) where.push(`id IN (${p.list(query.ids)})`);
    if (query.parentid !== undefined) where.push(`parentid = ${p.add(query.parentid)}`);
    if (query.predecessorid !== undefined) where.push(`predecessorid = ${p.add(query.predecessorid)}`);
    if (query.newer !== undefined) where.push(`modified > ${p.add(time2bigint(query.newer))}`);
    if (query.older !== undefined) where.push(`modified < ${p.add(time2bigint(query.older))}`);
    if (query.indexAbove !== undefined) where.push(`sortindex > ${p.add(query.indexAbove)}`);
    if (query.indexBelow !== undefined) where.push(`sortindex < ${p.add(query.indexBelow)}`);
    return where;
  }

  private orderAndLimit(p: Params, query: ItemQuery): string {
    let sql = '';
    if (query.sort === 'oldest') sql += ' ORDER BY modified ASC';
    else if (query.sort === 'newest') sql += ' ORDER BY modified DESC';
    else if (query.sort === 'index') sql += ' ORDER BY sortindex DESC';
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : undefined;
    const offset = query.offset !== undefined && query.offset > 0 ? query.offset : undefined;
    if (limit !== undefined) sql += ` LIMIT ${p.add(limit)}`;
    else if (offset !== undefined) {
      // OFFSET needs a LIMIT on SQLite and MySQL: "no limit".
      sql += (this.dialect === 'postgres' ? '' : this.dialect === 'mysql' ? ' LIMIT 18446744073709551615' : ' LIMIT -1');
    }
    if (offset !== undefined) sql += ` OFFSET ${p.add(offset)}`;
    return sql;
  }

  /** The live objects of a collection matching the query: ids only, or whole WBOs with `full`. */
  async getItems(user: UserId, name: string, query: ItemQuery): Promise<StoredWbo[]> {
    const collection = await this.collectionId(user, name, false);
    if (collection === null) return [];
    const p = await this.params();
    const where = this.where(p, user, collection, query);
    where.push(`ttl > ${p.add(nowSeconds())}`);
    const sql = `SELECT ${query.full ? FULL_FIELDS : 'id'} FROM wbo WHERE ${where.join(' AND ')}${this.orderAndLimit(p, query)}`;
    const rows = await this.query<Record<string, unknown>>('getItems', sql, p.values);
    return rows.map(toStored);
  }

  async getItem(user: UserId, name: string, id: string): Promise<StoredWbo | null> {
    const collection = await this.collectionId(user, name, false);
    if (collection === null) return null;
    const p = await this.params();
    const rows = await this.query<Record<string, unknown>>('getItem',
      `SELECT ${FULL_FIELDS} FROM wbo WHERE username = ${p.add(user)} AND collection = ${p.add(collection)} AND id = ${p.add(id)} AND ttl > ${p.add(nowSeconds())}`,
      p.values);
    return rows.length === 0 ? null : toStored(rows[0]);
  }

  /**
   * Writes objects (insert, or update of the fields each one carries; `ttl` is always reset),
   * in one statement. `modified` (hundredths) is set on the objects that carry a payload when
   * `onlyWithPayload`, else on all. Moves the collection's timestamp to `now`.
   */
  async setItems(user: UserId, name: string, wbos: Wbo[], now: string, onlyWithPayload: boolean): Promise<void> {
    if (wbos.length === 0) return;
    const collection = await this.collectionId(user, name, true) as number;
    const stamp = time2bigint(now);
    const seconds = nowSeconds();
    // One row per id (the last wins): a statement may not update the same row twice.
    const unique = new Map<string, Wbo>();
    for (const wbo of wbos) unique.set(wbo.id as string, wbo);
    const p = await this.params();
    const rows: string[] = [];
    for (const wbo of unique.values()) {
      const modified = !onlyWithPayload || wbo.payload !== undefined ? stamp : null;
      const values = [
        wbo.id, user, collection, wbo.parentid ?? null, wbo.predecessorid ?? null, wbo.sortindex ?? null, modified,
        wbo.payload ?? null, wbo.payload === undefined ? 0 : wbo.payload.length,
        wbo.ttl === undefined ? NO_EXPIRY : seconds + wbo.ttl,
      ];
      rows.push(`(${p.list(values)})`);
    }
    const columns = 'id, username, collection, parentid, predecessorid, sortindex, modified, payload, payload_size, ttl';
    const sql = `INSERT INTO wbo (${columns}) VALUES ${rows.join(', ')} ${this.upsertTail()}`;
    await this.query('setItems', sql, p.values);
    await this.bumpStamp(user, collection, stamp);
  }

  private upsertTail(): string {
    const keep = ['parentid', 'predecessorid', 'sortindex', 'modified', 'payload'];
    if (this.dialect === 'mysql') {
      return `ON DUPLICATE KEY UPDATE ${keep.map((c) => `${c} = COALESCE(VALUES(${c}), ${c})`).join(', ')}, ` +
        'payload_size = IF(VALUES(payload) IS NULL, payload_size, VALUES(payload_size)), ttl = VALUES(ttl)';
    }
    const excluded = this.dialect === 'postgres' ? 'EXCLUDED' : 'excluded';
    return `ON CONFLICT (id, username, collection) DO UPDATE SET ${keep.map((c) => `${c} = COALESCE(${excluded}.${c}, wbo.${c})`).join(', ')}, ` +
      `payload_size = CASE WHEN ${excluded}.payload IS NULL THEN wbo.payload_size ELSE ${excluded}.payload_size END, ttl = ${excluded}.ttl`;
  }

  /** The collection's timestamp becomes `stamp` unless it is later already. */
  private async bumpStamp(user: UserId, collection: number, stamp: number): Promise<void> {
    const p = await this.params();
    const values = p.list([user, collection, stamp]);
    const tail = this.dialect === 'mysql' ? 'ON DUPLICATE KEY UPDATE modified = GREATEST(modified, VALUES(modified))'
      : this.dialect === 'postgres' ? 'ON CONFLICT (userid, collection) DO UPDATE SET modified = GREATEST(collection_stamps.modified, EXCLUDED.modified)'
        : 'ON CONFLICT (userid, collection) DO UPDATE SET modified = MAX(collection_stamps.modified, excluded.modified)';
    await this.query('bumpStamp', `INSERT INTO collection_stamps (userid, collection, modified) VALUES (${values}) ${tail}`, p.values);
  }

  /** The stored `modified` of an object (expired ones included), or null. */
  async itemModified(user: UserId, name: string, id: string): Promise<string | null> {
    const collection = await this.collectionId(user, name, false);
    if (collection === null) return null;
    const p = await this.params();
    const [row] = await this.query<{ modified: number | string | null }>('itemModified',
      `SELECT modified FROM wbo WHERE username = ${p.add(user)} AND collection = ${p.add(collection)} AND id = ${p.add(id)}`, p.values);
    return row ? bigint2time(row.modified) : null;
  }

  /** Deletes one object; the collection's timestamp moves to `now` either way. */
  async deleteItem(user: UserId, name: string, id: string, now: string): Promise<boolean> {
    const collection = await this.collectionId(user, name, true) as number;
    const p = await this.params();
    const rows = await this.deleted('deleteItem',
      `DELETE FROM wbo WHERE username = ${p.add(user)} AND collection = ${p.add(collection)} AND id = ${p.add(id)}`, p.values);
    await this.bumpStamp(user, collection, time2bigint(now));
    return rows > 0;
  }

  /** Deletes the objects matching the query (all without one); the timestamp moves to `now`. */
  async deleteItems(user: UserId, name: string, query: ItemQuery, now: string): Promise<number> {
    const collection = await this.collectionId(user, name, true) as number;
    let p = await this.params();
    let where = this.where(p, user, collection, query);
    if (query.limit !== undefined && query.limit > 0) {
      // DELETE has no portable LIMIT/OFFSET: choose the ids first.
      const ids = await this.query<{ id: string }>('deleteItems',
        `SELECT id FROM wbo WHERE ${where.join(' AND ')}${this.orderAndLimit(p, query)}`, p.values);
      p = await this.params();
      where = this.where(p, user, collection, { full: false });
      if (ids.length === 0) where.push('1 = 0');
      else where.push(`id IN (${p.list(ids.map((r) => r.id))})`);
    }
    const count = await this.deleted('deleteItems', `DELETE FROM wbo WHERE ${where.join(' AND ')}`, p.values);
    await this.bumpStamp(user, collection, time2bigint(now));
    return count;
  }

  /** Deletes every object and collection of the user. */
  async deleteStorage(user: UserId): Promise<void> {
    for (const [table, column] of [['wbo', 'username'], ['collection_stamps', 'userid'], ['collections', 'userid']]) {
      const p = await this.params();
      await this.query('deleteStorage', `DELETE FROM ${table} WHERE ${column} = ${p.add(user)}`, p.values);
    }
  }

  private async deleted(what: string, sql: string, params: unknown[]): Promise<number> {
    const { source, dialect } = await this.source();
    const runner = source.createQueryRunner();
    try {
      return affected(await runner.query(sql, params, true), dialect);
    } finally {
      await runner.release();
    }
  }
}

function run(source: DataSource, sql: string, params: unknown[]): Promise<unknown[]> {
  return source.query(sql, params) as Promise<unknown[]>;
}

/** The affected row count from TypeORM's QueryResult (`structured = true`). */
function affected(result: unknown, _dialect: Dialect): number {
  const r = result as { affected?: number; raw?: { affectedRows?: number; changes?: number } };
  return r.affected ?? r.raw?.affectedRows ?? r.raw?.changes ?? 0;
}

function toStored(row: Record<string, unknown>): StoredWbo {
  const wbo: StoredWbo = { id: String(row.id) };
  for (const field of ROW_FIELDS) {
    const value = row[field];
    if (value === null || value === undefined || field === 'id' || field === 'payload_size' || field === 'ttl') continue;
    if (field === 'modified') wbo.modified = bigint2time(value as number | string) as string;
    else if (field === 'sortindex') wbo.sortindex = Number(value);
    else (wbo as unknown as Record<string, unknown>)[field] = String(value);
  }
  return wbo;
}

type Run = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

async function hasNameIndex(source: DataSource, dialect: Dialect): Promise<boolean> {
  const sql = dialect === 'postgres' ? "SELECT 1 AS one FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'collections' AND indexname = $1"
    : dialect === 'mysql' ? "SELECT 1 AS one FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'collections' AND INDEX_NAME = ?"
      : "SELECT 1 AS one FROM sqlite_master WHERE type = 'index' AND tbl_name = 'collections' AND name = ?";
  return (await source.query(sql, [COLLECTIONS_NAME_INDEX]) as unknown[]).length > 0;
}

/** Merges each (userid, name) held by several ids into the lowest one, in the caller's transaction. */
async function mergeDuplicateCollections(run: Run, dialect: Dialect): Promise<number> {
  const ph = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  // Other writers of `collections` wait until the merge is committed.
  if (dialect === 'postgres') await run('LOCK TABLE collections IN SHARE ROW EXCLUSIVE MODE', []);
  const lock = dialect === 'mysql' ? ' FOR UPDATE' : '';
  const rows = await run(`SELECT userid, collectionid, name FROM collections ORDER BY userid, collectionid${lock}`, []);
  const keep = new Map<string, number>();
  let merged = 0;
  for (const row of rows) {
    const user = Number(row.userid);
    const id = Number(row.collectionid);
    // MySQL/MariaDB compare names without case: the index will too.
    const key = `${user}\n${dialect === 'mysql' ? String(row.name).toLowerCase() : String(row.name)}`;
    const target = keep.get(key);
    if (target === undefined) {
      keep.set(key, id);
      continue;
    }
    const pair = [user, id, target];
    // Objects in both: the earlier copy goes, from whichever side holds it.
    await run(`DELETE FROM wbo WHERE username = ${ph(1)} AND collection = ${ph(3)} AND id IN (SELECT id FROM (
        SELECT o.id FROM wbo o JOIN wbo k ON k.username = o.username AND k.id = o.id
        WHERE o.username = ${ph(1)} AND o.collection = ${ph(2)} AND k.collection = ${ph(3)} AND COALESCE(o.modified, 0) > COALESCE(k.modified, 0)) newer)`,
    dialect === 'postgres' ? pair : [user, target, user, id, target]);
    await run(`DELETE FROM wbo WHERE username = ${ph(1)} AND collection = ${ph(2)} AND id IN (SELECT id FROM (
        SELECT k.id FROM wbo k WHERE k.username = ${ph(1)} AND k.collection = ${ph(3)}) kept)`,
    dialect === 'postgres' ? pair : [user, id, user, target]);
    await run(`UPDATE wbo SET collection = ${ph(3)} WHERE username = ${ph(1)} AND collection = ${ph(2)}`,
      dialect === 'postgres' ? pair : [target, user, id]);
    const [stamp] = await run(`SELECT modified FROM collection_stamps WHERE userid = ${ph(1)} AND collection = ${ph(2)}`, [user, id]);
    if (stamp) {
      const [kept] = await run(`SELECT modified FROM collection_stamps WHERE userid = ${ph(1)} AND collection = ${ph(2)}`, [user, target]);
      if (!kept) await run(`INSERT INTO collection_stamps (userid, collection, modified) VALUES (${ph(1)}, ${ph(2)}, ${ph(3)})`, [user, target, stamp.modified]);
      else if (Number(stamp.modified) > Number(kept.modified)) {
        await run(`UPDATE collection_stamps SET modified = ${ph(1)} WHERE userid = ${ph(2)} AND collection = ${ph(3)}`, [stamp.modified, user, target]);
      }
      await run(`DELETE FROM collection_stamps WHERE userid = ${ph(1)} AND collection = ${ph(2)}`, [user, id]);
    }
    await run(`DELETE FROM collections WHERE userid = ${ph(1)} AND collectionid = ${ph(2)}`, [user, id]);
    merged++;
  }
  return merged;
}
