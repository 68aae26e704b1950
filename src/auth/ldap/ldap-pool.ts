import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, BackendTimeoutError, isBackendError } from '../../util/errors';

/** A bound directory connection as the pool sees it; the backend supplies the real one. */
export interface PoolConnector {
  /** False once the connection broke: such a connector is dropped, never handed out again. */
  readonly connected: boolean;
  /** Unbinds and closes; must not throw for a connection that is already gone. */
  close(): Promise<void>;
}

/**
 * Opens a connector bound as `dn`. Throws `BackendError` when the server is unreachable
 * (retried), `BackendTimeoutError` on a timeout (not retried), anything else (for example
 * invalid credentials) as is.
 */
export type ConnectorFactory<C extends PoolConnector> = (dn: string, password: string) => Promise<C>;

export interface LdapPoolOptions {
  /** Keep bound connectors for reuse (default true); false opens and closes one per use. */
  usePool?: boolean;
  /** Most connectors held at once, busy or idle (default 10). */
  size?: number;
  /** Tries to open a connector, and waits for a free one, up to this many times (default 3). */
  retryMax?: number;
  /** Milliseconds between those tries (default 100). */
  retryDelay?: number;
  /** Milliseconds after which a connector is closed instead of reused (default 600 000). */
  maxLifetime?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

/** Every connector is busy and none freed up within `retryMax × retryDelay` (docs/compatibility.md D.8). */
export class MaxConnectionReachedError extends BackendError {
  constructor(message: string) {
    super(message);
    this.name = 'MaxConnectionReachedError';
  }
}

interface Slot<C> {
  connector?: C;
  dn: string;
  /** A keyed hash of the password it is bound with: the pool never keeps passwords. */
  key: string;
  active: boolean;
  created: number;
  /** Purged while busy: closed when released. */
  purged: boolean;
}

interface Waiter<C> {
  dn: string;
  key: string;
  resolve: (slot: Slot<C>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Bound connectors, reused by DN and password (docs/compatibility.md D.8 with the v2 lifetime). A connector
 * bound to the same DN with another password is discarded; when the pool is full the oldest
 * idle connector is evicted; when all are busy, callers queue in order and fail with
 * `MaxConnectionReachedError` after `retryMax × retryDelay`. State changes are synchronous, so
 * any number of concurrent requests is safe.
 */
export class LdapPool<C extends PoolConnector> {
  readonly usePool: boolean;
  readonly maxSize: number;
  readonly retryMax: number;
  readonly retryDelay: number;
  readonly maxLifetime: number;
  private readonly now: () => number;
  private readonly secret = randomBytes(32);
  /** Oldest first. */
  private slots: Slot<C>[] = [];
  private waiters: Waiter<C>[] = [];
  private closed = false;

  constructor(private readonly factory: ConnectorFactory<C>, options: LdapPoolOptions = {}) {
    this.usePool = options.usePool ?? true;
    this.maxSize = options.size ?? 10;
    this.retryMax = options.retryMax ?? 3;
    this.retryDelay = options.retryDelay ?? 100;
    this.maxLifetime = options.maxLifetime ?? 600_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxSize) || this.maxSize < 1) throw new RangeError(`LdapPool: size must be a positive integer, got ${this.maxSize}`);
    if (!Number.isInteger(this.retryMax) || this.retryMax < 1) throw new RangeError(`LdapPool: retryMax must be a positive integer, got ${this.retryMax}`);
  }

  /** Connectors held, busy or idle (always 0 without pooling). */
  get size(): number {
    return this.slots.length;
  }

  /** Connectors held that are bound to `dn`. */
  countFor(dn: string): number {
    const id = normalizeDn(dn);
    return this.slots.filter((slot) => slot.dn === id).length;
  }

  /** Runs `fn` with a connector bound as `dn`, then returns the connector to the pool. */
  async use<T>(dn: string, password: string, fn: (connector: C) => Promise<T>): Promise<T> {
    if (!this.usePool) {
      this.assertOpen();
      const connector = await this.open(dn, password);
      try {
        return await fn(connector);
      } finally {
        closeQuietly(connector);
      }
    }
    const slot = await this.acquire(normalizeDn(dn), this.keyOf(password), password);
    try {
      return await fn(slot.connector as C);
    } finally {
      this.release(slot);
    }
  }

