/**
 * Start-up cost, compiled to JavaScript and spawned as a deployment would: the time from spawn
 * to the first 200, the CPU time the process used until then (all its threads, from
 * /proc/<pid>/task/<tid>/schedstat: steadier than wall time on a busy machine), and the resident
 * memory once warm (after 2000 requests), for
 *   - bare Koa + @koa/router with one route,
 *   - the hand-built stack (bench/support/hand-built-stack.ts: Koa + @koa/router + TypeORM on
 *     better-sqlite3 + argon2id, a Map of the verified Authorization headers) with the same two
 *     route shapes, a plain one and a Basic-authenticated one,
 *   - a two-route SyncServerApp (a plain route and an @authenticated one) on SQLite,
 *   - the accounts sample (SQL on SQLite, argon2id, CEF to a file),
 * each a single process (no cluster), rounds interleaved, medians printed with the ratios to the
 * hand-built stack and to bare Koa. The hand-built stack and the two-route app open a copy of
 * one users file (made by services-core's SQL backend). Compiles src/, the sample and the
 * hand-built stack with tsc into a temp directory first.
 *
 *   npx ts-node --transpile-only bench/startup.ts [--rounds 5] [--baseline <another checkout>]
 *
 * With `--baseline`, that tree's two apps run too (`twoRoutes@base`, `accounts@base`), in the
 * same interleaved rounds, so a change is compared with its base in one run.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/support/free-port';
import { median, numberOption, option } from './support/bench-args';
import { compileTree } from './support/compile-tree';
import { seedUsers } from './support/hand-built-stack';
import { cpuMs, firstOk, rssMb } from './support/process-stats';

const ROOT = resolve(__dirname, '..');
const rounds = numberOption('rounds', 5);

const baseline = option('baseline', '');

/** Compiles `root`'s src/ and accounts sample (and `extra`) into a temp directory, with the scripts. */
function compile(root: string, extra: string[] = []): string {
  const out = compileTree(root, ['src/index.ts', 'samples/accounts/accounts-app.ts', ...extra]);
  for (const [name, text] of Object.entries(scriptsFor(root))) writeFileSync(join(out, `${name}.js`), text);
  return out;
}

const scriptsFor = (root: string) => ({
  koa: `
    const Koa = require('koa'); const { Router } = require('@koa/router');
    const app = new Koa(); const router = new Router();
    router.get('/hello', (ctx) => { ctx.body = { hello: 'world' }; });
    app.use(router.routes());
    app.listen(Number(process.env.PORT), '127.0.0.1');`,
  handBuilt: `
    require('./bench/support/hand-built-stack.js').handBuiltStack(process.env.DIR + '/users.db')
      .then((koa) => koa.listen(Number(process.env.PORT), '127.0.0.1'));`,
  twoRoutes: `
    const { SyncServerApp, route, authenticated } = require('./src');
    class TwoRoutes extends SyncServerApp {
      hello() { return { hello: 'world' }; }
      info(ctx) { return { user: ctx.state.user.name }; }
    }
    const proto = TwoRoutes.prototype;
    authenticated(proto, 'info', Object.getOwnPropertyDescriptor(proto, 'info'));
    route('GET', '/:username/info')(proto, 'info', Object.getOwnPropertyDescriptor(proto, 'info'));
    route('GET', '/hello')(proto, 'hello', Object.getOwnPropertyDescriptor(proto, 'hello'));
    new TwoRoutes({ 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///' + process.env.DIR + '/users.db', 'global.log_level': 'warn' })
      .listen(Number(process.env.PORT));`,
  accounts: `
    const { AccountsApp } = require('./samples/accounts/accounts-app');
    const { loadConfigFile } = require('./src');
    const config = { ...loadConfigFile(${JSON.stringify(join(root, 'samples/accounts/accounts.conf'))}),
      'auth.sqluri': 'sqlite:///' + process.env.DIR + '/accounts.db', 'cef.file': process.env.DIR + '/cef.log', 'global.log_level': 'warn' };
    new AccountsApp(config).listen(Number(process.env.PORT));`,
});

const scripts = scriptsFor(ROOT);
const out = compile(ROOT, ['bench/support/hand-built-stack.ts']);
const baseOut = baseline === '' ? '' : compile(resolve(baseline));
type Name = keyof typeof scripts | 'twoRoutes@base' | 'accounts@base';

const PATHS: Record<string, string> = { accounts: '/__heartbeat__', handBuilt: '/hello/world' };

async function measure(name: Name, users: string): Promise<{ ms: number; cpu: number; rss: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-run-'));
  copyFileSync(users, join(dir, 'users.db'));
  const [script, tree] = name.endsWith('@base') ? [name.slice(0, -'@base'.length), baseOut] : [name, out];
  const path = PATHS[script] ?? '/hello';
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(tree, `${script}.js`)], { cwd: tree, env: { ...process.env, PORT: String(port), DIR: dir }, stdio: 'ignore' });
  await firstOk(`http://127.0.0.1:${port}${path}`, child);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = cpuMs(child.pid as number);
  for (let i = 0; i < 2000; i++) await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer();
  const rss = rssMb(child.pid as number);
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));
  return { ms, cpu, rss };
}

async function main(): Promise<void> {
  const names = [...Object.keys(scripts), ...(baseOut ? ['twoRoutes@base', 'accounts@base'] : [])] as Name[];
  const users = await seedUsers(mkdtempSync(join(tmpdir(), 'bench-startup-users-')));
  const results = Object.fromEntries(names.map((n) => [n, { ms: [] as number[], cpu: [] as number[], rss: [] as number[] }])) as Record<Name, { ms: number[]; cpu: number[]; rss: number[] }>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { ms, cpu, rss } = await measure(name, users);
      results[name].ms.push(ms);
      results[name].cpu.push(cpu);
      results[name].rss.push(rss);
    }
  }
  const medians = (name: Name) => ({ ms: median(results[name].ms), cpu: median(results[name].cpu), rss: median(results[name].rss) });
  const koa = medians('koa');
  const hand = medians('handBuilt');
  const ratios = (value: number, key: keyof typeof koa) => `${(value / hand[key]).toFixed(2)}x hand, ${(value / koa[key]).toFixed(2)}x Koa`;
  console.log(`spawn → first 200 (wall, and CPU of the process) and warm RSS, medians of ${rounds} interleaved rounds (node ${process.version});`);
  console.log('ratios to the hand-built stack (Koa + @koa/router + TypeORM + argon2id + Map) and to bare Koa + @koa/router');
  for (const name of names) {
    const { ms, cpu, rss } = medians(name);
    console.log(`${name.padEnd(15)} ${ms.toFixed(0).padStart(5)} ms (${ratios(ms, 'ms')})   CPU ${cpu.toFixed(0).padStart(5)} ms (${ratios(cpu, 'cpu')})` +
      `   RSS ${rss.toFixed(1).padStart(6)} MB (${ratios(rss, 'rss')})`);
  }
}

void main();
