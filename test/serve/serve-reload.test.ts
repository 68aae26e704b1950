import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ServeProcess, startServe, stopServe } from '../e2e/fixtures/serve-process';
import { compiledSources, transpile } from '../support/compiled-src';
import { sample } from '../support/prometheus-text';
import { waitFor } from '../support/wait-for';
import { failures, runWrk, testWithWrk } from '../support/wrk';

// `serve` from JavaScript (src/ transpiled once): a reload starts a check process and a new
// generation of workers, and each would otherwise compile the sources again with ts-node.
let dist: string;
beforeAll(() => {
  dist = compiledSources();
}, 120_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** The app of these tests, written to disk as JavaScript: `code` tells which version of it answers. */
function appModule(code: string, members = ''): string {
  return transpile(`
    import { SyncServerApp, route } from ${JSON.stringify(dist)};
    export class ReloadApp extends SyncServerApp {
      ${members}
      @route('GET', '/value')
      value() {
        return { value: this.config['reload.value'] ?? null, code: ${JSON.stringify(code)}, pid: process.pid };
      }
      @route('POST', '/crash')
      crash() {
        setImmediate(() => process.exit(3));
        return 'bye';
      }
      /** Sends the body to the primary as it is: what app code or a skewed library could send. */
      @route('POST', '/ipc', { body: 'json' })
      ipc(ctx: any) {
        process.send?.(ctx.request.body.message);
        return 'sent';
      }
    }`);
}

interface Deployment {
  dir: string;
  ini: string;
  conf(value: number | string, extra?: string): void;
  code(source: string): void;
}

function deployment(server = 'host = 127.0.0.1\nport = 0\nworkers = 2'): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'sc-reload-'));
  const ini = join(dir, 'deployment.ini');
  writeFileSync(ini, `[server:main]\n${server}\n\n[app:main]\nuse = ./reload-app.js#ReloadApp\nconfiguration = file:%(here)s/app.conf\n`);
  const d: Deployment = {
    dir, ini,
    conf: (value, extra = '') => writeFileSync(join(dir, 'app.conf'), `[global]\ngraceful_shutdown_interval = 0.2\n${extra}\n[reload]\nvalue = ${value}\n`),
    code: (source) => writeFileSync(join(dir, 'reload-app.js'), source),
  };
  d.conf(1);
  d.code(appModule('v1'));
  return d;
}

interface Answer {
  value: number | null;
  code: string;
  pid: number;
}

