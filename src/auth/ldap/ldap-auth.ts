import { createHash, randomBytes } from 'node:crypto';
import { BackendError, BadRequestError, isBackendError } from '../../util/errors';
import { ConfigError } from '../../config/errors';
import { ERROR_NO_EMAIL_ADDRESS } from '../../util/respcodes';
import { hasUnsafeNameCharacters } from '../../util/validation';
import type { FlatConfig } from '../../config/types';
import type { AuthBackend, AuthBackendContext, UpdatePasswordOptions, UserId, UserInfo } from '../backend';
import { escapeDnValue, escapeFilterValue } from './ldap-escape';
import { ENTRY_ALREADY_EXISTS, type Entry, INVALID_ATTRIBUTE_SYNTAX, isUnder, LdapConnector, LdapResultError, NO_SUCH_OBJECT, REJECTED, tlsOptions } from './ldap-connector';
import { LdapPool } from './ldap-pool';
import { type LdapSettings, parseSettings } from './ldap-settings';
import { checkNewPasswordLength, maxPasswordLength } from '../password-length';
import { hashPassword } from '../passwords';
import { LdapSqlSide } from './ldap-sql-auth';
import { NodeAttributionError, nodeUrl } from '../node-assignment';

export { NodeAttributionError } from '../node-assignment';

// The LDAP backend (docs/compatibility.md D.7, LDAP + SQL hybrid, and D.8); it speaks ldapjs only
// through ldap-connector.ts, the one module that imports it (docs/compatibility.md R.3).

/**
 * Users in an LDAP directory (docs/compatibility.md D.7). A user's id is its `uidNumber` (a string) when the
 * entry has one, else its DN. With `auth.sqluri`, SQL allocates the `uidNumber` of new users,
 * assigns nodes and keeps reset codes, as the Python hybrid did.
 */
export class LDAPAuth implements AuthBackend {
  readonly name = 'ldap';
  readonly settings: LdapSettings;
  /** Bound connections; exposed so a deployment can watch `size`. */
  readonly pool: LdapPool<LdapConnector>;
  private readonly sql?: LdapSqlSide;
  /** `auth.max_password_length`: longer passwords are refused before any bind or hash. */
  private readonly maxPasswordLength: number;
  /** A DN no entry has: a missing user's login binds to it, so it costs what a wrong password costs. */
  private readonly missingUserDn: string;
  /** The last stamp seen per DN, so pooled binds of a changed entry are dropped. */
  private readonly seenStamps = new Map<string, string>();
  private warnedNoStamp = false;

  constructor(params: FlatConfig, private readonly context?: AuthBackendContext) {
    this.settings = parseSettings(params);
    this.maxPasswordLength = maxPasswordLength(params);
    this.missingUserDn = `uid=no-such-user-${randomBytes(8).toString('hex')},${this.settings.usersRoot}`;
    const s = this.settings;
    this.pool = new LdapPool((dn, password) => LdapConnector.open(s, dn, password), {
      usePool: s.usePool, size: s.poolSize, retryMax: s.retryMax, retryDelay: s.retryDelay, maxLifetime: s.maxLifetime,
    });
    // The SQL side (and TypeORM) only when auth.sqluri asks for it.
    if (s.sqluri !== undefined) this.sql = new LdapSqlSide(s.sqluri, params, (id) => this.dnOf(id));
  }

  async open(): Promise<void> {
    tlsOptions(this.settings);
    await this.sql?.open();
    await this.checkHealth();
  }

