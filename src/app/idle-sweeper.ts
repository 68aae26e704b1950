import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How often a draining server looks for idle connections. */
export const SWEEP_INTERVAL_MS = 50;

interface Look {
  bytesRead: number;
}

// Node keeps the response in progress on the socket until it is finished.
const busy = (socket: Socket) => (socket as Socket & { _httpMessage?: unknown })._httpMessage != null;

/**
 * The sockets of a server (tracked per connection, nothing per request) and, while it drains,
 * the closing of idle ones. A socket is idle when no response is in progress on it and it
 * received nothing since the previous look: one that is between two requests of a busy
 * client, or that was just accepted and whose first request is on its way, is left alone (its
 * response says `Connection: close`); closing those at once would reset requests in flight.
 */
export class IdleSweeper {
  private readonly sockets = new Set<Socket>();
  private timer?: NodeJS.Timeout;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts looking every `intervalMs`; idle sockets are closed at the second look that finds them idle. */
  start(intervalMs = SWEEP_INTERVAL_MS): void {
    if (this.timer) return;
    let previous = new WeakMap<Socket, Look>();
    const sweep = () => {
      const seen = new WeakMap<Socket, Look>();
      const idle: Socket[] = [];
      for (const socket of this.sockets) {
        if (busy(socket)) continue;
        const before = previous.get(socket);
        if (before && before.bytesRead === socket.bytesRead) idle.push(socket);
        else seen.set(socket, { bytesRead: socket.bytesRead });
      }
      previous = seen;
      if (idle.length === 0) return;
      // Timers run before the event loop polls: a request that arrived while the loop was busy
      // is still unread here. It is read in the poll phase that follows, before setImmediate
      // runs; only a socket that read nothing then either is idle.
      const looked = idle.map((socket) => socket.bytesRead);
      setImmediate(() => idle.forEach((socket, i) => {
        if (!busy(socket) && socket.bytesRead === looked[i]) socket.destroy();
        else seen.set(socket, { bytesRead: socket.bytesRead });
      }));
    };
    sweep();
    this.timer = setInterval(sweep, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
