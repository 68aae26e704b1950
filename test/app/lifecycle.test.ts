import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, type IncomingMessage, get, request as httpRequest } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { waitFor } from '../support/wait-for';
import { webobDetail } from '../support/webob-page';

class TrackingAuth extends DummyAuth {
  opened = false;
  closed = false;
  openError?: Error;

  constructor() {
    super({ allow_dummy: true });
  }

  async open() {
    if (this.openError) throw this.openError;
    this.opened = true;
  }

  override async close() {
    this.closed = true;
  }
}

class LifeApp extends SyncServerApp {
  release?: () => void;
  started?: () => void;

  @route('GET', '/slow')
  async slow() {
    this.started?.();
    await new Promise<void>((resolve) => {
      this.release = resolve;
    });
    return 'finished';
  }

  @route('GET', '/me')
  @authenticated
  me(ctx: AppContext) {
    return { user: ctx.state.user?.name, ip: ctx.state.clientIp, koaIp: ctx.ip };
  }

  @route('GET', '/:username/info')
  @authenticated
  info() {
    return 'info';
  }

  @route('POST', '/upload', { body: 'json', limit: 1000 })
  upload(ctx: AppContext) {
    return { size: JSON.stringify(ctx.request.body).length };
  }
}

interface Reply { status: number; headers: IncomingMessage['headers']; body: string }

function fetchText(port: number, pathName: string, headers: Record<string, string> = {}, agent = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: pathName, headers, agent: agent ? undefined : false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Writes raw bytes and returns the first response line. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(data.split('\r\n')[0]));
  });
}