  async authenticateUser(username: string, password: string): Promise<UserId | null> {
    // An empty password is an unauthenticated bind, which servers accept (RFC 4513 §5.1.2).
    if (password === '' || password.length > this.maxPasswordLength) return null;
    const entry = hasUnsafeNameCharacters(username) ? null : await this.findBy('uid', username, ['uidNumber', ...this.settings.stampAttributes]);
    if (!entry) {
      // The same bind a wrong password gets (it fails: no such entry), so timing tells nothing.
      await this.asUser(this.missingUserDn, password, (c) => c.read(this.missingUserDn, ['uidNumber']), 'authenticateUser');
      return null;
    }
    // A pooled connection bound with a password changed meanwhile (anywhere) must not log in.
    if (this.settings.usePool) this.noteStamp(entry);
    const own = await this.asUser(entry.dn, password, (c) => c.read(entry.dn, ['uidNumber', 'account-enabled']), 'authenticateUser');
    if (own === undefined || own === null) return null;
    if (this.settings.checkAccountState && own.attributes['account-enabled']?.[0] !== 'Yes') return null;
    return idOf(own);
  }

  /**
   * The entry's DN and its `ldap_stamp_attributes` (default `entryCSN modifyTimestamp`: every
   * write to the entry, a password change or `account-enabled` included, changes them), read
   * with one search as the bind user; null when there is no such entry, or when the directory
   * shows none of them to the bind user (then logins are not cached, and a warning says so once).
   */
  async credentialStamp(username: string): Promise<string | null> {
    if (hasUnsafeNameCharacters(username)) return null;
    const entry = await this.findBy('uid', username, this.settings.stampAttributes);
    if (!entry) return null;
    const stamp = stampOf(entry, this.settings.stampAttributes);
    if (stamp === null && !this.warnedNoStamp) {
      this.warnedNoStamp = true;
      this.context?.warn(`LDAPAuth: the bind user cannot read ${this.settings.stampAttributes.join(' or ')} of ${entry.dn}, ` +
        'so logins are not cached; grant it read access or set auth.ldap_stamp_attributes');
    }
    return stamp;
  }

  async getUserId(username: string): Promise<UserId | null> {
    if (hasUnsafeNameCharacters(username)) return null;
    const entry = await this.findBy('uid', username, ['uidNumber']);
    return entry ? idOf(entry) : null;
  }

  async createUser(username: string, password: string, email: string): Promise<boolean> {
    checkNewPasswordLength(password, this.maxPasswordLength);
    if (hasUnsafeNameCharacters(username)) throw new BadRequestError('LDAPAuth.createUser: the user name holds a control or invisible character');
    if (email) checkMail(email);
    const admin = this.admin('createUser');
    if (await this.findBy('uid', username, [])) return false; // Q-D5
    const attributes: Record<string, string[]> = {
      objectClass: ['inetOrgPerson', 'dataStore'],
      uid: [username],
      cn: [username],
      sn: [username],
      userPassword: [await hashPassword(password, this.settings.passwordScheme)],
      'account-enabled': ['Yes'],
      primaryNode: ['weave:'],
      'mail-verified': [createHash('sha1').update(randomBytes(16)).update(username).digest('hex')],
    };
    if (email) attributes.mail = [email];
    let dn: string;
    if (this.sql) {
      const uidNumber = String(await this.sql.allocateUid());
      attributes.uidNumber = [uidNumber];
      dn = `uidNumber=${uidNumber},${this.settings.usersRoot}`;
    } else {
      // ldapjs re-serialises DNs and loses a backslash or an edge space in a value.
      if (/\\|^\s|\s$/.test(username)) {
        throw new BadRequestError(`LDAPAuth.createUser: a user name with a backslash or leading/trailing spaces cannot be a DN value: ${JSON.stringify(username)}`);
      }
      dn = `uid=${escapeDnValue(username)},${this.settings.usersRoot}`;
    }
    try {
      await this.pool.use(admin.dn, admin.password, (c) => c.add(dn, attributes));
    } catch (err) {
      if (err instanceof LdapResultError && err.code === ENTRY_ALREADY_EXISTS) {
        if (!this.sql) return false; // created meanwhile under the same name
        throw new BackendError(`LDAPAuth.createUser: ${dn} already exists: the user_ids table is behind the directory`, { cause: err });
      }
      // A value the schema refuses came from the client (the checks above catch the known ones).
      if (err instanceof LdapResultError && err.code === INVALID_ATTRIBUTE_SYNTAX) {
        throw new BadRequestError(`LDAPAuth.createUser: the directory refused a value: ${err.message}`, { cause: err });
      }
      throw asBackendError(err, 'createUser');
    }
    return true;
  }

