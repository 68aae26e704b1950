/**
 * The cost of `metrics.enabled`: `GET /hello/:name` on bare Koa + @koa/router, on a
 * SyncServerApp with metrics off and on (the same app class), interleaved round by round. Each
 * server runs in its own child process, autocannon in another; prints the medians of req/s, p99
 * and the server's CPU time per request (user + system, measured in the server process), with
 * ratios to the metrics-off app and to bare Koa.
 *
 *   npx ts-node --transpile-only bench/metrics.ts [--duration 5] [--connections 50] [--rounds 5]
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { answerCpu, child, cpuOf, firstLine } from './support/bench-process';
import { median, numberOption as option } from './support/bench-args';

type Kind = 'bare' | 'metrics-off' | 'metrics-on';

async function server(kind: Kind): Promise<Server> {
  if (kind === 'bare') {
    const { default: Koa } = await import('koa');
    const { Router } = await import('@koa/router');
    const koa = new Koa();
    const router = new Router();
    router.get('/hello/:name', (ctx) => {
      ctx.body = { hello: ctx.params.name };
    });
    koa.use(router.routes());
    const listener = koa.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    return listener;
  }
  const { SyncServerApp, route, DummyAuth } = await import('../src');
  const pino = (await import('pino')).default;
  class BenchApp extends SyncServerApp {
    @route('GET', '/hello/:name')
    hello(ctx: { params: Record<string, string> }) {
      return { hello: ctx.params.name };
    }
  }
  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  const config = { 'metrics.enabled': kind === 'metrics-on' };
  return new BenchApp(config, { auth: new DummyAuth({ allow_dummy: true }), logger }).listen(0, '127.0.0.1');
}

async function load(url: string, duration: number, connections: number): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, duration, connections });
  process.stdout.write(`${JSON.stringify({ rps: result.requests.average, p99: result.latency.p99, bad: result.non2xx + result.errors })}\n`);
}

interface Result { rps: number; p99: number; bad: number; cpuPerRequest: number }

async function measure(kind: Kind, duration: number, connections: number): Promise<Result> {
  const proc = child(__filename, ['server', kind]);
  try {
    const { port } = JSON.parse(await firstLine(proc)) as { port: number };
    const url = `http://127.0.0.1:${port}/hello/world`;
    await firstLine(child(__filename, ['load', url, '1', String(connections)])); // warm-up
    const before = await cpuOf(proc);
    const result = JSON.parse(await firstLine(child(__filename, ['load', url, String(duration), String(connections)]))) as Omit<Result, 'cpuPerRequest'>;
    const cpu = (await cpuOf(proc)) - before;
    return { ...result, cpuPerRequest: cpu / (result.rps * duration) };
  } finally {
    proc.kill();
  }
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'server') {
    const listener = await server(rest[0] as Kind);
    process.stdout.write(`${JSON.stringify({ port: (listener.address() as { port: number }).port })}\n`);
    answerCpu();
    return;
  }
  if (mode === 'load') return load(rest[0], Number(rest[1]), Number(rest[2]));
  const duration = option('duration', 5);
  const connections = option('connections', 50);
  const rounds = option('rounds', 5);
  const kinds: Kind[] = ['bare', 'metrics-off', 'metrics-on'];
  const results = new Map<Kind, Result[]>(kinds.map((k) => [k, []]));
  console.log(`autocannon: ${connections} connections, ${duration} s per run, ${rounds} interleaved rounds, medians; node ${process.version}`);
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) results.get(kind)!.push(await measure(kind, duration, connections));
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const med = (kind: Kind, key: keyof Result) => median(results.get(kind)!.map((r) => r[key]));
  console.log('\nGET /hello/:name');
  for (const kind of kinds) {
    const bad = results.get(kind)!.reduce((s, r) => s + r.bad, 0);
    console.log(`${kind.padEnd(12)} ${med(kind, 'rps').toFixed(0).padStart(7)} req/s  p99 ${med(kind, 'p99').toFixed(1).padStart(5)} ms  ` +
      `CPU ${med(kind, 'cpuPerRequest').toFixed(1).padStart(6)} µs/req  ` +
      `req/s vs off ${(med(kind, 'rps') / med('metrics-off', 'rps')).toFixed(3)}  vs bare ${(med(kind, 'rps') / med('bare', 'rps')).toFixed(3)}  ` +
      `CPU off/this ${(med('metrics-off', 'cpuPerRequest') / med(kind, 'cpuPerRequest')).toFixed(3)}${bad > 0 ? `  (${bad} non-2xx/errors!)` : ''}`);
  }
  // Per-round ratios, to show the spread on a noisy machine.
  const on = results.get('metrics-on')!;
  const off = results.get('metrics-off')!;
  console.log(`per-round req/s on/off: ${on.map((r, i) => (r.rps / off[i].rps).toFixed(3)).join(' ')}`);
  console.log(`per-round CPU off/on:   ${on.map((r, i) => (off[i].cpuPerRequest / r.cpuPerRequest).toFixed(3)).join(' ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
