import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BackendError, SyncServerApp, route } from '../../src/app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import type { CefSink, CefSinkHealth } from '../../src/cef/types';
import { createTestApp } from '../../src/testing/test-app';

class SickAuth extends DummyAuth {
  failure?: Error;
  hang = false;

  constructor() {
    super({ allow_dummy: true });
  }

  override async checkHealth() {
    if (this.hang) await new Promise(() => undefined);
    if (this.failure) throw this.failure;
  }
}

class DockerflowApp extends SyncServerApp {
  @route('GET', '/hello')
  hello() {
    return 'hi';
  }
}

class OwnCheckApp extends DockerflowApp {
  protected override async checkServer() {
    throw new Error('queue at postgresql://svc:hunter2@db.internal/queue is gone');
  }
}

function setup(config: FlatConfig = {}, App: typeof DockerflowApp = DockerflowApp) {
  const auth = new SickAuth();
  const test = createTestApp(App, config, { auth });
  return { ...test, auth, agent: () => request(test.app.callback()) };
}

const DOCKERFLOW: FlatConfig = { 'global.heartbeat_format': 'dockerflow' };

describe('/__lbheartbeat__', () => {
  test.each(['get', 'head', 'post'] as const)('%s: 200 without touching the backend', async (method) => {
    const { agent, auth } = setup();
    auth.hang = true; // a check would never answer
    await agent()[method]('/__lbheartbeat__').expect(200);
  });

  test('503 once the app is closing; renamed or turned off by global.lbheartbeat_page', async () => {
    const { agent, app } = setup({ 'global.lbheartbeat_page': 'lb' });
    await agent().get('/lb').expect(200, { status: 'ok' });
    await agent().get('/__lbheartbeat__').expect(404);
    const closed = app.close();
    await agent().get('/lb').expect(503);
    await closed;
    const off = setup({ 'global.lbheartbeat_page': '' });
    await off.agent().get('/__lbheartbeat__').expect(404);
  });
});

describe('/__heartbeat__, dockerflow format', () => {
  test('200 with every check and its status', async () => {
    const { agent, app } = setup(DOCKERFLOW);
    app.addHeartbeatCheck('queue', () => undefined);
    const res = await agent().get('/__heartbeat__').expect(200).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: 'ok', checks: { auth_backend: 'ok', cef_sink: 'ok', queue: 'ok' }, details: {} });
  });

  test('a failing backend is a 503 naming it, with a fixed message (the error is in the log only); the others still run', async () => {
    const { agent, auth, app, logs } = setup(DOCKERFLOW);
    let ran = 0;
    app.addHeartbeatCheck('queue', () => void ran++);
    auth.failure = new BackendError('SQLAuth.checkHealth: connect ECONNREFUSED mysql://sync:s3cret@10.0.0.7/sync');
    const res = await agent().get('/__heartbeat__').expect(503);
    expect(res.body).toEqual({
      status: 'error',
      checks: { auth_backend: 'error', cef_sink: 'ok', queue: 'ok' },
      details: { auth_backend: { status: 'error', level: 40, messages: { 'auth_backend.error': 'auth backend unavailable' } } },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/s3cret|10\.0\.0\.7|ECONNREFUSED/);
    expect(JSON.stringify(logs)).toContain('ECONNREFUSED');
    expect(ran).toBe(1);
    expect(logs.some((l) => l.level === 40 && l.msg === 'heartbeat: check auth_backend failed')).toBe(true);
  });

  test('a check that hangs fails after global.heartbeat_timeout', async () => {
    const { agent, auth } = setup({ ...DOCKERFLOW, 'global.heartbeat_timeout': 0.05 });
    auth.hang = true;
    const res = await agent().get('/__heartbeat__').expect(503);
    expect(res.body.details.auth_backend.messages['auth_backend.error']).toBe('Timeout: no answer within 0.05 s');
  });

  test('a warning keeps 200; an overridden checkServer is a check of its own', async () => {
    const { agent, app } = setup(DOCKERFLOW, OwnCheckApp);
    app.addHeartbeatCheck('disk', () => ({ status: 'warning', message: '91% full' }));
    const res = await agent().get('/__heartbeat__').expect(503);
    expect(res.body.checks).toEqual({ auth_backend: 'ok', cef_sink: 'ok', check_server: 'error', disk: 'warning' });
    expect(res.body.details.disk).toEqual({ status: 'warning', level: 30, messages: { 'disk.warning': '91% full' } });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');

    const warned = setup(DOCKERFLOW);
    warned.app.addHeartbeatCheck('disk', () => ({ status: 'warning', message: '91% full' }));
    expect((await warned.agent().get('/__heartbeat__').expect(200)).body.status).toBe('warning');
  });

  test('a CEF sink that is down is a warning', async () => {
    let health: CefSinkHealth = { ok: false, detail: 'udp collector is down' };
    const sink: CefSink = { description: 'udp', write: () => undefined, flush: async () => undefined, close: async () => undefined, health: () => health };
    const app = new DockerflowApp({ ...DOCKERFLOW, 'cef.vendor': 'm', 'cef.version': 0, 'cef.product': 'p', 'cef.device_version': '1' },
      { auth: new SickAuth(), cefSink: sink, logger: createTestApp(DockerflowApp).logger });
    const res = await request(app.callback()).get('/__heartbeat__').expect(200);
    expect(res.body).toMatchObject({ status: 'warning', checks: { cef_sink: 'warning' }, details: { cef_sink: { messages: { 'cef_sink.warning': 'CEF sink unreachable; events queued' } } } });
    health = { ok: true };
    expect((await request(app.callback()).get('/__heartbeat__').expect(200)).body.status).toBe('ok');
  });

  test('503 naming the shutdown once the app is closing', async () => {
    const { agent, app } = setup(DOCKERFLOW);
    const closed = app.close();
    const res = await agent().get('/__heartbeat__').expect(503);
    expect(res.body.checks).toEqual({ shutdown: 'error' });
    await closed;
  });

  test('check names are checked and unique', () => {
    const { app } = setup(DOCKERFLOW);
    expect(() => app.addHeartbeatCheck('bad name', () => undefined)).toThrow(/bad name/);
    expect(() => app.addHeartbeatCheck('auth_backend', () => undefined)).toThrow(/already registered/);
  });
});