const lifeApp = (config: FlatConfig = {}) => createTestApp(LifeApp, config, { dummyAuth: true });

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('listen and close', () => {
  test('listen opens the backend and serves on a real socket; close closes backend and CEF', async () => {
    const auth = new TrackingAuth();
    const { app, cef } = createTestApp(LifeApp, {}, { auth });
    const cefClose = jest.spyOn(cef, 'close');
    const server = await app.listen();
    expect(auth.opened).toBe(true);
    const { port } = server.address() as AddressInfo;
    const res = await fetchText(port, '/me', { Authorization: basic('bob', 'pw') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ user: 'bob', ip: '127.0.0.1', koaIp: '127.0.0.1' });
    await app.close();
    expect(server.listening).toBe(false);
    expect(auth.closed).toBe(true);
    expect(cefClose).toHaveBeenCalledTimes(1);
    await expect(app.close()).resolves.toBeUndefined();
    await expect(app.listen()).rejects.toThrow(/LifeApp\.listen: already closed/);
  });

  test('an unreachable backend is a clear error from listen', async () => {
    const auth = new TrackingAuth();
    auth.openError = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const { app } = createTestApp(LifeApp, {}, { auth });
    await expect(app.listen()).rejects.toThrow("LifeApp.listen: the auth backend 'dummy' cannot be reached: connect ECONNREFUSED 127.0.0.1:1");
    await app.close();
  });

  test('a port in use is a clear error', async () => {
    const first = lifeApp().app;
    const { port } = (await first.listen()).address() as AddressInfo;
    const second = lifeApp().app;
    await expect(second.listen(port)).rejects.toThrow(`LifeApp.listen: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    await Promise.all([first.close(), second.close()]);
  });

  test('graceful: the heartbeat turns 503 first, in-flight requests finish, then the listener stops', async () => {
    const auth = new TrackingAuth();
    const { app } = createTestApp(LifeApp, { 'global.graceful_shutdown_interval': 0.3 }, { auth });
    const server = await app.listen();
    const { port } = server.address() as AddressInfo;
    expect((await fetchText(port, '/__heartbeat__')).status).toBe(200);
    const started = new Promise<void>((resolve) => (app.started = resolve));
    const inFlight = fetchText(port, '/slow');
    await started;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    const heartbeat = await fetchText(port, '/__heartbeat__');
    expect(heartbeat.status).toBe(503);
    expect((await fetchText(port, '/me', { Authorization: basic('x', 'y') })).status).toBe(200);
    // The graceful window ends (the listener stops); close() still waits for the request in flight.
    await waitFor(() => !server.listening, { what: 'the listener to close' });
    expect(server.listening).toBe(false);
    expect(closed).toBe(false);
    expect(auth.closed).toBe(false);
    app.release?.();
    const slow = await inFlight;
    expect(slow).toMatchObject({ status: 200, body: 'finished' });
    expect(slow.headers.connection).toBe('close');
    await closing;
    expect(auth.closed).toBe(true);
    await expect(fetchText(port, '/__heartbeat__')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('malformed input on a real socket is never a 500', () => {
  let app: LifeApp;
  let port: number;
  beforeAll(async () => {
    app = lifeApp().app;
    port = ((await app.listen()).address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  test.each([
    ['bad percent-encoding', '/me/%E0%A4%A'],
    ['percent-encoded bytes that are not UTF-8', '/hello/%ff'],
  ])('%s in the path: 400', async (_what, pathName) => {
    const res = await fetchText(port, pathName);
    expect(res.status).toBe(400);
    expect(webobDetail(res.body)).toBe('Malformed path: bad percent-encoding');
  });

  test('huge headers: 431 from Node before the app', async () => {
    expect(await raw(port, `GET /me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  test('a broken request line: 400', async () => {
    expect(await raw(port, 'NOT HTTP AT ALL\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
  });

  test('a chunked JSON body that grows past the limit: 413, the connection closed', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.write(`["${'x'.repeat(600)}`);
      setTimeout(() => req.end(`${'y'.repeat(600)}"]`), 20);
    });
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
  });

  test('a chunked body within the limit is parsed', async () => {
    const res = await request(app.callback()).post('/upload').send(['a', 'b']).expect(200);
    expect(res.body).toEqual({ size: 9 });
  });
});

describe('client IP through trusted proxies', () => {
  test('loopback is trusted by default: the client is taken from X-Forwarded-For, and CEF reports it', async () => {
    const { app, cef } = lifeApp();
    const res = await request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).set('X-Forwarded-For', '203.0.113.9').expect(200);
    expect(res.body.ip).toBe('203.0.113.9');
    expect(res.body.koaIp).toBe('203.0.113.9');
    await request(app.callback()).get('/alice/info').set('Authorization', basic('bob', 'pw')).set('X-Forwarded-For', '203.0.113.9').expect(401);
    cef.assertLogged({ name: 'Username Does Not Match URL', extensions: { src: '203.0.113.9' } });
  });

  test('a forged X-Forwarded-For from an untrusted peer is ignored (Q-C6)', async () => {
    const { app } = lifeApp({ 'global.trusted_proxies': '10.0.0.0/8' });
    const res = await request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).set('X-Forwarded-For', '203.0.113.9').expect(200);
    expect(res.body.ip).toBe('127.0.0.1');
  });

  test('the walk stops at the first untrusted hop from the right', async () => {
    const { app } = lifeApp({ 'global.trusted_proxies': ['127.0.0.1', '10.0.0.0/8'] });
    const get = (xff: string) => request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).set('X-Forwarded-For', xff);
    expect((await get('198.51.100.7, 10.1.2.3')).body.ip).toBe('198.51.100.7');
    expect((await get('6.6.6.6, 203.0.113.5, 10.1.2.3')).body.ip).toBe('203.0.113.5');
    expect((await get('10.9.9.9, 10.1.2.3')).body.ip).toBe('10.9.9.9');
    expect((await get('garbage, 10.1.2.3')).body.ip).toBe('10.1.2.3');
  });
});

describe('access log switch (Q-C9)', () => {
  const COMBINED = /^127\.0\.0\.1 - bob \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET \/me\?x=1 HTTP\/1\.1" 200 \d+ "http:\/\/ref\.example\/" "agent \\"q\\""$/;

  test.each([['debug', { debug: true }], ['translogger', { translogger: true }], ['global.debug', { 'global.debug': true }]])(
    '%s writes one Apache combined line per request', async (_key, config) => {
      const { app, logs } = lifeApp(config);
      const res = await request(app.callback()).get('/me?x=1').set('Authorization', basic('bob', 'pw'))
        .set('Referer', 'http://ref.example/').set('User-Agent', 'agent "q"').expect(200);
      const lines = logs.filter((l) => l.msg.includes('"GET /me'));
      expect(lines).toHaveLength(1);
      expect(lines[0].msg).toMatch(COMBINED);
      expect(lines[0]).toMatchObject({ level: 30, name: 'syncserver', requestId: res.headers['x-request-id'] });
    });

  test('off by default', async () => {
    const { app, logs } = lifeApp();
    await request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).expect(200);
    expect(logs.filter((l) => l.msg.includes('"GET /me'))).toHaveLength(0);
  });
});

