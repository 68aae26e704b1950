import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../config/errors';
import type { CefSink, CefSinkHealth } from '../types';

// A sink dropped without close() (logCef's cache lets go of its config) still frees its fd.
const fdCleanup = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
});

export interface FileSinkOptions {
  warn: (message: string) => void;
  /** How often, at most, a write checks whether the file was renamed or removed. */
  rotationCheckMs?: number;
  clock?: () => number;
}

/**
 * Appends one line per event to a file kept open with O_APPEND. Each line is a single
 * synchronous write(2), so lines from several processes never interleave and nothing is
 * left in a buffer at exit. A renamed or removed file (log rotation) is noticed by a cheap
 * periodic stat and reopened; `reopen()` does it at once (SIGUSR1 under `serve`).
 */
export class FileSink implements CefSink {
  readonly description: string;
  readonly path: string;
  private fd: number | null = null;
  private ino = 0;
  private dev = 0;
  private checkedAt = 0;
  private closed = false;
  private readonly warn: (message: string) => void;
  private readonly rotationCheckMs: number;
  private readonly clock: () => number;

  constructor(file: string, options: FileSinkOptions) {
    this.path = path.resolve(file);
    this.description = `file ${this.path}`;
    this.warn = options.warn;
    this.rotationCheckMs = options.rotationCheckMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    try {
      this.open();
    } catch (err) {
      throw new ConfigError(`cef.file: cannot open ${this.path} for appending: ${(err as Error).message}`);
    }
  }

  private open(): void {
    const fd = fs.openSync(this.path, 'a');
    const stat = fs.fstatSync(fd);
    this.fd = fd;
    this.ino = stat.ino;
    this.dev = stat.dev;
    this.checkedAt = this.clock();
    fdCleanup.register(this, fd, this);
  }

  private closeFd(): void {
    if (this.fd === null) return;
    fdCleanup.unregister(this);
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch {
      // nothing left to save
    }
  }

  private rotated(): boolean {
    try {
      const stat = fs.statSync(this.path);
      return stat.ino !== this.ino || stat.dev !== this.dev;
    } catch {
      return true;
    }
  }

  write(line: string): void {
    if (this.closed) {
      this.warn(`cef: event after close() not written to ${this.path}: ${line}`);
      return;
    }
    try {
      const now = this.clock();
      if (this.fd === null) {
        this.open();
      } else if (now - this.checkedAt >= this.rotationCheckMs) {
        this.checkedAt = now;
        if (this.rotated()) {
          this.closeFd();
          this.open();
        }
      }
      fs.writeSync(this.fd as number, line + '\n');
    } catch (err) {
      // The event goes to the warning log instead of being lost; the next write reopens the file.
      this.warn(`cef: cannot write to ${this.path} (${(err as Error).message}): ${line}`);
      this.closeFd();
    }
  }

  health(): CefSinkHealth {
    if (this.closed) return { ok: false, detail: `${this.description} is closed` };
    // The fd is dropped after a failed write and reopened by the next one.
    return this.fd === null ? { ok: false, detail: `${this.description}: the last write failed` } : { ok: true };
  }

  /** Reopens the path now (after rotation; `serve` calls it on SIGUSR1); a failure is reported and retried on the next write. */
  reopen(): void {
    if (this.closed) return;
    this.closeFd();
    try {
      this.open();
    } catch (err) {
      this.warn(`cef: cannot reopen ${this.path}: ${(err as Error).message}`);
    }
  }

  async flush(): Promise<void> {
    // Every write already went to the kernel.
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closeFd();
  }
}
