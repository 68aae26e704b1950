import { hash, randomBytes } from 'node:crypto';
import type { AuthBackend, UpdatePasswordOptions, UserId } from './backend';

export interface AuthCacheOptions {
  /** Longest a successful login is remembered; 0 turns the cache off. */
  ttlSeconds: number;
  /** Most remembered logins; the least recently used go first. */
  maxEntries: number;
  /**
   * `stamp` (default): a remembered login holds only while the backend's `credentialStamp` for
   * the user is unchanged, so a change made anywhere misses at once. `ttl`: the per-process
   * mode, for backends without `credentialStamp` (a change made elsewhere is seen after `ttlSeconds`).
   */
  mode?: AuthCacheMode;
  /** Seconds a stamp read serves later requests of the same user; 0 reads it on every request. */
  recheckSeconds?: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

export type AuthCacheMode = 'stamp' | 'ttl';

/** Default `auth.cache_recheck`: a change made anywhere is seen within this (plus one query). */
export const DEFAULT_CACHE_RECHECK = 0.5;

/**
 * A login remembered by its raw credentials (`remember`, `recall`): the user and the names the
 * caller read from them, so a hit reads nothing again. User names only, never a secret.
 */
export interface RememberedLogin {
  userId: UserId;
  /** The user name as the credentials carried it. */
  sentName: string;
  /** The account's name the login was checked under (for an email, its hashed form). */
  name: string;
}

interface Entry {
  userId: UserId;
  /** To read the stamp again (user names are kept; passwords and headers never are). */
  username: string;
  /** Keyed hash of the credential stamp the login was verified under ('' in `ttl` mode). */
  stamp: string;
  expires: number;
  /** For an entry made by `remember`. */
  login?: RememberedLogin;
}

interface StampRead {
  value: string | null;
  at: number;
}

/**
 * Remembers successful logins, so a slow password hash or an LDAP bind is not paid on every
 * request. Entries are keyed by a keyed hash of user name, password and the backend's
 * credential stamp (a fingerprint of the stored credential: SQL row id, status and hash; an
 * LDAP entry's change stamp) under a random per-process key: the cache never holds a password
 * or anything an attacker could test offline, and a changed hash, a deleted row or a disabled
 * account misses at once, wherever the change was made. A stamp read serves the same user's
 * requests for `recheckSeconds` (that is the bound on how late a change is seen), concurrent
 * reads share one query. Failures are not cached. A password change or a deletion made through
 * the cache drops the user's entries and calls `onForget`, which `serve` uses to tell the
 * other workers of the host.
 */
export class AuthCache {
  // Keys are SHA-256 of this random secret + the credentials, with the one-shot crypto.hash:
  // a fifth of an HMAC's cost per lookup. Keys never leave the process, so the length
  // extension an HMAC guards against does not apply.
  private readonly secret = randomBytes(32).toString('base64');
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Promise<UserId | null>>();
  private readonly stamps = new Map<string, StampRead>();
  private readonly stampReads = new Map<string, Promise<string | null>>();
  /** The user name and stamp of each user's last login through the cache, for `remember`. */
  private readonly verified = new Map<string, { username: string; stamp: string }>();
  private readonly now: () => number;
  private readonly mode: AuthCacheMode;
  private readonly recheckMs: number;
  // Bumped by every invalidation: a login that started before one is not remembered.
  private epoch = 0;
  /** Logins answered from the cache (by credentials or by whole header) and sent to the backend. */
  readonly stats = { hits: 0, misses: 0 };
  /**
   * Called with the user id after `updatePassword`, `deleteUser` or `forgetUser` (not
   * `purgeUser`); the change is answered once what it returns settles.
   */
  onForget?: (userId: UserId) => void | Promise<void>;

  constructor(readonly backend: AuthBackend, private readonly options: AuthCacheOptions) {
    this.now = options.now ?? Date.now;
    this.mode = options.mode ?? 'stamp';
    if (this.mode === 'stamp' && typeof backend.credentialStamp !== 'function') {
      throw new TypeError(`AuthCache: backend '${backend.name}' has no credentialStamp; use mode 'ttl'`);
    }
    this.recheckMs = (options.recheckSeconds ?? DEFAULT_CACHE_RECHECK) * 1000;
  }

  /** Remembered logins (expired ones included until they are next looked up or evicted). */
  get size(): number {
    return this.entries.size;
  }

  async authenticateUser(username: string, password: string): Promise<UserId | null> {
    const epoch = this.epoch;
    const stamp = await this.stampOf(username);
    // No stamp: no such user, or no way to tell a change; never remembered.
    if (stamp === null) return this.backend.authenticateUser(username, password);
    // Length-prefixed so that ("ab", "c") and ("a", "bc") never share a key; a digit first,
    // so it never meets a `raw\0` key.
    const key = this.keyFor(`${username.length}:${username}\0${stamp.length}:${stamp}\0${password}`);
    const remembered = this.lookup(key);
    if (remembered !== undefined) {
      this.noteVerified(remembered.userId, username, stamp);
      this.stats.hits++;
      return remembered.userId;
    }
    this.stats.misses++;
    // Concurrent logins with the same credentials share one backend call.
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.login(key, username, password, stamp, epoch);
      this.pending.set(key, pending);
    }
    return pending;
  }

