import request from 'supertest';
import {
  BackendError, BackendTimeoutError, CEF_BACKEND_FAILURE, CEF_INVALID_USERNAME, CEF_URL_MISMATCH, SyncServerApp,
  UnauthorizedError, authenticated, route, type AppContext, type AppUser,
} from '../../src/app';
import { authCacheOf, withAuthCache } from '../../src/auth/cached-auth-backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import * as basicAuthModule from '../../src/auth/basic-auth';
import * as usernameModule from '../../src/auth/username';
import { BasicAuthError, parseBasicAuth } from '../../src/auth/basic-auth';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { webobDetail } from '../support/webob-page';

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;

function problemOf(header: string): string | undefined {
  try {
    parseBasicAuth(header);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BasicAuthError);
    return (err as BasicAuthError).problem;
  }
}

describe('parseBasicAuth', () => {
  test('splits on the FIRST colon, so passwords may contain colons (Q-C7)', () => {
    expect(parseBasicAuth(basic('user', 'pa:ss:word'))).toEqual({ username: 'user', password: 'pa:ss:word' });
  });

  test('empty user name and password pass, as in the original (Og==)', () => {
    expect(parseBasicAuth('Basic Og==')).toEqual({ username: '', password: '' });
  });

  test('the scheme is case-insensitive and the token may be padded with spaces', () => {
    expect(parseBasicAuth(`basic   ${b64('a:b')}  `)).toEqual({ username: 'a', password: 'b' });
  });

  test('UTF-8 on both sides', () => {
    expect(parseBasicAuth(basic('jösé', 'pässwörd'))).toEqual({ username: 'jösé', password: 'pässwörd' });
  });

  test.each([
    ['Bearer abc', 'scheme'],
    ['Basicabc', 'scheme'],
    ['Basic', 'scheme'],
    ['Basic !!!!', 'encoding'],
    ['Basic dXNlcjpwdw', 'encoding'],
    ['Basic dXNl cjpwdw==', 'encoding'],
    ['Basic dXNlcjpwdw===', 'encoding'],
    [`Basic ${b64('no-colon')}`, 'format'],
    [`Basic ${b64(Buffer.from([0x62, 0xff, 0x3a, 0x70]))}`, 'username'],
    [`Basic ${b64(Buffer.from([0x62, 0x3a, 0xc3, 0x28]))}`, 'password'],
  ])('%s → %s', (header, problem) => {
    expect(problemOf(header)).toBe(problem);
  });

  test('a bad password still names the user', () => {
    try {
      parseBasicAuth(`Basic ${b64(Buffer.from([0x62, 0x3a, 0xff]))}`);
      throw new Error('should have thrown');
    } catch (err) {
      expect((err as BasicAuthError).username).toBe('b');
    }
  });
});

class FlakyAuth extends DummyAuth {
  failure?: Error;
  calls = 0;

  constructor() {
    super({ allow_dummy: true });
  }

  override async authenticateUser(username: string, password: string) {
    this.calls++;
    if (this.failure) throw this.failure;
    return super.authenticateUser(username, password);
  }
}

class AuthApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return ctx.state.user;
  }

  @route('GET', '/me')
  @authenticated
  me(ctx: AppContext) {
    return { user: ctx.state.user };
  }
}

async function setup(config: FlatConfig = {}) {
  const auth = new FlakyAuth();
  await auth.createUser('bob', 'secret', 'bob@example.com');
  await auth.createUser('colon', 'pa:ss', 'colon@example.com');
  const test = createTestApp(AuthApp, config, { auth });
  return { ...test, auth, agent: () => request(test.app.callback()) };
}

