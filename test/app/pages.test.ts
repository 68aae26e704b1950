import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { BackendError, HttpError, SyncServerApp, route, type AppContext } from '../../src/app';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { webobDetail } from '../support/webob-page';

class SickAuth extends DummyAuth {
  healthy = true;

  constructor() {
    super({ allow_dummy: true });
  }

  override async checkHealth() {
    if (!this.healthy) throw new BackendError('ldap unreachable');
  }
}

class PagesApp extends SyncServerApp {
  checkFails?: Error;
  lines: string[] = [];

  protected override async checkServer(ctx: AppContext) {
    if (this.checkFails) throw this.checkFails;
    await super.checkServer(ctx);
  }

  protected override debugServer() {
    return this.lines;
  }

  @route('GET', '/secret')
  secret(ctx: AppContext) {
    return { password: ctx.state.config['auth.bind_password'] ?? null, key: ctx.state.config['captcha.private_key'] ?? null };
  }
}

function setup(config: FlatConfig = {}) {
  const auth = new SickAuth();
  const test = createTestApp(PagesApp, config, { auth });
  return { ...test, auth, agent: () => request(test.app.callback()) };
}

describe('heartbeat (docs/compatibility.md C.6)', () => {
  test.each(['get', 'head', 'post', 'delete'] as const)('%s /__heartbeat__: 200, empty text/plain, no auth, no timestamp', async (method) => {
    const { agent } = setup();
    const res = await agent()[method]('/__heartbeat__').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['x-weave-timestamp']).toBeUndefined();
  });

  test('global.heartbeat_page renames it', async () => {
    const { agent } = setup({ 'global.heartbeat_page': 'health' });
    await agent().get('/health').expect(200);
    await agent().get('/__heartbeat__').expect(404);
  });

  test('the default check is the auth backend health: a BackendError is a 503', async () => {
    const { agent, auth } = setup();
    auth.healthy = false;
    await agent().get('/__heartbeat__').expect(503);
    auth.healthy = true;
    await agent().get('/__heartbeat__').expect(200);
  });

  test('any error thrown by checkServer is a 503 (logged as a warning), an HttpError keeps its status', async () => {
    const { agent, app, logs } = setup();
    app.checkFails = new Error('redis gone');
    await agent().get('/__heartbeat__').expect(503);
    expect(logs.some((l) => l.level === 40 && l.msg === 'heartbeat: checkServer failed')).toBe(true);
    app.checkFails = new HttpError(507, 'disk full', { expose: true });
    expect(webobDetail((await agent().get('/__heartbeat__').expect(507)).text)).toBe('disk full');
  });

  test('an app without an auth backend is healthy by default', async () => {
    class Bare extends SyncServerApp {}
    const { app } = createTestApp(Bare, {}, { auth: undefined });
    await request(app.callback()).get('/__heartbeat__').expect(200);
  });
});

describe('debug page (docs/compatibility.md C.7)', () => {
  const secrets: FlatConfig = {
    'global.debug_page': '__debug__',
    'auth.sqluri': 'mysql://xxxx:xxxx@localhost/sync',
    'auth.ldapuri': 'ldap://cn=admin:xxxx@ldap.local',
    'auth.bind_password': 'xxxx',
    'captcha.private_key': 'xxxx',
    'captcha.public_key': 'public-6Lc',
    'storage.name': '<b>bold</b>',
  };

  test('off by default', async () => {
    const { agent } = setup();
    await agent().get('/__debug__').expect(404);
  });

  test('dumps the request and a scrubbed config, then "None."', async () => {
    const { agent } = setup(secrets);
    const res = await agent().get('/__debug__?a=1').set('Authorization', 'Basic eHh4eDp4eHh4').set('Cookie', 'session=xxxx').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain("'REQUEST_METHOD': 'GET'");
    expect(res.text).toContain("'QUERY_STRING': 'a=1'");
    expect(res.text).toContain("'HTTP_AUTHORIZATION': '********'");
    expect(res.text).toContain("'HTTP_COOKIE': '********'");
    expect(res.text).toContain("'auth.sqluri': 'mysql://****:****@localhost/sync'");
    expect(res.text).toContain("'captcha.private_key': '********'");
    expect(res.text).toContain("'captcha.public_key': 'public-6Lc'"); // a public key is no secret
    expect(res.text).toContain('&#60;b&#62;bold&#60;/b&#62;');
    expect(res.text).not.toContain('<b>bold');
    expect(res.text).toMatch(/<h1>Additional information<\/h1>\n<pre>None\.<\/pre>/);
    expect(res.text).not.toContain('xxxx');
  });

  test('debugServer lines follow, with URI credentials masked', async () => {
    const { agent, app } = setup(secrets);
    app.lines = ['pool: mysql://xxxx:xxxx@localhost/sync', 'second <line>'];
    const res = await agent().get('/__debug__').expect(200);
    expect(res.text).toContain('pool: mysql://****:****@localhost/sync\nsecond &#60;line&#62;');
    expect(res.text).not.toContain('xxxx');
  });

  test('scrubs a COPY: later requests still see the real secrets (Q-C1)', async () => {
    const { agent } = setup({ ...secrets, 'host:here.auth.bind_password': 'yyyy' });
    await agent().get('/__debug__').set('Host', 'here').expect(200);
    await agent().get('/__debug__').expect(200);
    await agent().get('/secret').set('Host', 'here').expect(200, { password: 'yyyy', key: 'xxxx' });
    await agent().get('/secret').expect(200, { password: 'xxxx', key: 'xxxx' });
  });
});

describe('profile switch (docs/compatibility.md C.4.3, G.5)', () => {
  test('/__profile__ serves a .cpuprofile DevTools opens; close writes one to global.profile_file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'profile-')), 'app.cpuprofile');
    const { agent, app } = setup({ profile: true, 'global.profile_file': file });
    await agent().get('/secret').expect(200);
    const res = await agent().get('/__profile__').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(/\.cpuprofile"$/);
    await app.close();
    for (const profile of [res.body, JSON.parse(readFileSync(file, 'utf8'))]) {
      expect(Array.isArray(profile.nodes)).toBe(true);
      expect(profile.nodes.length).toBeGreaterThan(0);
      expect(typeof profile.startTime).toBe('number');
      expect(Array.isArray(profile.samples)).toBe(true);
    }
  });

  test('off by default', async () => {
    const { agent } = setup();
    await agent().get('/__profile__').expect(404);
  });
});
