import type { Logger } from 'pino';

/**
 * The primary's warnings about what workers send: the first `perWindow` of a window are logged,
 * the rest only counted, and one line when the window ends says how many were left out. A worker
 * whose code floods the channel with bad messages costs a few lines a minute, not one per message.
 */
export class RateLimitedWarnings {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly logger: Logger, private readonly perWindow = 10, private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      this.logger.warn(fields, message);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - now)).unref();
  }

  /** Writes the count of the warnings left out so far (at the end of a window, and when serve stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((this.now() - this.windowStart) / 1000));
    this.logger.warn({ suppressed: this.suppressed, seconds },
      `${this.suppressed} more warnings about messages from workers in ${seconds} s were not logged`);
    this.suppressed = 0;
  }
}
