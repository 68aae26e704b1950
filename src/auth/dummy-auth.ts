import { ConfigError } from '../config/errors';
import type { FlatConfig } from '../config/types';
import { newResetCode } from './reset-code';
import type { AuthBackend, AuthBackendContext, UpdatePasswordOptions, UserId, UserInfo } from './backend';

interface DummyUser {
  id: number;
  name: string;
  password?: string;
  /** Bumped by every password change, for `credentialStamp`. */
  version: number;
  email: string | null;
  resetCode?: string;
}

/**
 * In-memory users for development and tests (docs/compatibility.md D.4): an unknown user name is created on
 * the fly and accepted with any password. A user created with `createUser` must give its
 * password. It refuses to start unless `auth.allow_dummy = true` (Q-D8).
 */
export class DummyAuth implements AuthBackend {
  readonly name = 'dummy';
  private readonly byName = new Map<string, DummyUser>();
  private readonly byId = new Map<number, DummyUser>();
  private nextId = 1;

  constructor(params: FlatConfig = {}, context?: AuthBackendContext) {
    if (params.allow_dummy !== true) {
      throw new ConfigError('auth.backend = dummy accepts any password and is for development only; ' +
        'set auth.allow_dummy = true to use it anyway');
    }
    context?.warn('auth.backend = dummy: ANY PASSWORD IS ACCEPTED. Never use this backend in production.');
  }

  async authenticateUser(username: string, password: string): Promise<UserId | null> {
    const user = this.byName.get(username) ?? this.add(username, undefined, null);
    if (user.password !== undefined && user.password !== password) return null;
    return user.id;
  }

  /** The user's id and password version; null for a name not created yet. */
  async credentialStamp(username: string): Promise<string | null> {
    const user = this.byName.get(username);
    return user ? `${user.id}:${user.version}` : null;
  }

  async getUserId(username: string): Promise<UserId | null> {
    return this.byName.get(username)?.id ?? null;
  }

  async createUser(username: string, password: string, email: string): Promise<boolean> {
    if (this.byName.has(username)) return false;
    this.add(username, password, email);
    return true;
  }

  async getUserInfo(userId: UserId): Promise<UserInfo> {
    const user = this.byId.get(Number(userId));
    return { username: user?.name ?? null, email: user?.email ?? null };
  }

  async updateEmail(userId: UserId, email: string): Promise<boolean> {
    const user = this.byId.get(Number(userId));
    if (!user) return false;
    user.email = email;
    return true;
  }

  async updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    const user = this.byId.get(Number(userId));
    if (!user) return false;
    if (options.key !== undefined) {
      if (!(await this.verifyResetCode(userId, options.key))) return false;
      user.resetCode = undefined;
    } else if (options.oldPassword === undefined || (user.password !== undefined && user.password !== options.oldPassword)) {
      return false;
    }
    user.password = newPassword;
    user.version++;
    return true;
  }

  async deleteUser(userId: UserId, password?: string): Promise<boolean> {
    const user = this.byId.get(Number(userId));
    if (!user) return false;
    if (password !== undefined && user.password !== undefined && user.password !== password) return false;
    this.byId.delete(user.id);
    this.byName.delete(user.name);
    return true;
  }

  async generateResetCode(userId: UserId, overwrite = false): Promise<string> {
    const user = this.byId.get(Number(userId));
    if (!user) throw new Error(`Unknown user id ${userId}`);
    if (!user.resetCode || overwrite) user.resetCode = newResetCode();
    return user.resetCode;
  }

  async verifyResetCode(userId: UserId, code: string): Promise<boolean> {
    const user = this.byId.get(Number(userId));
    return user?.resetCode !== undefined && user.resetCode === code;
  }

  async clearResetCode(userId: UserId): Promise<boolean> {
    const user = this.byId.get(Number(userId));
    if (!user?.resetCode) return false;
    user.resetCode = undefined;
    return true;
  }

  async getUserNode(): Promise<string | null> {
    return null;
  }

  async checkHealth(): Promise<void> {}

  async close(): Promise<void> {}

  private add(name: string, password: string | undefined, email: string | null): DummyUser {
    const user: DummyUser = { id: this.nextId++, name, password, version: 0, email };
    this.byName.set(name, user);
    this.byId.set(user.id, user);
    return user;
  }
}
