/**
 * Where an app is in its life. `new`: built, nothing open. `starting`: opening its parts.
 * `serving`: open. `draining`: a stop began (responses say `Connection: close`, the heartbeat
 * 503). `closed`: everything it opened is closed again. It only moves forward.
 */
export type LifecycleState = 'new' | 'starting' | 'serving' | 'draining' | 'closed';

/** Registers a part that start opened; stop closes the parts in reverse order, each once. */
export type RegisterPart = (name: string, close: () => unknown) => void;

interface Part {
  name: string;
  close: () => unknown;
}

/**
 * The one state value of an app and the rules that move it. A start runs once (later calls
 * share it); a failed start closes what it had opened and ends `closed`. A stop is valid in
 * every state: from `new` it just ends `closed`; while `starting` it waits for the start to
 * settle, then drains and closes what was opened; later calls share the first stop.
 */
export class Lifecycle {
  private current: LifecycleState = 'new';
  private started?: Promise<void>;
  private stopped?: Promise<void>;
  private readonly parts: Part[] = [];

  constructor(private readonly owner: string) {}

  get state(): LifecycleState {
    return this.current;
  }

  /** True from the moment a stop begins. */
  get draining(): boolean {
    return this.current === 'draining' || this.current === 'closed';
  }

  start(open: (register: RegisterPart) => Promise<void>): Promise<void> {
    if (this.started) return this.started;
    if (this.current !== 'new') return Promise.reject(new Error(`${this.owner}: cannot start, already ${this.current}`));
    this.current = 'starting';
    this.started = (async () => {
      try {
        await open((name, close) => this.parts.push({ name, close }));
      } catch (err) {
        const failures = await this.closeParts();
        this.current = 'closed';
        if (failures.length > 0) throw new AggregateError([err, ...failures], (err as Error).message, { cause: err });
        throw err;
      }
      if (this.current === 'starting') this.current = 'serving';
    })();
    return this.started;
  }

  /** Begins the stop at once (state `draining`), then `drain()`, then closes every part. */
  stop(drain: () => Promise<void>): Promise<void> {
    if (this.stopped) return this.stopped;
    if (this.current === 'new' || (this.current === 'closed' && !this.started)) {
      this.current = 'closed';
      this.stopped = Promise.resolve();
      return this.stopped;
    }
    if (this.current !== 'closed') this.current = 'draining';
    this.stopped = (async () => {
      // A failed start already closed its parts and reported its error to the starter.
      const startFailed = await this.started?.then(() => false, () => true);
      let drainError: unknown;
      if (!startFailed) {
        try {
          await drain();
        } catch (err) {
          drainError = err;
        }
      }
      const failures = await this.closeParts();
      this.current = 'closed';
      if (drainError !== undefined) failures.unshift(drainError);
      if (failures.length > 0) {
        throw new AggregateError(failures, `${this.owner}.close: ${failures.length} part(s) failed to close`);
      }
    })();
    return this.stopped;
  }

  private async closeParts(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (let part = this.parts.pop(); part; part = this.parts.pop()) {
      try {
        await part.close();
      } catch (err) {
        failures.push(new Error(`${part.name}: ${(err as Error).message}`, { cause: err }));
      }
    }
    return failures;
  }
}
