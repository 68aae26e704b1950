import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';

/**
 * A JWKS served on a loopback port, which a test can stop (an outage) and start again on the
 * same port; `fetches` counts the requests it answered.
 */
export class JwksServer {
  keys: JSONWebKeySet = { keys: [] };
  fetches = 0;
  private server?: Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.fetches++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(this.keys));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