describe('fromConfigFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'app-config-'));
  writeFileSync(path.join(dir, 'app.conf'), [
    '[global]', 'retry_after = 77', '', '[auth]', 'backend = dummy', 'allow_dummy = true', '',
    '[cef]', 'use = false', '', '[host:node0]', 'storage.sqluri = sqlite:///node0.db', '',
    '[storage]', 'sqluri = sqlite:///base.db', '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'development.ini'), [
    '[DEFAULT]', 'debug = true', '', '[app:main]', 'use = egg:SyncServer', 'configuration = file:%(here)s/app.conf', '',
    '[server:main]', 'use = egg:Paste#http', 'host = 127.0.0.1', 'port = 5000', '',
  ].join('\n'));

  test('a plain .conf', async () => {
    const app = await LifeApp.fromConfigFile(path.join(dir, 'app.conf'), { logger: lifeApp().logger });
    expect(app).toBeInstanceOf(LifeApp);
    expect(app.config['global.retry_after']).toBe(77);
    expect(app.auth?.name).toBe('dummy');
    expect(app.config.debug).toBeUndefined();
    await app.close();
  });

  test('a paste-style deployment .ini with [app:main] and configuration = file:', async () => {
    const { logger, logs } = lifeApp();
    const app = await LifeApp.fromConfigFile(path.join(dir, 'development.ini'), { logger });
    expect(app.config.debug).toBe(true);
    expect(app.config['global.retry_after']).toBe(77);
    await request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).expect(200);
    expect(logs.some((l) => /"GET \/me HTTP\/1\.1" 200/.test(l.msg))).toBe(true);
    await app.close();
  });
});

describe('one lifecycle: new → starting → serving → draining → closed', () => {
  const cefConfig = (dir: string): FlatConfig => ({
    'cef.file': path.join(dir, 'cef.log'), 'cef.vendor': 'v', 'cef.version': 0, 'cef.product': 'p', 'cef.device_version': 1,
  });

  class GatedAuth extends TrackingAuth {
    gate?: Promise<void>;
    closes = 0;
    override async open() {
      await this.gate;
      await super.open();
    }
    override async close() {
      this.closes++;
      await super.close();
    }
  }

  test('the constructor opens nothing: the CEF file appears at start, and a constructor that throws leaves nothing behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lifecycle-'));
    class BadRoutes extends SyncServerApp {
      @route('GET', '/x')
      one() {
        return 'one';
      }

      @route('GET', '/x')
      two() {
        return 'two';
      }
    }
    expect(() => new BadRoutes({ ...cefConfig(dir), 'auth.backend': 'dummy', 'auth.allow_dummy': true }, { logger: lifeApp().logger })).toThrow(/Invalid routes/);
    expect(existsSync(path.join(dir, 'cef.log'))).toBe(false);

    const auth = new TrackingAuth();
    const app = new LifeApp(cefConfig(dir), { auth, logger: lifeApp().logger });
    expect(app.lifecycleState).toBe('new');
    expect(existsSync(path.join(dir, 'cef.log'))).toBe(false);
    expect(auth.opened).toBe(false);
    await app.listen();
    expect(app.lifecycleState).toBe('serving');
    expect(existsSync(path.join(dir, 'cef.log'))).toBe(true);
    expect(auth.opened).toBe(true);
    await app.close();
    expect(app.lifecycleState).toBe('closed');
  });

  test('close() from new opens nothing and ends closed', async () => {
    const auth = new TrackingAuth();
    const { app } = createTestApp(LifeApp, {}, { auth });
    await app.close();
    expect(app.lifecycleState).toBe('closed');
    expect(auth.opened).toBe(false);
    await expect(app.listen()).rejects.toThrow(/already closed/);
  });

  test('close() while starting waits for the start, never listens, closes what was opened, once', async () => {
    const auth = new GatedAuth();
    let release!: () => void;
    auth.gate = new Promise<void>((resolve) => (release = resolve));
    const { app, cef } = createTestApp(LifeApp, {}, { auth });
    const cefClose = jest.spyOn(cef, 'close');
    const listening = app.listen();
    expect(app.lifecycleState).toBe('starting');
    const closing = app.close();
    expect(app.lifecycleState).toBe('draining');
    expect(app.isDraining()).toBe(true);
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    const server = await listening;
    await closing;
    expect(server.listening).toBe(false);
    expect(auth.opened).toBe(true);
    expect(auth.closes).toBe(1);
    expect(cefClose).toHaveBeenCalledTimes(1);
    expect(app.lifecycleState).toBe('closed');
  });

  test('a failed start closes what it opened (reverse order, once) and the app ends closed', async () => {
    const order: string[] = [];
    const auth = new GatedAuth();
    auth.openError = new Error('directory down');
    const { app, cef } = createTestApp(LifeApp, {}, { auth });
    jest.spyOn(cef, 'close').mockImplementation(async () => {
      order.push('cef');
    });
    jest.spyOn(auth, 'close').mockImplementation(async () => {
      order.push('auth');
    });
    await expect(app.listen()).rejects.toThrow(/cannot be reached: directory down/);
    expect(app.lifecycleState).toBe('closed');
    expect(order).toEqual(['auth', 'cef']);
    await app.close();
    expect(order).toEqual(['auth', 'cef']);
  });

  test('the first request through callback() starts the app', async () => {
    const auth = new TrackingAuth();
    const { app } = createTestApp(LifeApp, {}, { auth });
    await request(app.callback()).get('/me').set('Authorization', basic('bob', 'pw')).expect(200);
    expect(auth.opened).toBe(true);
    expect(app.lifecycleState).toBe('serving');
    await app.close();
    expect(auth.closed).toBe(true);
  });
});

