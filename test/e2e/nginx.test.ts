import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { ROOT, deployment, listeningPort, startServe, stopServe, type ServeProcess } from './fixtures/serve-process';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';

const NGINX = '/usr/sbin/nginx';
const CLIENT = '127.0.0.5'; // the "real" client's address
const PROXY = '127.0.0.2'; // nginx's address towards the app (proxy_bind)
const required = process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, localAddress: CLIENT, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        .on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail).end();
  });
}


/** The sample's nginx.conf, made to run under a temp prefix on loopback ports; each edit must apply. */
function nginxConf(dir: string, nginxPort: number, appPort: number): string {
  let conf = readFileSync(join(ROOT, 'samples/deploy/nginx.conf'), 'utf8');
  const edits: Array<[RegExp, string]> = [
    [/listen 80;/, `listen 127.0.0.1:${nginxPort};`],
    [/server 127\.0\.0\.1:8000;/, `server 127.0.0.1:${appPort};`],
    [/include services-core-proxy\.conf;/, `include services-core-proxy.conf;\n            proxy_bind ${PROXY};`],
    [/http \{/, `http {\n    access_log ${dir}/access.log;\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;`],
  ];
  for (const [pattern, replacement] of edits) {
    if (!pattern.test(conf)) throw new Error(`samples/deploy/nginx.conf no longer has ${pattern}`);
    conf = conf.replace(pattern, replacement);
  }
  return conf;
}

const haveNginx = existsSync(NGINX);
if (!haveNginx && required) {
  test('needs nginx', () => {
    throw new Error(`${NGINX} is not installed; CI=true or REQUIRE_SERVICES=1 requires it (apt-get install nginx-light)`);
  });
} else if (!haveNginx) {
  process.stderr.write(`SKIPPED (nginx not installed at ${NGINX}): nginx in front of services-core serve\n`);
}

(haveNginx ? describe : describe.skip)('nginx in front of services-core serve (2 workers)', () => {
  let dir: string;
  let serve: ServeProcess | undefined;
  let nginx: ChildProcess | undefined;
  let port: number;
  let appPort: number;

  beforeAll(async () => {
    appPort = await freePort();
    port = await freePort();
    const conf = [
      '[global]', 'graceful_shutdown_interval = 1', `trusted_proxies = ${PROXY}`, '',
      '[auth]', 'backend = sql', 'sqluri = sqlite:///DIR/users.db', '',
      '[cef]', 'file = DIR/cef.log', 'vendor = mozilla', 'version = 0', 'device_version = 1', 'product = e2e', '',
    ].join('\n');
    ({ dir } = deployment(`host = 127.0.0.1\nport = ${appPort}\nworkers = 2`, conf));
    writeFileSync(join(dir, 'app.conf'), conf.replaceAll('DIR', dir));
    const users = new SQLAuth({ sqluri: `sqlite:///${dir}/users.db` });
    await users.createUser('alice', 'correct horse', 'alice@example.com');
    await users.close();

    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, appPort));
    writeFileSync(join(dir, 'services-core-proxy.conf'), readFileSync(join(ROOT, 'samples/deploy/services-core-proxy.conf')));
    const global = `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;${process.getuid?.() === 0 ? ' user root;' : ''}`;
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', global], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErrors = '';
    nginx.stderr?.on('data', (chunk: Buffer) => (nginxErrors += chunk.toString()));

    serve = startServe([join(dir, 'deployment.ini')]);
    expect(await listeningPort(serve)).toBe(appPort);
    const proxy = nginx;
    await waitFor(async () => {
      if (proxy.exitCode !== null) throw new Error(`nginx exited: ${nginxErrors}`);
      return call(port, '/__heartbeat__').then((r) => r.status === 200, () => false);
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'nginx to come up' });
  }, 60_000);

  afterAll(async () => {
    await stopServe(serve);
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((done) => nginx?.once('exit', done));
    }
  });

  test('routing through the proxy: a route, 404, 405 with Allow, the request id from nginx', async () => {
    const hello = await call(port, '/hello');
    expect(hello.status).toBe(200);
    expect(JSON.parse(hello.body)).toMatchObject({ hello: 'world' });
    expect(hello.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect((await call(port, '/nowhere/at/all')).status).toBe(404);
    const wrongMethod = await new Promise<Reply>((done, fail) => {
      httpRequest({ host: '127.0.0.1', port, path: '/hello', method: 'DELETE', agent: false }, (res) => {
        res.resume().on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
      }).on('error', fail).end();
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toMatch(/GET/);
  });

  test('Basic auth through the proxy; the app sees the real client address', async () => {
    const good = await call(port, '/alice/info', { Authorization: `Basic ${Buffer.from('alice:correct horse').toString('base64')}` });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body)).toEqual({ user: 'alice', ip: CLIENT });
    const bad = await call(port, '/alice/info', { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Basic realm="Sync"');
  });

  test('the heartbeat through the proxy: 200, empty', async () => {
    expect(await call(port, '/__heartbeat__')).toMatchObject({ status: 200, body: '' });
  });

  test('CEF src is the real client: via the trusted proxy, and a forged X-Forwarded-For is ignored (through nginx and direct)', async () => {
    const forged = { 'X-Forwarded-For': '203.0.113.66', Authorization: `Basic ${Buffer.from('mallory:guess').toString('base64')}` };
    expect((await call(port, '/mallory/info', forged)).status).toBe(401);
    expect((await call(appPort, '/mallory/info', { ...forged, Authorization: `Basic ${Buffer.from('mallory:direct').toString('base64')}` })).status).toBe(401);
    const lines = readFileSync(join(dir, 'cef.log'), 'utf8').trim().split('\n').filter((l) => l.includes('service mallory'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toContain(` src=${CLIENT} `);
      expect(line).not.toContain('203.0.113.66');
    }
    expect(lines[0]).toContain(`dhost=127.0.0.1:${port}`);
  });

  test('SIGTERM during a burst of 200 requests: every one answers 200, the heartbeat turns 503, serve exits 0', async () => {
    const running = serve as ServeProcess;
    const burst = Array.from({ length: 200 }, () => call(port, '/slow?ms=2500'));
    await running.waitForCount('slow request started', 200);
    running.child.kill('SIGTERM');
    // the workers get the signal at their own pace: poll until the heartbeat changes (it must, long before the burst ends)
    const draining = await waitFor(async () => {
      const { status } = await call(port, '/__heartbeat__');
      return status === 200 ? undefined : status;
    }, { timeoutMs: 2000, what: 'the heartbeat to stop answering 200' });
    expect(draining).toBe(503);
    const replies = await Promise.all(burst);
    expect(replies.filter((r) => r.status !== 200 || r.body !== 'done').map((r) => `${r.status} ${r.body}`)).toEqual([]);
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect((await call(port, '/hello')).status).toBe(502);
  }, 60_000);
});