  async getUserInfo(userId: UserId): Promise<UserInfo> {
    const dn = await this.dnOf(userId);
    const entry = dn ? await this.readAsBindUser(dn, ['uid', 'mail'], 'getUserInfo') : null;
    return { username: entry?.attributes.uid?.[0] ?? null, email: entry?.attributes.mail?.[0] ?? null };
  }

  async updateEmail(userId: UserId, email: string, password?: string): Promise<boolean> {
    if (!password) return false;
    checkMail(email);
    const dn = await this.dnOf(userId);
    if (!dn) return false;
    const done = await this.asUser(dn, password, (c) => c.replace(dn, 'mail', [email]).then(() => true), 'updateEmail');
    return done === true;
  }

  async updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    checkNewPasswordLength(newPassword, this.maxPasswordLength);
    if (options.oldPassword !== undefined && options.oldPassword.length > this.maxPasswordLength) return false;
    const dn = await this.dnOf(userId);
    if (!dn) return false;
    const hash = await hashPassword(newPassword, this.settings.passwordScheme);
    if (options.oldPassword !== undefined) {
      if (options.oldPassword === '') return false;
      const done = await this.asUser(dn, options.oldPassword, (c) => c.replace(dn, 'userPassword', [hash]).then(() => true), 'updatePassword');
      if (done !== true) return false;
    } else if (options.key !== undefined) {
      if (!(await this.verifyResetCode(userId, options.key))) return false;
      const admin = this.admin('updatePassword');
      await this.pool.use(admin.dn, admin.password, (c) => c.replace(dn, 'userPassword', [hash]))
        .catch((err: unknown) => { throw asBackendError(err, 'updatePassword'); });
      await this.clearResetCode(userId);
    } else {
      return false; // Q-D7: neither the old password nor a reset key
    }
    this.pool.purge(dn); // Q-D3
    return true;
  }

  async deleteUser(userId: UserId, password?: string): Promise<boolean> {
    if (!password) return false;
    const dn = await this.dnOf(userId);
    if (!dn) return false;
    const admin = this.admin('deleteUser');
    // The user's bind proves the password; the admin deletes, as directories seldom let users delete themselves.
    if ((await this.asUser(dn, password, async () => true, 'deleteUser')) !== true) return false;
    try {
      await this.pool.use(admin.dn, admin.password, (c) => c.del(dn));
    } catch (err) {
      if (err instanceof LdapResultError && err.code === NO_SUCH_OBJECT) return false;
      throw asBackendError(err, 'deleteUser');
    } finally {
      this.pool.purge(dn); // Q-D3
    }
    await this.sql?.resetCodes.clear(String(userId));
    return true;
  }

  /** Operator change (`services-core users passwd`): the admin writes the hash; no old password or reset code. */
  async setPassword(userId: UserId, newPassword: string): Promise<boolean> {
    checkNewPasswordLength(newPassword, this.maxPasswordLength);
    const hash = await hashPassword(newPassword, this.settings.passwordScheme);
    return this.adminWrite(userId, 'setPassword', (c, dn) => c.replace(dn, 'userPassword', [hash]));
  }

  /**
   * Operator change: `account-enabled: Yes` or `No`. Disabling is refused when
   * `auth.check_account_state = false`, as logins would not read it.
   */
  async setUserEnabled(userId: UserId, enabled: boolean): Promise<boolean> {
    if (!enabled && !this.settings.checkAccountState) {
      throw new ConfigError('auth.check_account_state = false: logins ignore account-enabled, so disabling would not refuse them (delete the user, or turn the check on)');
    }
    return this.adminWrite(userId, 'setUserEnabled', (c, dn) => c.replace(dn, 'account-enabled', [enabled ? 'Yes' : 'No']));
  }

  /** Operator change: the admin deletes the entry (and its reset code) without the user's password. */
  async removeUser(userId: UserId): Promise<boolean> {
    const removed = await this.adminWrite(userId, 'removeUser', (c, dn) => c.del(dn));
    if (removed) await this.sql?.resetCodes.clear(String(userId));
    return removed;
  }

  /** Runs an admin write on the user's entry; false when there is no such user. */
  private async adminWrite(userId: UserId, what: string, write: (c: LdapConnector, dn: string) => Promise<void>): Promise<boolean> {
    const admin = this.admin(what);
    const dn = await this.dnOf(userId);
    if (!dn) return false;
    try {
      await this.pool.use(admin.dn, admin.password, (c) => write(c, dn));
    } catch (err) {
      if (err instanceof LdapResultError && err.code === NO_SUCH_OBJECT) return false;
      throw asBackendError(err, what);
    } finally {
      this.pool.purge(dn); // Q-D3
    }
    return true;
  }

  async generateResetCode(userId: UserId, overwrite = false): Promise<string> {
    if (!this.sql) throw new ConfigError('LDAPAuth.generateResetCode: reset codes are kept in SQL; set auth.sqluri');
    return this.sql.resetCodes.generate(String(userId), overwrite);
  }

  async verifyResetCode(userId: UserId, code: string): Promise<boolean> {
    return this.sql ? this.sql.resetCodes.verify(String(userId), code) : false;
  }

  async clearResetCode(userId: UserId): Promise<boolean> {
    return this.sql ? this.sql.resetCodes.clear(String(userId)) : false;
  }

  /**
   * `<nodes_scheme>://<node>/` from the entry's `primaryNode: weave:<node>`; when there is none
   * and `assign`, the least loaded available node from SQL is written to the entry (docs/compatibility.md D.7).
   */
  async getUserNode(userId: UserId, assign = true): Promise<string | null> {
    if (this.settings.singleBox) return null;
    const dn = await this.dnOf(userId);
    if (!dn) return null;
    const entry = await this.readAsBindUser(dn, ['primaryNode'], 'getUserNode');
    if (!entry) return null;
    const values = entry.attributes.primaryNode ?? [];
    const current = values.find((v) => v.startsWith('weave:') && v.length > 'weave:'.length);
    if (current) return this.nodeUrl(current.slice('weave:'.length));
    if (!assign || !this.sql) return null;
    const node = await this.sql.pickNode();
    if (node === null) throw new NodeAttributionError('LDAPAuth.getUserNode: no node has available assignments');
    const admin = this.admin('getUserNode');
    const kept = values.filter((v) => !v.startsWith('weave:'));
    try {
      await this.pool.use(admin.dn, admin.password, (c) => c.replace(dn, 'primaryNode', [...kept, `weave:${node}`]));
    } catch (err) {
      throw new NodeAttributionError(`LDAPAuth.getUserNode: cannot write primaryNode of ${dn}: ${(err as Error).message}`, { cause: err });
    }
    // As in the original, the user keeps the node even if the counters cannot be updated.
    await this.sql.nodeAssigned(node).catch((err: unknown) =>
      this.context?.warn(`LDAPAuth.getUserNode: node ${node} assigned but its counters were not updated: ${(err as Error).message}`));
    return this.nodeUrl(node);
  }

  /** A bind as the bind user and a base search of `users_root`. */
  async checkHealth(): Promise<void> {
    const root = this.settings.usersRoot;
    const entry = await this.readAsBindUser(root, ['1.1'], 'checkHealth');
    if (!entry) throw new BackendError(`LDAPAuth.checkHealth: users_root ${root} does not exist`);
    await this.sql?.checkHealth();
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.sql?.close();
  }

  private noteStamp(entry: Entry): void {
    const stamp = stampOf(entry, this.settings.stampAttributes) ?? '';
    const seen = this.seenStamps.get(entry.dn);
    if (seen === stamp) return;
    if (seen !== undefined) this.pool.purge(entry.dn);
    this.seenStamps.delete(entry.dn);
    this.seenStamps.set(entry.dn, stamp);
    if (this.seenStamps.size > MAX_SEEN_STAMPS) this.seenStamps.delete(this.seenStamps.keys().next().value!);
  }

  private nodeUrl(node: string): string {
    return nodeUrl(this.settings.nodesScheme, node);
  }

  /** The first entry under `users_root` with `attribute = value`, searched as the bind user. */
  private async findBy(attribute: string, value: string, attributes: string[]): Promise<Entry | null> {
    const { bindUser, bindPassword, usersRoot } = this.settings;
    try {
      const found = await this.pool.use(bindUser, bindPassword, (c) => c.search(usersRoot, 'sub', attribute, value, attributes));
      return found[0] ?? null;
    } catch (err) {
      throw asBackendError(err, `search (${attribute}=${escapeFilterValue(value)}) under ${usersRoot}`);
    }
  }

  private async readAsBindUser(dn: string, attributes: string[], what: string): Promise<Entry | null> {
    const { bindUser, bindPassword } = this.settings;
    try {
      return await this.pool.use(bindUser, bindPassword, (c) => c.read(dn, attributes));
    } catch (err) {
      throw asBackendError(err, what);
    }
  }

  /** Runs `fn` bound as the user; `undefined` when the server refuses the DN or password. */
  private async asUser<T>(dn: string, password: string, fn: (c: LdapConnector) => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await this.pool.use(dn, password, fn);
    } catch (err) {
      if (err instanceof LdapResultError && REJECTED.has(err.code)) return undefined;
      throw asBackendError(err, what);
    }
  }

  /** An id is a `uidNumber` (searched for) or a DN under `users_root` (used as is). */
  async dnOf(userId: UserId): Promise<string | null> {
    const id = String(userId);
    if (/^\d+$/.test(id)) return (await this.findBy('uidNumber', id, ['1.1']))?.dn ?? null;
    return isUnder(id, this.settings.usersRoot) ? id : null;
  }

  private admin(method: string): { dn: string; password: string } {
    const { adminUser, adminPassword } = this.settings;
    if (adminUser === undefined || adminPassword === undefined) {
      throw new ConfigError(`LDAPAuth.${method} writes to the directory: set auth.admin_user and auth.admin_password`);
    }
    return { dn: adminUser, password: adminPassword };
  }
}

