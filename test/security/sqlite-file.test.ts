import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { ROOT, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';

/** One request on a new connection, so the cluster's round-robin spreads them over the workers. */
function send(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: json ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(json);
  });
}

/** The answers of `count` requests, each on its own connection. */
async function each(count: number, fn: () => Promise<{ status: number; text: string }>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const { status, text } = await fn();
    out.push(`${status} ${text}`);
  }
  return out;
}

describe('a deleted or replaced SQLite file, under serve with 2 workers', () => {
  let serve: ServeProcess | undefined;
  afterEach(() => stopServe(serve));

  test('503 while the file is missing; after a restore or a replacement every worker serves the file at the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-sqlite-'));
    const db = join(dir, 'accounts.db');
    const ini = join(dir, 'deployment.ini');
    writeFileSync(ini, [
      '[server:main]', 'host = 127.0.0.1', 'port = 0', 'workers = 2', '',
      '[app:main]', `use = ${join(ROOT, 'samples/accounts/accounts-app.ts')}#AccountsApp`,
      `configuration = file:${join(ROOT, 'samples/accounts/accounts.conf')}`,
      'auth.sqluri = sqlite:///%(here)s/accounts.db', 'auth.cache_ttl = 0', 'cef.file = %(here)s/cef.log',
      'global.graceful_shutdown_interval = 0', '',
    ].join('\n'));
    serve = startServe([ini], { logFile: join(dir, 'app.log') });
    const port = await listeningPort(serve);
    const register = (name: string) => send(port, 'PUT', `/user/1.0/${name}`, { password: 'a-good-password', email: `${name}@example.com` });

    expect(await register('before')).toMatchObject({ status: 200 });
    expect(await each(4, () => send(port, 'GET', '/__heartbeat__'))).toEqual(Array(4).fill('200 '));
    copyFileSync(db, join(dir, 'backup.db'));

    // Deleted: every worker says 503 on the heartbeat and on writes, instead of reading the deleted inode.
    rmSync(db);
    expect((await each(4, () => send(port, 'GET', '/__heartbeat__'))).map((a) => a.slice(0, 3))).toEqual(Array(4).fill('503'));
    expect((await each(2, () => register('while-missing'))).map((a) => a.slice(0, 3))).toEqual(['503', '503']);
    expect((await each(4, () => send(port, 'GET', '/user/1.0/before'))).map((a) => a.slice(0, 3))).toEqual(Array(4).fill('503'));

    // Restored (a new inode): every worker serves it, reads and writes.
    copyFileSync(join(dir, 'backup.db'), db);
    expect(await each(4, () => send(port, 'GET', '/__heartbeat__'))).toEqual(Array(4).fill('200 '));
    expect(await register('after-restore')).toMatchObject({ status: 200 });
    expect(await each(6, () => send(port, 'GET', '/user/1.0/after-restore'))).toEqual(Array(6).fill('200 1'));

    // Replaced by another database (renamed over the path): every worker switches to it.
    const other = new SQLAuth({ sqluri: `sqlite:///${join(dir, 'other.db')}` });
    await other.createUser('only-in-other', 'a-good-password', 'o@example.com');
    await other.close();
    // In WAL mode the old file's -wal and -shm go with it (SQLite would replay that -wal onto
    // the new file: docs/auth-sql.md); the other database was checkpointed by its close().
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    renameSync(join(dir, 'other.db'), db);
    expect(await each(6, () => send(port, 'GET', '/user/1.0/only-in-other'))).toEqual(Array(6).fill('200 1'));
    expect(await each(6, () => send(port, 'GET', '/user/1.0/after-restore'))).toEqual(Array(6).fill('200 0'));
    expect(await register('after-replace')).toMatchObject({ status: 200 });
    expect(await each(6, () => send(port, 'GET', '/user/1.0/after-replace'))).toEqual(Array(6).fill('200 1'));

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toMatchObject({ code: 0 });
  }, 120_000);
});
