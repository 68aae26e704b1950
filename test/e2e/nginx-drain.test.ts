import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { WRK, WRK_MISSING, failures, runWrk } from '../support/wrk';
import { ROOT, deployment, listeningPort, startServe, stopServe, type ServeProcess } from './fixtures/serve-process';
import { waitFor } from '../support/wait-for';

const NGINX = '/usr/sbin/nginx';
const required = process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';
const ready = existsSync(NGINX) && WRK !== undefined;

function status(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume().on('end', () => done(res.statusCode ?? 0));
    }).on('error', fail).end();
  });
}

/** The pid of the worker that answered `/hello` through nginx. */
function helloPid(port: number): Promise<number> {
  return new Promise((done, fail) => {
    httpRequest({ host: '127.0.0.1', port, path: '/hello', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        try {
          done((JSON.parse(body) as { pid: number }).pid);
        } catch {
          done(0);
        }
      });
    }).on('error', fail).end();
  });
}

/** The sample nginx.conf with two `serve` processes as upstreams (a rolling restart's setup). */
function nginxConf(dir: string, nginxPort: number, appPorts: number[]): string {
  let conf = readFileSync(join(ROOT, 'samples/deploy/nginx.conf'), 'utf8');
  const edits: Array<[RegExp, string]> = [
    [/listen 80;/, `listen 127.0.0.1:${nginxPort};`],
    [/server 127\.0\.0\.1:8000;/, appPorts.map((p) => `server 127.0.0.1:${p};`).join('\n        ')],
    [/http \{/, `http {\n    access_log ${dir}/access.log;\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;`],
  ];
  for (const [pattern, replacement] of edits) {
    if (!pattern.test(conf)) throw new Error(`samples/deploy/nginx.conf no longer has ${pattern}`);
    conf = conf.replace(pattern, replacement);
  }
  return conf;
}

if (!ready && required) {
  test('needs nginx and wrk', () => {
    throw new Error(`${existsSync(NGINX) ? WRK_MISSING : `${NGINX} is missing`}; CI=true or REQUIRE_SERVICES=1 requires nginx and wrk`);
  });
} else if (!ready) {
  process.stderr.write(`SKIPPED (${existsSync(NGINX) ? WRK_MISSING : `nginx missing at ${NGINX}`}): rolling restarts behind nginx under load\n`);
}

(ready ? describe : describe.skip)('rolling restarts behind nginx under load (wrk)', () => {
  let nginx: ChildProcess | undefined;
  const serves: Array<ServeProcess | undefined> = [undefined, undefined];

  afterAll(async () => {
    for (const serve of serves) await stopServe(serve);
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((done) => nginx?.once('exit', done));
    }
  });

  test('SIGTERM to one of two serve processes (2 workers each), 4 times, keep-alive upstreams: no request fails', async () => {
    const appPorts = [await freePort(), await freePort()];
    const port = await freePort();
    const { dir } = deployment('', '');
    const inis = appPorts.map((appPort, i) => {
      const { ini } = deployment(`host = 127.0.0.1\nport = ${appPort}\nworkers = 2`, '[global]\ngraceful_shutdown_interval = 0.5\n');
      serves[i] = startServe([ini]);
      return ini;
    });
    for (const [i, serve] of serves.entries()) expect(await listeningPort(serve as ServeProcess)).toBe(appPorts[i]);

    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, appPorts));
    writeFileSync(join(dir, 'services-core-proxy.conf'), readFileSync(join(ROOT, 'samples/deploy/services-core-proxy.conf')));
    const global = `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;${process.getuid?.() === 0 ? ' user root;' : ''}`;
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', global], { stdio: 'ignore' });
    const proxy = nginx;
    await waitFor(async () => {
      if (proxy.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      return (await status(port, '/__heartbeat__').catch(() => 0)) === 200;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'nginx to come up' });

    const rounds: string[] = [];
    for (let round = 0; round < 4; round++) {
      const victim = round % 2;
      const load = runWrk(`http://127.0.0.1:${port}/hello`, { seconds: 3 });
      await load.loaded;
      const serve = serves[victim] as ServeProcess;
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      const result = await load.done;
      expect(result.requests).toBeGreaterThan(300);
      rounds.push(`round ${round}: ${failures(result)} failed (read ${result.read}, write ${result.write}, connect ${result.connectErrors}, timeout ${result.timeout}, non-2xx ${result.non2xx})`);
      // Bring it back, as a rolling restart does, and wait until nginx sends it traffic again
      // (nginx keeps an upstream that failed aside for fail_timeout, 10 s by default): only
      // then may the other one stop.
      const back = startServe([inis[victim]]);
      serves[victim] = back;
      expect(await listeningPort(back)).toBe(appPorts[victim]);
      const pids = new Set([...back.output().matchAll(/worker (\d+) ready/g)].map((m) => Number(m[1])));
      await waitFor(async () => pids.has(await helloPid(port)), { timeoutMs: 30_000, intervalMs: 100, what: 'nginx to send traffic to the restarted upstream' });
    }
    expect(rounds).toEqual([0, 1, 2, 3].map((r) => `round ${r}: 0 failed (read 0, write 0, connect 0, timeout 0, non-2xx 0)`));
  }, 180_000);
});
