import { hash } from 'node:crypto';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { UserId } from '../backend';
import { canonicalUsername } from '../username';
import { openThrottleStore } from './login-throttle-store';
import type { LoginThrottleSettings, ThrottleKey } from './throttle-settings';

export { readThrottleSettings, THROTTLE_DEFAULTS, type LoginThrottleSettings, type ThrottleKey, type ThrottleRule } from './throttle-settings';

export interface ThrottleVerdict {
  /** Milliseconds until the caller may try again; 0 when not blocked. */
  blockedForMs: number;
}

export interface FailureVerdict extends ThrottleVerdict {
  /** The counters whose block this failure started (at most once per block, fleet-wide). */
  started: ThrottleKey[];
}

interface Known {
  blockedUntil: number;
  at: number;
}

const MAX_KNOWN = 10000;
/** A store outage is reported at most this often. */
const WARN_EVERY_MS = 60_000;

/**
 * Failed logins counted per user name and per client address in a rate-limiter-flexible store
 * (memory, the `serve` primary, or a SQL table shared by the fleet). A key that reaches its
 * limit within its window is blocked for the block duration; while blocked, `check` says how
 * long, so the caller refuses without asking the backend. A store that fails or does not answer
 * within the timeout fails open (not blocked) and `warn` is called, at most once a minute.
 */
export class LoginThrottle {
  private readonly limiters: Promise<Record<ThrottleKey, RateLimiterAbstract>>;
  /** Block state per (address, user name) as last read, for remembered logins. */
  private readonly pairs = new Map<string, Known>();
  /** IPv6 address → its network key, so a remembered login does not parse its address again. */
  private readonly networks = new Map<string, string>();
  private lastWarning = -Infinity;
  private readonly closeStore: () => Promise<void>;
  private readonly recheckMs: number;
  /** The store's deadline; none for the memory store, which answers in this process and cannot hang. */
  private readonly timeoutMs?: number;

  constructor(readonly settings: LoginThrottleSettings, private readonly warn: (message: string) => void,
    private readonly now: () => number = Date.now) {
    const store = openThrottleStore(settings);
    this.limiters = store.limiters;
    this.limiters.catch(() => undefined);
    this.closeStore = () => store.close();
    this.recheckMs = settings.recheckSeconds * 1000;
    this.timeoutMs = settings.store === 'memory' ? undefined : settings.timeoutSeconds * 1000;
  }

  /**
   * How long the account (`accountKey`) or the address is blocked. `fresh: false` (a
   * remembered login) may use what was read within `recheckSeconds`; a login that will reach
   * the backend always reads. Without an account (a token whose subject is not known yet) only
   * the address is read.
   */
  check(account: string | undefined, clientIp: string, fresh: boolean): ThrottleVerdict | Promise<ThrottleVerdict> {
    const now = this.now();
    const address = this.addressOf(clientIp);
    // The fast path of remembered logins: one lookup by name and address, no hashing, no promise.
    const pairKey = `${address}\0${account ?? ''}`;
    if (!fresh) {
      const pair = this.pairs.get(pairKey);
      if (pair !== undefined && now - pair.at < this.recheckMs) return { blockedForMs: Math.max(0, pair.blockedUntil - now) };
    }
    return this.read(pairKey, account, address, now);
  }

  /** The store's counters for the account and the address, remembered for `check`'s fast path. */
  private async read(pairKey: string, account: string | undefined, address: string, now: number): Promise<ThrottleVerdict> {
    const [user, client] = await Promise.all([
      account === undefined ? null : this.call((l) => l.user.get(userKey(account))),
      this.call((l) => l.address.get(address)),
    ]);
    const blockedForMs = Math.max(this.note('user', user ?? null, now), this.note('address', client ?? null, now));
    this.pairs.delete(pairKey);
    this.pairs.set(pairKey, { blockedUntil: now + blockedForMs, at: now });
    if (this.pairs.size > MAX_KNOWN) this.pairs.delete(this.pairs.keys().next().value!);
    return { blockedForMs };
  }

