import net from 'node:net';
import tls from 'node:tls';
import type { SyslogSettings } from '../cef-settings';
import { QueuedSink, type QueuedSinkOptions, type SendResult } from './queued-sink';
import { frame3164, frame5424, octetCounted, syslogHeader, type SyslogHeader } from './syslog-frame';

export interface StreamSinkOptions extends QueuedSinkOptions {
  protocol: 'tcp' | 'tls';
  host: string;
  port: number;
  syslog: SyslogSettings;
  hostname: string;
  clock: () => Date;
  /** TLS only: CA certificates (PEM) and whether to refuse an unverified peer. */
  tls?: { ca?: Buffer; rejectUnauthorized: boolean };
}

/** Syslog over TCP or TLS: RFC 5424 (or 3164) messages with RFC 6587 octet counting. */
export class StreamSink extends QueuedSink<Buffer> {
  readonly description: string;
  private readonly options: StreamSinkOptions;
  private readonly header: SyslogHeader;
  private readonly frame: typeof frame5424;
  private socket: net.Socket | null = null;

  constructor(options: StreamSinkOptions) {
    super(options);
    this.options = options;
    this.header = syslogHeader(options.syslog, options.hostname);
    this.frame = options.syslog.format === '3164' ? frame3164 : frame5424;
    this.description = `${options.protocol}://${net.isIPv6(options.host) ? `[${options.host}]` : options.host}:${options.port} (RFC ${options.syslog.format}, octet counting)`;
    this.start();
  }

  protected encode(line: string): Buffer {
    return octetCounted(this.frame(this.header, this.options.clock(), line));
  }

  protected open(): void {
    const { protocol, host, port } = this.options;
    const socket =
      protocol === 'tls'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: this.options.tls?.ca, rejectUnauthorized: this.options.tls?.rejectUnauthorized ?? true })
        : net.connect({ host, port });
    this.socket = socket;
    let failure: Error | undefined;
    socket.unref();
    socket.setNoDelay(true);
    socket.once(protocol === 'tls' ? 'secureConnect' : 'connect', () => this.connected());
    socket.on('drain', () => this.resume());
    socket.on('error', (err) => {
      failure = err;
    });
    // A peer that answers must not fill our memory; syslog receivers never send anything.
    socket.on('data', () => undefined);
    socket.once('close', () => {
      if (this.socket === socket) this.socket = null;
      this.disconnected(failure);
    });
  }

  protected send(item: Buffer): SendResult {
    if (!this.socket) return 'retry';
    return this.socket.write(item) ? 'ok' : 'full';
  }

  protected pending(): number {
    return this.socket?.writableLength ?? 0;
  }

  protected async shutdown(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }
}
