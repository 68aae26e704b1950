import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { serverDatabase, type TestDatabase } from '../auth/sql-databases';
import { deployment, listeningPort, startServe, stopGracefully, type ServeProcess } from '../e2e/fixtures/serve-process';
import { describeService } from '../services/describe-service';

// The "Done when": two `serve` workers meet a fresh PostgreSQL database with app
// entities; both start (the table creation race is settled) and both serve the same data.

const NOTES_APP = `${join(__dirname, 'fixtures', 'notes-app.ts')}#NotesApp`;

interface Reply { status: number; body: string; pid?: string }

/** One request on a new connection, so the requests spread over the workers. */
function call(port: number, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { 'Content-Type': 'application/json' };
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body: text, pid: res.headers['x-worker-pid'] as string | undefined }));
    });
    req.on('error', fail).end(payload);
  });
}

describeService('pg', 'app data under serve with 2 workers on a fresh PostgreSQL database', () => {
  let db: TestDatabase;
  let serve: ServeProcess | undefined;
  let dir: string | undefined;

  beforeAll(async () => { db = await serverDatabase('postgres'); });
  afterAll(async () => {
    if (serve) await stopGracefully(serve);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  test('both workers start and every worker sees what another wrote', async () => {
    expect(await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);
    const made = deployment('workers = 2\nport = 0', `[global]\ngraceful_shutdown_interval = 0\n\n[storage]\nsqluri = ${db.uri}\n`, NOTES_APP);
    dir = made.dir;
    serve = startServe([made.ini]);
    const port = await listeningPort(serve);
    expect((await call(port, 'POST', '/alice/notes', { title: 'buy milk' })).status).toBe(200);
    const pids = new Set<string | undefined>();
    for (let i = 0; pids.size < 2 && i < 50; i++) {
      const { status, body, pid } = await call(port, 'GET', '/alice/notes');
      expect({ status, body }).toEqual({ status: 200, body: '["buy milk"]' });
      pids.add(pid);
    }
    expect([...pids].filter(Boolean)).toHaveLength(2);
    expect(serve.output()).not.toMatch(/cannot be opened|could not start|restarting/i);
    const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    expect(tables.map((t) => t.table_name)).toEqual(['note_tags', 'notes']);
  }, 120_000);
});
