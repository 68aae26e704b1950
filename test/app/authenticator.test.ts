import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext, type AppUser } from '../../src/app';
import { proxy } from '../../src/app/responses/proxy';
import { UnauthorizedError } from '../../src/app/responses/errors';
import { createTestApp } from '../../src/testing/test-app';

/** Another scheme: a bearer token, no user store at all. */
class TokenApp extends SyncServerApp {
  @route('GET', '/whoami')
  @authenticated
  whoami(ctx: AppContext) {
    return { user: ctx.state.user?.name };
  }

  protected override async authenticate(ctx: AppContext): Promise<AppUser | null> {
    const header = ctx.get('Authorization');
    if (header === '') return null;
    if (header !== 'Bearer letmein') throw new UnauthorizedError('bad token', { headers: { 'WWW-Authenticate': 'Bearer' } });
    return { id: 7, name: 'token-user' };
  }
}

class BasicApp extends SyncServerApp {
  upstream = '';

  @route('GET', '/state')
  @authenticated
  state(ctx: AppContext) {
    return { authorization: ctx.state.authorization ?? null, stillOnRequest: ctx.get('Authorization') !== '' };
  }

  @route('GET', '/forward')
  @authenticated
  forward(ctx: AppContext) {
    return proxy(ctx, 'http', this.upstream);
  }
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication seam: who is calling vs the user store', () => {
  test('an app with its own authenticate() and no auth backend works (no dummy added)', async () => {
    const { app } = createTestApp(TokenApp);
    expect(app.auth).toBeUndefined();
    expect((await request(app.callback()).get('/whoami').set('Authorization', 'Bearer letmein').expect(200)).body).toEqual({ user: 'token-user' });
    await request(app.callback()).get('/whoami').expect(401);
    const bad = await request(app.callback()).get('/whoami').set('Authorization', 'Bearer nope').expect(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer');
    await app.close();
  });

  test('default Basic authentication without a user store is a clear error at construction; createTestApp adds a dummy only when asked', () => {
    expect(() => createTestApp(BasicApp)).toThrow(/@authenticated needs an auth backend/);
    expect(createTestApp(BasicApp, {}, { dummyAuth: true }).app.auth?.name).toBe('dummy');
  });

  test('ctx.state.authorization holds the header that authenticated, and proxy() forwards it', async () => {
    const { app } = createTestApp(BasicApp, {}, { dummyAuth: true });
    const res = await request(app.callback()).get('/state').set('Authorization', basic('bob', 'pw')).expect(200);
    expect(res.body).toEqual({ authorization: basic('bob', 'pw'), stillOnRequest: true });

    let seen: IncomingHttpHeaders | undefined;
    const upstream: Server = createServer((req, reply) => {
      seen = req.headers;
      reply.end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    app.upstream = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    await request(app.callback()).get('/forward').set('Authorization', basic('bob', 'pw')).expect(200);
    expect(seen?.authorization).toBe(basic('bob', 'pw'));
    await new Promise((resolve) => upstream.close(resolve));
    await app.close();
  });
});
