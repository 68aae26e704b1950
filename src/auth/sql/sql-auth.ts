import type { DataSource, Repository } from 'typeorm';
import { BadRequestError } from '../../util/errors';
import { hasUnsafeNameCharacters } from '../../util/validation';
import { ConfigError } from '../../config/errors';
import type { FlatConfig } from '../../config/types';
import { boolParam, stringParam } from '../auth-params';
import type { AuthBackend, AuthBackendContext, UpdatePasswordOptions, UserId, UserInfo } from '../backend';
import { checkNewPasswordLength, maxPasswordLength } from '../password-length';
import { hashPassword, isPasswordScheme, needsRehash, validatePassword } from '../passwords';
import type { PasswordScheme } from '../passwords';
import { ResetCodes, storedResetCode } from '../reset-code';
import type { ResetCodeStore, StoredResetCode } from '../reset-code';
import { SqlConnection, affectedAny, sqlConnectionParams } from '../../data/sql-connection';
import { typeorm } from '../../data/load-typeorm';
import { isUniqueViolation } from '../../data/sql-errors';
import { NodeAttributionError, availableNodesEntity, claimNode, nodeUrl, pickNode, releaseNode } from '../node-assignment';
import { userNodesEntity, usersEntity } from './sql-users';
import type { UserNodeRow, UserRow } from './sql-users';

const MAX_USERNAME = 32;

/** The part of a pg Pool the stamp query uses. */
interface PgPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}
const MAX_EMAIL = 64;
/** Nodes tried for one assignment before giving up (each try finds the previous one full). */
const MAX_NODE_TRIES = 8;

