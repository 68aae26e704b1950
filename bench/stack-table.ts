/**
 * Issue 30's whole table in one run: services-core (this checkout, and each `--baseline`
 * checkout) against bare Koa + @koa/router and the hand-built stack
 * (bench/support/hand-built-stack.ts: Koa + @koa/router + TypeORM on better-sqlite3 + argon2id,
 * a Map keyed by the Authorization header), on
 *   - `GET /hello/:name`: server CPU µs per request and req/s, ratios to bare Koa;
 *   - the cached Basic hit (`GET /alice/info`; services-core on `auth.backend = sql`, SQLite,
 *     argon2id, `auth.cache_ttl = 60`, throttling and CEF on): the same, ratios to hand-built;
 *   - start-up: spawn → first 200 of the hello route, wall ms and the process's CPU ms;
 *   - RSS after the load.
 * Every server is compiled to JavaScript (tsc, as bench/startup.ts) and spawned as its own
 * process with `node`, pinned to one core (`--server-cpu`, default 0) while wrk (-t1) runs on
 * another (`--load-cpu`, default 1). Each round spawns every server in turn (alternate rounds in
 * reverse order), waits for its first 200, loads hello then Basic for `--warmup` seconds each
 * (a fresh process costs 5 to 6 times its steady CPU per request in its first second of load,
 * about 1.2 times in its third, while V8 compiles), then for `--duration` seconds each (the
 * server's CPU from /proc over the requests wrk counted), reads its RSS and kills it. Prints a markdown table of the medians of the per-round figures
 * and of the per-round ratios; each round's figures go to stderr as they come.
 *
 *   npx ts-node --transpile-only bench/stack-table.ts [--rounds 5] [--duration 8] [--connections 50] [--warmup 3]
 *     [--baseline <another checkout>]... [--server-cpu 0] [--load-cpu 1]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { freePort } from '../test/support/free-port';
import { median, numberOption, options } from './support/bench-args';
import { compileTree } from './support/compile-tree';
import { BASIC, BASIC_USER, seedUsers } from './support/hand-built-stack';
import { cpuMs, firstOk, rssMb } from './support/process-stats';
import { pinned, runWrk } from './support/wrk';

const ROOT = resolve(__dirname, '..');

/** The services-core server of the table: hello, and an @authenticated route on SQL (argon2id users), every default on. */
const APP_SCRIPT = `
  const { SyncServerApp, route, authenticated } = require('./src');
  class StackApp extends SyncServerApp {
    hello(ctx) { return { hello: ctx.params.name }; }
    info(ctx) { return { user: ctx.state.user.name }; }
  }
  const proto = StackApp.prototype;
  const method = (name) => Object.getOwnPropertyDescriptor(proto, name);
  route('GET', '/hello/:name')(proto, 'hello', method('hello'));
  authenticated(proto, 'info', method('info'));
  route('GET', '/:username/info')(proto, 'info', method('info'));
  const [port, database] = process.argv.slice(2);
  new StackApp({
    'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///' + database, 'auth.cache_ttl': 60, 'global.log_level': 'warn',
    'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null',
  }).listen(Number(port));`;

type Kind = 'framework' | 'koa' | 'hand-built';
/** A column: how to start its server (`node <script> ...args <port> <users.db>`). */
interface Column { label: string; kind: Kind; script: string; args: string[] }
/** One server's figures in one round. */
interface Round { startMs: number; startCpuMs: number; helloUs: number; helloRps: number; basicUs: number; basicRps: number; rssMb: number }

/** A checkout's label: its folder's name (name baseline checkouts after their commit). */
function describe(root: string): string {
  return basename(root);
}

/** A checkout compiled, with the table's app script next to its src/. */
function compileFramework(root: string, extra: string[] = []): string {
  const out = compileTree(root, ['src/index.ts', ...extra]);
  writeFileSync(join(out, 'stack-app.js'), APP_SCRIPT);
  return out;
}

interface Settings { duration: number; warmup: number; connections: number; serverCpu?: number; loadCpu?: number }

