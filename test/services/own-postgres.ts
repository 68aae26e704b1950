import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port';

// A PostgreSQL instance of one test file's own, so stopping it (an outage) disturbs no other suite.
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

export interface OwnPostgres {
  /** `postgresql://postgres:not-so-secret@127.0.0.1:<port>/postgres` (trust auth: the password is only there to be masked). */
  uri: string;
  port: number;
  start(): void;
  stop(): void;
  /** Stops it (if running) and removes its folder. */
  remove(): void;
}

/** initdb in a fresh folder on a free port, then start (use from describeWithBinaries('pg', …) in beforeAll). */
export async function ownPostgres(prefix = 'sc-pg-own-'): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const uid = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
  chownSync(dir, Number(uid), Number(gid));
  // Stopped by pg-down.sh if the run is killed before remove() (die-with-run.sh).
  execFileSync('bash', ['-c', '. "$0"; die_with_run pg PG_DIR "$1"', path.join(__dirname, 'stop-pid.sh'), dir], { stdio: 'ignore' });
  const port = await freePort();
  const start = () => asPostgres('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/server.log`, '-w', '-t', '30', 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`]);
  const stop = () => asPostgres('pg_ctl', ['-D', `${dir}/data`, '-m', 'fast', '-w', 'stop']);
  asPostgres('initdb', ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  start();
  return {
    uri: `postgresql://postgres:not-so-secret@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    remove: () => {
      try { stop(); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
