/**
 * Writes under `services-core serve --workers 2` (issue 26, item 1): the link shortener's
 * redirect (read the link, update its counter, insert a click, in one `this.data.transaction`;
 * test/data/fixtures/links-app.ts) on one SQLite file, and the same route on PostgreSQL, with
 * wrk (`-t2 -c20`) as the load generator. The two servers run side by side and the rounds
 * alternate between them (the order flips each round), so a busy moment of the shared machine
 * falls on both. Per round: req/s, answers other than 2xx/3xx, and the CPU time of the serve
 * process tree (primary and workers, from /proc) per request. Prints the medians and the
 * SQLite / PostgreSQL ratios; at the end, checks that every redirect was counted.
 *
 *   npx ts-node --transpile-only bench/sqlite-writes.ts [--rounds 5] [--duration 5] [--connections 20] [--pg postgresql://…]
 *
 * Without `--pg` it starts a PostgreSQL of its own (test/services/own-postgres.ts; fsync off,
 * as SQLite's `synchronous = NORMAL` in WAL mode does not sync each commit either).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/support/free-port';
import { type OwnPostgres, ownPostgres } from '../test/services/own-postgres';
import { median, numberOption, option } from './support/bench-args';

const ROOT = resolve(__dirname, '..');
const APP = `${ROOT}/test/data/fixtures/links-app.ts#LinksApp`;
const TICK_US = 10_000; // /proc times are in clock ticks of 1/100 s (CLK_TCK on Linux)

interface Server { label: string; child: ChildProcess; port: number }
interface Round { rps: number; requests: number; bad: number; timeouts: number; cpuUs: number }

function deployment(dir: string, name: string, sqluri: string): string {
  const ini = join(dir, `${name}.ini`);
  writeFileSync(ini, [
    '[server:main]', 'host = 127.0.0.1', '',
    '[app:main]', `use = ${APP}`, 'global.log_level = error', 'global.graceful_shutdown_interval = 0',
    'auth.backend = dummy', 'auth.allow_dummy = true', `data.sqluri = ${sqluri}`, '',
  ].join('\n'));
  return ini;
}

async function startServe(label: string, ini: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), 'serve', ini,
    '--workers', '2', '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; ; tries++) {
    const res = await fetch(`http://127.0.0.1:${port}/links/abc`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"url":"https://example.com/"}' }).catch(() => undefined);
    if (res?.status === 200) return { label, child, port };
    if (tries > 6000 || child.exitCode !== null) throw new Error(`${label}: serve did not come up`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** utime + stime of a process and its children (the workers), in microseconds. */
function treeCpuUs(pid: number): number {
  const stat = (p: number) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime: fields 14 and 15 of the line
  };
  let total = stat(pid);
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      total += stat(Number(child));
    }
  }
  return total;
}

async function wrk(server: Server, duration: number, connections: number): Promise<Round> {
  const before = treeCpuUs(server.child.pid!);
  const { stdout } = await promisify(execFile)('wrk', ['-t2', `-c${connections}`, `-d${duration}s`, `http://127.0.0.1:${server.port}/r/abc`]);
  const cpu = treeCpuUs(server.child.pid!) - before;
  const requests = Number(stdout.split('\n').find((line) => line.includes(' requests in '))?.trim().split(' ')[0]);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0); // wrk counts statuses >= 400 there
  const timeouts = Number(/timeout (\d+)/.exec(stdout)?.[1] ?? 0); // no answer within wrk's 2 s
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]), requests, bad, timeouts, cpuUs: cpu / requests };
}

async function counted(server: Server): Promise<{ clicks: number; recorded: number }> {
  return (await fetch(`http://127.0.0.1:${server.port}/links/abc`)).json() as Promise<{ clicks: number; recorded: number }>;
}

async function main(): Promise<void> {
  const rounds = numberOption('rounds', 5);
  const duration = numberOption('duration', 5);
  const connections = numberOption('connections', 20);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-writes-'));
  let pg: OwnPostgres | undefined;
  const servers: Server[] = [];
  try {
    const given = option('pg', '');
    if (!given) pg = await ownPostgres('bench-sqlite-writes-pg-');
    const pgUri = given || pg!.uri;
    servers.push(await startServe('SQLite', deployment(dir, 'sqlite', `sqlite:///${dir}/links.db`)));
    servers.push(await startServe('PostgreSQL', deployment(dir, 'pg', pgUri)));
    for (const server of servers) await wrk(server, duration, connections); // warm-up: JIT, pools, WAL
    const results = new Map<string, Round[]>(servers.map((s) => [s.label, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const r = await wrk(server, duration, connections);
        results.get(server.label)!.push(r);
        console.log(`round ${round + 1} ${server.label.padEnd(10)} ${r.rps.toFixed(0).padStart(6)} req/s  non-2xx/3xx ${r.bad}  timeouts ${r.timeouts}  CPU ${r.cpuUs.toFixed(0)} µs/req`);
      }
    }
    const summary = (label: string) => {
      const rs = results.get(label)!;
      return { rps: median(rs.map((r) => r.rps)), cpu: median(rs.map((r) => r.cpuUs)), bad: rs.reduce((n, r) => n + r.bad, 0), timeouts: rs.reduce((n, r) => n + r.timeouts, 0) };
    };
    const lite = summary('SQLite');
    const post = summary('PostgreSQL');
    console.log(`\nwrk -t2 -c${connections}, ${rounds} rounds of ${duration} s, serve --workers 2, medians:`);
    console.log(`SQLite      ${lite.rps.toFixed(0)} req/s, ${lite.cpu.toFixed(0)} µs CPU/req, ${lite.bad} non-2xx/3xx and ${lite.timeouts} wrk timeouts in all`);
    console.log(`PostgreSQL  ${post.rps.toFixed(0)} req/s, ${post.cpu.toFixed(0)} µs CPU/req, ${post.bad} non-2xx/3xx and ${post.timeouts} wrk timeouts in all`);
    console.log(`SQLite / PostgreSQL: ${(lite.rps / post.rps).toFixed(2)}× req/s, ${(lite.cpu / post.cpu).toFixed(2)}× CPU per request`);
    for (const server of servers) {
      const { clicks, recorded } = await counted(server);
      console.log(`${server.label}: ${clicks} clicks counted, ${recorded} recorded${clicks === recorded ? '' : '  (MISMATCH)'}`);
    }
  } finally {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      if (server.child.exitCode === null) await once(server.child, 'exit');
    }
    pg?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
