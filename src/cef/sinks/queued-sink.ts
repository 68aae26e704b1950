import type { CefSink, CefSinkHealth } from '../types';
import { Backoff } from './backoff';
import { BoundedQueue } from './bounded-queue';

export interface QueuedSinkOptions {
  warn: (message: string) => void;
  queueSize: number;
  /** How long flush() and close() wait for a peer that is down. */
  flushTimeoutMs: number;
}

/** What a transport did with one item. */
export type SendResult = 'ok' | 'full' | 'retry';

/**
 * A sink that talks to a peer which can be down: writes go through a bounded queue, a lost
 * connection is retried with back-off, and nothing ever blocks or throws into the caller.
 * Subclasses supply the transport (`open`, `send`, `pending`, `shutdown`) and call
 * `connected()`, `disconnected()` and `resume()` as it reports.
 */
export abstract class QueuedSink<T> implements CefSink {
  abstract readonly description: string;
  protected readonly warn: (message: string) => void;
  private readonly queue: BoundedQueue<T>;
  private readonly backoff = new Backoff();
  private readonly flushTimeoutMs: number;
  private up = false;
  private blocked = false;
  private closing = false;
  private outage = false;
  private dropping = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: QueuedSinkOptions) {
    this.warn = options.warn;
    this.queue = new BoundedQueue<T>(options.queueSize);
    this.flushTimeoutMs = options.flushTimeoutMs;
  }

  /** Turns one CEF line into what the transport sends. */
  protected abstract encode(line: string): T;
  /** Starts a connection attempt; the transport then calls connected() or disconnected(). */
  protected abstract open(): void;
  /** 'ok': taken; 'full': taken, wait for resume(); 'retry': not taken, wait for resume() or connected(). */
  protected abstract send(item: T): SendResult;
  /** What was handed over but has not reached the OS or the peer yet. */
  protected abstract pending(): number;
  /** Ends the transport after the last flush. */
  protected abstract shutdown(): Promise<void>;

  get dropped(): number {
    return this.queue.refusedTotal;
  }

  health(): CefSinkHealth {
    if (this.closing) return { ok: false, detail: `${this.description} is closed` };
    if (this.outage) return { ok: false, detail: `${this.description} is down; ${this.queue.length} events queued` };
    return { ok: true };
  }

  write(line: string): void {
    if (this.closing) {
      this.warn(`cef: event after close() not sent to ${this.description}: ${line}`);
      return;
    }
    if (!this.queue.push(this.encode(line)) && !this.dropping) {
      this.dropping = true;
      this.warn(`cef: ${this.description}: queue of ${this.queue.limit} events full, dropping new events`);
    }
    this.pump();
  }

  /** Called by subclasses once, at the end of their constructor. */
  protected start(): void {
    this.open();
  }

  protected connected(): void {
    this.up = true;
    this.blocked = false;
    this.backoff.reset();
    if (this.outage) {
      this.outage = false;
      this.warn(`cef: ${this.description} is back`);
    }
    this.pump();
  }

  private reportDrops(): void {
    const dropped = this.queue.takeDropped();
    if (dropped > 0) this.warn(`cef: ${this.description}: ${dropped} events were dropped (queue of ${this.queue.limit} full)`);
    this.dropping = false;
  }

  protected disconnected(err?: Error): void {
    this.up = false;
    if (this.closing) return;
    if (!this.outage) {
      this.outage = true;
      this.warn(`cef: ${this.description} is down${err ? ` (${err.message})` : ''}; queueing up to ${this.queue.limit} events and retrying`);
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closing) this.open();
    }, this.backoff.next());
    this.timer.unref();
  }

  protected resume(): void {
    this.blocked = false;
    this.pump();
  }

  private pump(): void {
    while (this.up && !this.blocked && this.queue.length > 0) {
      const item = this.queue.shift() as T;
      const result = this.send(item);
      if (result === 'retry') this.queue.putBack(item);
      if (result !== 'ok') this.blocked = true;
    }
    if (this.dropping && this.queue.length === 0) this.reportDrops();
  }

  async flush(): Promise<void> {
    const deadline = Date.now() + this.flushTimeoutMs;
    while (this.queue.length > 0 || this.pending() > 0) {
      if (Date.now() >= deadline) {
        this.warn(`cef: ${this.description}: ${this.queue.length} events still queued after ${this.flushTimeoutMs} ms`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    await this.flush();
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.reportDrops();
    const lost = this.queue.length;
    if (lost > 0) this.warn(`cef: ${this.description}: ${lost} events not delivered at close`);
    await this.shutdown();
  }
}