/** Starts `column`'s server on its own copy of the users file, loads it, measures, stops it. */
async function measure(column: Column, users: string, dir: string, settings: Settings): Promise<Round> {
  const port = await freePort();
  const database = join(dir, `${column.kind}-${port}.db`);
  copyFileSync(users, database);
  const hello = `http://127.0.0.1:${port}/hello/world`;
  const basic = `http://127.0.0.1:${port}/${BASIC_USER}/info`;
  const started = process.hrtime.bigint();
  const server: ChildProcess = spawn(...pinned(settings.serverCpu, process.execPath, [column.script, ...column.args, String(port), database]),
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await firstOk(hello, server);
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;
    const pid = server.pid!;
    const startCpuMs = cpuMs(pid);
    const load = async (url: string, seconds: number, headers: Record<string, string> = {}) => {
      const before = cpuMs(pid);
      const result = await runWrk(url, { seconds, connections: settings.connections, headers, cpu: settings.loadCpu });
      if (result.socketErrors > 0) console.error(`  (${column.label} ${url}: ${result.socketErrors} wrk socket errors)`);
      return { us: ((cpuMs(pid) - before) * 1000) / result.requests, rps: result.rps };
    };
    // One login first: 50 connections opening on a cold cache would each verify the password
    // (the hand-built stack does not share a verification in flight), and argon2id's threads
    // would still be busy while hello is measured.
    const login = await fetch(basic, { headers: { Authorization: BASIC } });
    if (login.status !== 200) throw new Error(`${column.label}: GET ${basic} with Basic answered ${login.status}, not 200`);
    await load(hello, settings.warmup);
    await load(basic, settings.warmup, { Authorization: BASIC });
    const h = await load(hello, settings.duration);
    const b = await load(basic, settings.duration, { Authorization: BASIC });
    return { startMs, startCpuMs, helloUs: h.us, helloRps: h.rps, basicUs: b.us, basicRps: b.rps, rssMb: rssMb(pid) };
  } finally {
    server.kill('SIGKILL');
    if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
    rmSync(database, { force: true });
  }
}

const fixed = (digits: number) => (x: number) => x.toFixed(digits);
const thousands = (x: number) => Math.round(x).toLocaleString('en-US').replaceAll(',', ' ');

/** The table's rows: a figure of each round, how to print it, and for services-core columns the ratio of each round, to what, and its goal. */
const ROWS: Array<{
  label: string; value: (r: Round) => number; show: (x: number) => string; unit: string;
  ratio: (c: Round, koa: Round, hand: Round) => number; against: string; goal?: { text: string; met: (ratio: number) => boolean };
}> = [
  { label: '`GET /hello/:name` CPU', value: (r) => r.helloUs, show: fixed(1), unit: 'µs/req', ratio: (c, koa) => koa.helloUs / c.helloUs, against: 'Koa',
    goal: { text: '≥ 1.0× Koa', met: (x) => x >= 1 } },
  { label: '`GET /hello/:name` rate', value: (r) => r.helloRps, show: thousands, unit: 'req/s', ratio: (c, koa) => c.helloRps / koa.helloRps, against: 'Koa' },
  { label: 'cached Basic hit CPU', value: (r) => r.basicUs, show: fixed(1), unit: 'µs/req', ratio: (c, _, hand) => c.basicUs / hand.basicUs, against: 'hand-built',
    goal: { text: '≤ 1.1× hand-built', met: (x) => x <= 1.1 } },
  { label: 'cached Basic hit rate', value: (r) => r.basicRps, show: thousands, unit: 'req/s', ratio: (c, _, hand) => c.basicRps / hand.basicRps, against: 'hand-built' },
  { label: 'start-up (spawn → first 200)', value: (r) => r.startMs, show: fixed(0), unit: 'ms', ratio: (c, _, hand) => c.startMs / hand.startMs, against: 'hand-built',
    goal: { text: '≤ 1.0× hand-built', met: (x) => x <= 1 } },
  { label: 'start-up CPU', value: (r) => r.startCpuMs, show: fixed(0), unit: 'ms', ratio: (c, _, hand) => c.startCpuMs / hand.startCpuMs, against: 'hand-built' },
  { label: 'RSS after load', value: (r) => r.rssMb, show: fixed(1), unit: 'MB', ratio: (c, _, hand) => c.rssMb / hand.rssMb, against: 'hand-built',
    goal: { text: '≤ 1.1× hand-built', met: (x) => x <= 1.1 } },
];

