import request from 'supertest';
import { SyncServerApp, HttpError, route, type AppContext, type AppOptions } from '../../src/app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing';
import { webobDetail } from '../support/webob-page';

/** An auth backend that writes its open and close into the shared event list. */
class RecordingAuth extends DummyAuth {
  constructor(private readonly events: string[], private readonly failOpen = false) {
    super({ allow_dummy: true });
  }

  async open() {
    this.events.push('auth open');
    if (this.failOpen) throw new Error('directory down');
  }

  override async close() {
    this.events.push('auth close');
  }
}

class HookedApp extends SyncServerApp {
  events: string[] = [];

  constructor(config: FlatConfig, options?: AppOptions) {
    super(config, options);
    this.addHook('onStart', () => {
      this.events.push('added onStart 1');
    });
    this.addHook('onStart', async () => {
      await Promise.resolve();
      this.events.push('added onStart 2');
    });
    this.addHook('onClose', () => {
      this.events.push('added onClose 1');
    });
    this.addHook('onClose', () => {
      this.events.push('added onClose 2');
    });
  }

  protected override async onStart() {
    this.events.push(`onStart (${this.lifecycleState})`);
  }

  protected override onClose() {
    this.events.push(`onClose (${this.lifecycleState})`);
  }

  @route('GET', '/hello')
  hello() {
    this.events.push('request');
    return 'hello';
  }
}

const START = ['auth open', 'onStart (starting)', 'added onStart 1', 'added onStart 2'];
const CLOSE = ['added onClose 2', 'added onClose 1', 'onClose (draining)', 'auth close'];

function hookedApp(failOpen = false): HookedApp {
  const events: string[] = [];
  const { app } = createTestApp(HookedApp, {}, { auth: new RecordingAuth(events, failOpen) });
  app.events = events;
  return app;
}

describe('start and close hooks', () => {
  test('createTestApp + callback(): the framework parts open, then onStart hooks in order, before the first request; close runs them in reverse', async () => {
    const app = hookedApp();
    await request(app.callback()).get('/hello').expect(200, 'hello');
    expect(app.events).toEqual([...START, 'request']);
    await app.close();
    expect(app.events).toEqual([...START, 'request', ...CLOSE]);
  });

  test('listen(): the same order; the server answers only once every onStart finished', async () => {
    const app = hookedApp();
    const server = await app.listen();
    expect(app.events).toEqual(START);
    const { port } = server.address() as { port: number };
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('hello');
    await app.close();
    expect(app.events).toEqual([...START, 'request', ...CLOSE]);
    expect(app.lifecycleState).toBe('closed');
  });

  test('a failing onStart fails the start; every onClose and the opened parts still close, in reverse', async () => {
    const events: string[] = [];
    class FailingStart extends HookedApp {
      protected override async onStart() {
        events.push('onStart throws');
        throw new Error('seed failed');
      }
    }
    const { app } = createTestApp(FailingStart, {}, { auth: new RecordingAuth(events) });
    app.events = events;
    await expect(app.start()).rejects.toThrow('seed failed');
    expect(events).toEqual(['auth open', 'onStart throws', 'added onClose 2', 'added onClose 1', 'onClose (starting)', 'auth close']);
    expect(app.lifecycleState).toBe('closed');
  });

  test('a backend that cannot open: no start hook runs, no close hook either', async () => {
    const app = hookedApp(true);
    await expect(app.start()).rejects.toThrow(/cannot be reached: directory down/);
    expect(app.events).toEqual(['auth open', 'auth close']);
  });

  test('a close hook that fails does not keep the others or the framework parts from closing', async () => {
    const app = hookedApp();
    app.addHook('onClose', () => {
      throw new Error('flush failed');
    });
    await app.start();
    await expect(app.close()).rejects.toThrow(/1 part\(s\) failed to close/);
    expect(app.events.slice(START.length)).toEqual(CLOSE);
  });

  test('addHook and use after start are errors; so is an unknown hook name', async () => {
    const app = hookedApp();
    expect(() => app.addHook('onBoot' as 'onStart', () => undefined)).toThrow(/unknown hook 'onBoot' \(known: onStart, onClose, onRequest, onResponse, onError\)/);
    await app.start();
    expect(() => app.addHook('onStart', () => undefined)).toThrow(/HookedApp\.addHook: the app has already started/);
    expect(() => app.use(async (_ctx, next) => next())).toThrow(/HookedApp\.use: the app has already started/);
    await app.close();
  });
});

