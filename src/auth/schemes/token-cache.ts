/**
 * Verified credentials by the exact string that carried them, each kept until the earlier of
 * its own expiry and `ttlMs` after it was verified, at most `size` of them (the oldest go
 * first). A hit costs one Map lookup; nothing is ever served past its expiry.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  hits = 0;
  misses = 0;

  constructor(private readonly size: number, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    if (this.now() >= entry.until) {
      this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.value;
  }

  /** Keeps `value` until `expiresAt` (ms since the epoch) at the latest. */
  set(key: string, value: T, expiresAt: number | undefined): void {
    if (this.size === 0 || this.ttlMs === 0) return;
    const now = this.now();
    const until = Math.min(now + this.ttlMs, expiresAt ?? Infinity);
    if (until <= now) return;
    this.entries.delete(key);
    this.entries.set(key, { value, until });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