  /**
   * The login a caller's raw credentials (e.g. an `Authorization` header) made, while it is
   * remembered (see `remember`) and the user's credential stamp is unchanged: the caller can
   * skip reading them again. Answered at once (no promise) while the stamp read is recent.
   */
  recall(credentials: string): RememberedLogin | undefined | Promise<RememberedLogin | undefined> {
    const key = this.keyFor(`raw\0${credentials}`);
    const entry = this.lookup(key);
    if (entry === undefined) return undefined;
    const stamp = this.stampOf(entry.username);
    if (stamp instanceof Promise) return stamp.then((value) => this.stampedHit(key, entry, value));
    return this.stampedHit(key, entry, stamp);
  }

  /** The entry's login while the user's stamp is the one it was remembered under. */
  private stampedHit(key: string, entry: Entry, stamp: string | null): RememberedLogin | undefined {
    if (stamp !== entry.stamp || entry.login === undefined) {
      this.remove(key);
      return undefined;
    }
    this.stats.hits++;
    return entry.login;
  }

  /** Where invalidations stand: pass it to `remember` from before the login started. */
  get generation(): number {
    return this.epoch;
  }

  /**
   * Remembers that raw `credentials` made `login` (just now, through this cache), unless a
   * password change, a deletion or a changed stamp came since `generation`.
   */
  remember(credentials: string, login: RememberedLogin, generation: number): void {
    if (generation !== this.epoch) return;
    const verified = this.verified.get(String(login.userId));
    if (this.mode === 'stamp' && verified === undefined) return;
    this.store(this.keyFor(`raw\0${credentials}`), login.userId, verified?.username ?? '', verified?.stamp ?? '', login);
  }

  /**
   * Drops every remembered login of a user, here and (through `onForget`) in the other
   * processes that listen: call it after a change made without going through the cache.
   */
  async forgetUser(userId: UserId): Promise<void> {
    this.purgeUser(userId);
    await this.onForget?.(userId);
  }

  /** Drops a user's remembered logins in this process only (what `onForget` listeners call). */
  purgeUser(userId: UserId): void {
    this.epoch++;
    const id = String(userId);
    for (const key of this.byUser.get(id) ?? []) {
      const username = this.entries.get(key)?.username;
      if (username !== undefined) this.stamps.delete(username);
      this.entries.delete(key);
    }
    this.byUser.delete(id);
    const login = this.verified.get(id);
    if (login) this.stamps.delete(login.username);
    this.verified.delete(id);
  }

  async updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean> {
    this.purgeUser(userId);
    try {
      return await this.backend.updatePassword(userId, newPassword, options);
    } finally {
      await this.forgetUser(userId);
    }
  }

  async deleteUser(userId: UserId, password?: string): Promise<boolean> {
    this.purgeUser(userId);
    try {
      return await this.backend.deleteUser(userId, password);
    } finally {
      await this.forgetUser(userId);
    }
  }

  async close(): Promise<void> {
    this.epoch++;
    this.entries.clear();
    this.byUser.clear();
    this.stamps.clear();
    this.verified.clear();
    await this.backend.close();
  }

  private keyFor(text: string): string {
    return hash('sha256', this.secret + text, 'base64');
  }

  /**
   * The user's credential stamp ('' in `ttl` mode): the last read while it is younger than
   * `recheckSeconds`, else a new one (shared by concurrent callers).
   */
  private stampOf(username: string): string | null | Promise<string | null> {
    if (this.mode === 'ttl') return '';
    const known = this.stamps.get(username);
    if (known !== undefined && this.now() - known.at < this.recheckMs) return known.value;
    let reading = this.stampReads.get(username);
    if (!reading) {
      reading = this.readStamp(username, known?.value);
      this.stampReads.set(username, reading);
    }
    return reading;
  }

  private async readStamp(username: string, previous: string | null | undefined): Promise<string | null> {
    const epoch = this.epoch;
    try {
      const raw = await this.backend.credentialStamp!(username);
      // Kept as a keyed hash: a stamp may hold the password hash, which must not sit in memory.
      const value = raw === null ? null : this.keyFor(`stamp\0${raw}`);
      // After an invalidation during the read, the value may predate the change: not kept.
      if (epoch !== this.epoch) return value;
      // A changed stamp is an invalidation too: a login verified before it is not remembered.
      if (previous !== undefined && value !== previous) this.epoch++;
      this.stamps.delete(username);
      this.stamps.set(username, { value, at: this.now() });
      while (this.stamps.size > this.options.maxEntries) this.stamps.delete(this.stamps.keys().next().value!);
      return value;
    } finally {
      this.stampReads.delete(username);
    }
  }

  /** A live entry; an expired one is dropped. */
  private lookup(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.remove(key);
      return undefined;
    }
    this.entries.delete(key); // re-inserted last: Map order is the LRU order
    this.entries.set(key, entry);
    return entry;
  }

  private async login(key: string, username: string, password: string, stamp: string, epoch: number): Promise<UserId | null> {
    try {
      const userId = await this.backend.authenticateUser(username, password);
      if (userId !== null && epoch === this.epoch) {
        this.store(key, userId, username, stamp);
        this.noteVerified(userId, username, stamp);
      }
      return userId;
    } finally {
      this.pending.delete(key);
    }
  }

  private noteVerified(userId: UserId, username: string, stamp: string): void {
    const id = String(userId);
    const known = this.verified.get(id);
    if (known?.username === username && known.stamp === stamp) return;
    this.verified.delete(id);
    this.verified.set(id, { username, stamp });
    while (this.verified.size > this.options.maxEntries) this.verified.delete(this.verified.keys().next().value!);
  }

  private store(key: string, userId: UserId, username: string, stamp: string, login?: RememberedLogin): void {
    this.entries.set(key, { userId, username, stamp, expires: this.now() + this.options.ttlSeconds * 1000, login });
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
