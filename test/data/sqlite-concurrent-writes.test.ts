import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { deployment, listeningPort, startServe, stopGracefully, type ServeProcess } from '../e2e/fixtures/serve-process';

// Issue 26, item 1: two `serve` workers on one SQLite file, 20 clients following a link at
// once. The redirect reads the link, updates its counter and inserts a click in one
// transaction. Before WAL + BEGIN IMMEDIATE + waiting off the event loop, a quarter of the
// answers were 503 ("database is locked"): every answer is a redirect now, and no click is lost.

const LINKS_APP = `${join(__dirname, 'fixtures', 'links-app.ts')}#LinksApp`;
const CLIENTS = 20;
const PER_CLIENT = 15;

interface Reply { status: number; body: string }

function call(port: number, agent: Agent, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { 'Content-Type': 'application/json' };
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail).end(payload);
  });
}

describe('two serve workers writing transactions to one SQLite file', () => {
  let serve: ServeProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    if (serve) await stopGracefully(serve);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('20 concurrent clients: every redirect answers 302, and every click is counted', async () => {
    const made = deployment('workers = 2\nport = 0', '[global]\ngraceful_shutdown_interval = 0\n\n[data]\nsqluri = sqlite:///links.db\n', LINKS_APP);
    dir = made.dir;
    serve = startServe([made.ini]);
    const port = await listeningPort(serve);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    try {
      expect((await call(port, agent, 'PUT', '/links/abc', { url: 'https://example.com/' })).status).toBe(200);
      const statuses = new Map<number, number>();
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const { status } = await call(port, agent, 'GET', '/r/abc');
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }));
      expect(Object.fromEntries(statuses)).toEqual({ 302: CLIENTS * PER_CLIENT });
      const shown = await call(port, agent, 'GET', '/links/abc');
      expect(JSON.parse(shown.body)).toEqual({ clicks: CLIENTS * PER_CLIENT, recorded: CLIENTS * PER_CLIENT });
    } finally {
      agent.destroy();
    }
    expect(serve.output()).not.toMatch(/database is locked|SQLITE_BUSY/);
  }, 120_000);
});
