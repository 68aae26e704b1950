import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A failing log file is reported on stderr at most this often. */
export const LOG_FAILURE_REPORT_MS = 60_000;

export interface LogFileSinkOptions {
  /** Milliseconds between two stderr lines about a failing file; default one minute. */
  reportEveryMs?: number;
  /** Where those lines go; default stderr. */
  report?: (line: string) => void;
  now?: () => number;
}

/**
 * `global.log_file` for pino: each record is one synchronous `O_APPEND` write, so the lines
 * of every process sharing the file never interleave and none is lost when a process dies.
 * It fails well: a record that cannot be written is dropped and counted, and stderr gets one
 * line about it per interval (then one when the file takes records again), never one per
 * record; `reopen` opens the new file before it closes the old descriptor, exactly once.
 */
export class LogFileSink {
  private fd: number;
  private dropped = 0;
  private droppedSinceReport = 0;
  private lastReport = -Infinity;
  private readonly reportEveryMs: number;
  private readonly report: (line: string) => void;
  private readonly now: () => number;

  /** Opens (creating its folder) or throws, so a bad path stops `serve` at start. */
  constructor(readonly path: string, options: LogFileSinkOptions = {}) {
    this.reportEveryMs = options.reportEveryMs ?? LOG_FAILURE_REPORT_MS;
    this.report = options.report ?? ((line) => void process.stderr.write(line));
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  write(chunk: string): boolean {
    const bytes = Buffer.from(chunk, 'utf8');
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done);
    } catch (err) {
      this.failed(err as Error);
      return true;
    }
    if (this.dropped > 0) {
      this.report(`services-core: log file ${this.path} takes records again; ${this.dropped} were dropped\n`);
      this.dropped = 0;
      this.droppedSinceReport = 0;
      this.lastReport = -Infinity;
    }
    return true;
  }

  /**
   * Opens the file at `path` again (after rotation) and then closes the descriptor used so far.
   * When the file cannot be opened, throws and keeps writing to the one opened before.
   */
  reopen(): void {
    const fd = openSync(this.path, 'a');
    const old = this.fd;
    this.fd = fd;
    try {
      closeSync(old);
    } catch {
      // Already unusable: nothing to release.
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Closing at exit: nothing left to do.
    }
  }

  private failed(err: Error): void {
    this.dropped++;
    this.droppedSinceReport++;
    const now = this.now();
    if (now - this.lastReport < this.reportEveryMs) return;
    const seconds = Math.round(this.reportEveryMs / 1000);
    this.report(this.lastReport === -Infinity
      ? `services-core: cannot write the log file ${this.path}: ${err.message}; records are dropped (said again at most every ${seconds} s)\n`
      : `services-core: cannot write the log file ${this.path}: ${err.message}; ${this.droppedSinceReport} records dropped since the last line\n`);
    this.lastReport = now;
    this.droppedSinceReport = 0;
  }
}