describe('the HTTP Basic flow (docs/compatibility.md C.5)', () => {
  test('success puts { id, name } on ctx.state.user', async () => {
    const { agent, auth } = await setup();
    const id = await auth.getUserId('bob');
    await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(200, { id, name: 'bob' });
  });

  test('no credentials: 401 with WWW-Authenticate Basic realm="Sync" and no CEF event (as v1)', async () => {
    const { agent, cef } = await setup();
    const res = await agent().get('/bob/info').expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(cef.events).toHaveLength(0);
  });

  test('the realm comes from auth.realm', async () => {
    const { agent } = await setup({ 'auth.realm': 'My "Service"' });
    const res = await agent().get('/me').expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="My \\"Service\\""');
  });

  test.each([
    ['another scheme', 'Bearer abcdef'],
    ['bad base64', 'Basic %%%%'],
    ['missing padding', 'Basic dXNlcjpwdw'],
    ['no colon', `Basic ${b64('bob')}`],
    ['a huge token', `Basic ${'A'.repeat(8000)}`],
  ])('malformed (%s): 401 Invalid token, never a 500, no backend call', async (_what, header) => {
    const { agent, auth } = await setup();
    const res = await agent().get('/me').set('Authorization', header).expect(401);
    expect(webobDetail(res.text)).toBe('Invalid token');
    expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
    expect(auth.calls).toBe(0);
  });

  test('a password containing ":" authenticates (Q-C7)', async () => {
    const { agent } = await setup();
    await agent().get('/colon/info').set('Authorization', basic('colon', 'pa:ss')).expect(200);
  });

  test('URL user ≠ Basic user: CEF "Username Does Not Match URL" (7), 401, byte-exact v1 line', async () => {
    const { agent, cef, auth } = await setup();
    await agent().get('/alice/info').set('Authorization', basic('bob', 'secret')).set('User-Agent', 'ua').expect(401);
    expect(auth.calls).toBe(0);
    cef.assertLogged({ name: CEF_URL_MISMATCH, signature: 'Username Does Not Match URL', severity: 7, suser: 'none' });
    expect(cef.lines).toHaveLength(1);
    expect(cef.lines[0]).toMatch(/CEF:0\|mozilla\|weave\|1\.3\|Username Does Not Match URL\|Username Does Not Match URL\|7\|cs1Label=requestClientApplication cs1=ua requestMethod=GET request=\/alice\/info src=127\.0\.0\.1 dhost=127\.0\.0\.1:\d+ suser=none$/);
  });

  test('the URL user is compared before hashing: an email in the URL matches the email in Basic', async () => {
    const { agent } = await setup();
    const res = await agent().get('/test%40test.com/info').set('Authorization', basic('test@test.com', 'pw')).expect(200);
    expect(res.body.name).toBe('u2wqblarhim5su7pxemcbwdyryrghmuk');
  });

  describe('user names go through extractUsername (D.11 vectors)', () => {
    test.each([
      ['username', 'username'],
      ['test@test.com', 'u2wqblarhim5su7pxemcbwdyryrghmuk'],
      ['TEST@Test.COM', 'u2wqblarhim5su7pxemcbwdyryrghmuk'],
      ['Fran%c3%a7ios@valid.test', 'ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y'],
      ['Françios@valid.test', 'ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y'],
      ['a%40b.com', 'a%40b.com'],
    ])('%s → %s', async (login, name) => {
      const { agent } = await setup();
      const res = await agent().get('/me').set('Authorization', basic(login, 'pw')).expect(200);
      expect(res.body.user.name).toBe(name);
    });

    test.each([
      ['bad UTF-8', 'bo%EF%bb@badcharacter.test'],
      ['a BIDI violation', 'bo%ef%bb%bc@badbidiuser.test'],
      ['an empty label', 'a..b@x.com'],
    ])('%s: CEF "Invalid characters specified in username " (5, trailing space), 400', async (_what, login) => {
      const { agent, cef, auth } = await setup();
      const res = await agent().get('/me').set('Authorization', basic(login, 'pw')).expect(400);
      expect(webobDetail(res.text)).toBe('Invalid characters specified in username');
      expect(auth.calls).toBe(0);
      expect(CEF_INVALID_USERNAME).toBe('Invalid characters specified in username ');
      cef.assertLogged({ name: 'Invalid characters specified in username ', severity: 5, suser: 'none' });
    });

    test('a user name that is not UTF-8 at all is the same 400', async () => {
      const { agent, cef } = await setup();
      await agent().get('/me').set('Authorization', `Basic ${b64(Buffer.from([0x62, 0xff, 0x3a, 0x70]))}`).expect(400);
      cef.assertLogged({ name: CEF_INVALID_USERNAME, severity: 5 });
    });
  });

  test('wrong password: CEF "Authentication Failed for Backend service <name>" (5), 401', async () => {
    const { agent, cef } = await setup();
    const res = await agent().get('/bob/info').set('Authorization', basic('bob', 'wrong')).expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
    cef.assertLogged({ name: `${CEF_BACKEND_FAILURE} bob`, signature: 'Authentication Failed for Backend service bob', severity: 5, suser: 'none' });
  });

  test('a hashed email name is followed by the email in the event name', async () => {
    const { agent, auth, cef } = await setup();
    await auth.createUser('u2wqblarhim5su7pxemcbwdyryrghmuk', 'right', 'test@test.com');
    await agent().get('/me').set('Authorization', basic('test@test.com', 'wrong')).expect(401);
    cef.assertLogged({ name: 'Authentication Failed for Backend service u2wqblarhim5su7pxemcbwdyryrghmuk (test@test.com)', severity: 5 });
  });

  test('a password that is not UTF-8 fails like a wrong one, without asking the backend', async () => {
    const { agent, cef, auth } = await setup();
    await agent().get('/me').set('Authorization', `Basic ${b64(Buffer.concat([Buffer.from('bob:'), Buffer.from([0xff])]))}`).expect(401);
    expect(auth.calls).toBe(0);
    cef.assertLogged({ name: `${CEF_BACKEND_FAILURE} bob`, severity: 5 });
  });

  test('upstream identity headers are never trusted (Q-C6)', async () => {
    const { agent, auth } = await setup();
    await agent().get('/bob/info').set('Remote-User', 'bob').set('X-Remote-User', 'bob').set('X-Forwarded-User', 'bob').expect(401);
    expect(auth.calls).toBe(0);
  });

  test.each([
    ['BackendError', new BackendError('ldap down'), {}, '1800'],
    ['BackendTimeoutError', new BackendTimeoutError('ldap slow'), { 'global.retry_after': 60 }, '60'],
  ])('a %s during authentication is a 503 with Retry-After (Q-C3)', async (_name, failure, config, retryAfter) => {
    const { agent, auth, logs } = await setup(config);
    auth.failure = failure;
    const res = await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(503);
    expect(res.headers['retry-after']).toBe(retryAfter);
    const crashId = /crash id ([0-9a-f]+)/.exec(res.text)?.[1];
    expect(logs.some((l) => l.level === 50 && l.crashId === crashId)).toBe(true);
  });
});

