import type { Logger } from 'pino';

export interface RateLimitedLogOptions {
  /** The level of the lines and of the count line. */
  level: 'warn' | 'info';
  /** What the lines are, for the count line: `3 more <what> in 60 s were not logged`. */
  what: string;
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * Lines that others can cause at will (malformed messages from a worker's code, a client's
 * broken connections): the first `perWindow` of a window are logged, the rest only counted, and
 * one line when the window ends says how many were left out. A flood costs a few lines a minute,
 * not one per event.
 */
export class RateLimitedLog {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;
  private timer?: NodeJS.Timeout;
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly logger: Logger, private readonly options: RateLimitedLogOptions) {
    this.perWindow = options.perWindow ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Logs the line through `logger` (a request's child logger, say) unless this window's share is used up. */
  write(fields: Record<string, unknown>, message: string, logger: Logger = this.logger): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      logger[this.options.level](fields, message);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - now)).unref();
  }

  /** Writes the count of the lines left out so far (at the end of a window, and when the owner stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((this.now() - this.windowStart) / 1000));
    this.logger[this.options.level]({ suppressed: this.suppressed, seconds },
      `${this.suppressed} more ${this.options.what} in ${seconds} s were not logged`);
    this.suppressed = 0;
  }
}
