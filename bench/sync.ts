/**
 * The Sync mix (GET a collection of 100 WBOs with `full`, POST a batch of 100, GET
 * info/collections, in turn) on the Sync sample under `services-core serve` with 2 workers,
 * against the same storage queries (samples/sync/sync-storage.ts) in bare Koa + @koa/router +
 * TypeORM with 2 node:cluster workers, Basic auth reduced to a header comparison there. The bare
 * server does the sample's own work too (the same WBO checks of samples/sync/wbo.ts, the same
 * answers and X-Weave-* headers) on the same SQLite settings (WAL, synchronous = NORMAL), so the
 * difference is the framework's. wrk drives both; rounds interleaved in ABBA order (the shared
 * database grows and the machine's load drifts: neither side always goes first), medians. Prints
 * req/s, CPU µs per request (all processes of the server) and p99, and the framework's share of
 * the CPU per request: the median of each round pair's share.
 *
 *   npx ts-node --transpile-only bench/sync.ts [--rounds 5] [--duration 5] [--connections 20] [--sqluri postgresql://…]
 *     [--extra 'auth.throttle_store = none']   (one more line for the sample's deployment file)
 *     [--cpu-prof DIR]   (every server process, workers included, writes a V8 CPU profile into DIR at its exit)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/support/free-port';
import { median, numberOption, option } from './support/bench-args';
import { runWrk } from './support/wrk';

const ROOT = resolve(__dirname, '..');
const USER = 'benchuser';
const PASSWORD = 'bench password 1';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const PLD = 'x'.repeat(200);
/** Node flags of the server processes (cluster workers inherit them). */
const PROFILE = option('cpu-prof', '');
const NODE_FLAGS = PROFILE === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE)}`];

/** CPU seconds (user + system) of a process and its children, from /proc (Linux). */
function treeCpu(pid: number): number {
  const ticks = (p: number): number => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let total = ticks(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += ticks(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total / 100;
}

async function waitUp(port: number, child: ChildProcess): Promise<void> {
  for (let tries = 0; ; tries++) {
    const res = await fetch(`http://127.0.0.1:${port}/1.1/${USER}/info/collections`, { headers: { Authorization: AUTH } }).catch(() => undefined);
    if (res?.status === 200) return;
    if (tries > 1800 || child.exitCode !== null) throw new Error(`server on ${port} did not come up`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** `services-core serve` of the sample, 2 workers, on `sqluri`; the bench user created. */
async function startFramework(dir: string, sqluri: string, port: number): Promise<ChildProcess> {
  const ini = join(dir, 'sync.ini');
  writeFileSync(ini, [
    '[server:main]', 'host = 127.0.0.1', 'workers = 2', '',
    '[app:main]', `use = ${ROOT}/samples/sync/sync-app.ts#SyncApp`, `configuration = file:${ROOT}/samples/sync/sync.conf`,
    `auth.sqluri = ${sqluri}`, `storage.sqluri = ${sqluri}`, `cef.file = ${dir}/cef.log`, 'global.log_level = warn',
    'global.shared_secret = bench', 'auth.password_scheme = ssha-256', 'storage.use_quota = false', option('extra', ''), '',
  ].join('\n'));
  const child = spawn(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), 'serve', ini, '--port', String(port)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; ; tries++) {
    const res = await fetch(`http://127.0.0.1:${port}/user/1.0/${USER}`, {
      method: 'PUT', headers: { 'X-Weave-Secret': 'bench' }, body: JSON.stringify({ password: PASSWORD, email: 'b@example.com' }),
    }).catch(() => undefined);
    if (res && (res.status === 200 || (res.status === 400 && (await res.text()) === '4'))) break;
    if (tries > 1800 || child.exitCode !== null) throw new Error(`serve did not come up (exit ${child.exitCode}, last answer ${res?.status})`);
    await new Promise((done) => setTimeout(done, 100));
  }
  await waitUp(port, child);
  return child;
}

