/** When a crashed worker comes back, and when the primary stops trying. */
export interface RestartPolicyOptions {
  /** More crashes than this within `windowMs` is a crash loop (default 5). */
  maxCrashes?: number;
  windowMs?: number;
  /** First restart delay, doubled per recent crash up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; crashes: number; windowMs: number };

/** Exponential back-off over the crashes of the last window; too many of them is a crash loop. */
export class RestartPolicy {
  private readonly maxCrashes: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private crashes: number[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.maxCrashes = options.maxCrashes ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  /** Records a crash at `now` (ms) and decides. */
  onCrash(now: number): RestartDecision {
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    const recent = this.crashes.length;
    if (recent > this.maxCrashes) return { restart: false, crashes: recent, windowMs: this.windowMs };
    return { restart: true, delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (recent - 1)) };
  }
}