describe('with the login cache: a header that logged in is remembered', () => {
  async function cached() {
    const inner = new FlakyAuth();
    await inner.createUser('bob', 'secret', 'bob@example.com');
    await inner.createUser('u2wqblarhim5su7pxemcbwdyryrghmuk', 'pw', 'test@test.com');
    const auth = withAuthCache(inner, { ttlSeconds: 60, maxEntries: 100 });
    const test = createTestApp(AuthApp, {}, { auth });
    return { ...test, inner, auth, agent: () => request(test.app.callback()) };
  }

  test('the next requests with the same header skip parsing and the backend, and give the same user', async () => {
    const { agent, inner } = await cached();
    const id = await inner.getUserId('bob');
    const parse = jest.spyOn(basicAuthModule, 'parseBasicAuth');
    try {
      for (let i = 0; i < 3; i++) await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(200, { id, name: 'bob' });
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
    const email = await agent().get('/me').set('Authorization', basic('test@test.com', 'pw')).expect(200);
    await agent().get('/me').set('Authorization', basic('test@test.com', 'pw')).expect(200, email.body);
    expect(email.body.user.name).toBe('u2wqblarhim5su7pxemcbwdyryrghmuk');
    expect(inner.calls).toBe(2);
  });

  test('a remembered email header keeps the names it logged in under: no second hashing, the URL still compared with the email', async () => {
    const { agent, inner } = await cached();
    const hashName = jest.spyOn(usernameModule, 'extractUsername');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await agent().get('/test%40test.com/info').set('Authorization', basic('test@test.com', 'pw')).expect(200);
        expect(res.body.name).toBe('u2wqblarhim5su7pxemcbwdyryrghmuk');
      }
      expect(hashName).toHaveBeenCalledTimes(1);
    } finally {
      hashName.mockRestore();
    }
    await agent().get('/other%40test.com/info').set('Authorization', basic('test@test.com', 'pw')).expect(401);
    expect(inner.calls).toBe(1);
  });

  test('a remembered header on another user\'s URL: the same CEF event and 401 as before', async () => {
    const { agent, cef, inner } = await cached();
    await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(200);
    await agent().get('/alice/info').set('Authorization', basic('bob', 'secret')).set('User-Agent', 'ua').expect(401)
      .expect('WWW-Authenticate', 'Basic realm="Sync"');
    expect(inner.calls).toBe(1);
    expect(cef.lines).toHaveLength(1);
    expect(cef.lines[0]).toMatch(/\|Username Does Not Match URL\|Username Does Not Match URL\|7\|.* request=\/alice\/info .*suser=none$/);
  });

  test('failures are never remembered, and a password change drops the header', async () => {
    const { agent, cef, inner, auth } = await cached();
    await agent().get('/bob/info').set('Authorization', basic('bob', 'wrong')).expect(401);
    await agent().get('/bob/info').set('Authorization', basic('bob', 'wrong')).expect(401);
    expect(inner.calls).toBe(2);
    expect(cef.events.filter((e) => e.name === `${CEF_BACKEND_FAILURE} bob`)).toHaveLength(2);
    const id = (await inner.getUserId('bob'))!;
    await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(200);
    await auth.updatePassword(id, 'changed', { oldPassword: 'secret' });
    await agent().get('/bob/info').set('Authorization', basic('bob', 'secret')).expect(401);
    expect(await authCacheOf(auth)!.recall(basic('bob', 'secret'))).toBeUndefined();
  });
});

describe('authenticate can be overridden', () => {
  class TokenApp extends SyncServerApp {
    protected override async authenticate(ctx: AppContext, urlUsername?: string): Promise<AppUser | null> {
      const token = ctx.get('X-Token');
      if (!token) return null;
      if (token !== 'good') throw new UnauthorizedError('bad token');
      return { id: 7, name: urlUsername ?? 'token-user' };
    }

    @route('GET', '/:username/data')
    @authenticated
    userData(ctx: AppContext) {
      return ctx.state.user;
    }
  }

  test('the route uses the override', async () => {
    const { app } = createTestApp(TokenApp);
    await request(app.callback()).get('/eve/data').set('X-Token', 'good').expect(200, { id: 7, name: 'eve' });
    expect(webobDetail((await request(app.callback()).get('/eve/data').set('X-Token', 'bad').expect(401)).text)).toBe('bad token');
    const res = await request(app.callback()).get('/eve/data').set('Authorization', basic('eve', 'pw')).expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
  });
});