/** The bare reference: this file again in `bare` mode (a cluster primary with 2 workers). */
async function startBare(sqluri: string, userId: number, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', __filename, 'bare', sqluri, String(userId), String(port)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitUp(port, child);
  return child;
}

async function bare(sqluri: string, userId: number, port: number): Promise<void> {
  if (cluster.isPrimary) {
    for (let i = 0; i < 2; i++) cluster.fork();
    return;
  }
  const [{ default: Koa }, { default: Router }, { openStorageSource }, { SyncStorage }, { parseItemQuery }, { wboJson, stampsJson }, { parseWbo, validateWbo }] =
    await Promise.all([
      import('koa'), import('@koa/router'), import('../samples/sync/storage-source'), import('../samples/sync/sync-storage'),
      import('../samples/sync/query-args'), import('../samples/sync/output'), import('../samples/sync/wbo'),
    ]);
  const { roundTime } = await import('../src/util/time');
  const storage = new SyncStorage(async () => {
    const opened = await openStorageSource(sqluri, true);
    // What a hand-built stack on SQLite would set, as the framework does (WAL is set by the opener).
    if (opened.dialect === 'sqlite') await opened.source.query('PRAGMA synchronous = NORMAL');
    return opened;
  });
  await storage.open();
  const app = new Koa();
  const router = new Router();
  const auth = async (ctx: import('koa').Context, next: () => Promise<unknown>) => {
    if (ctx.get('Authorization') !== AUTH || ctx.params.username !== USER) {
      ctx.status = 401;
      return;
    }
    ctx.set('X-Weave-Timestamp', roundTime());
    await next();
  };
  router.get('/1.1/:username/info/collections', auth, async (ctx) => {
    const stamps = await storage.timestamps(userId);
    ctx.type = 'application/json';
    ctx.set('X-Weave-Records', String(stamps.size));
    ctx.body = stampsJson(stamps);
  });
  router.get('/1.1/:username/storage/:collection', auth, async (ctx) => {
    const query = parseItemQuery(ctx.query as Record<string, string>);
    const items = await storage.getItems(userId, ctx.params.collection, query);
    ctx.type = 'application/json';
    ctx.set('X-Weave-Records', String(items.length));
    ctx.body = `[${items.map((w) => (query.full ? wboJson(w) : JSON.stringify(w.id))).join(', ')}]`;
  });
  router.post('/1.1/:username/storage/:collection', auth, async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
    // The sample's checks of each object (a hand-built Sync server validates its input too).
    const kept: import('../samples/sync/wbo').Wbo[] = [];
    const failed: Record<string, string[]> = {};
    for (const item of items) {
      const checked = validateWbo(parseWbo(item));
      if (checked.ok) kept.push(checked.wbo);
      else failed[String((item as { id?: unknown }).id)] = [checked.message];
    }
    const now = roundTime();
    await storage.setItems(userId, ctx.params.collection, kept, now, false);
    ctx.type = 'application/json';
    ctx.body = `{"success": ${JSON.stringify(kept.map((w) => w.id))}, "failed": ${JSON.stringify(failed)}, "modified": ${now}}`;
  });
  app.use(router.routes());
  app.listen(port, '127.0.0.1');
}

/** The wrk Lua script of the mix: each connection cycles GET collection, POST batch, GET info/collections. */
function mixScript(dir: string): string {
  const batch = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: `w${i}`, payload: PLD })));
  const file = join(dir, 'mix.lua');
  writeFileSync(file, [
    'local i = 0',
    `local batch = ${JSON.stringify(batch)}`,
    'request = function()',
    '  i = i + 1',
    `  local h = { ["Authorization"] = "${AUTH}", ["Content-Type"] = "application/json" }`,
    `  if i % 3 == 1 then return wrk.format("GET", "/1.1/${USER}/storage/bench?full=1", h) end`,
    `  if i % 3 == 2 then return wrk.format("POST", "/1.1/${USER}/storage/bench", h, batch) end`,
    `  return wrk.format("GET", "/1.1/${USER}/info/collections", h)`,
    'end',
  ].join('\n'));
  return file;
}

interface Round { rps: number; cpuUs: number; p99: number }

