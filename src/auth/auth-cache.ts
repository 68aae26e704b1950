import { hash, randomBytes } from 'node:crypto';
import type { AuthBackend, UpdatePasswordOptions, UserId } from './backend';

export interface AuthCacheOptions {
  /** How long a successful login is remembered; 0 turns the cache off. */
  ttlSeconds: number;
  /** Most remembered logins; the least recently used go first. */
  maxEntries: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

interface Entry {
  userId: UserId;
  expires: number;
}

/**
 * Remembers successful logins for a short time, so a slow password hash or an LDAP bind is
 * not paid on every request (design §5). Entries are keyed by a keyed hash of user name and
 * password (or of the raw credentials a caller remembers, see `recall`) under a random
 * per-process key: the cache never holds a password or anything an attacker could test
 * offline. Failures are not cached, so a corrected or newly changed password works at once and every wrong password reaches the backend (and its CEF event).
 * A password change or a deletion made through the cache drops the user's entries.
 */
export class AuthCache {
  // Keys are SHA-256 of this random secret + the credentials, with the one-shot crypto.hash:
  // a fifth of an HMAC's cost per lookup. Keys never leave the process, so the length
  // extension an HMAC guards against does not apply.
  private readonly secret = randomBytes(32).toString('base64');
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Promise<UserId | null>>();
  private readonly now: () => number;
  // Bumped by every invalidation: a login that started before one is not remembered.
  private epoch = 0;

  constructor(readonly backend: AuthBackend, private readonly options: AuthCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Remembered logins (expired ones included until they are next looked up or evicted). */
  get size(): number {
    return this.entries.size;
  }

  async authenticateUser(username: string, password: string): Promise<UserId | null> {
    // Length-prefixed so that ("ab", "c") and ("a", "bc") never share a key; a digit first,
    // so it never meets a `raw\0` key.
    const key = this.keyFor(`${username.length}:${username}\0${password}`);
    const remembered = this.lookup(key);
    if (remembered !== undefined) return remembered;
    // Concurrent logins with the same credentials share one backend call.
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.login(key, username, password);
      this.pending.set(key, pending);
    }
    return pending;
  }

  /**
   * The user a caller's raw credentials (e.g. an `Authorization` header) logged in as, while
   * that login is remembered (see `remember`): the caller can skip reading them again.
   */
  recall(credentials: string): UserId | undefined {
    return this.lookup(this.keyFor(`raw\0${credentials}`));
  }

  /** Where invalidations stand: pass it to `remember` from before the login started. */
  get generation(): number {
    return this.epoch;
  }

  /**
   * Remembers that raw `credentials` logged in as `userId`, unless a password change or a
   * deletion came since `generation` (read before the login started).
   */
  remember(credentials: string, userId: UserId, generation: number): void {
    if (generation === this.epoch) this.store(this.keyFor(`raw\0${credentials}`), userId);
  }

  /** Drops every remembered login of a user (for changes made without going through the cache). */
  forgetUser(userId: UserId): void {
    this.epoch++;
    for (const key of this.byUser.get(String(userId)) ?? []) this.entries.delete(key);
    this.byUser.delete(String(userId));
  }

  async updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    this.forgetUser(userId);
    try {
      return await this.backend.updatePassword(userId, newPassword, options);
    } finally {
      this.forgetUser(userId);
    }
  }

  async deleteUser(userId: UserId, password?: string): Promise<boolean> {
    this.forgetUser(userId);
    try {
      return await this.backend.deleteUser(userId, password);
    } finally {
      this.forgetUser(userId);
    }
  }

  async close(): Promise<void> {
    this.epoch++;
    this.entries.clear();
    this.byUser.clear();
    await this.backend.close();
  }

  private keyFor(text: string): string {
    return hash('sha256', this.secret + text, 'base64');
  }

  /** The user of a live entry; an expired one is dropped. */
  private lookup(key: string): UserId | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.remove(key);
      return undefined;
    }
    this.entries.delete(key); // re-inserted last: Map order is the LRU order
    this.entries.set(key, entry);
    return entry.userId;
  }

  private async login(key: string, username: string, password: string): Promise<UserId | null> {
    const epoch = this.epoch;
    try {
      const userId = await this.backend.authenticateUser(username, password);
      if (userId !== null && epoch === this.epoch) this.store(key, userId);
      return userId;
    } finally {
      this.pending.delete(key);
    }
  }

  private store(key: string, userId: UserId): void {
    this.entries.set(key, { userId, expires: this.now() + this.options.ttlSeconds * 1000 });
    const keys = this.byUser.get(String(userId)) ?? new Set<string>();
    keys.add(key);
    this.byUser.set(String(userId), keys);
    while (this.entries.size > this.options.maxEntries) this.remove(this.entries.keys().next().value!);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (!entry) return;
    const keys = this.byUser.get(String(entry.userId));
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(String(entry.userId));
  }
}
