import request from 'supertest';
import {
  BackendError, HttpError, ServiceUnavailableError, SyncServerApp, WEAVE_INVALID_CAPTCHA, jsonBadRequest, route, type AppContext,
} from '../../src/app';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { webobDetail } from '../support/webob-page';

class FailingApp extends SyncServerApp {
  @route('GET', '/backend')
  backend() {
    throw new BackendError('database is down');
  }

  @route('GET', '/backend-own/:seconds')
  backendOwn(ctx: AppContext) {
    throw new BackendError('node is moving', { retryAfter: Number(ctx.params.seconds) });
  }

  @route('GET', '/crash')
  crash(ctx: AppContext) {
    ctx.set('X-Half-Done', 'yes');
    throw new TypeError('secret detail of the failure');
  }

  @route('GET', '/async-crash')
  async asyncCrash() {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('later failure');
  }

  @route('GET', '/http-error')
  httpError() {
    throw new HttpError(409, 'Already exists', { headers: { 'X-Why': 'duplicate' } });
  }

  @route('GET', '/hidden')
  hidden() {
    throw new HttpError(502, 'upstream 10.0.0.3 refused', { expose: false });
  }

  @route('GET', '/captcha')
  captcha() {
    throw jsonBadRequest(WEAVE_INVALID_CAPTCHA);
  }

  @route('GET', '/koa-throw')
  koaThrow(ctx: AppContext) {
    ctx.throw(418, 'I am a teapot');
  }

  @route('GET', '/ok')
  ok() {
    return { ok: true };
  }
}

function setup(config: FlatConfig = {}) {
  const test = createTestApp(FailingApp, config);
  return { ...test, agent: () => request(test.app.callback()) };
}

const crashIdOf = (text: string) => /crash id ([0-9a-f]{16})\b/.exec(text)?.[1];