async function round(server: ChildProcess, port: number, script: string, seconds: number, connections: number): Promise<Round> {
  const before = treeCpu(server.pid!);
  const { requests, rps, p99ms } = await runWrk(`http://127.0.0.1:${port}`, { seconds, connections, threads: 2, script });
  const cpu = treeCpu(server.pid!) - before;
  return { rps, cpuUs: (cpu * 1e6) / requests, p99: p99ms };
}

async function main(): Promise<void> {
  const rounds = numberOption('rounds', 5);
  const seconds = numberOption('duration', 5);
  const connections = numberOption('connections', 20);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const sqluri = option('sqluri', `sqlite:///${dir}/sync.db`);
  const script = mixScript(dir);
  const fwPort = await freePort();
  const framework = await startFramework(dir, sqluri, fwPort);
  // Seed the collection with 100 WBOs, and learn the user id for the bare server.
  await fetch(`http://127.0.0.1:${fwPort}/1.1/${USER}/storage/bench`, {
    method: 'POST', headers: { Authorization: AUTH },
    body: JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: `w${i}`, payload: PLD }))),
  });
  const userId = 1;
  const barePort = await freePort();
  const bareServer = await startBare(sqluri, userId, barePort);
  const results: { fw: Round[]; bare: Round[] } = { fw: [], bare: [] };
  // On PostgreSQL every POST leaves 100 dead row versions behind, which slow the next round's
  // queries: each round starts from a vacuumed table, whichever side it measures.
  const { openStorageSource } = await import('../samples/sync/storage-source');
  const admin = sqluri.startsWith('postgres') ? await openStorageSource(sqluri, false) : undefined;
  const measure = async (server: ChildProcess, port: number, list: Round[]) => {
    if (admin) await admin.source.query('VACUUM ANALYZE wbo, collection_stamps');
    list.push(await round(server, port, script, seconds, connections));
  };
  try {
    await round(framework, fwPort, script, 2, connections); // warm-up
    await round(bareServer, barePort, script, 2, connections);
    for (let r = 0; r < rounds; r++) {
      // ABBA: the side that goes first alternates.
      if (r % 2 === 0) {
        await measure(framework, fwPort, results.fw);
        await measure(bareServer, barePort, results.bare);
      } else {
        await measure(bareServer, barePort, results.bare);
        await measure(framework, fwPort, results.fw);
      }
    }
  } finally {
    await admin?.source.destroy();
    framework.kill('SIGTERM');
    bareServer.kill('SIGTERM');
    await Promise.all([once(framework, 'exit'), once(bareServer, 'exit')]);
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (list: Round[]) => ({ rps: median(list.map((x) => x.rps)), cpuUs: median(list.map((x) => x.cpuUs)), p99: median(list.map((x) => x.p99)) });
  const fw = summary(results.fw);
  const b = summary(results.bare);
  const row = (label: string, s: ReturnType<typeof summary>) =>
    `${label.padEnd(28)} ${s.rps.toFixed(0).padStart(7)} req/s  ${s.cpuUs.toFixed(0).padStart(6)} µs CPU/req  p99 ${s.p99.toFixed(1)} ms`;
  console.log(`Sync mix (GET 100 WBOs full, POST 100, info/collections), ${connections} connections, ${rounds} rounds × ${seconds} s, medians, ${sqluri.split(':')[0]}`);
  console.log(row('services-core serve (2 w.)', fw));
  console.log(row('bare Koa + TypeORM (2 w.)', b));
  const shares = results.fw.map((f, i) => ((f.cpuUs - results.bare[i].cpuUs) / f.cpuUs) * 100);
  console.log(`framework share of CPU per request: ${median(shares).toFixed(1)}% (median of the round pairs: ${shares.map((x) => x.toFixed(1)).join(', ')}; ` +
    `of the medians ${(((fw.cpuUs - b.cpuUs) / fw.cpuUs) * 100).toFixed(1)}%)  (req/s ratio ${(fw.rps / b.rps).toFixed(2)})`);
}

if (process.argv[2] === 'bare') {
  void bare(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
