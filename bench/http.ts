/**
 * Throughput of a SyncServerApp against bare Koa + @koa/router serving the same routes:
 * `GET /hello/:name` (JSON) and `GET /:username/info` behind HTTP Basic (in-memory users).
 * Then the same app with `auth.backend = sql` on a SQLite file, its users hashed with argon2id
 * and bcrypt, the login cache on (`auth.cache_ttl = 60`) and off (0), against that app's own
 * unauthenticated hello route. Each server runs in its own child process, autocannon in
 * another; prints the median over the rounds of req/s, p99 latency, the server's CPU time per
 * request (user + system, measured in the server process, so it holds up better than req/s on
 * a busy machine) and their ratios to the baseline.
 *
 *   npx ts-node --transpile-only bench/http.ts [--duration 5] [--connections 50] [--rounds 1]
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerCpu, child, cpuOf, firstLine } from './support/bench-process';
import { median, numberOption as option } from './support/bench-args';

const USERS = new Map([['alice', 'alice-password'], ['bob', 'bob-password']]);
/** The SQL users: one per password hash scheme. */
const SQL_USERS = [['argon2id', 'alice'], ['bcrypt', 'bob']] as const;
const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${USERS.get(user)}`).toString('base64')}` });

/** Bare Koa; the app on in-memory users (login throttling on, or off); the app on SQL with the login cache on or off. */
type Kind = 'bare' | 'app' | 'app-no-throttle' | 'sql-cache-on' | 'sql-cache-off';
const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };

async function bareServer(): Promise<Server> {
  const { default: Koa } = await import('koa');
  const { Router } = await import('@koa/router');
  const koa = new Koa();
  const router = new Router();
  router.get('/hello/:name', (ctx) => {
    ctx.body = { hello: ctx.params.name };
  });
  router.get('/:username/info', (ctx) => {
    const header = ctx.get('authorization');
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    if (colon < 0 || USERS.get(user) !== decoded.slice(colon + 1) || user !== ctx.params.username) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="Sync"');
      return;
    }
    ctx.body = { user };
  });
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  const server = koa.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function appServer(kind: Kind, sqluri: string): Promise<Server> {
  const { SyncServerApp, route, authenticated, DummyAuth } = await import('../src');
  const pino = (await import('pino')).default;

  class BenchApp extends SyncServerApp {
    @route('GET', '/hello/:name')
    hello(ctx: { params: Record<string, string> }) {
      return { hello: ctx.params.name };
    }

    @route('GET', '/:username/info')
    @authenticated
    info(ctx: { state: { user?: { name: string } } }) {
      return { user: ctx.state.user?.name };
    }
  }
  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  if (kind === 'app' || kind === 'app-no-throttle') {
    const auth = new DummyAuth({ allow_dummy: true });
    for (const [name, password] of USERS) await auth.createUser(name, password, `${name}@example.com`);
    const throttle: Record<string, string> = kind === 'app' ? {} : { 'auth.throttle_store': 'none' };
    return new BenchApp({ ...CEF, ...throttle }, { auth, logger }).listen(0, '127.0.0.1');
  }
  const sql = { 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.cache_ttl': kind === 'sql-cache-on' ? 60 : 0 };
  return new BenchApp({ ...CEF, ...sql }, { logger }).listen(0, '127.0.0.1');
}

/** A SQLite file with the SQL users, each hashed with its scheme. */
async function seedSqlUsers(dir: string): Promise<string> {
  const { createAuthBackend } = await import('../src');
  const sqluri = `sqlite:///${join(dir, 'users.db')}`;
  for (const [scheme, name] of SQL_USERS) {
    const writer = createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.password_scheme': scheme, 'auth.cache_ttl': 0 });
    await writer.createUser(name, USERS.get(name)!, `${name}@example.com`);
    await writer.close();
  }
  return sqluri;
}

async function load(url: string, duration: number, connections: number, headers: Record<string, string>): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, duration, connections, headers });
  process.stdout.write(`${JSON.stringify({ rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors })}\n`);
}

interface Result { rps: number; p99: number; non2xx: number; errors: number; cpuPerRequest: number }

interface Run { kind: Kind; path: string; headers: Record<string, string> }

