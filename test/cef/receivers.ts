import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

/** A syslog receiver for the tests: records each message it gets. */
export interface Receiver {
  port: number;
  messages: string[];
  /** Resolves once `count` messages arrived (rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<string[]>;
  /** Drops the connected clients (a restarting collector). */
  dropClients(): void;
  /** Resolves once no client is connected: every byte a closed sender wrote has been read. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

function waiter(messages: string[]) {
  return (count: number, ms = 5000) =>
    new Promise<string[]>((resolve, reject) => {
      const deadline = Date.now() + ms;
      const check = () => {
        if (messages.length >= count) resolve(messages.slice(0, count));
        else if (Date.now() > deadline) reject(new Error(`got ${messages.length} of ${count} messages: ${JSON.stringify(messages)}`));
        else setTimeout(check, 10);
      };
      check();
    });
}

export async function udpReceiver(port = 0): Promise<Receiver> {
  const socket = dgram.createSocket('udp4');
  const messages: string[] = [];
  socket.on('message', (msg) => messages.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    messages,
    waitFor: waiter(messages),
    dropClients: () => undefined,
    allClosed: () => Promise.reject(new Error('a UDP receiver has no connections')),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Splits an RFC 6587 octet-counted stream; throws on anything else. */
export function octetFrames(onMessage: (message: string) => void) {
  let buffer = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length > 0) {
      const space = buffer.indexOf(0x20);
      if (space === -1) return;
      const header = buffer.subarray(0, space).toString('latin1');
      if (!/^[1-9]\d*$/.test(header)) throw new Error(`bad octet count ${JSON.stringify(header)}`);
      const length = Number(header);
      if (buffer.length < space + 1 + length) return;
      onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
      buffer = buffer.subarray(space + 1 + length);
    }
  };
}

export async function streamReceiver(options: { port?: number; tls?: tls.TlsOptions } = {}): Promise<Receiver> {
  const messages: string[] = [];
  const clients = new Set<net.Socket>();
  const whenIdle: Array<() => void> = [];
  const onClient = (socket: net.Socket) => {
    clients.add(socket);
    socket.on('close', () => {
      clients.delete(socket);
      if (clients.size === 0) whenIdle.splice(0).forEach((resolve) => resolve());
    });
    socket.on('error', () => undefined);
    socket.on('data', octetFrames((m) => messages.push(m)));
  };
  const server = options.tls ? tls.createServer(options.tls, onClient) : net.createServer(onClient);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    waitFor: waiter(messages),
    dropClients: () => clients.forEach((c) => c.destroy()),
    allClosed: () => (clients.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenIdle.push(resolve))),
    close: () =>
      new Promise((resolve) => {
        clients.forEach((c) => c.destroy());
        server.close(() => resolve());
      }),
  };
}

export { freePort } from '../support/free-port';
