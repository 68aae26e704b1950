import type { Logger } from 'pino';

interface Kind {
  /** When the current interval began. */
  since: number;
  /** Errors of this kind not logged in full since `since`. */
  count: number;
  lastCrashId: string;
  logger: Logger;
  name: string;
  message: string;
  timer?: NodeJS.Timeout;
}

/** At most this many kinds are tracked; the oldest is written out and dropped first. */
const MAX_KINDS = 100;

/**
 * A bound on the log during an outage: the first error of a kind (its class and message) is
 * logged in full, with its stack; the same error again within `intervalMs` is only counted,
 * and one line per interval says how many there were (with the last crash id). A database
 * that is down for a minute under load writes two lines, not one per request.
 */
export class RepeatedErrors {
  private readonly kinds = new Map<string, Kind>();

  constructor(private readonly intervalMs = 60_000, private readonly now: () => number = Date.now) {}

  /** True when `err` is to be logged in full; otherwise it was counted. */
  first(err: unknown, crashId: string, logger: Logger): boolean {
    const name = err instanceof Error ? err.name : typeof err;
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const key = `${name}\0${message}`;
    const now = this.now();
    const kind = this.kinds.get(key);
    if (kind === undefined || (kind.count === 0 && now - kind.since >= this.intervalMs)) {
      if (kind === undefined && this.kinds.size >= MAX_KINDS) this.writeOut(this.kinds.keys().next().value!, true);
      this.kinds.delete(key);
      this.kinds.set(key, { since: now, count: 0, lastCrashId: crashId, logger, name, message });
      return true;
    }
    kind.count++;
    kind.lastCrashId = crashId;
    kind.logger = logger;
    kind.timer ??= setTimeout(() => this.writeOut(key, false), Math.max(0, kind.since + this.intervalMs - now)).unref();
    return false;
  }

  /** Writes the count of every kind now (at close). */
  flush(): void {
    for (const key of [...this.kinds.keys()]) this.writeOut(key, true);
  }

  /** One line with the count of the interval that ended; the next interval starts now. */
  private writeOut(key: string, drop: boolean): void {
    const kind = this.kinds.get(key);
    if (kind === undefined) return;
    clearTimeout(kind.timer);
    kind.timer = undefined;
    const now = this.now();
    if (kind.count > 0) {
      const seconds = Math.max(1, Math.round((now - kind.since) / 1000));
      kind.logger.error({ repeated: kind.count, seconds, lastCrashId: kind.lastCrashId, errorType: kind.name, errorMessage: kind.message },
        `the same error ${kind.count} more times in ${seconds} s (last crash id ${kind.lastCrashId}): ${kind.name}: ${kind.message}`);
    }
    kind.since = now;
    kind.count = 0;
    if (drop) this.kinds.delete(key);
  }
}
