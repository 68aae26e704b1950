/**
 * The hello route's CPU per request in two checkouts of services-core (say, main and a branch),
 * and bare Koa + @koa/router, all in ONE process: small batches alternate between them, so each
 * sees the same load on a busy shared machine, where separate processes (bench/http.ts) swing
 * by ±50% from run to run. The load generator is a raw socket pipelining `depth` keep-alive
 * requests; the figures include its (small, equal) share. Prints medians and the ratios.
 *
 * `--routes N[,N…]` puts N - 1 other routes (Sync-like shapes, each with params) in every table before
 * the hello route, so a router that tries routes in turn pays for all of them; `--path /x/y`
 * requests another path (`--status 404` then counts the 404s: the cost of a miss).
 * `--basic` requests `GET /alice/info` with HTTP Basic instead, every request a login-cache hit:
 * the apps on `auth.backend = sql` (SQLite, argon2id, `auth.cache_ttl = 60`, throttling and CEF
 * on), the bare server the hand-built stack (bench/support/hand-built-stack.ts: TypeORM, argon2id,
 * a Map keyed by the Authorization header).
 *
 *   git worktree add /tmp/base main   # or: git archive main src | tar -x -C /tmp/base, node_modules linked
 *   npx ts-node --transpile-only bench/hello-ab.ts /tmp/base . [--rounds 40] [--requests 2000] [--routes 2,30,200] [--path /nowhere/x --status 404]
 */
import type { Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { median, numberOption as option, option as textOption } from './support/bench-args';
import { BASIC, handBuiltStack, koaStack, seedUsers } from './support/hand-built-stack';
import { pipelinedBatch } from './support/pipelined-batch';

const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };

/** The routes before hello: `count` Sync-like paths, none of which matches a hello request. */
function fillerPaths(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `/${['storage', 'info', 'user'][i % 3]}${i}/:username/items/:id`);
}

async function bareServer(fillers: string[], sqluri?: string): Promise<Server> {
  const koa = sqluri ? await handBuiltStack(sqluri.slice('sqlite:///'.length), fillers) : koaStack(fillers);
  const server = koa.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function appFrom(root: string, fillers: string[], sqluri?: string): Promise<Server> {
  // Each checkout's own SyncServerApp and decorators (the types are this checkout's).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require(resolve(root, 'src')) as typeof import('../src');
  class FillerApp extends m.SyncServerApp {}
  fillers.forEach((path, i) => {
    const name = `filler${i}`;
    Object.defineProperty(FillerApp.prototype, name, { value: (ctx: { params: unknown }) => ctx.params, writable: true, configurable: true });
    m.route('GET', path)(FillerApp.prototype, name, Object.getOwnPropertyDescriptor(FillerApp.prototype, name));
  });
  // Declared last (a subclass's routes come after its base's): the worst place for a router that tries routes in turn.
  class BenchApp extends FillerApp {
    @m.route('GET', '/hello/:name')
    hello(ctx: { params: Record<string, string> }) {
      return { hello: ctx.params.name };
    }
  }
  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  if (sqluri) {
    class BasicApp extends BenchApp {}
    const info = (ctx: { state: { user?: { name: string } } }) => ({ user: ctx.state.user?.name });
    Object.defineProperty(BasicApp.prototype, 'info', { value: info, writable: true, configurable: true });
    const descriptor = () => Object.getOwnPropertyDescriptor(BasicApp.prototype, 'info');
    m.authenticated(BasicApp.prototype, 'info', descriptor());
    m.route('GET', '/:username/info')(BasicApp.prototype, 'info', descriptor());
    return new BasicApp({ ...CEF, 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.cache_ttl': 60 }, { logger }).listen(0, '127.0.0.1');
  }
  const auth = new m.DummyAuth({ allow_dummy: true });
  return new BenchApp(CEF, { auth, logger }).listen(0, '127.0.0.1');
}

const request = (path: string, authorization?: string) =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;

interface Target { path?: string; status?: number; authorization?: string }

/** n requests to `path` pipelined, each answered `status`; the CPU µs per request. */
const batch = (port: number, n: number, { path = '/hello/world', status = 200, authorization }: Target = {}) =>
  pipelinedBatch(port, new Array<string>(n).fill(request(path, authorization)), { status });

async function main(): Promise<void> {
  const [rootA, rootB] = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (!rootA || !rootB) throw new Error('usage: bench/hello-ab.ts <checkout A> <checkout B> [--rounds 40] [--requests 2000]');
  const rounds = option('rounds', 40);
  const n = option('requests', 2000);
  // Each table size gets its three servers; every round visits all of them, in alternating order.
  const sizes = textOption('routes', '1').split(',').map(Number);
  const basic = process.argv.includes('--basic');
  const dir = mkdtempSync(join(tmpdir(), 'bench-hello-ab-'));
  const sqluri = basic ? `sqlite:///${await seedUsers(dir)}` : undefined;
  const target: Target = basic ? { path: '/alice/info', status: 200, authorization: BASIC } : { path: textOption('path', '/hello/world'), status: option('status', 200) };
  const kinds = ['bare', 'A', 'B'] as const;
  const runs: Array<{ size: number; kind: typeof kinds[number]; server: Server; cpu: number[] }> = [];
  for (const size of sizes) {
    const fillers = fillerPaths(size - 1);
    const servers = { bare: await bareServer(fillers, sqluri), A: await appFrom(rootA, fillers, sqluri), B: await appFrom(rootB, fillers, sqluri) };
    for (const kind of kinds) runs.push({ size, kind, server: servers[kind], cpu: [] });
  }
  const port = (s: Server) => (s.address() as { port: number }).port;
  for (const run of runs) await batch(port(run.server), n * 2, target); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const run of i % 2 ? [...runs].reverse() : runs) run.cpu.push(await batch(port(run.server), n, target));
  }
  console.log(`${rounds} alternating rounds of ${n} pipelined GET ${target.path}${basic ? ' (Basic, login-cache hits)' : ''} (${target.status}), one process (server + raw client CPU), node ${process.version}`);
  for (const size of sizes) {
    const [bare, A, B] = kinds.map((kind) => runs.find((r) => r.size === size && r.kind === kind)!.cpu);
    console.log(`${size} route(s):`);
    for (const [label, cpu] of [[basic ? 'hand-built Koa + @koa/router + Map' : 'Koa + @koa/router', bare], [`A: ${rootA}`, A], [`B: ${rootB}`, B]] as const) {
      console.log(`  ${label.padEnd(38)} ${median(cpu).toFixed(2).padStart(7)} µs/req  ratio to bare ${(median(cpu) / median(bare)).toFixed(3)}`);
    }
    console.log(`  B/A: ${(median(B) / median(A)).toFixed(3)} (median of per-round ratios ${median(B.map((x, i) => x / A[i])).toFixed(3)})`);
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
