import { AuthCache, type AuthCacheMode, type AuthCacheOptions } from './auth-cache';
import type { AuthBackend, UpdatePasswordOptions, UserId, UserInfo } from './backend';

/**
 * A backend with its logins cached: `authenticateUser`, `updatePassword`, `deleteUser` and
 * `close` go through `cache`, everything else straight to `backend` (reach a backend's own
 * extra members through `.backend`).
 */
export class CachedAuthBackend<T extends AuthBackend = AuthBackend> implements AuthBackend {
  readonly cache: AuthCache;
  /** Present when the backend has it (LDAP node assignment). */
  readonly getUserNode?: (userId: UserId, assign?: boolean) => Promise<string | null>;

  constructor(readonly backend: T, options: AuthCacheOptions) {
    this.cache = new AuthCache(backend, options);
    const getUserNode = backend.getUserNode;
    if (getUserNode) this.getUserNode = (userId, assign) => getUserNode.call(backend, userId, assign);
  }

  get name(): string {
    return this.backend.name;
  }

  async open(): Promise<void> {
    await this.backend.open?.();
  }

  authenticateUser(username: string, password: string): Promise<UserId | null> {
    return this.cache.authenticateUser(username, password);
  }

  updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    return this.cache.updatePassword(userId, newPassword, options);
  }

  deleteUser(userId: UserId, password?: string): Promise<boolean> {
    return this.cache.deleteUser(userId, password);
  }

  close(): Promise<void> {
    return this.cache.close();
  }

  getUserId(username: string): Promise<UserId | null> {
    return this.backend.getUserId(username);
  }

  createUser(username: string, password: string, email: string): Promise<boolean> {
    return this.backend.createUser(username, password, email);
  }

  getUserInfo(userId: UserId): Promise<UserInfo> {
    return this.backend.getUserInfo(userId);
  }

  updateEmail(userId: UserId, email: string, password?: string): Promise<boolean> {
    return this.backend.updateEmail(userId, email, password);
  }

  generateResetCode(userId: UserId, overwrite?: boolean): Promise<string> {
    return this.backend.generateResetCode(userId, overwrite);
  }

  verifyResetCode(userId: UserId, code: string): Promise<boolean> {
    return this.backend.verifyResetCode(userId, code);
  }

  clearResetCode(userId: UserId): Promise<boolean> {
    return this.backend.clearResetCode(userId);
  }

  checkHealth(): Promise<void> {
    return this.backend.checkHealth();
  }
}

/**
 * `backend` with its logins cached, or `backend` itself when `ttlSeconds` or `maxEntries` is 0
 * or, in `stamp` mode, the backend has no `credentialStamp`.
 */
export function withAuthCache<T extends AuthBackend>(backend: T, options: AuthCacheOptions): T | CachedAuthBackend<T> {
  if (options.ttlSeconds <= 0 || options.maxEntries <= 0 || !canCache(backend, options.mode)) return backend;
  return new CachedAuthBackend(backend, options);
}

/** Whether `withAuthCache` caches this backend in `mode`: `stamp` needs `credentialStamp`. */
export function canCache(backend: AuthBackend, mode: AuthCacheMode = 'stamp'): boolean {
  return mode === 'ttl' || typeof backend.credentialStamp === 'function';
}

/** The login cache of a backend made by `withAuthCache`, if it has one. */
export function authCacheOf(backend: AuthBackend): AuthCache | undefined {
  return backend instanceof CachedAuthBackend ? backend.cache : undefined;
}

/** The backend itself, under its login cache if it has one. */
export function uncachedBackend(backend: AuthBackend): AuthBackend {
  return backend instanceof CachedAuthBackend ? backend.backend : backend;
}
