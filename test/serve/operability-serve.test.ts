import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverDatabase, type TestDatabase } from '../auth/sql-databases';
import { deployment, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';
import { describeService, useService } from '../services/describe-service';
import { freePort } from '../support/free-port';
import { mozlogRecord } from '../support/mozlog-record';
import { sample } from '../support/prometheus-text';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

/** One request on a new connection, so the cluster's round-robin picks a worker each time. */
function get(port: number, path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((done, fail) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        .on('end', () => done({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    }).on('error', fail).end();
  });
}

const until = (what: string, probe: () => Promise<boolean>, timeoutMs = 20_000) => waitFor(probe, { what, timeoutMs, intervalMs: 50 });

const VERSION = { source: 'https://github.com/example/app', version: '2.0.1', commit: 'deadbeef', build: 'https://ci.example/42' };
const N = 20;

describeService('pg', 'serve --workers 2: Dockerflow endpoints, MozLog, metrics summed over the workers', () => {
  let serve: ServeProcess | undefined;
  let db: TestDatabase | undefined;
  const proxy = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(useService('pg')?.SC_PG_URL ?? 'postgres://x@127.0.0.1:1').port) });
  afterEach(async () => {
    await stopServe(serve);
    serve = undefined;
    await proxy.stop();
    await db?.drop();
    db = undefined;
  });

  test('lbheartbeat, version, JSON heartbeat (PostgreSQL cut off and back), a scrape counting exactly N, MozLog lines, drain', async () => {
    db = await serverDatabase('postgres');
    await proxy.start();
    const sqluri = new URL(db.uri);
    sqluri.port = String(proxy.port);
    const { dir, ini } = deployment('port = 0\nworkers = 2', [
      '[global]', 'heartbeat_format = dockerflow', 'heartbeat_timeout = 3', 'graceful_shutdown_interval = 2',
      'log_format = mozlog', 'log_file = %DIR%/app.log', '',
      '[auth]', 'backend = sql', `sqluri = ${sqluri.toString()}`, 'pool_size = 2', '',
      '[metrics]', 'enabled = true', '',
    ].join('\n'));
    writeFileSync(join(dir, 'app.conf'), readFileSync(join(dir, 'app.conf'), 'utf8').replaceAll('%DIR%', dir));
    writeFileSync(join(dir, 'version.json'), JSON.stringify(VERSION));
    serve = startServe([ini], { logFile: join(dir, 'app.log') });
    const port = await listeningPort(serve);

    // N requests, each on a new connection: both workers answer some.
    const pids = new Set<number>();
    for (let i = 0; i < N; i++) pids.add((JSON.parse((await get(port, '/hello')).body) as { pid: number }).pid);
    expect(pids.size).toBe(2);

    // One scrape, whichever worker takes it, counts all N (twice: each worker answers one).
    for (let i = 0; i < 2; i++) {
      const scrape = await get(port, '/__metrics__');
      expect(scrape.status).toBe(200);
      expect(scrape.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sample(scrape.body, 'http_requests_total', { method: 'GET', route: '/hello', status_code: '200' })).toBe(N);
      expect(sample(scrape.body, 'http_request_duration_seconds_count', { method: 'GET', route: '/hello', status_code: '200' })).toBe(N);
    }

    for (let i = 0; i < 2; i++) expect(await get(port, '/__lbheartbeat__')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(JSON.parse((await get(port, '/__version__')).body)).toEqual(VERSION);
    const healthy = await get(port, '/__heartbeat__');
    expect(healthy.status).toBe(200);
    expect(JSON.parse(healthy.body)).toEqual({ status: 'ok', checks: { auth_backend: 'ok' }, details: {} });

    // PostgreSQL out of reach (its relay closed): the heartbeat says 503 and names the backend, on both workers.
    await proxy.stop();
    let down = 0;
    await until('two 503 heartbeats in a row', async () => {
      const res = await get(port, '/__heartbeat__');
      down = res.status === 503 ? down + 1 : 0;
      if (res.status === 503) {
        const body = JSON.parse(res.body) as { status: string; checks: Record<string, string>; details: Record<string, { messages: Record<string, string> }> };
        expect(body).toMatchObject({ status: 'error', checks: { auth_backend: 'error' } });
        expect(body.details.auth_backend.messages['auth_backend.error']).toBe('database unreachable'); // a fixed message: the error itself is logged only
      }
      return down >= 2;
    });
    // The load balancer heartbeat does not touch the backend.
    for (let i = 0; i < 2; i++) expect((await get(port, '/__lbheartbeat__')).status).toBe(200);
    await proxy.start();
    await until('the heartbeat to recover', async () => (await get(port, '/__heartbeat__')).status === 200);
    await until('the heartbeat to recover on the other worker too', async () => (await get(port, '/__heartbeat__')).status === 200);

    // MozLog: every line is the envelope; one request.summary per /hello, from both workers.
    const lines = readFileSync(join(dir, 'app.log'), 'utf8').trim().split('\n').map((line) => mozlogRecord(line));
    const hellos = lines.filter((r) => r.Type === 'request.summary' && r.Fields.path === '/hello');
    expect(hellos).toHaveLength(N);
    expect(new Set(hellos.map((r) => r.Pid))).toEqual(pids);
    expect(hellos[0].Fields).toMatchObject({ method: 'GET', code: 200, errno: 0, rid: expect.any(String), t: expect.any(Number) });

    // Drain: the load balancer heartbeat turns 503 while the workers still serve.
    serve.child.kill('SIGTERM');
    await until('a 503 from /__lbheartbeat__ during the drain', async () => (await get(port, '/__lbheartbeat__')).status === 503, 10_000);
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe('serve --workers 2 with metrics.port', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await stopServe(serve);
    serve = undefined;
  });

  test('the primary answers scrapes on metrics.port with the sum over the workers; the app port has no metrics page', async () => {
    const metricsPort = await freePort();
    const { ini } = deployment('port = 0\nworkers = 2', `[global]\ngraceful_shutdown_interval = 0\n\n[metrics]\nenabled = true\nport = ${metricsPort}\n`);
    serve = startServe([ini]);
    const port = await listeningPort(serve);
    const pids = new Set<number>();
    for (let i = 0; i < N; i++) pids.add((JSON.parse((await get(port, '/hello')).body) as { pid: number }).pid);
    expect(pids.size).toBe(2);
    expect((await get(port, '/__metrics__')).status).toBe(404);
    const scrape = await get(metricsPort, '/__metrics__');
    expect(scrape.status).toBe(200);
    expect(sample(scrape.body, 'http_requests_total', { route: '/hello', status_code: '200' })).toBe(N);
    expect(sample(scrape.body, 'http_requests_total', { route: 'unmatched' })).toBe(1);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    await expect(get(metricsPort, '/__metrics__')).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});
