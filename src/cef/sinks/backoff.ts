/** Reconnection delays: 100 ms doubling up to 30 s, back to the start after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly first = 100,
    private readonly max = 30_000,
  ) {}

  next(): number {
    const delay = Math.min(this.max, this.first * 2 ** this.attempt);
    if (delay < this.max) this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