/** Backend failures keep their class; anything else the server said becomes a BackendError naming the step. */
function asBackendError(err: unknown, what: string): Error {
  if (err instanceof ConfigError) return err;
  if (isBackendError(err)) {
    (err as Error).message = `LDAPAuth.${what}: ${(err as Error).message}`;
    return err as Error;
  }
  return new BackendError(`LDAPAuth.${what}: ${(err as Error).message}`, { cause: err });
}

const MAX_SEEN_STAMPS = 10000;
const IA5 = /^[\x20-\x7e]*$/;

/**
 * `mail` is an IA5 (ASCII) string in the directory's schema: any other address (a homoglyph
 * `еxample.com`, a raw IDN) is the client's mistake, a 400 (respcode 12), not a directory failure.
 */
function checkMail(email: string): void {
  if (!IA5.test(email)) {
    throw new BadRequestError('LDAPAuth: the e-mail address must be ASCII (the mail attribute is an IA5 string)', { body: ERROR_NO_EMAIL_ADDRESS });
  }
}

/** `dn` and the stamp attributes' values, or null when the entry shows none of them. */
function stampOf(entry: Entry, attributes: string[]): string | null {
  const values = attributes.map((name) => {
    const key = Object.keys(entry.attributes).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? '' : entry.attributes[key].join(',');
  });
  return values.every((v) => v === '') ? null : `${entry.dn}\0${values.join('\0')}`;
}

function idOf(entry: Entry): string {
  return entry.attributes.uidNumber?.[0] ?? entry.dn;
}


