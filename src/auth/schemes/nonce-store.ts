import { hash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { BackendError } from '../../util/errors';
import { type ThrottleStore, openLimiterStore } from '../throttle/login-throttle-store';
import type { NonceStoreKind } from './scheme-settings';

/** How long a store call may take before the request is answered 503. */
const NONCE_TIMEOUT_SECONDS = 1;

/**
 * The Hawk nonces seen within the timestamp window, in one of the login throttle's stores: a
 * limiter of one point per key, so the first use of a nonce passes and any other within the
 * window does not. `cluster` shares them between the workers of a `serve` (the primary holds
 * them), `sql` between the hosts of a fleet (table `hawk_nonces`). A store that fails is a
 * BackendError (503): a replay is never let through because the store is down.
 */
export class NonceStore {
  private readonly store?: ThrottleStore<'nonce'>;
  /** `memory`: nonce → when it may be seen again, in insertion (so expiry) order. */
  private readonly seen?: Map<string, number>;
  private readonly windowMs: number;

  constructor(kind: NonceStoreKind, windowSeconds: number, sqluri?: string, private readonly now: () => number = Date.now) {
    this.windowMs = windowSeconds * 1000;
    if (kind === 'memory') {
      // One process: a Map swept from its oldest end costs less than a limiter's timer per nonce.
      this.seen = new Map();
      return;
    }
    this.store = openLimiterStore(kind, { nonce: { keyPrefix: 'hawk_nonce', points: 1, duration: windowSeconds } },
      { sqluri, table: 'hawk_nonces', timeoutSeconds: NONCE_TIMEOUT_SECONDS, key: 'auth.hawk_nonce_store' });
    this.store.limiters.catch(() => undefined);
  }

  /** True the first time `parts` (credentials id, nonce, timestamp) are seen in the window. */
  async claim(...parts: string[]): Promise<boolean> {
    if (this.seen) return this.claimHere(parts.join('\0'));
    // Hashed: a bounded key, and no client text in the store.
    const key = hash('sha256', parts.join('\0'), 'base64url');
    let limiter: RateLimiterAbstract;
    try {
      limiter = (await this.store!.limiters).nonce;
      await limiter.consume(key);
      return true;
    } catch (err) {
      if (typeof (err as { consumedPoints?: unknown }).consumedPoints === 'number' && !(err instanceof Error)) return false;
      throw new BackendError(`the Hawk nonce store failed: ${(err as Error).message ?? String(err)}`, { cause: err });
    }
  }

  private claimHere(key: string): boolean {
    const seen = this.seen!;
    const now = this.now();
    // Drop what left the window (the oldest first; each nonce is dropped once).
    for (const [old, until] of seen) {
      if (until > now) break;
      seen.delete(old);
    }
    const until = seen.get(key);
    if (until !== undefined && until > now) return false;
    seen.set(key, now + this.windowMs);
    return true;
  }

  async close(): Promise<void> {
    this.seen?.clear();
    await this.store?.close();
  }
}