describe('/__heartbeat__, legacy format (the default)', () => {
  test('empty 200; an added check that fails is a 503 with the legacy body', async () => {
    const { agent, app } = setup();
    let fail = false;
    app.addHeartbeatCheck('queue', () => {
      if (fail) throw new Error('queue gone');
    });
    const ok = await agent().get('/__heartbeat__').expect(200);
    expect(ok.text).toBe('');
    fail = true;
    await agent().get('/__heartbeat__').expect(503);
  });

  test('a hanging checkServer answers 503 after the timeout', async () => {
    const { agent, auth } = setup({ 'global.heartbeat_timeout': 0.05 });
    auth.hang = true;
    await agent().get('/__heartbeat__').expect(503);
  });

  test('bad values fail at start naming the key', () => {
    expect(() => setup({ 'global.heartbeat_format': 'xml' })).toThrow(new ConfigError('global.heartbeat_format: expected legacy or dockerflow, got "xml"'));
    expect(() => setup({ 'global.heartbeat_timeout': 0 })).toThrow(/global.heartbeat_timeout: expected a positive number of seconds/);
    expect(() => setup({ 'global.lbheartbeat_page': '__heartbeat__' })).toThrow(/global.lbheartbeat_page: \/__heartbeat__ is already global.heartbeat_page/);
  });
});

describe('/__version__', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'version-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const VERSION = { source: 'https://github.com/example/app', version: '1.2.3', commit: 'abc123', build: 'https://ci.example/1' };

  test('serves version.json from the app folder, read once at start (not by the constructor)', async () => {
    writeFileSync(join(dir, 'version.json'), '{"version":"before start"}');
    const { app } = createTestApp(DockerflowApp, {}, { baseDir: dir });
    writeFileSync(join(dir, 'version.json'), JSON.stringify(VERSION));
    await app.start();
    writeFileSync(join(dir, 'version.json'), '{"version":"changed"}');
    await request(app.callback()).get('/__version__').expect(200, VERSION).expect('Content-Type', /json/);
    await app.close();
  });

  test('global.version_file, relative to the app folder; 404 without any', async () => {
    writeFileSync(join(dir, 'build.json'), JSON.stringify(VERSION));
    const { app } = createTestApp(DockerflowApp, { 'global.version_file': 'build.json', 'global.version_page': 'v' }, { baseDir: dir });
    await request(app.callback()).get('/v').expect(200, VERSION);
    const none = createTestApp(DockerflowApp, {}, { baseDir: dir });
    await request(none.app.callback()).get('/__version__').expect(404);
  });

  test('a missing configured file stops the constructor; one that is not a JSON object stops the app at start', async () => {
    expect(() => createTestApp(DockerflowApp, { 'global.version_file': 'nope.json' }, { baseDir: dir })).toThrow(/global.version_file: cannot read .*nope.json/);
    writeFileSync(join(dir, 'version.json'), '[1]');
    const { app } = createTestApp(DockerflowApp, {}, { baseDir: dir });
    await expect(app.start()).rejects.toThrow(/must hold a JSON object/);
  });
});
