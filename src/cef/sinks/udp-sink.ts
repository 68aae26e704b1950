import dgram from 'node:dgram';
import net from 'node:net';
import type { SyslogSettings } from '../cef-settings';
import { QueuedSink, type QueuedSinkOptions, type SendResult } from './queued-sink';
import { frame3164, frame5424, syslogHeader, type SyslogHeader } from './syslog-frame';

export interface UdpSinkOptions extends QueuedSinkOptions {
  host: string;
  port: number;
  syslog: SyslogSettings;
  hostname: string;
  clock: () => Date;
}

/** Syslog over UDP: one RFC 5424 (or 3164) message per datagram. */
export class UdpSink extends QueuedSink<Buffer> {
  readonly description: string;
  private readonly options: UdpSinkOptions;
  private readonly header: SyslogHeader;
  private readonly frame: typeof frame5424;
  private socket: dgram.Socket | null = null;
  private inFlight = 0;
  private sendFailing = false;

  constructor(options: UdpSinkOptions) {
    super(options);
    this.options = options;
    this.header = syslogHeader(options.syslog, options.hostname);
    this.frame = options.syslog.format === '3164' ? frame3164 : frame5424;
    this.description = `udp://${net.isIPv6(options.host) ? `[${options.host}]` : options.host}:${options.port} (RFC ${options.syslog.format})`;
    this.start();
  }

  protected encode(line: string): Buffer {
    return Buffer.from(this.frame(this.header, this.options.clock(), line));
  }

  // Connecting a UDP socket only resolves the address; it fails on a bad host name.
  protected open(): void {
    const socket = dgram.createSocket(net.isIPv6(this.options.host) ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.unref();
    const fail = (err: Error): void => {
      if (this.socket !== socket) return;
      this.socket = null;
      socket.close();
      this.disconnected(err);
    };
    socket.on('error', fail);
    // Node passes a failed address lookup to this callback (the types omit the argument).
    const done = (err?: Error): void => (err ? fail(err) : this.connected());
    socket.connect(this.options.port, this.options.host, done as () => void);
  }

  protected send(item: Buffer): SendResult {
    const socket = this.socket;
    if (!socket) return 'retry';
    this.inFlight++;
    socket.send(item, (err) => {
      this.inFlight--;
      // No listener gives ECONNREFUSED (ICMP) on a connected socket: say so once per streak.
      if (err && !this.sendFailing) this.warn(`cef: ${this.description}: send failed (${err.message}); later failures are not reported until a send succeeds`);
      this.sendFailing = Boolean(err);
    });
    return 'ok';
  }

  protected pending(): number {
    return this.inFlight;
  }

  protected async shutdown(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