  /** Counts a failed login against the account (`accountKey`, when known) and the address; says which blocks it started. */
  async failed(account: string | undefined, clientIp: string): Promise<FailureVerdict> {
    const address = this.addressOf(clientIp);
    const keys: [ThrottleKey, string][] = account === undefined ? [['address', address]] : [['user', userKey(account)], ['address', address]];
    const now = this.now();
    const started: ThrottleKey[] = [];
    const waits = await Promise.all(keys.map(async ([kind, key]) => {
      const rule = this.settings[kind];
      const res = await this.call((l) => l[kind].consume(key).catch((rejected: unknown) => {
        if (isRes(rejected)) return rejected; // over the limit: already blocked
        throw rejected;
      }));
      if (res && res.consumedPoints === rule.limit) {
        // Exactly one failure, fleet-wide, reaches the limit: it starts the block.
        await this.call((l) => l[kind].block(key, rule.blockSeconds));
        started.push(kind);
        return this.note(kind, null, now, now + rule.blockSeconds * 1000);
      }
      return this.note(kind, res, now);
    }));
    const blockedForMs = Math.max(0, ...waits);
    // A block seen here applies to this process's remembered logins at once.
    if (blockedForMs > 0) this.pairs.clear();
    return { blockedForMs, started };
  }

  close(): Promise<void> {
    return this.closeStore();
  }

  /** `addressKey`, remembered for IPv6 (parsing one costs about 2 µs; IPv4 costs nothing). */
  private addressOf(clientIp: string): string {
    if (!clientIp.includes(':')) return clientIp;
    let key = this.networks.get(clientIp);
    if (key === undefined) {
      key = addressKey(clientIp, this.settings.ipv6Prefix);
      this.networks.set(clientIp, key);
      if (this.networks.size > MAX_KNOWN) this.networks.delete(this.networks.keys().next().value!);
    }
    return key;
  }

  /** The milliseconds a key is blocked for, from what the store said. */
  private note(kind: ThrottleKey, res: RateLimiterRes | null, now: number, blockedUntil?: number): number {
    const until = blockedUntil ?? (res && res.consumedPoints > this.settings[kind].limit ? now + res.msBeforeNext : 0);
    return Math.max(0, until - now);
  }

  /** One store call with a deadline; a failure is logged and read as "no information" (fail open). */
  private async call<T>(fn: (limiters: Record<ThrottleKey, RateLimiterAbstract>) => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // No timer per call where there is no deadline (a fresh login makes two calls).
      if (this.timeoutMs === undefined) return await this.limiters.then(fn);
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.settings.timeoutSeconds} s`)), this.timeoutMs);
      });
      return await Promise.race([this.limiters.then(fn), deadline]);
    } catch (err) {
      const now = this.now();
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.warn(`login throttling: the ${this.settings.store} store failed (${(err as Error).message ?? String(err)}); ` +
          'failing open: logins are not throttled until it answers again');
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

function isRes(value: unknown): value is RateLimiterRes {
  return typeof (value as RateLimiterRes | null)?.consumedPoints === 'number' && !(value instanceof Error);
}

/**
 * The per-account counter of a login: the account's id when the name matched one (every
 * spelling a case- or accent-insensitive database or directory maps to it counts together),
 * else a SHA-256 digest of the name's canonical form (`canonicalUsername`): 48 characters
 * whatever the client sent, so the throttle's memory is bounded in bytes, not only in entries.
 */
export function accountKey(id: UserId | null | undefined, name: string): string {
  return id === null || id === undefined ? `name:${hash('sha256', canonicalUsername(name), 'base64url')}` : `id:${String(id)}`;
}

/**
 * The per-address counter of a client: an IPv4 address as it is, an IPv6 address as its
 * network of `ipv6Prefix` bits (`2001:db8:1:2:0:0:0:0/64`): one host holds a whole /64, so
 * counting its addresses one by one would give it 2^64 budgets. Anything else stays as it is.
 */
export function addressKey(address: string, ipv6Prefix: number): string {
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return address;
  for (let i = 0; i < 8; i++) {
    const keep = Math.min(16, Math.max(0, ipv6Prefix - 16 * i));
    groups[i] &= keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
  }
  return `${groups.map((g) => g.toString(16)).join(':')}/${ipv6Prefix}`;
}

/** The eight 16-bit groups of an IPv6 address (`::`, an IPv4 tail, a `%zone` read), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const address = text.split('%')[0];
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const octets = piece.split('.').map(Number);
        if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
        out.push(octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** Account keys are hashed: bounded keys, and no user names in the store. */
function userKey(username: string): string {
  return hash('sha256', username, 'base64url');
}
