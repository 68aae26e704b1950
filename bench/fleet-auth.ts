/**
 * The authenticated route on a login-cache hit, with the fleet-safe cache (keyed on the stored
 * credential) and login throttling on, against bare Koa + @koa/router with a hand-written
 * plain-compare Basic route, in the same run: SQLite and PostgreSQL users (argon2id), the stamp
 * re-read at most every 0.5 s (`auth.cache_recheck`, the default) or on every request (0), and
 * the old per-process TTL mode for reference. Each server runs in its own child process; the
 * load generator is wrk (`/usr/bin/wrk`, 1 thread, 50 connections); rows are interleaved round
 * by round; medians of req/s and of the server's CPU time per request (user + system).
 * Then the cost of one freshness check (`SQLAuth.credentialStamp`) on PostgreSQL, in process.
 *
 *   npx ts-node --transpile-only bench/fleet-auth.ts [--duration 3] [--rounds 5] [--pg postgres://…]
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { answerCpu, child, cpuOf, firstLine } from './support/bench-process';
import { median, option } from './support/bench-args';

const USER = 'alice';
const PASSWORD = 'alice-password';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };

async function bareServer(): Promise<Server> {
  const { default: Koa } = await import('koa');
  const { Router } = await import('@koa/router');
  const koa = new Koa();
  const router = new Router();
  router.get('/:username/info', (ctx) => {
    const header = ctx.get('authorization');
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    if (colon < 0 || user !== USER || decoded.slice(colon + 1) !== PASSWORD || user !== ctx.params.username) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="Sync"');
      return;
    }
    ctx.body = { user };
  });
  koa.use(router.routes());
  const server = koa.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function appServer(config: Record<string, string | number>): Promise<Server> {
  const { SyncServerApp, route, authenticated } = await import('../src');
  const pino = (await import('pino')).default;
  class BenchApp extends SyncServerApp {
    @route('GET', '/:username/info')
    @authenticated
    info(ctx: { state: { user?: { name: string } } }) {
      return { user: ctx.state.user?.name };
    }
  }
  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  return new BenchApp({ ...CEF, ...config }, { logger }).listen(0, '127.0.0.1');
}

async function wrk(url: string, seconds: number): Promise<{ requests: number; rps: number; non2xx: number }> {
  const { stdout } = await promisify(execFile)('wrk', ['-t1', '-c50', `-d${seconds}s`, '-H', `Authorization: ${AUTH}`, url]);
  const requests = Number(/(?<!\d)(\d+) requests in/.exec(stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return { requests, rps, non2xx };
}

interface Row { label: string; config: Record<string, string | number> | 'bare' }
interface Result { rps: number; cpuPerRequest: number; non2xx: number }

async function measure(row: Row, seconds: number): Promise<Result> {
  const server = child(__filename, ['server', JSON.stringify(row.config)]);
  try {
    const { port } = JSON.parse(await firstLine(server)) as { port: number };
    const url = `http://127.0.0.1:${port}/${USER}/info`;
    await wrk(url, 1); // warm-up: JIT, the first login (argon2id), the connections
    const before = await cpuOf(server);
    const { requests, rps, non2xx } = await wrk(url, seconds);
    const cpu = (await cpuOf(server)) - before;
    return { rps, cpuPerRequest: cpu / requests, non2xx };
  } finally {
    server.kill();
  }
}

async function seed(sqluri: string): Promise<void> {
  const { createAuthBackend } = await import('../src');
  const writer = createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.cache_ttl': 0 });
  await writer.createUser(USER, PASSWORD, 'alice@example.com');
  await writer.close();
}

/** Sequential credentialStamp calls on PostgreSQL: wall and CPU microseconds per call. */
async function stampCost(sqluri: string, calls = 3000): Promise<{ wall: number; cpu: number }> {
  const { SQLAuth } = await import('../src');
  const auth = new SQLAuth({ 'sqluri': sqluri });
  await auth.open();
  for (let i = 0; i < 300; i++) await auth.credentialStamp(USER);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await auth.credentialStamp(USER);
  const wall = (performance.now() - t0) * 1000 / calls;
  const { user, system } = process.cpuUsage(cpu0);
  await auth.close();
  return { wall, cpu: (user + system) / calls };
}

/**
 * The cache-hit path without HTTP, in process: a remembered header recalled (stamp mode, the
 * stamp read at most every 0.5 s, against the old ttl mode) and the throttle's block check of a
 * remembered login; CPU microseconds per call.
 */
