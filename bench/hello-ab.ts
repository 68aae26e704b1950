/**
 * The hello route's CPU per request in two checkouts of services-core (say, main and a branch),
 * and bare Koa + @koa/router, all in ONE process: small batches alternate between them, so each
 * sees the same load on a busy shared machine, where separate processes (bench/http.ts) swing
 * by ±50% from run to run. The load generator is a raw socket pipelining `depth` keep-alive
 * requests; the figures include its (small, equal) share. Prints medians and the ratios.
 *
 *   git worktree add /tmp/base main   # or: git archive main src | tar -x -C /tmp/base, node_modules linked
 *   npx ts-node --transpile-only bench/hello-ab.ts /tmp/base . [--rounds 40] [--requests 2000]
 */
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Router } from '@koa/router';
import Koa from 'koa';
import pino from 'pino';
import { median, numberOption as option } from './support/bench-args';

const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };

async function bareServer(): Promise<Server> {
  const koa = new Koa();
  const router = new Router();
  router.get('/hello/:name', (ctx) => {
    ctx.body = { hello: ctx.params.name };
  });
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  const server = koa.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function appFrom(root: string): Promise<Server> {
  // Each checkout's own SyncServerApp and decorators (the types are this checkout's).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require(resolve(root, 'src')) as typeof import('../src');
  class BenchApp extends m.SyncServerApp {
    @m.route('GET', '/hello/:name')
    hello(ctx: { params: Record<string, string> }) {
      return { hello: ctx.params.name };
    }
  }
  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  const auth = new m.DummyAuth({ allow_dummy: true });
  return new BenchApp(CEF, { auth, logger }).listen(0, '127.0.0.1');
}

const REQ = 'GET /hello/world HTTP/1.1\r\nHost: localhost\r\n\r\n';

/** n requests, `depth` pipelined at a time on one keep-alive connection; resolves with the CPU µs used. */
function batch(port: number, n: number, depth = 32): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let got = 0;
    let tail = '';
    let start: NodeJS.CpuUsage;
    const send = () => {
      const k = Math.min(depth, n - sent);
      sent += k;
      socket.write(REQ.repeat(k));
    };
    socket.on('connect', () => {
      start = process.cpuUsage();
      send();
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const text = tail + chunk;
      let at = text.indexOf('HTTP/1.1 200');
      while (at !== -1) {
        got++;
        at = text.indexOf('HTTP/1.1 200', at + 12);
      }
      tail = text.slice(-11);
      if (got === n) {
        const used = process.cpuUsage(start);
        socket.destroy();
        resolve((used.user + used.system) / n);
      } else if (got === sent) send();
    });
    socket.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [rootA, rootB] = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (!rootA || !rootB) throw new Error('usage: bench/hello-ab.ts <checkout A> <checkout B> [--rounds 40] [--requests 2000]');
  const rounds = option('rounds', 40);
  const n = option('requests', 2000);
  const servers = { bare: await bareServer(), A: await appFrom(rootA), B: await appFrom(rootB) };
  const kinds = ['bare', 'A', 'B'] as const;
  const port = (s: Server) => (s.address() as { port: number }).port;
  for (const s of Object.values(servers)) await batch(port(s), n * 2); // warm-up
  const res = { bare: [] as number[], A: [] as number[], B: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [...kinds].reverse() : kinds;
    for (const k of order) res[k].push(await batch(port(servers[k]), n));
  }
  console.log(`${rounds} alternating rounds of ${n} pipelined requests, one process (server + raw client CPU), node ${process.version}`);
  for (const k of kinds) {
    console.log(`${(k === 'bare' ? 'Koa + @koa/router' : `${k}: ${k === 'A' ? rootA : rootB}`).padEnd(40)} ${median(res[k]).toFixed(2).padStart(7)} µs/req  ratio to bare ${(median(res[k]) / median(res.bare)).toFixed(3)}`);
  }
  console.log(`B/A: ${(median(res.B) / median(res.A)).toFixed(3)} (median of per-round ratios ${median(res.B.map((x, i) => x / res.A[i])).toFixed(3)})`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
