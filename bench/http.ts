/**
 * Throughput of a SyncServerApp against bare Koa + @koa/router serving the same routes:
 * `GET /hello/:name` (JSON) and `GET /:username/info` behind HTTP Basic (in-memory users).
 * Each server runs in its own child process, autocannon in another; prints req/s, p99 latency
 * and the ratio to bare Koa, and the server's CPU time per request (user + system, measured in
 * the server process, so it holds up better than req/s on a busy machine) with its ratio.
 *
 *   npx ts-node --transpile-only bench/http.ts [--duration 5] [--connections 50] [--rounds 1]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createInterface } from 'node:readline';

const USERS = new Map([['alice', 'alice-password'], ['bob', 'bob-password']]);
const AUTH = `Basic ${Buffer.from('alice:alice-password').toString('base64')}`;

type Kind = 'bare' | 'app';

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

async function appServer(): Promise<Server> {
  const { SyncServerApp, route, authenticated } = await import('../src/app');
  const { DummyAuth } = await import('../src/auth/backends/dummy');
  const pino = (await import('pino')).default;
  const auth = new DummyAuth({ allow_dummy: true });
  for (const [name, password] of USERS) await auth.createUser(name, password, `${name}@example.com`);

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
  const config = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };
  const app = new BenchApp(config, { auth, logger: pino({ name: 'syncserver', level: 'warn' }, process.stderr) });
  return app.listen(0, '127.0.0.1');
}

async function load(url: string, duration: number, connections: number, headers: Record<string, string>): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, duration, connections, headers });
  process.stdout.write(`${JSON.stringify({ rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors })}\n`);
}

function child(args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout! });
  const [line] = await once(lines, 'line') as [string];
  lines.close();
  return line;
}

/** The server's CPU time so far, in microseconds (it answers a line on stdin). */
async function cpuOf(server: ChildProcess): Promise<number> {
  server.stdin!.write('cpu\n');
  const { user, system } = JSON.parse(await firstLine(server)) as NodeJS.CpuUsage;
  return user + system;
}

interface Result { rps: number; p99: number; non2xx: number; errors: number; cpuPerRequest: number }

async function measure(kind: Kind, path: string, headers: Record<string, string>, duration: number, connections: number): Promise<Result> {
  const server = child(['server', kind]);
  try {
    const { port } = JSON.parse(await firstLine(server)) as { port: number };
    const url = `http://127.0.0.1:${port}${path}`;
    await firstLine(child(['load', url, '1', String(connections), JSON.stringify(headers)])); // warm-up
    const cpuBefore = await cpuOf(server);
    const result = JSON.parse(await firstLine(child(['load', url, String(duration), String(connections), JSON.stringify(headers)]))) as Result;
    const cpu = (await cpuOf(server)) - cpuBefore;
    return { ...result, cpuPerRequest: cpu / (result.rps * duration) };
  } finally {
    server.kill();
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'server') {
    const server = await (rest[0] === 'bare' ? bareServer() : appServer());
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
    createInterface({ input: process.stdin }).on('line', () => process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`));
    return;
  }
  if (mode === 'load') {
    await load(rest[0], Number(rest[1]), Number(rest[2]), JSON.parse(rest[3]) as Record<string, string>);
    return;
  }
  const duration = option('duration', 5);
  const connections = option('connections', 50);
  const rounds = option('rounds', 1);
  const cases: Array<{ name: string; path: string; headers: Record<string, string> }> = [
    { name: 'GET /hello/:name', path: '/hello/world', headers: {} },
    { name: 'Basic auth route', path: '/alice/info', headers: { authorization: AUTH } },
  ];
  console.log(`autocannon: ${connections} connections, ${duration} s per run, ${rounds} round(s); node ${process.version}`);
  for (const c of cases) {
    const totals: Record<Kind, Result[]> = { bare: [], app: [] };
    for (let round = 0; round < rounds; round++) {
      for (const kind of ['bare', 'app'] as Kind[]) totals[kind].push(await measure(kind, c.path, c.headers, duration, connections));
    }
    const mean = (rs: Result[], key: 'rps' | 'p99' | 'cpuPerRequest') => rs.reduce((s, r) => s + r[key], 0) / rs.length;
    const bare = mean(totals.bare, 'rps');
    const bareCpu = mean(totals.bare, 'cpuPerRequest');
    for (const kind of ['bare', 'app'] as Kind[]) {
      const bad = totals[kind].reduce((s, r) => s + r.non2xx + r.errors, 0);
      console.log(`${c.name.padEnd(18)} ${(kind === 'bare' ? 'Koa + @koa/router' : 'SyncServerApp').padEnd(18)} ` +
        `${mean(totals[kind], 'rps').toFixed(0).padStart(7)} req/s  p99 ${mean(totals[kind], 'p99').toFixed(1).padStart(5)} ms  ` +
        `ratio ${(mean(totals[kind], 'rps') / bare).toFixed(3)}  ` +
        `CPU ${mean(totals[kind], 'cpuPerRequest').toFixed(1).padStart(5)} µs/req  ratio ${(bareCpu / mean(totals[kind], 'cpuPerRequest')).toFixed(3)}` +
        `${bad > 0 ? `  (${bad} non-2xx/errors!)` : ''}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
