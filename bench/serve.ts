/**
 * Throughput of `services-core serve --workers 1` and `--workers 2` on the accounts sample's
 * authenticated route (`GET /user/1.0/demo/info`, SQL on SQLite, login cache on), with
 * autocannon in its own process. Prints req/s and p99 for both and the 2-worker / 1-worker
 * ratio. The load generator shares the machine's cores with the workers, so on a 2-core box
 * the scaling stays well below 2x.
 *
 *   npx ts-node --transpile-only bench/serve.ts [--duration 10] [--connections 50]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/support/free-port';
import { numberOption as option } from './support/bench-args';

const ROOT = resolve(__dirname, '..');
const AUTH = `Basic ${Buffer.from('demo:demo-password-1234').toString('base64')}`;

function deployment(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  const ini = join(dir, 'bench.ini');
  writeFileSync(ini, [
    '[server:main]', 'host = 127.0.0.1', '',
    '[app:main]', `use = ${ROOT}/samples/accounts/accounts-app.ts#AccountsApp`,
    `configuration = file:${ROOT}/samples/accounts/accounts.conf`,
    `auth.sqluri = sqlite:///${dir}/accounts.db`, `cef.file = ${dir}/cef.log`, 'global.log_level = warn', '',
  ].join('\n'));
  return ini;
}

async function startServe(ini: string, workers: number, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), 'serve', ini,
    '--workers', String(workers), '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; ; tries++) {
    const res = await fetch(`http://127.0.0.1:${port}/user/1.0/demo/info`, { headers: { Authorization: AUTH } }).catch(() => undefined);
    if (res?.status === 200) return child;
    if (tries > 300 || child.exitCode !== null) throw new Error(`serve --workers ${workers} did not come up`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface Result {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}

async function load(port: number, duration: number, connections: number): Promise<Result> {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(connections),
    '-d', String(duration), '-H', `Authorization=${AUTH}`, `http://127.0.0.1:${port}/user/1.0/demo/info`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'exit');
  return JSON.parse(out) as Result;
}

async function measure(ini: string, workers: number, duration: number, connections: number): Promise<Result> {
  const port = await freePort();
  const serve = await startServe(ini, workers, port);
  try {
    await load(port, 2, connections); // warm-up: JIT, login cache, pools
    const result = await load(port, duration, connections);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`workers ${workers}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return result;
  } finally {
    serve.kill('SIGTERM');
    await once(serve, 'exit');
  }
}

async function main(): Promise<void> {
  const duration = option('duration', 10);
  const connections = option('connections', 50);
  const ini = deployment();
  const one = await measure(ini, 1, duration, connections);
  const two = await measure(ini, 2, duration, connections);
  const row = (label: string, r: Result) => `${label.padEnd(12)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p99 ${r.latency.p99} ms`;
  console.log(`GET /user/1.0/demo/info (Basic auth, login cache on), ${connections} connections, ${duration} s each`);
  console.log(row('--workers 1', one));
  console.log(row('--workers 2', two));
  console.log(`ratio 2/1:   ${(two.requests.average / one.requests.average).toFixed(2)}x  (the load generator shares the same cores)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