function request(port: number, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    // A request never waits forever: a hang is an error the caller sees.
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${path} within 15 s`)));
    req.on('error', fail).end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `count` answers of /value, each on a new connection (round robin over the workers). */
async function answers(port: number, count = 6): Promise<Answer[]> {
  const all: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(port, '/value');
    expect(res.status).toBe(200);
    all.push(JSON.parse(res.body) as Answer);
  }
  return all;
}

const TIMEOUT = 180_000;
const listening = async (serve: ServeProcess) => Number((await serve.waitFor(/listening on http:\/\/[^\s"]+:(\d+) with/, TIMEOUT))[1]);
const count = (serve: ServeProcess, text: string) => serve.output().split(text).length - 1;

describe('serve: SIGHUP reloads config and code', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await stopServe(serve);
    serve = undefined;
  });

  test('new config and new code on disk are served after a reload; the old workers drain; a scrape sums the serving generation', async () => {
    const d = deployment();
    const metricsOn = '\n[metrics]\nenabled = true\n';
    d.conf(1, metricsOn);
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    const scrape = async () => sample((await request(port, '/__metrics__')).body, 'http_requests_total', { method: 'GET', route: '/value', status_code: '200' });
    const before = await answers(port);
    expect(new Set(before.map((a) => `${a.value} ${a.code}`))).toEqual(new Set(['1 v1']));
    expect(await scrape()).toBe(6);

    d.conf(2, metricsOn);
    d.code(appModule('v2'));
    serve.child.kill('SIGHUP');
    await serve.waitFor(/generation 1 drained/, TIMEOUT);
    const after = await answers(port);
    expect(new Set(after.map((a) => `${a.value} ${a.code}`))).toEqual(new Set(['2 v2']));
    // Every worker is new.
    expect(after.filter((a) => before.some((b) => b.pid === a.pid))).toEqual([]);
    // The new generation's requests, each counted once; the old generation's are gone with it (one counter reset).
    expect(await scrape()).toBe(6);
    expect(serve.output()).toMatch(/reload: generation 2 serving with 2 worker\(s\) after \d+ ms; draining generation 1/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, TIMEOUT * 2);

  test('a broken config: one line why, the old workers go on, and one killed afterwards comes back with the old plan', async () => {
    const d = deployment();
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    writeFileSync(join(d.dir, 'app.conf'), '[global\nretry_after = 1\n');
    serve.child.kill('SIGHUP');
    const [line] = await serve.waitFor(/reload failed: [^\n]*/, TIMEOUT);
    expect(line).toContain(`${join(d.dir, 'app.conf')}:1`);
    expect(line).toContain('generation 1 goes on serving');
    expect(new Set((await answers(port)).map((a) => a.value))).toEqual(new Set([1]));

    // A worker of the old generation dies: it is restarted with the plan it was checked with, not the file on disk.
    const pids = new Set((await answers(port)).map((a) => a.pid));
    expect((await request(port, '/crash', {})).status).toBe(200);
    await serve.waitFor(/worker exited with code 3; restarting[^]*worker \d+ ready/, TIMEOUT);
    const after = await answers(port);
    expect(after.every((a) => a.value === 1)).toBe(true);
    expect(new Set(after.map((a) => a.pid)).size).toBe(2);
    expect(after.some((a) => !pids.has(a.pid))).toBe(true);
    expect(serve.output()).not.toMatch(/generation 2/);
  }, TIMEOUT * 2);

  test('an app module that throws at import: the reload fails with the error, the old workers go on', async () => {
    const d = deployment();
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    d.code('throw new Error("broken at import");\n');
    serve.child.kill('SIGHUP');
    const [line] = await serve.waitFor(/reload failed: [^\n]*/, TIMEOUT);
    expect(line).toMatch(/reload-app\.js' failed to load: Error: broken at import; generation 1 goes on serving/);
    expect(new Set((await answers(port)).map((a) => a.code))).toEqual(new Set(['v1']));

    // New workers that fail to start (here: their constructor throws) leave the old ones too.
    d.code(appModule('v3', 'constructor(config: any, options: any) { super(config, options); throw new Error("no start"); }'));
    serve.child.kill('SIGHUP');
    await serve.waitFor(/reload failed: a new worker could not start: no start; generation 1 goes on serving/, TIMEOUT);
    expect(new Set((await answers(port)).map((a) => a.code))).toEqual(new Set(['v1']));
    expect(serve.child.exitCode).toBeNull();
  }, TIMEOUT * 2);

  test('a HUP during a reload runs one more after it; --pid-file; USR1 reopens the logs and reloads nothing', async () => {
    const d = deployment();
    const log = join(d.dir, 'app.log');
    const pidFile = join(d.dir, 'serve.pid');
    d.conf(1, `log_file = ${log}\n`);
    serve = startServe([d.ini, '--pid-file', pidFile], { bin: join(dist, 'cli/main.js'), logFile: log });
    const port = await listening(serve);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${serve.child.pid}\n`);

    d.conf(2, `log_file = ${log}\n`);
    serve.child.kill('SIGHUP');
    await serve.waitFor(/SIGHUP: reloading/, TIMEOUT);
    d.conf(3, `log_file = ${log}\n`);
    serve.child.kill('SIGHUP');
    await serve.waitFor(/SIGHUP while reloading: one more reload after this/, TIMEOUT);
    await serve.waitFor(/generation 1 drained[^]*generation 2 drained/, TIMEOUT);
    expect(new Set((await answers(port)).map((a) => a.value))).toEqual(new Set([3]));
    expect(count(serve, 'SIGHUP: reloading')).toBe(2);

    renameSync(log, `${log}.1`);
    serve.child.kill('SIGUSR1');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').split('files reopened').length - 1 >= 2, { timeoutMs: 60_000, intervalMs: 50, what: 'two workers reopening' });
    expect(readFileSync(log, 'utf8')).not.toMatch(/reloading/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
  }, TIMEOUT * 3);

  test('SIGTTIN adds a worker, SIGTTOU retires one', async () => {
    const d = deployment('host = 127.0.0.1\nport = 0\nworkers = 1');
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    serve.child.kill('SIGTTIN');
    await serve.waitFor(/SIGTTIN: 2 worker\(s\)[^]*worker \d+ ready/, TIMEOUT);
    // While a worker starts or retires, a connection may meet it mid-way: ask again until the set settles.
    const pids = async () => new Set((await answers(port, 4).catch(() => [])).map((a) => a.pid)).size;
    await waitFor(async () => (await pids()) === 2, { timeoutMs: 60_000, what: 'two workers answering' });
    serve.child.kill('SIGTTOU');
    // Two processes write these lines: either may come first in the shared output.
    await serve.waitFor(/SIGTTOU: 1 worker\(s\)/, TIMEOUT);
    await serve.waitFor(/"reason":"shutdown","msg":"worker draining"/, TIMEOUT);
    await waitFor(async () => (await pids()) === 1, { timeoutMs: 60_000, what: 'one worker answering' });
    expect(serve.output()).not.toMatch(/restarting/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, TIMEOUT * 2);

  const reloads = 5;
  const connections = 50;
  testWithWrk(`${reloads} reloads under load (wrk, ${connections} keep-alive connections), each changing a value: 0 failed requests`, async () => {
    const d = deployment();
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    // A reload starts three processes on a machine that wrk already saturates: an answer may take
    // seconds then, which is slow, not failed; a lost request would still time out after 30 s.
    const load = runWrk(`http://127.0.0.1:${port}/value`, { keepAlive: true, connections, seconds: 600, timeoutSeconds: 30 });
    await load.loaded;
    const seen: number[] = [];
    for (let i = 1; i <= reloads; i++) {
      d.conf(i + 1);
      serve.child.kill('SIGHUP');
      await serve.waitFor(new RegExp(`generation ${i} drained`), TIMEOUT);
      seen.push(...new Set((await answers(port, 4)).map((a) => a.value as number)));
    }
    load.stop();
    const result = await load.done;
    process.stderr.write(`serve reload under wrk: ${result.requests} requests, ${reloads} reloads; errors connect ${result.connectErrors}, read ${result.read}, write ${result.write}, timeout ${result.timeout}, non-2xx ${result.non2xx}\n`);
    expect(seen).toEqual([2, 3, 4, 5, 6]);
    expect(result.requests).toBeGreaterThan(1000);
    expect({ failures: failures(result), connectErrors: result.connectErrors }).toEqual({ failures: 0, connectErrors: 0 });
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, TIMEOUT * 6);
});

describe('serve: the primary checks every message a worker sends', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await stopServe(serve);
    serve = undefined;
  });

  test('random payloads on every channel are dropped with a warning naming the worker; the primary and its workers go on', async () => {
    const d = deployment('host = 127.0.0.1\nport = 0\nworkers = 1');
    d.conf(1, '\n[metrics]\nenabled = true\n');
    serve = startServe([d.ini], { bin: join(dist, 'cli/main.js') });
    const port = await listening(serve);
    // The payloads of the probe that crashed the primary, then random ones on each channel.
    const known = [
      { type: 'metrics:local', id: 0, metrics: {} },
      { type: 'metrics:local', id: 0, metrics: [{ name: 'x', help: 'x', type: 'counter', aggregator: 'nope', values: [] }] },
      { channel: 'rate_limiter_flexible', type: 'init' },
      { channel: 'rate_limiter_flexible', func: 'consume' },
      { channel: 'rate_limiter_flexible', keyPrefix: '__proto__', func: 'consume', promiseId: '1', data: { key: 'k' } },
    ];
    for (const message of known) expect((await request(port, '/ipc', { message })).status).toBe(200);
    const types = ['ready', 'failed', 'metrics:local', 'metrics:scrape', 'auth-purge', 'auth-purged', 'shutdown', 'x'];
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.constantFrom(...types), id: fc.oneof(fc.nat(), fc.jsonValue()), metrics: fc.jsonValue(), userId: fc.jsonValue(), host: fc.jsonValue(), port: fc.jsonValue(), error: fc.jsonValue() }, { requiredKeys: ['type'] }),
      fc.record({ channel: fc.constant('rate_limiter_flexible'), type: fc.constantFrom('init', 'x'), opts: fc.jsonValue(), keyPrefix: fc.jsonValue(),
        func: fc.constantFrom('consume', 'penalty', 'reward', 'block', 'get', 'delete', 'x'), promiseId: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: ['channel'] }),
    );
    await fc.assert(fc.asyncProperty(payload, async (message) => {
      expect((await request(port, '/ipc', { message })).status).toBe(200);
    }), { numRuns: 150 });
    // Still serving, with the same worker (a message it sent never cost it either), and a scrape still sums.
    expect(serve.child.exitCode).toBeNull();
    const [first] = await answers(port, 1);
    expect((await request(port, '/__metrics__')).status).toBe(200);
    expect((await answers(port, 1))[0].pid).toBe(first.pid);
    await serve.waitFor(/dropped a malformed message from worker \d+: 'metrics:local': metrics are not a prom-client registry as JSON/);
    expect(serve.output()).toMatch(/dropped a malformed message from worker \d+: rate_limiter_flexible init without keyPrefix/);
    expect(serve.output()).not.toMatch(/Uncaught|TypeError|\n[\t ]+at /);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, TIMEOUT * 2);
});
