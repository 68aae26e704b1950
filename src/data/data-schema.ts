import type { SettingsSchema } from '../config/schema';

/** The section of an app's data settings when its declaration names none. */
export const DEFAULT_DATA_SECTION = 'data';

/**
 * The SQLite keys of a section that opens a database (`auth`, an app's data section): how
 * several processes share one file (src/data/sqlite-locking.ts). Ignored for other databases.
 */
export function sqliteSettingsSchema(section: string): SettingsSchema {
  return {
    [`${section}.sqlite_journal_mode`]: ['`wal` | `delete` | `truncate` | `persist`', '`wal`', 'SQLite journal: `wal` lets readers go on while one process writes'],
    [`${section}.sqlite_synchronous`]: ['`off` | `normal` | `full` | `extra`', '`normal`', 'SQLite fsync policy (`normal` is safe with `wal`; the last commits may be lost on power loss)'],
    [`${section}.sqlite_busy_timeout`]: ['integer milliseconds (0–100)', '`2`', 'how long SQLite itself waits for a lock per try, holding the worker (longer waits are timers)'],
    [`${section}.sqlite_lock_timeout`]: ['seconds', '`5`', 'how long a statement or transaction waits for another process\'s lock before a 503'],
  };
}

/**
 * The keys of an app's data section (`static data = { section }`, default `[data]`): declared
 * for the app, so a typo in them is caught like one in `[auth]`.
 */
export function dataSettingsSchema(section: string): SettingsSchema {
  return {
    [`${section}.sqluri`]: ['database URI', `\`sqlite:///${section}.db\` in the app's folder`, 'the app\'s database (the URI forms of `auth.sqluri`); the same database as `auth.sqluri` shares its connection'],
    [`${section}.pool_size`]: ['integer', '`20`', 'SQL pool size'],
    [`${section}.pool_recycle`]: ['integer seconds', '`3600`', 'SQL connection lifetime'],
    [`${section}.pool_timeout`]: ['seconds', '`10`', 'how long a query waits for a connection'],
    [`${section}.create_tables`]: ['boolean', '`true` without migrations', 'create missing tables at start, never alter existing ones'],
    ...sqliteSettingsSchema(section),
  };
}

/** The app's declared keys: its `settingsSchema`, plus its data section's keys when it declares data. */
export function appSettingsSchema(appClass: { settingsSchema?: SettingsSchema; data?: { section?: string } }): SettingsSchema | undefined {
  if (appClass.data === undefined) return appClass.settingsSchema;
  return { ...dataSettingsSchema(appClass.data.section ?? DEFAULT_DATA_SECTION), ...appClass.settingsSchema };
}