async function measure(run: Run, sqluri: string, duration: number, connections: number): Promise<Result> {
  const server = child(__filename, ['server', run.kind, sqluri]);
  try {
    const { port } = JSON.parse(await firstLine(server)) as { port: number };
    const url = `http://127.0.0.1:${port}${run.path}`;
    await firstLine(child(__filename, ['load', url, '1', String(connections), JSON.stringify(run.headers)])); // warm-up
    const cpuBefore = await cpuOf(server);
    const result = JSON.parse(await firstLine(child(__filename, ['load', url, String(duration), String(connections), JSON.stringify(run.headers)]))) as Result;
    const cpu = (await cpuOf(server)) - cpuBefore;
    return { ...result, cpuPerRequest: cpu / (result.rps * duration) };
  } finally {
    server.kill();
  }
}

/** One table: each row's median figures, with req/s and CPU ratios to the first row. */
interface Row { label: string; run: Run }

async function table(title: string, rows: Row[], sqluri: string, duration: number, connections: number, rounds: number): Promise<void> {
  const results = rows.map((): Result[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, row] of rows.entries()) results[i].push(await measure(row.run, sqluri, duration, connections));
  }
  const med = (rs: Result[], key: 'rps' | 'p99' | 'cpuPerRequest') => median(rs.map((r) => r[key]));
  const [baseRps, baseCpu] = [med(results[0], 'rps'), med(results[0], 'cpuPerRequest')];
  console.log(`\n${title}`);
  for (const [i, row] of rows.entries()) {
    const rs = results[i];
    const bad = rs.reduce((s, r) => s + r.non2xx + r.errors, 0);
    console.log(`${row.label.padEnd(40)} ${med(rs, 'rps').toFixed(0).padStart(7)} req/s  p99 ${med(rs, 'p99').toFixed(1).padStart(6)} ms  ` +
      `ratio ${(med(rs, 'rps') / baseRps).toFixed(3)}  ` +
      (med(rs, 'rps') < 1 ? 'CPU       - (under 1 req/s)' :
        `CPU ${med(rs, 'cpuPerRequest').toFixed(1).padStart(7)} µs/req  ratio ${(baseCpu / med(rs, 'cpuPerRequest')).toFixed(3)}`) +
      `${bad > 0 ? `  (${bad} non-2xx/errors!)` : ''}`);
  }
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'server') {
    const server = await (rest[0] === 'bare' ? bareServer() : appServer(rest[0] as Kind, rest[1]));
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
    answerCpu();
    return;
  }
  if (mode === 'load') {
    await load(rest[0], Number(rest[1]), Number(rest[2]), JSON.parse(rest[3]) as Record<string, string>);
    return;
  }
  const duration = option('duration', 5);
  const connections = option('connections', 50);
  const rounds = option('rounds', 1);
  const hello = { path: '/hello/world', headers: {} };
  const info = (user: string) => ({ path: `/${user}/info`, headers: basic(user) });
  console.log(`autocannon: ${connections} connections, ${duration} s per run, ${rounds} round(s), medians; node ${process.version}`);
  await table('GET /hello/:name (ratios to bare Koa)', [
    { label: 'Koa + @koa/router', run: { kind: 'bare', ...hello } },
    { label: 'SyncServerApp', run: { kind: 'app', ...hello } },
  ], '', duration, connections, rounds);
  await table('Basic auth route, in-memory users (ratios to bare Koa)', [
    { label: 'Koa + @koa/router', run: { kind: 'bare', ...info('alice') } },
    { label: 'SyncServerApp', run: { kind: 'app', ...info('alice') } },
    // Every login without a cache hit reads the throttle's counters first (docs/auth-sql.md).
    { label: 'SyncServerApp, auth.throttle_store = none', run: { kind: 'app-no-throttle', ...info('alice') } },
  ], '', duration, connections, rounds);
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  try {
    const sqluri = await seedSqlUsers(dir);
    const sqlRows: Row[] = [{ label: 'GET /hello/:name (no auth)', run: { kind: 'sql-cache-on', ...hello } }];
    for (const kind of ['sql-cache-on', 'sql-cache-off'] as const) {
      for (const [scheme, user] of SQL_USERS) {
        sqlRows.push({ label: `@authenticated ${scheme}, cache ${kind === 'sql-cache-on' ? 'on (60 s)' : 'off'}`, run: { kind, ...info(user) } });
      }
    }
    await table('SyncServerApp on SQLAuth/SQLite (ratios to its unauthenticated route)', sqlRows, sqluri, duration, connections, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
