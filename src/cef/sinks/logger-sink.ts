import { spawn, type ChildProcess } from 'node:child_process';
import type { SyslogSettings } from '../cef-settings';
import { FACILITIES, PRIORITIES } from '../syslog-codes';
import { missingSocket } from './local-socket';
import { QueuedSink, type QueuedSinkOptions, type SendResult } from './queued-sink';

// logger takes names only (`local4.info`), not numbers.
function nameOf(table: Readonly<Record<string, number>>, code: number): string {
  return (Object.keys(table).find((name) => table[name] === code) as string).toLowerCase();
}

export interface LoggerSinkOptions extends QueuedSinkOptions {
  syslog: SyslogSettings;
}

/**
 * Local syslog through one long-lived `logger -u <socket>` process reading lines on stdin:
 * the fallback when the optional `unix-dgram` package is not available (Node has no unix
 * datagram sockets). logger adds the `<PRI>date tag[pid]:` header itself and reports failed
 * sends on stderr, which goes to `warn`.
 */
export class LoggerSink extends QueuedSink<string> {
  readonly description: string;
  private readonly options: LoggerSinkOptions;
  private child: ChildProcess | null = null;

  constructor(options: LoggerSinkOptions) {
    super(options);
    this.options = options;
    this.description = `syslog ${options.syslog.socket} via logger process`;
    this.start();
  }

  private args(): string[] {
    const { syslog } = this.options;
    // With socket errors off, logger outlives a syslog restart (dropping what it cannot send
    // meanwhile, as libc syslog() does) instead of exiting with our lines still in its pipe.
    const args = ['-u', syslog.socket, '-d', '--socket-errors=off', '-S', '65536'];
    args.push('-t', syslog.ident, '-p', `${nameOf(FACILITIES, syslog.facility)}.${nameOf(PRIORITIES, syslog.priority)}`);
    if (syslog.options.has('PID')) args.push(`--id=${process.pid}`);
    if (syslog.options.has('PERROR')) args.push('-s');
    return args;
  }

  protected encode(line: string): string {
    return line + '\n';
  }

  protected open(): void {
    // logger would silently drop lines for a socket that is not there yet: queue them instead.
    const missing = missingSocket(this.options.syslog.socket);
    if (missing) {
      this.disconnected(missing);
      return;
    }
    const perror = this.options.syslog.options.has('PERROR');
    const child = spawn('logger', this.args(), { stdio: ['pipe', 'ignore', perror ? 'inherit' : 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.warn(`cef: ${this.description}: ${line.trim()}`);
    });
    child.stdin?.on('drain', () => this.resume());
    child.stdin?.on('error', () => undefined); // EPIPE: the exit handler reports it
    child.once('spawn', () => this.connected());
    child.once('error', (err) => this.gone(child, err));
    child.once('exit', (code, signal) => this.gone(child, new Error(`logger exited (${signal ?? code})`)));
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private gone(child: ChildProcess, err: Error): void {
    if (this.child !== child) return;
    this.child = null;
    this.disconnected(err);
  }

  protected send(item: string): SendResult {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable) return 'retry';
    return stdin.write(item) ? 'ok' : 'full';
  }

  protected pending(): number {
    return this.child?.stdin?.writableLength ?? 0;
  }

  protected async shutdown(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill(), 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }
}
