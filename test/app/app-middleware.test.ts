import cors from '@koa/cors';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext, type AppOptions } from '../../src/app';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing';

class NotesApp extends SyncServerApp {
  @route('GET', '/notes')
  list() {
    return ['milk'];
  }

  @route('POST', '/notes', { body: 'json' })
  add(ctx: AppContext) {
    return { saved: ctx.request.body };
  }

  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { name: ctx.state.user?.name };
  }
}

/** The issue-18 trap: Koa middleware added in the constructor lands after routing. */
class KoaUseApp extends NotesApp {
  constructor(config: FlatConfig, options?: AppOptions) {
    super(config, options);
    this.koa.use(cors({ origin: 'https://notes.example' }));
  }
}

class CorsApp extends NotesApp {
  constructor(config: FlatConfig, options?: AppOptions) {
    super(config, options);
    this.use(cors({ origin: 'https://notes.example', allowMethods: ['GET', 'POST'], maxAge: 600 }));
  }
}

describe('app.use: middleware before the pages and routes', () => {
  test('koa.use() after construction is an error naming app.use, not middleware that never runs', () => {
    expect(() => createTestApp(KoaUseApp, {}, { dummyAuth: true })).toThrow(
      /KoaUseApp: koa\.use\(\) would add the middleware after routing, where routed requests never reach it; use app\.use\(middleware\)/);
  });

  test('a CORS preflight is answered by the app middleware, not by the framework\'s OPTIONS', async () => {
    const { app } = createTestApp(CorsApp, {}, { dummyAuth: true });
    const http = request(app.callback());
    const preflight = await http.options('/notes')
      .set('Origin', 'https://notes.example').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://notes.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    expect(preflight.headers['x-request-id']).toEqual(expect.any(String));
    // A plain OPTIONS (no preflight) still gets the framework's Allow.
    const plain = await http.options('/notes').expect(204);
    expect(plain.headers.allow).toBe('HEAD, GET, POST');
    // Routed responses carry the CORS headers too, errors included (@koa/cors keeps them on the error).
    const listed = await http.get('/notes').set('Origin', 'https://notes.example').expect(200, ['milk']);
    expect(listed.headers['access-control-allow-origin']).toBe('https://notes.example');
    const denied = await http.get('/alice/info').set('Origin', 'https://notes.example').expect(401);
    expect(denied.headers['access-control-allow-origin']).toBe('https://notes.example');
    await app.close();
  });

  test('middleware sees the heartbeat, a 404 and a 405, in the order added, inside the request id', async () => {
    const seen: string[] = [];
    const { app } = createTestApp(NotesApp, {}, { dummyAuth: true });
    app.use(async (ctx, next) => {
      seen.push(`first ${ctx.method} ${ctx.path} ${ctx.state.requestId}`);
      try {
        await next();
        seen.push(`first saw ${ctx.status}`);
      } catch (err) {
        // Errors pass through app middleware as thrown; the boundary outside it answers them.
        seen.push(`first saw a thrown ${(err as { status: number }).status}`);
        throw err;
      }
    });
    app.use(async (ctx, next) => {
      seen.push('second');
      await next();
      ctx.set('X-Powered-By', 'notes');
    });
    const http = request(app.callback());
    const beat = await http.get('/__heartbeat__').set('X-Request-Id', 'hb').expect(200);
    expect(beat.headers['x-powered-by']).toBe('notes');
    await http.get('/missing').set('X-Request-Id', 'nf').expect(404);
    const wrong = await http.delete('/notes').set('X-Request-Id', 'na').expect(405);
    expect(wrong.headers.allow).toBe('HEAD, GET, POST');
    expect(seen).toEqual([
      'first GET /__heartbeat__ hb', 'second', 'first saw 200',
      'first GET /missing nf', 'second', 'first saw a thrown 404',
      'first DELETE /notes na', 'second', 'first saw a thrown 405',
    ]);
    await app.close();
  });

  test('a middleware that throws goes through the error boundary: request id, 500 with a crash id and no stack', async () => {
    const { app, logs } = createTestApp(NotesApp, {}, { dummyAuth: true });
    app.use(() => {
      throw new Error('middleware bug');
    });
    const res = await request(app.callback()).get('/notes').set('X-Request-Id', 'mw-1').expect(500);
    expect(res.headers['x-request-id']).toBe('mw-1');
    expect(res.text).toMatch(/^An unexpected error occurred \(crash id ([0-9a-f]{16})\)$/);
    expect(res.text).not.toContain('middleware bug');
    const crashId = /crash id ([0-9a-f]{16})/.exec(res.text)?.[1];
    expect(logs.find((l) => l.crashId === crashId)).toMatchObject({ requestId: 'mw-1', err: { message: 'middleware bug' } });
    await app.close();
  });

  test('a middleware can answer on its own; the route then never runs', async () => {
    const { app } = createTestApp(NotesApp, {}, { dummyAuth: true });
    app.use(async (ctx, next) => {
      if (ctx.get('X-Maintenance') === 'on') {
        ctx.status = 503;
        ctx.body = 'down for maintenance';
        return;
      }
      await next();
    });
    await request(app.callback()).post('/notes').set('X-Maintenance', 'on').send({ a: 1 }).expect(503, 'down for maintenance');
    await request(app.callback()).post('/notes').send({ a: 1 }).expect(200, { saved: { a: 1 } });
    expect(() => app.use('cors' as never)).toThrow(/NotesApp\.use: middleware must be a function/);
    await app.close();
  });
});

describe('error answers keep what CORS middleware set', () => {
  class FailingApp extends SyncServerApp {
    constructor(config: FlatConfig, options?: AppOptions) {
      super(config, options);
      this.use(async (ctx, next) => {
        ctx.set('Access-Control-Allow-Origin', 'https://notes.example');
        ctx.set('Vary', 'Origin');
        ctx.set('X-Handler-Detail', 'set before the failure');
        await next();
      });
    }

    @route('GET', '/boom')
    boom(): never {
      throw new Error('not an HttpError');
    }
  }

  test('a 500 from a plain Error carries the CORS headers (a browser sees the status) but not the others', async () => {
    const { app } = createTestApp(FailingApp);
    const res = await request(app.callback()).get('/boom').set('Origin', 'https://notes.example').expect(500);
    expect(res.headers['access-control-allow-origin']).toBe('https://notes.example');
    expect(res.headers.vary).toBe('Origin');
    expect(res.headers['x-handler-detail']).toBeUndefined();
    expect(res.headers['x-request-id']).toBeDefined();
    await app.close();
  });
});