describe('error mapping (docs/compatibility.md C.8, docs/compatibility.md R.6)', () => {
  test('a BackendError is a 503 with Retry-After: global.retry_after (default 1800) and a logged crash id', async () => {
    const { agent, logs } = setup();
    const res = await agent().get('/backend').expect(503);
    expect(res.headers['retry-after']).toBe('1800');
    const crashId = crashIdOf(res.text);
    expect(crashId).toBeDefined();
    const entry = logs.find((l) => l.crashId === crashId);
    expect(entry).toMatchObject({ level: 50, name: 'syncserver', status: 503, path: '/backend' });
    expect((entry?.err as { message: string }).message).toBe('database is down');
    expect(res.headers['x-weave-timestamp']).toBeUndefined();
  });

  test('global.retry_after = 60 gives Retry-After: 60', async () => {
    const { agent } = setup({ 'global.retry_after': 60 });
    await agent().get('/backend').expect(503).expect('Retry-After', '60');
  });

  test('BackendError.retryAfter overrides the config; 0 omits the header', async () => {
    const { agent } = setup({ 'global.retry_after': 60 });
    await agent().get('/backend-own/120').expect(503).expect('Retry-After', '120');
    const res = await agent().get('/backend-own/0').expect(503);
    expect(res.headers['retry-after']).toBeUndefined();
  });

  test('another exception is a 500 with a short text body carrying the crash id, and no stack', async () => {
    const { agent, logs } = setup();
    const res = await agent().get('/crash').expect(500);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^An unexpected error occurred \(crash id [0-9a-f]{16}\)$/);
    expect(res.text).not.toContain('secret detail');
    expect(res.headers['x-half-done']).toBeUndefined();
    expect(res.headers['x-request-id']).toBeDefined();
    const crashId = crashIdOf(res.text);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ crashId, requestId: res.headers['x-request-id'] });
    expect((errors[0].err as { stack: string }).stack).toContain('secret detail of the failure');
  });

  test('asynchronous failures are caught the same way', async () => {
    const { agent } = setup();
    const res = await agent().get('/async-crash').expect(500);
    expect(crashIdOf(res.text)).toBeDefined();
  });

  test.each([
    ['client_debug (paste [DEFAULT])', { client_debug: true }],
    ['global.client_debug', { 'global.client_debug': 'true' }],
  ])('%s puts the stack in the 500 body', async (_what, config) => {
    const { agent } = setup(config);
    const res = await agent().get('/crash').expect(500);
    expect(res.text).toMatch(/^An unexpected error occurred \(crash id [0-9a-f]{16}\)\n\nTypeError: secret detail of the failure\n\s+at /);
  });

  test('HttpErrors keep status, message and headers', async () => {
    const { agent, logs } = setup();
    const res = await agent().get('/http-error').expect(409).expect('X-Why', 'duplicate');
    expect(webobDetail(res.text)).toBe('Already exists');
    expect(logs.filter((l) => l.level >= 50)).toHaveLength(0);
  });

  test('a client error (4xx) carries no stack frames, a server error (5xx) does, and the stack depth setting is left as it was', () => {
    const limit = Error.stackTraceLimit;
    const frames = (err: Error) => String(err.stack).split('\n').filter((line) => line.trimStart().startsWith('at ')).length;
    expect(frames(new HttpError(404, 'gone'))).toBe(0);
    expect(String(new HttpError(404, 'gone').stack)).toContain('gone');
    expect(frames(new HttpError(503, 'down'))).toBeGreaterThan(0);
    expect(frames(new BackendError('down'))).toBeGreaterThan(0);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  test('an HttpError that is not exposed shows no detail', async () => {
    const { agent } = setup();
    const res = await agent().get('/hidden').expect(502);
    expect(res.text).toBe('502 Bad Gateway\n\nBad gateway.\n\n   ');
  });

  test('jsonBadRequest(code) sends the code as a JSON body (docs/compatibility.md E)', async () => {
    const { agent } = setup();
    const res = await agent().get('/captcha').expect(400);
    expect(res.text).toBe('2');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test("Koa's ctx.throw works as Koa users expect", async () => {
    const { agent } = setup();
    const res = await agent().get('/koa-throw').expect(418);
    expect(webobDetail(res.text)).toBe('I am a teapot');
  });
});

describe('beforeCall (legacy _before_call)', () => {
  class HookedApp extends FailingApp {
    down = false;

    protected override beforeCall(ctx: AppContext) {
      if (this.down) throw new ServiceUnavailableError('server issue: database marked as down', { retryAfter: 30, expose: true, headers: { 'X-Weave-Backoff': '30' } });
      return { 'X-Weave-Backoff': '5', 'X-Weave-Timestamp': `${ctx.state.serverTime}0`, 'X-Host-Seen': ctx.state.config['one.two'] === 1 ? 'here' : 'base' };
    }
  }

  test('its headers are added to handler responses and may override the timestamp', async () => {
    const { app } = createTestApp(HookedApp, { 'host:here.one.two': 1, 'one.two': 2 });
    const res = await request(app.callback()).get('/ok').set('Host', 'here').expect(200, { ok: true });
    expect(res.headers['x-weave-backoff']).toBe('5');
    expect(res.headers['x-weave-timestamp']).toMatch(/^\d+\.\d\d0$/);
    expect(res.headers['x-host-seen']).toBe('here');
  });

  test('raising an HttpError answers the request instead of the handler', async () => {
    const { app } = createTestApp(HookedApp);
    app.down = true;
    const res = await request(app.callback()).get('/ok').expect(503);
    expect(webobDetail(res.text)).toBe('server issue: database marked as down');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['x-weave-backoff']).toBe('30');
  });

  test('the heartbeat does not go through it', async () => {
    const { app } = createTestApp(HookedApp);
    app.down = true;
    const res = await request(app.callback()).get('/__heartbeat__').expect(200);
    expect(res.headers['x-weave-backoff']).toBeUndefined();
  });
});
