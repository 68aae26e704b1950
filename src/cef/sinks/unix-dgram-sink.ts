import type { EventEmitter } from 'node:events';
import type { SyslogSettings } from '../cef-settings';
import { missingSocket } from './local-socket';
import { QueuedSink, type QueuedSinkOptions, type SendResult } from './queued-sink';
import { frameLocal, syslogHeader, type SyslogHeader } from './syslog-frame';

/** The part of the optional `unix-dgram` package used here (it ships no types). */
interface UnixDgramSocket extends EventEmitter {
  connect(path: string): void;
  send(buf: Buffer, callback: (err?: Error & { code?: unknown }) => void): void;
  close(): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

/** Loads `unix-dgram` when it is installed and built; null otherwise. */
export function loadUnixDgram(): UnixDgramModule | null {
  try {
    // An optional native package: loaded on demand, so its absence is not an import error.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('unix-dgram') as UnixDgramModule;
  } catch {
    return null;
  }
}

export interface UnixDgramSinkOptions extends QueuedSinkOptions {
  unixDgram: UnixDgramModule;
  syslog: SyslogSettings;
  clock: () => Date;
}

/** Local syslog through a unix datagram socket, framed as glibc's syslog() does. */
export class UnixDgramSink extends QueuedSink<Buffer> {
  readonly description: string;
  private readonly options: UnixDgramSinkOptions;
  private readonly header: SyslogHeader;
  private socket: UnixDgramSocket | null = null;

  constructor(options: UnixDgramSinkOptions) {
    super(options);
    this.options = options;
    this.header = syslogHeader(options.syslog, '');
    this.description = `syslog ${options.syslog.socket} via unix-dgram`;
    this.start();
  }

  override write(line: string): void {
    if (this.options.syslog.options.has('PERROR')) process.stderr.write(line + '\n');
    super.write(line);
  }

  protected encode(line: string): Buffer {
    return Buffer.from(frameLocal(this.header, this.options.clock(), line));
  }

  // unix-dgram reports connect and send results synchronously.
  protected open(): void {
    const missing = missingSocket(this.options.syslog.socket);
    if (missing) {
      this.disconnected(missing);
      return;
    }
    const socket = this.options.unixDgram.createSocket('unix_dgram');
    socket.on('writable', () => this.resume());
    socket.on('error', (err: Error) => this.drop(socket, err));
    socket.once('connect', () => {
      this.socket = socket;
      this.connected();
    });
    socket.connect(this.options.syslog.socket);
  }

  private drop(socket: UnixDgramSocket, err: Error): void {
    if (this.socket === socket) this.socket = null;
    try {
      socket.close();
    } catch {
      // already closed
    }
    this.disconnected(err);
  }

  protected send(item: Buffer): SendResult {
    const socket = this.socket;
    if (!socket) return 'retry';
    let result: SendResult = 'retry';
    socket.send(item, (err) => {
      if (!err) result = 'ok';
      // Code 1 is "congestion": the receiver's buffer is full; 'writable' follows.
      else if (err.code !== 1) this.drop(socket, err);
    });
    return result;
  }

  protected pending(): number {
    return 0;
  }

  protected async shutdown(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}
