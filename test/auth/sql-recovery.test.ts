import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBackendError } from '../../src/app/responses/errors';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { describeWithBinaries } from '../services/describe-service';
import { freePort } from '../support/free-port';

// A PostgreSQL instance of this file's own, so stopping it disturbs no other suite.
const PG_BIN = (() => {
  try {
    const version = readdirSync('/usr/lib/postgresql').sort().pop();
    return `/usr/lib/postgresql/${version}/bin`;
  } catch {
    return '';
  }
})();


function asPostgres(binary: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, binary), ...args], { stdio: 'pipe', timeout: 60_000 });
}

describeWithBinaries('pg', 'SQLAuth survives its database going away', () => {
  let dir: string;
  let port: number;
  let uri: string;
  const start = () => asPostgres('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/server.log`, '-w', '-t', '30', 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`]);
  const stop = () => asPostgres('pg_ctl', ['-D', `${dir}/data`, '-m', 'fast', '-w', 'stop']);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sc-pg-recovery-'));
    chmodSync(dir, 0o755);
    const pw = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(pw), Number(gid));
    port = await freePort();
    uri = `postgresql://postgres:not-so-secret@127.0.0.1:${port}/postgres`;
    asPostgres('initdb', ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    start();
  }, 60_000);

  afterAll(() => {
    try { stop(); } catch { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true });
  });

  test('requests fail with BackendError while it is down and work again when it is back', async () => {
    const auth = new SQLAuth({ sqluri: uri, pool_size: 2, password_scheme: 'ssha-256' });
    await auth.open();
    expect(await auth.createUser('tarek', 'tarek', 'a@x')).toBe(true);
    const id = await auth.authenticateUser('tarek', 'tarek');
    expect(id).not.toBeNull();

    stop();
    const down = await auth.authenticateUser('tarek', 'tarek').catch((e: unknown) => e);
    expect(isBackendError(down)).toBe(true);
    expect((down as Error).message).toContain(`postgresql://postgres:***@127.0.0.1:${port}/postgres`);
    expect((down as Error).message).not.toContain('not-so-secret');
    await expect(auth.checkHealth()).rejects.toThrow(/SQLAuth.checkHealth failed/);

    start();
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    await auth.checkHealth();
    await auth.close();
  }, 60_000);

  test('down at start: open() is a clear BackendError, and the backend connects once it is up', async () => {
    stop();
    const auth = new SQLAuth({ sqluri: uri, password_scheme: 'ssha-256' });
    const err = await auth.open().catch((e: unknown) => e);
    expect(isBackendError(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^cannot open SQL database postgresql://postgres:\\*\\*\\*@127.0.0.1:${port}/postgres: `));
    expect((err as Error).message).not.toContain('not-so-secret');

    start();
    expect(await auth.authenticateUser('tarek', 'tarek')).not.toBeNull();
    await auth.close();
  }, 60_000);
});