/** A SQL id from a `UserId`; anything that is not a positive integer matches no row. */
function rowId(userId: UserId): number {
  const id = typeof userId === 'number' ? userId : /^\d+$/.test(userId) ? Number(userId) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

/**
 * Users in the legacy `users` table of a SQL database (docs/compatibility.md D.5) through TypeORM: SQLite
 * (better-sqlite3), PostgreSQL (pg) or MySQL/MariaDB (mysql2), chosen by `auth.sqluri`.
 * Reset codes live in the `reset`/`reset_expiration` columns (docs/compatibility.md D.6). Database failures are
 * `BackendError`s; the backend reconnects by itself when the database comes back.
 */
export class SQLAuth implements AuthBackend {
  readonly name = 'sql';
  readonly connection: SqlConnection;
  private readonly scheme: PasswordScheme;
  private readonly rehash: boolean;
  private readonly resetCodes: ResetCodes;
  private readonly warn: (message: string) => void;
  private dummyHash?: Promise<string>;
  /** `auth.max_password_length`: longer passwords are refused before any hash is computed. */
  private readonly maxPasswordLength: number;
  private readonly stampQuery: string;
  /** `auth.assign_nodes`: users get a storage node from `available_nodes`; else `getUserNode` is null. */
  private readonly assignNodes: boolean;
  private readonly nodesScheme: string;
  /** `getUserNode` lookups under way, by user and `assign`. */
  private readonly nodeLookups = new Map<string, Promise<string | null>>();

  constructor(params: FlatConfig = {}, context?: AuthBackendContext) {
    this.warn = context?.warn ?? (() => undefined);
    const sqluri = stringParam(params, 'sqluri', 'sqlite:///:memory:');
    if (params.sqluri === undefined) this.warn('auth.sqluri is not set: users are kept in memory (sqlite:///:memory:) and lost at exit');
    const scheme = stringParam(params, 'password_scheme', 'argon2id');
    if (!isPasswordScheme(scheme)) throw new ConfigError(`auth.password_scheme: unknown password scheme '${scheme}'`);
    this.scheme = scheme;
    this.rehash = boolParam(params, 'rehash', false);
    this.maxPasswordLength = maxPasswordLength(params);
    this.assignNodes = boolParam(params, 'assign_nodes', false);
    this.nodesScheme = stringParam(params, 'nodes_scheme', 'https');
    const nodeTables = this.assignNodes ? [availableNodesEntity(), userNodesEntity()] : [];
    this.connection = new SqlConnection(sqluri, {
      entities: (dialect) => [usersEntity(dialect), ...nodeTables],
      ...sqlConnectionParams(params, true),
    });
    this.resetCodes = new ResetCodes(this.resetCodeStore());
    const placeholder = this.connection.dialect === 'postgres' ? '$1' : '?';
    this.stampQuery = `SELECT id, status, password_hash FROM users WHERE username = ${placeholder} ORDER BY id LIMIT 1`;
  }

  async open(): Promise<void> {
    await this.connection.dataSource();
  }

  async authenticateUser(username: string, password: string): Promise<UserId | null> {
    if (password.length > this.maxPasswordLength) return null;
    // No row can hold such a name (PostgreSQL refuses NUL, MariaDB's collation ignores it).
    if (hasUnsafeNameCharacters(username)) {
      await this.spendHashTime(password);
      return null;
    }
    const user = await this.users('SQLAuth.authenticateUser', (users) =>
      users.findOne({ where: { username }, order: { id: 'ASC' } }));
    if (!user || user.status !== 1 || !user.passwordHash) {
      await this.spendHashTime(password);
      return null;
    }
    if (!(await validatePassword(password, user.passwordHash))) return null;
    if (this.rehash && needsRehash(user.passwordHash, this.scheme)) await this.upgradeHash(user, password);
    return user.id;
  }

  /**
   * `id:status:password_hash` of the row a login would check (the lowest id with that name),
   * or null when there is none: one indexed lookup (the username index, or the legacy
   * UNIQUE(username, password_hash)), so every process sees a change made anywhere at once.
   */
  async credentialStamp(username: string): Promise<string | null> {
    type StampRow = { id: number; status: number | null; password_hash: string | null };
    if (hasUnsafeNameCharacters(username)) return null;
    const rows = await this.connection.run('SQLAuth.credentialStamp', async (dataSource): Promise<StampRow[]> => {
      // PostgreSQL: straight to the pg pool as a named (prepared once per connection) statement,
      // without a TypeORM query runner: this runs once per user and `cache_recheck` period.
      const pool = this.connection.dialect === 'postgres' ? (dataSource.driver as unknown as { master?: PgPool }).master : undefined;
      if (pool) return (await pool.query<StampRow>({ name: 'services_core_credential_stamp', text: this.stampQuery, values: [username] })).rows;
      return dataSource.query(this.stampQuery, [username]) as Promise<StampRow[]>;
    });
    const row = rows[0];
    return row === undefined ? null : `${row.id}:${row.status}:${row.password_hash}`;
  }

  async getUserId(username: string): Promise<UserId | null> {
    if (hasUnsafeNameCharacters(username)) return null;
    const user = await this.users('SQLAuth.getUserId', (users) =>
      users.findOne({ select: { id: true }, where: { username }, order: { id: 'ASC' } }));
    return user?.id ?? null;
  }

  /** False when the name is taken (usernames are unique, Q-D5). */
  async createUser(username: string, password: string, email: string): Promise<boolean> {
    if (username.length === 0 || username.length > MAX_USERNAME) {
      throw new BadRequestError(`SQLAuth.createUser: the user name must have 1 to ${MAX_USERNAME} characters`);
    }
    if (hasUnsafeNameCharacters(username)) throw new BadRequestError('SQLAuth.createUser: the user name holds a control or invisible character');
    if (email.length > MAX_EMAIL) throw new BadRequestError(`SQLAuth.createUser: the e-mail address is longer than ${MAX_EMAIL} characters`);
    checkNewPasswordLength(password, this.maxPasswordLength);
    if ((await this.getUserId(username)) !== null) return false;
    const passwordHash = await hashPassword(password, this.scheme);
    return this.users('SQLAuth.createUser', async (users) => {
      try {
        await users.insert({ username, passwordHash, email, status: 1 });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    });
  }

  async getUserInfo(userId: UserId): Promise<UserInfo> {
    const user = await this.users('SQLAuth.getUserInfo', (users) => users.findOneBy({ id: rowId(userId) }));
    return { username: user?.username ?? null, email: user?.email ?? null };
  }

  /** When `password` is given it must be the user's. */
  async updateEmail(userId: UserId, email: string, password?: string): Promise<boolean> {
    if (email.length > MAX_EMAIL) throw new BadRequestError(`SQLAuth.updateEmail: the e-mail address is longer than ${MAX_EMAIL} characters`);
    if (password !== undefined && !(await this.checkPassword(userId, password))) return false;
    const result = await this.users('SQLAuth.updateEmail', (users) => users.update({ id: rowId(userId) }, { email }));
    return affectedAny(result);
  }

  /** Needs the current password (checked, Q-D1) or a valid reset code, which is then used up (Q-D7). */
  async updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    checkNewPasswordLength(newPassword, this.maxPasswordLength);
    if (options.key !== undefined) {
      if (!(await this.resetCodes.verify(userId, options.key))) return false;
      await this.resetCodes.clear(userId);
    } else if (options.oldPassword === undefined || !(await this.checkPassword(userId, options.oldPassword))) {
      return false;
    }
    const passwordHash = await hashPassword(newPassword, this.scheme);
    const result = await this.users('SQLAuth.updatePassword', (users) => users.update({ id: rowId(userId) }, { passwordHash }));
    return affectedAny(result);
  }

  /** When `password` is given it must be the user's. */
  async deleteUser(userId: UserId, password?: string): Promise<boolean> {
    if (password !== undefined && !(await this.checkPassword(userId, password))) return false;
    const result = await this.users('SQLAuth.deleteUser', (users) => users.delete({ id: rowId(userId) }));
    if (affectedAny(result) && this.assignNodes) await this.leaveNode(rowId(userId));
    return affectedAny(result);
  }

  /** Operator change (`services-core users passwd`): no old password or reset code. */
  async setPassword(userId: UserId, newPassword: string): Promise<boolean> {
    checkNewPasswordLength(newPassword, this.maxPasswordLength);
    const passwordHash = await hashPassword(newPassword, this.scheme);
    const result = await this.users('SQLAuth.setPassword', (users) => users.update({ id: rowId(userId) }, { passwordHash }));
    return affectedAny(result);
  }

  /** Operator change: `status` 1 (may log in) or 0 (refused, docs/compatibility.md D.5). */
  async setUserEnabled(userId: UserId, enabled: boolean): Promise<boolean> {
    const result = await this.users('SQLAuth.setUserEnabled', (users) => users.update({ id: rowId(userId) }, { status: enabled ? 1 : 0 }));
    return affectedAny(result);
  }

  /** Operator change: deletes the row without the user's password. */
  removeUser(userId: UserId): Promise<boolean> {
    return this.deleteUser(userId);
  }

  generateResetCode(userId: UserId, overwrite = false): Promise<string> {
    return this.resetCodes.generate(userId, overwrite);
  }

  verifyResetCode(userId: UserId, code: string): Promise<boolean> {
    return this.resetCodes.verify(userId, code);
  }

  clearResetCode(userId: UserId): Promise<boolean> {
    return this.resetCodes.clear(userId);
  }

  /**
   * `<nodes_scheme>://<node>/` of the user's row in `user_nodes`. Without one and with `assign`,
   * the least loaded node of `available_nodes` with assignments left and not down is recorded
   * (the row's key makes one request per user the winner; the others answer its node), then
   * counted; when it filled up meanwhile the next one is taken, so a node never takes more
   * users than it has assignments. No node left: `NodeAttributionError` (503). Null without
   * `auth.assign_nodes` (the original's SQL backend had no nodes, docs/compatibility.md D.5) or
   * for an unknown user.
   */
  async getUserNode(userId: UserId, assign = true): Promise<string | null> {
    if (!this.assignNodes) return null;
    const id = rowId(userId);
    // One assignment at a time per user in this process: a request that would lose the race
    // to record the row answers the winner's node, which moves while that node fills up.
    const key = `${id}:${assign}`;
    let pending = this.nodeLookups.get(key);
    if (!pending) {
      pending = this.userNode(id, assign).finally(() => this.nodeLookups.delete(key));
      this.nodeLookups.set(key, pending);
    }
    const node = await pending;
    return node === null ? null : nodeUrl(this.nodesScheme, node);
  }

  private userNode(id: number, assign: boolean): Promise<string | null> {
    return this.connection.run('SQLAuth.getUserNode', async (ds) => {
      const userNodes = ds.getRepository<UserNodeRow>('user_nodes');
      const current = await userNodes.findOneBy({ userId: id });
      if (current || !assign) return current?.node ?? null;
      if (!(await ds.getRepository<UserRow>('users').existsBy({ id }))) return null;
      let picked = await pickNode(ds);
      if (picked === null) throw new NodeAttributionError('SQLAuth.getUserNode: no node has available assignments');
      try {
        await userNodes.insert({ userId: id, node: picked });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return (await userNodes.findOneByOrFail({ userId: id })).node;
      }
      const full: string[] = [];
      while (!(await claimNode(ds, picked))) {
        full.push(picked);
        const next = full.length < MAX_NODE_TRIES ? await pickNode(ds, full) : null;
        if (next === null) {
          await userNodes.delete({ userId: id, node: picked });
          throw new NodeAttributionError('SQLAuth.getUserNode: no node has available assignments');
        }
        await userNodes.update({ userId: id, node: picked }, { node: next });
        picked = next;
      }
      return picked;
    });
  }

  /** A deleted user's node takes a new user in its place. */
  private async leaveNode(id: number): Promise<void> {
    await this.connection.run('SQLAuth.deleteUser (its node)', async (ds) => {
      const userNodes = ds.getRepository<UserNodeRow>('user_nodes');
      const row = await userNodes.findOneBy({ userId: id });
      if (!row) return;
      if (affectedAny(await userNodes.delete({ userId: id }))) await releaseNode(ds, row.node);
    });
  }

  async checkHealth(): Promise<void> {
    await this.connection.checkHealth('SQLAuth.checkHealth');
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private users<T>(what: string, fn: (users: Repository<UserRow>) => Promise<T>): Promise<T> {
    return this.connection.run(what, (dataSource: DataSource) => fn(dataSource.getRepository<UserRow>('users')));
  }

  private async checkPassword(userId: UserId, password: string): Promise<boolean> {
    if (password.length > this.maxPasswordLength) return false;
    const user = await this.users('SQLAuth.checkPassword', (users) =>
      users.findOne({ select: { id: true, passwordHash: true }, where: { id: rowId(userId) } }));
    return !!user?.passwordHash && validatePassword(password, user.passwordHash);
  }

  /** Re-hashes a legacy hash with the configured scheme; a failure leaves the old hash in place. */
  private async upgradeHash(user: UserRow, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password, this.scheme);
      await this.users('SQLAuth.rehash', (users) => users.update({ id: user.id, passwordHash: user.passwordHash! }, { passwordHash }));
    } catch (err) {
      this.warn(`auth.rehash: could not upgrade the password hash of user ${user.id}: ${(err as Error).message}`);
    }
  }

  /** Unknown and disabled users cost a hash too, so timing does not tell which names exist. */
  private async spendHashTime(password: string): Promise<void> {
    this.dummyHash ??= hashPassword('not a password', this.scheme);
    await validatePassword(password, await this.dummyHash);
  }

  private resetCodeStore(): ResetCodeStore {
    return {
      read: async (userId): Promise<StoredResetCode | null> => {
        const user = await this.users('SQLAuth.verifyResetCode', (users) =>
          users.findOne({ select: { id: true, reset: true, resetExpiration: true }, where: { id: rowId(userId) } }));
        return storedResetCode(user?.reset, user?.resetExpiration);
      },
      write: async (userId, stored) => {
        const result = await this.users('SQLAuth.generateResetCode', (users) =>
          users.update({ id: rowId(userId) }, { reset: stored.code, resetExpiration: stored.expiration }));
        return affectedAny(result);
      },
      clear: async (userId) => {
        const result = await this.users('SQLAuth.clearResetCode', (users) =>
          users.update({ id: rowId(userId), reset: typeorm().Not(typeorm().IsNull()) }, { reset: null, resetExpiration: null }));
        return affectedAny(result);
      },
    };
  }
}
