/**
 * What a `SIGHUP` reload of `services-core serve --workers 2` costs, under load (autocannon, 50
 * connections, in its own process): the time from the signal to the new generation serving (the
 * check process, then the new workers listening), and the memory of the whole process tree (the
 * primary, its workers, the check process) during the overlap, sampled every 25 ms, against the
 * steady state before. `src/` runs as JavaScript (transpiled once), as an installed package does.
 *
 *   npx ts-node --transpile-only bench/reload.ts [--reloads 5] [--connections 50]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledSources, transpile } from '../test/support/compiled-src';
import { freePort } from '../test/support/free-port';
import { numberOption as option } from './support/bench-args';

function rssOfTree(root: number): number {
  let pids: number[] = [root];
  try {
    pids = [root, ...execFileSync('ps', ['-o', 'pid=', '--ppid', String(root)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
  } catch {
    // no children at that instant
  }
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const reloads = option('reloads', 5);
  const connections = option('connections', 50);
  const dist = compiledSources();
  const dir = mkdtempSync(join(tmpdir(), 'bench-reload-'));
  const ini = join(dir, 'bench.ini');
  const port = await freePort();
  writeFileSync(join(dir, 'app.js'), transpile(`
    import { SyncServerApp, route } from ${JSON.stringify(dist)};
    export class App extends SyncServerApp {
      @route('GET', '/value') value() { return { value: this.config['bench.value'], pid: process.pid }; }
    }`));
  const conf = (value: number) => writeFileSync(join(dir, 'app.conf'), `[global]\nlog_level = info\n\n[bench]\nvalue = ${value}\n`);
  conf(0);
  writeFileSync(ini, `[server:main]\nhost = 127.0.0.1\nport = ${port}\nworkers = 2\n\n[app:main]\nuse = ./app.js#App\nconfiguration = file:%(here)s/app.conf\n`);

  const serve: ChildProcess = spawn(process.execPath, [join(dist, 'cli/main.js'), 'serve', ini], { stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  serve.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const waitLog = async (pattern: RegExp) => {
    for (;;) {
      const match = pattern.exec(log);
      if (match) return match;
      if (serve.exitCode !== null) throw new Error(`serve exited:\n${log}`);
      await new Promise((done) => setTimeout(done, 10));
    }
  };
  await waitLog(/listening on/);
  const load = spawn(process.execPath, [join(__dirname, '../node_modules/autocannon/autocannon.js'), '-j', '-c', String(connections), '-d', '600',
    `http://127.0.0.1:${port}/value`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let loadOut = '';
  load.stdout!.on('data', (chunk: Buffer) => (loadOut += chunk.toString()));
  await new Promise((done) => setTimeout(done, 3000)); // warm-up under load
  const steady: number[] = [];
  for (let i = 0; i < 20; i++) {
    steady.push(rssOfTree(serve.pid!));
    await new Promise((done) => setTimeout(done, 25));
  }

  const rows: { serving: number; primary: number; drained: number; peak: number }[] = [];
  for (let round = 1; round <= reloads; round++) {
    conf(round);
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, rssOfTree(serve.pid!));
        await new Promise((done) => setTimeout(done, 25));
      }
    })();
    const t0 = Date.now();
    serve.kill('SIGHUP');
    const [, ms] = await waitLog(new RegExp(`reload: generation ${round + 1} serving with \\d+ worker\\(s\\) after (\\d+) ms`));
    const serving = Date.now() - t0;
    await waitLog(new RegExp(`generation ${round} drained`));
    const drained = Date.now() - t0;
    sampling = false;
    await sampler;
    rows.push({ serving, primary: Number(ms), drained, peak });
    console.log(`reload ${round}: HUP → new generation serving ${serving} ms (primary: ${ms} ms), old drained ${drained} ms, peak tree RSS ${peak.toFixed(0)} MB`);
  }
  load.kill('SIGINT');
  await new Promise((done) => load.on('exit', done));
  serve.kill('SIGTERM');
  await new Promise((done) => serve.on('exit', done));
  const result = (() => {
    try {
      return JSON.parse(loadOut) as { requests: { total: number }; non2xx: number; errors: number; timeouts: number };
    } catch {
      return undefined;
    }
  })();
  console.log(`\n${reloads} reloads of serve --workers 2 under autocannon -c ${connections} (medians):`);
  console.log(`  HUP → new generation serving: ${median(rows.map((r) => r.serving))} ms (max ${Math.max(...rows.map((r) => r.serving))})`);
  console.log(`  HUP → old generation drained: ${median(rows.map((r) => r.drained))} ms`);
  console.log(`  tree RSS steady: ${median(steady).toFixed(0)} MB; peak during a reload: ${median(rows.map((r) => r.peak)).toFixed(0)} MB (max ${Math.max(...rows.map((r) => r.peak)).toFixed(0)})`);
  if (result) console.log(`  load: ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
