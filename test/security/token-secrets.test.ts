import { SignJWT } from 'jose';
import * as Hawk from 'hawk';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import type { HawkCredentials } from '../../src/auth/schemes/hawk-credentials';
import { createTestApp } from '../../src/testing/test-app';

// No bearer token, JWT signature, Hawk MAC, Hawk key or bearer secret reaches a log line, a CEF
// line, a response (error pages with client_debug included) or the debug page, whatever the
// request does with them (docs/auth-tokens.md, "The guarantees Basic has").

const SECRET = `bearer-secret-${Math.random().toString(36).slice(2)}-${'x'.repeat(16)}`;
const HAWK_KEY = `hawk-key-${Math.random().toString(36).slice(2)}`;
const CREDENTIALS: HawkCredentials & { id: string } = { id: 'client-1', key: HAWK_KEY, algorithm: 'sha256', user: 'alice', scopes: ['write'] };
const ISSUER = 'https://issuer.example.test';

class SecretsApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name };
  }

  @route('POST', '/:username/items', { body: 'json' })
  @authenticated({ scopes: ['write'] })
  add() {
    throw new Error('handler failure');
  }

  protected override async hawkCredentials(id: string): Promise<HawkCredentials | null> {
    return id === CREDENTIALS.id ? CREDENTIALS : null;
  }
}

const jwt = (claims: Record<string, unknown>, exp: string | number = '5m', key = SECRET) => new SignJWT({ sub: 'alice', ...claims })
  .setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience('api').setExpirationTime(exp).sign(new TextEncoder().encode(key));

test('tokens, signatures, MACs and keys never reach logs, CEF, responses or the debug page', async () => {
  const { app, cef, logs } = createTestApp(SecretsApp, {
    'auth.scheme': 'bearer hawk', 'auth.bearer_issuer': ISSUER, 'auth.bearer_audience': 'api', 'auth.bearer_secret': SECRET,
    debug: true, client_debug: true, 'global.debug_page': '__debug__', 'global.log_level': 'debug',
  });
  const needles: string[] = [SECRET, HAWK_KEY];
  const answers: string[] = [];
  try {
    const server = await app.listen(0);
    const { port } = server.address() as { port: number };
    const agent = request(`http://127.0.0.1:${port}`);
    const keep = (res: request.Response) => answers.push(JSON.stringify(res.headers) + res.text);
    const tokens = [
      await jwt({}), await jwt({}, Math.floor(Date.now() / 1000) - 3600), await jwt({}, '5m', `${SECRET}-other`),
      await jwt({ scope: 'read' }), await jwt({ sub: 'bob' }),
    ];
    for (const token of tokens) {
      needles.push(token, token.split('.')[2]);
      for (const path of ['/alice/info', '/bob/info', '/alice/nowhere']) keep(await agent.get(path).set('Authorization', `Bearer ${token}`));
      keep(await agent.post('/alice/items').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{bad json'));
      keep(await agent.get('/__debug__').set('Authorization', `Bearer ${token}`));
    }
    const url = `http://127.0.0.1:${port}/alice/info`;
    const hawkHeaders = [
      Hawk.client.header(url, 'GET', { credentials: CREDENTIALS }).header,
      Hawk.client.header(url, 'GET', { credentials: { ...CREDENTIALS, key: `${HAWK_KEY}-wrong` } }).header,
      Hawk.client.header(url, 'GET', { credentials: CREDENTIALS, timestamp: Math.floor(Date.now() / 1000) - 3600 }).header,
    ];
    for (const header of hawkHeaders) {
      needles.push(/mac="([^"]+)"/.exec(header)![1]);
      keep(await agent.get('/alice/info').set('Authorization', header));
      keep(await agent.get('/alice/info').set('Authorization', header)); // a replay
    }
    const post = Hawk.client.header(`http://127.0.0.1:${port}/alice/items`, 'POST', { credentials: CREDENTIALS, payload: '{"a":1}', contentType: 'application/json' }).header;
    needles.push(/mac="([^"]+)"/.exec(post)![1]);
    keep(await agent.post('/alice/items').set('Authorization', post).set('Content-Type', 'application/json').send('{"a":2}'));
    // A request that passes and reaches a failing handler (a 500 with the stack, client_debug).
    const good = Hawk.client.header(`http://127.0.0.1:${port}/alice/items`, 'POST', { credentials: CREDENTIALS, payload: '{"a":1}', contentType: 'application/json' }).header;
    needles.push(/mac="([^"]+)"/.exec(good)![1]);
    const failed = await agent.post('/alice/items').set('Authorization', good).set('Content-Type', 'application/json').send('{"a":1}');
    expect(failed.status).toBe(500);
    keep(failed);
  } finally {
    await app.close();
  }
  // The corpus reached the logs and CEF: failures were recorded, the handler failure logged.
  expect(cef.events.length).toBeGreaterThan(10);
  expect(logs.some((l) => l.level === 50)).toBe(true);
  const everything = [...answers, ...cef.lines, ...logs.map((l) => JSON.stringify(l))].join('\n');
  expect(needles.filter((needle) => everything.includes(needle))).toEqual([]);
});