function table(columns: Column[], results: Round[][]): string {
  const koa = results[columns.findIndex((c) => c.kind === 'koa')];
  const hand = results[columns.findIndex((c) => c.kind === 'hand-built')];
  const lines = [`| | ${columns.map((c) => c.label).join(' | ')} | goal |`, `|---|${columns.map(() => '---|').join('')}---|`];
  for (const row of ROWS) {
    const cells = columns.map((column, i) => {
      const figure = `${row.show(median(results[i].map(row.value)))} ${row.unit}`;
      if (column.kind !== 'framework') return figure;
      const ratios = results[i].map((r, round) => row.ratio(r, koa[round], hand[round]));
      const ratio = median(ratios);
      const spread = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : '';
      return `${figure}, ${ratio.toFixed(2)}× ${row.against}${spread}${row.goal ? (row.goal.met(ratio) ? ' ✓' : ' ✗') : ''}`;
    });
    lines.push(`| ${row.label} | ${cells.join(' | ')} | ${row.goal?.text ?? ''} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rounds = numberOption('rounds', 5);
  const cores = availableParallelism();
  const pin = cores >= 2;
  const settings: Settings = {
    duration: numberOption('duration', 8), warmup: numberOption('warmup', 3), connections: numberOption('connections', 50),
    serverCpu: pin ? numberOption('server-cpu', 0) : undefined, loadCpu: pin ? numberOption('load-cpu', 1) : undefined,
  };
  const dir = mkdtempSync(join(tmpdir(), 'bench-stack-table-'));
  const compiled: string[] = [];
  try {
    const users = await seedUsers(dir);
    const out = compileFramework(ROOT, ['bench/support/hand-built-stack.ts']);
    compiled.push(out);
    const stack = join(out, 'bench/support/hand-built-stack.js');
    const columns: Column[] = [{ label: `services-core ${describe(ROOT)}`, kind: 'framework', script: join(out, 'stack-app.js'), args: [] }];
    for (const baseline of options('baseline').map((b) => resolve(b))) {
      const baseOut = compileFramework(baseline);
      compiled.push(baseOut);
      columns.push({ label: `services-core ${describe(baseline)} (baseline)`, kind: 'framework', script: join(baseOut, 'stack-app.js'), args: [] });
    }
    columns.push({ label: 'Koa + @koa/router', kind: 'koa', script: stack, args: ['koa'] });
    columns.push({ label: 'hand-built stack', kind: 'hand-built', script: stack, args: ['hand-built'] });
    // This process only polls and waits: on wrk's core, out of the server's way.
    if (settings.loadCpu !== undefined) execFileSync('taskset', ['-p', '-c', String(settings.loadCpu), String(process.pid)], { stdio: 'ignore' });
    const results = columns.map((): Round[] => []);
    const load = loadavg()[0];
    for (let round = 0; round < rounds; round++) {
      const order = columns.map((_, i) => i);
      for (const i of round % 2 ? order.reverse() : order) {
        const r = await measure(columns[i], users, dir, settings);
        results[i].push(r);
        console.error(`round ${round + 1} ${columns[i].label}: hello ${r.helloUs.toFixed(1)} µs ${r.helloRps.toFixed(0)}/s, Basic ${r.basicUs.toFixed(1)} µs ` +
          `${r.basicRps.toFixed(0)}/s, start ${r.startMs.toFixed(0)} ms (CPU ${r.startCpuMs.toFixed(0)} ms), RSS ${r.rssMb.toFixed(1)} MB`);
      }
    }
    const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
    console.log(`wrk -t1 -c${settings.connections}, ${settings.duration} s per route after ${settings.warmup} s of warm-up, ${rounds} interleaved rounds, ` +
      `${pin ? `server on cpu ${settings.serverCpu}, wrk on cpu ${settings.loadCpu}` : 'not pinned (one CPU)'}; ${cores} × ${cpu}, ` +
      `load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}; node ${process.version}. Medians of the rounds' figures and of their per-round ratios, lowest–highest in brackets ` +
      "(CPU: the server process's user + system time over the requests wrk counted).\n");
    console.log(table(columns, results));
    console.log("\nHello's CPU ratio is Koa's CPU per request over this column's (as issue 30 counts it: ≥ 1.0 is as cheap as Koa); the others are this " +
      "column's figure over the reference's. The hand-built stack: Koa + @koa/router + TypeORM on better-sqlite3 + argon2id, a Map keyed by " +
      "the Authorization header (bench/support/hand-built-stack.ts). Bare Koa's Basic route compares the header with the one expected (no hash, no database).");
  } finally {
    for (const path of [dir, ...compiled]) rmSync(path, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