async function hitPathCost(calls = 200_000): Promise<Record<string, number>> {
  const { createAuthBackend, authCacheOf } = await import('../src');
  const { LoginThrottle, readThrottleSettings } = await import('../src/auth/throttle/login-throttle');
  const cpuPerCall = async (fn: () => unknown) => {
    for (let i = 0; i < 1000; i++) await fn();
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn();
    const { user, system } = process.cpuUsage(before);
    return (user + system) / calls;
  };
  const out: Record<string, number> = {};
  for (const mode of ['stamp', 'ttl']) {
    const auth = createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///:memory:', 'auth.cache_mode': mode, 'auth.password_scheme': 'ssha-256' }, { warn: () => undefined });
    await auth.createUser(USER, PASSWORD, 'alice@example.com');
    const cache = authCacheOf(auth)!;
    const generation = cache.generation;
    cache.remember(AUTH, { userId: (await auth.authenticateUser(USER, PASSWORD))!, sentName: USER, name: USER }, generation);
    out[`recall, ${mode} mode`] = await cpuPerCall(() => cache.recall(AUTH));
    await auth.close();
  }
  const throttle = new LoginThrottle(readThrottleSettings({}), () => undefined);
  out['throttle check of a remembered login'] = await cpuPerCall(() => throttle.check(USER, '127.0.0.1', false));
  return out;
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'server') {
    const config = JSON.parse(arg) as Row['config'];
    const server = await (config === 'bare' ? bareServer() : appServer(config));
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
    answerCpu();
    return;
  }
  const seconds = Number(option('duration', '3'));
  const rounds = Number(option('rounds', '5'));
  const pgServer = option('pg', process.env.SC_PG_URL ?? 'postgres://postgres@127.0.0.1:55432/test');
  const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const sqlite = `sqlite:///${join(dir, 'users.db')}`;
  const { openDataSource } = await import('../src/auth/sql/sql-connection');
  const dbName = `bench_fleet_${process.pid}`;
  const admin = await openDataSource(pgServer, { entities: [], createTables: false, poolSize: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const pgUrl = new URL(pgServer);
  pgUrl.pathname = `/${dbName}`;
  const pg = pgUrl.toString();
  try {
    await seed(sqlite);
    await seed(pg);
    const sql = (sqluri: string, extra: Record<string, string | number>) => ({ 'auth.backend': 'sql', 'auth.sqluri': sqluri, ...extra });
    const only = option('only', '');
    const allRows: Row[] = [
      { label: 'Koa + @koa/router, plain compare', config: 'bare' },
      { label: 'SQLite, stamp, recheck 0.5 s, throttle memory', config: sql(sqlite, {}) },
      { label: 'SQLite, stamp, recheck 0 (every request)', config: sql(sqlite, { 'auth.cache_recheck': 0 }) },
      { label: 'SQLite, ttl mode (old, per process)', config: sql(sqlite, { 'auth.cache_mode': 'ttl' }) },
      { label: 'PostgreSQL, stamp, recheck 0.5 s, throttle sql', config: sql(pg, { 'auth.throttle_store': 'sql', 'auth.throttle_table': 'bench_throttle' }) },
      { label: 'PostgreSQL, stamp, recheck 0 (every request)', config: sql(pg, { 'auth.cache_recheck': 0, 'auth.throttle_store': 'sql', 'auth.throttle_table': 'bench_throttle' }) },
      { label: 'SQLite, stamp, recheck 0.5 s, no throttle', config: sql(sqlite, { 'auth.throttle_store': 'none' }) },
      { label: 'PostgreSQL, stamp, recheck 0.5 s, no throttle', config: sql(pg, { 'auth.throttle_store': 'none' }) },
      { label: 'PostgreSQL, ttl mode, no throttle', config: sql(pg, { 'auth.cache_mode': 'ttl', 'auth.throttle_store': 'none' }) },
      { label: 'SQLite, ttl mode, no throttle (before this change)', config: sql(sqlite, { 'auth.cache_mode': 'ttl', 'auth.throttle_store': 'none' }) },
    ];
    // --only 0,1,4: a subset of the rows (the first is the baseline)
    const rows = only ? only.split(',').map((i) => allRows[Number(i)]) : allRows.slice(0, 6);
    console.log(`wrk -t1 -c50, ${seconds} s per run, ${rounds} interleaved rounds, medians; node ${process.version}`);
    const results = rows.map((): Result[] => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, row] of rows.entries()) results[i].push(await measure(row, seconds));
    }
    const baseRps = median(results[0].map((r) => r.rps));
    const baseCpu = median(results[0].map((r) => r.cpuPerRequest));
    for (const [i, row] of rows.entries()) {
      const rps = median(results[i].map((r) => r.rps));
      const cpu = median(results[i].map((r) => r.cpuPerRequest));
      const bad = results[i].reduce((s, r) => s + r.non2xx, 0);
      console.log(`${row.label.padEnd(50)} ${rps.toFixed(0).padStart(7)} req/s  ratio ${(rps / baseRps).toFixed(3)}  ` +
        `CPU ${cpu.toFixed(1).padStart(6)} µs/req  ratio ${(baseCpu / cpu).toFixed(3)}${bad ? `  (${bad} non-2xx!)` : ''}`);
    }
    const cost = await stampCost(pg);
    for (const [what, us] of Object.entries(await hitPathCost())) console.log(`in process: ${what}: ${us.toFixed(2)} µs CPU per call`);
    console.log(`\nfreshness check on PostgreSQL (SQLAuth.credentialStamp, sequential, in process): ${cost.wall.toFixed(0)} µs wall, ${cost.cpu.toFixed(0)} µs CPU per call`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