describe('draining', () => {
  /** A keep-alive agent with one socket, as nginx's upstream keepalive uses. */
  function keepAliveGet(agent: Agent, port: number, pathName: string, onSocket?: (socket: Socket) => void): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: pathName, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      }).on('error', reject);
      if (onSocket) req.once('socket', onSocket);
    });
  }

  test('a keep-alive request in flight: its response says Connection: close and close() resolves without waiting for the hard limit', async () => {
    const { app } = lifeApp({ 'global.graceful_shutdown_interval': 0, 'global.hard_shutdown_interval': 600 });
    const { port } = (await app.listen()).address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let socketClosed!: Promise<void>;
    const started = new Promise<void>((resolve) => (app.started = resolve));
    const inFlight = keepAliveGet(agent, port, '/slow', (socket) => {
      socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    });
    await started;
    const closing = app.close();
    app.release?.();
    const reply = await inFlight;
    expect(reply).toMatchObject({ status: 200, body: 'finished' });
    expect(reply.headers.connection).toBe('close');
    // Before: the socket stayed open and close() resolved only at the hard limit (600 s here).
    await closing;
    await socketClosed;
    agent.destroy();
  }, 10_000);

  test('idle keep-alive connections are closed as soon as the stop begins, while the listener still accepts; new responses say Connection: close', async () => {
    const { app } = lifeApp({ 'global.graceful_shutdown_interval': 1, 'global.hard_shutdown_interval': 1 });
    const server = await app.listen();
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await keepAliveGet(agent, port, '/__heartbeat__');
    expect(first.headers.connection).toBe('keep-alive');
    const idle = Object.values(agent.freeSockets).flat()[0] as Socket;
    const idleClosed = new Promise<boolean>((resolve) => idle.once('close', () => resolve(server.listening)));
    const closing = app.close();
    expect(await idleClosed).toBe(true);
    const during = await keepAliveGet(agent, port, '/__heartbeat__');
    expect(during.status).toBe(503);
    expect(during.headers.connection).toBe('close');
    agent.destroy();
    await closing;
    expect(server.listening).toBe(false);
  }, 10_000);
});

describe('server timeouts from config', () => {
  let app: LifeApp | undefined;
  afterEach(() => app?.close());

  async function listening(config: FlatConfig): Promise<number> {
    app = lifeApp(config).app;
    return ((await app.listen()).address() as AddressInfo).port;
  }

  /** Sends `bytes`, keeps the socket open, and resolves with all the server sent until it closed. */
  function hold(port: number, bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });
  }

  test('global.headers_timeout: a client that never finishes its headers gets 408', async () => {
    const port = await listening({ 'global.headers_timeout': 0.3, 'global.request_timeout': 30 });
    expect((await hold(port, 'GET /me HTTP/1.1\r\nHost: x\r\nX-Slow: ')).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  }, 10_000);

  test('global.request_timeout: a body that never arrives gets 408', async () => {
    const port = await listening({ 'global.headers_timeout': 0.2, 'global.request_timeout': 0.4 });
    const reply = await hold(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,');
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  }, 10_000);

  test('global.keep_alive_timeout: announced in Keep-Alive and applied to idle connections', async () => {
    const port = await listening({ 'global.keep_alive_timeout': 0.5 });
    const reply = await hold(port, 'GET /__heartbeat__ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply).toMatch(/\r\nKeep-Alive: timeout=0\r\n|\r\nKeep-Alive: timeout=1\r\n/);
  }, 10_000);

  test('the defaults suit nginx in front: keep-alive 75 s (longer than nginx\'s 60 s)', async () => {
    const port = await listening({});
    const reply = await fetchText(port, '/__heartbeat__', {}, true);
    expect(reply.headers['keep-alive']).toBe('timeout=75');
  });
});