  /** Drops every connector bound to `dn`: after a password change or a deletion (Q-D3). */
  purge(dn: string): void {
    const id = normalizeDn(dn);
    for (const slot of [...this.slots]) {
      if (slot.dn !== id) continue;
      if (slot.active) slot.purged = true;
      else this.remove(slot);
    }
    this.dispatch();
  }

  /** Closes idle connectors now and busy ones when released; later uses fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new BackendError('LdapPool: closed'));
    }
    const idle = this.slots.filter((slot) => !slot.active);
    this.slots = this.slots.filter((slot) => slot.active);
    await Promise.all(idle.map((slot) => slot.connector?.close().catch(() => undefined)));
  }

  private async acquire(dn: string, key: string, password: string): Promise<Slot<C>> {
    this.assertOpen();
    const slot = this.waiters.length === 0 ? this.take(dn, key) : undefined;
    const ready = slot ?? await this.wait(dn, key);
    if (ready.connector) return ready;
    try {
      ready.connector = await this.open(dn, password);
      ready.created = this.now();
      return ready;
    } catch (err) {
      this.remove(ready);
      this.dispatch();
      throw err;
    }
  }

  /** A reusable or new slot, marked active, or undefined when all are busy. Synchronous. */
  private take(dn: string, key: string): Slot<C> | undefined {
    for (const slot of [...this.slots]) {
      if (slot.active) continue;
      const stale = !slot.connector?.connected || this.now() - slot.created >= this.maxLifetime;
      if (stale || (slot.dn === dn && slot.key !== key)) this.remove(slot);
    }
    const reusable = this.slots.findLast((slot) => !slot.active && slot.dn === dn && slot.key === key);
    if (reusable) {
      reusable.active = true;
      return reusable;
    }
    if (this.slots.length >= this.maxSize) {
      const idle = this.slots.find((slot) => !slot.active);
      if (!idle) return undefined;
      this.remove(idle);
    }
    const slot: Slot<C> = { dn, key, active: true, created: this.now(), purged: false };
    this.slots.push(slot);
    return slot;
  }

  private wait(dn: string, key: string): Promise<Slot<C>> {
    const budget = this.retryMax * this.retryDelay;
    return new Promise<Slot<C>>((resolve, reject) => {
      const waiter: Waiter<C> = {
        dn, key, resolve, reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new MaxConnectionReachedError(`LdapPool: all ${this.maxSize} LDAP connections busy for ${budget} ms ` +
            `(ldap_pool_size = ${this.maxSize}, retry_max = ${this.retryMax}, retry_delay = ${this.retryDelay / 1000} s)`));
        }, budget),
      };
      this.waiters.push(waiter);
    });
  }

  /** Hands freed capacity to queued callers, first come first served. */
  private dispatch(): void {
    while (this.waiters.length > 0 && !this.closed) {
      const waiter = this.waiters[0];
      const slot = this.take(waiter.dn, waiter.key);
      if (!slot) return;
      this.waiters.shift();
      clearTimeout(waiter.timer);
      waiter.resolve(slot);
    }
  }

  private release(slot: Slot<C>): void {
    slot.active = false;
    const expired = this.now() - slot.created >= this.maxLifetime;
    if (this.closed || slot.purged || expired || !slot.connector?.connected) this.remove(slot);
    this.dispatch();
  }

  private remove(slot: Slot<C>): void {
    this.slots = this.slots.filter((s) => s !== slot);
    if (slot.connector) closeQuietly(slot.connector);
  }

  /** Opens a connector, retrying an unreachable server (not a timeout) `retryMax` times in all. */
  private async open(dn: string, password: string): Promise<C> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.factory(dn, password);
      } catch (err) {
        const retry = isBackendError(err) && !(err instanceof BackendTimeoutError) && attempt < this.retryMax && !this.closed;
        if (!retry) throw err;
        await sleep(this.retryDelay);
      }
    }
  }

  private keyOf(password: string): string {
    return createHmac('sha256', this.secret).update(password).digest('base64');
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError('LdapPool: closed');
  }
}

function normalizeDn(dn: string): string {
  return dn.toLowerCase();
}

function closeQuietly(connector: PoolConnector): void {
  connector.close().catch(() => undefined);
}