class ObservedApp extends SyncServerApp {
  seen: string[] = [];

  protected override onRequest(ctx: AppContext) {
    this.seen.push(`request ${ctx.method} ${ctx.path} id=${ctx.state.requestId}`);
    if (ctx.get('X-Block') === 'yes') throw new HttpError(403, 'blocked by onRequest', { expose: true });
  }

  protected override onResponse(ctx: AppContext) {
    this.seen.push(`response ${ctx.status}`);
    ctx.set('X-Observed', 'yes');
  }

  protected override onError(err: unknown, ctx: AppContext) {
    this.seen.push(`error ${ctx.status} ${(err as Error).message}`);
  }

  @route('GET', '/ok')
  ok() {
    return { ok: true };
  }

  @route('GET', '/boom')
  boom() {
    throw new Error('kaboom');
  }
}

describe('request hooks', () => {
  test('onRequest, onResponse and onError see each request, response and error, framework pages included', async () => {
    const { app } = createTestApp(ObservedApp);
    const http = request(app.callback());
    const ok = await http.get('/ok').set('X-Request-Id', 'r1').expect(200, { ok: true });
    expect(ok.headers['x-observed']).toBe('yes');
    await http.get('/nowhere').set('X-Request-Id', 'r2').expect(404);
    const crash = await http.get('/boom').set('X-Request-Id', 'r3').expect(500);
    expect(crash.headers['x-request-id']).toBe('r3');
    expect(crash.headers['x-observed']).toBe('yes');
    await http.get('/__heartbeat__').set('X-Request-Id', 'r4').expect(200);
    expect(app.seen).toEqual([
      'request GET /ok id=r1', 'response 200',
      'request GET /nowhere id=r2', 'error 404 Not Found', 'response 404',
      'request GET /boom id=r3', 'error 500 kaboom', 'response 500',
      'request GET /__heartbeat__ id=r4', 'response 200',
    ]);
    await app.close();
  });

  test('onRequest throws: the error boundary answers, the route never runs', async () => {
    const { app } = createTestApp(ObservedApp);
    expect(webobDetail((await request(app.callback()).get('/ok').set('X-Block', 'yes').expect(403)).text)).toBe('blocked by onRequest');
    expect(app.seen.slice(1)).toEqual(['error 403 blocked by onRequest', 'response 403']);
    await app.close();
  });

  test('added request hooks run after the class method; a failing onResponse becomes a 500 and a failing onError is logged', async () => {
    const { app, logs } = createTestApp(ObservedApp);
    app.addHook('onRequest', (ctx) => {
      app.seen.push(`added request ${ctx.path}`);
    });
    app.addHook('onResponse', (ctx) => {
      if (ctx.path === '/ok') throw new Error('metrics down');
    });
    app.addHook('onError', () => {
      throw new Error('reporter down');
    });
    const res = await request(app.callback()).get('/ok').expect(500);
    expect(res.text).toMatch(/^An unexpected error occurred \(crash id [0-9a-f]{16}\)$/);
    expect(app.seen).toEqual(['request GET /ok id=' + String(res.headers['x-request-id']), 'added request /ok', 'response 200', 'error 500 metrics down']);
    expect(logs.some((l) => l.msg === 'the onError hook failed' && (l.err as { message: string }).message === 'reporter down')).toBe(true);
    await app.close();
  });
});
