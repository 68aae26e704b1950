import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as Hawk from 'hawk';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { CEF_BAD_PAYLOAD, CEF_HAWK_REPLAY, CEF_INVALID_HAWK } from '../../src/app/authentication/token-authentication';
import type { HawkCredentials } from '../../src/auth/schemes/hawk-credentials';
import { loadConfigFile } from '../../src/config';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';

const KEY = 'werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn';
const ALICE: HawkCredentials & { id: string } = { id: 'dh37fgj492je', key: KEY, algorithm: 'sha256', user: 'alice', scopes: ['storage'] };

class HawkApp extends SyncServerApp {
  lookups = 0;

  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name, scheme: ctx.state.user!.scheme };
  }

  @route('POST', '/:username/items', { body: 'json' })
  @authenticated({ scopes: ['storage'] })
  add(ctx: AppContext) {
    return { got: ctx.request.body };
  }

  @route('GET', '/admin')
  @authenticated({ scopes: ['admin'] })
  admin() {
    return 'admin';
  }

  protected override async hawkCredentials(id: string): Promise<HawkCredentials | null> {
    this.lookups++;
    return id === ALICE.id ? ALICE : null;
  }
}

const BASE: FlatConfig = { 'auth.scheme': 'hawk' };

/** A Hawk header for a request to the test app (supertest sends Host 127.0.0.1:<port>). */
function sign(port: number, method: string, path: string, options: { credentials?: HawkCredentials & { id: string }; payload?: string; contentType?: string; timestamp?: number } = {}) {
  const { credentials = ALICE, ...rest } = options;
  return Hawk.client.header(`http://127.0.0.1:${port}${path}`, method, { credentials, ...rest }).header;
}

async function listening(app: SyncServerApp) {
  const server = await app.listen(0);
  const { port } = server.address() as { port: number };
  return { port, agent: request(`http://127.0.0.1:${port}`) };
}

describe('hawk scheme', () => {
  test('a signed request logs in as the credentials\' user; the credentials are looked up once', async () => {
    const { app, cef } = createTestApp(HawkApp, BASE);
    try {
      const { port, agent } = await listening(app);
      for (let i = 0; i < 2; i++) {
        const res = await agent.get('/alice/info').set('Authorization', sign(port, 'GET', '/alice/info')).expect(200);
        expect(res.body).toEqual({ user: 'alice', scheme: 'hawk' });
      }
      expect(app.lookups).toBe(1);
      const none = await agent.get('/alice/info').expect(401);
      expect(none.headers['www-authenticate']).toBe('Hawk');
      expect(cef.events).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('a wrong key, an unknown id, another path or a replayed request is a 401 with a CEF event; the MAC never shows', async () => {
    const { app, cef, logs } = createTestApp(HawkApp, BASE);
    try {
      const { port, agent } = await listening(app);
      const forged = sign(port, 'GET', '/alice/info', { credentials: { ...ALICE, key: 'not-the-key' } });
      const bad = await agent.get('/alice/info').set('Authorization', forged).expect(401);
      expect(bad.headers['www-authenticate']).toBe('Hawk error="Bad mac"');
      await agent.get('/alice/info').set('Authorization', sign(port, 'GET', '/alice/info', { credentials: { ...ALICE, id: 'nobody' } })).expect(401);
      await agent.get('/alice/info?x=1').set('Authorization', sign(port, 'GET', '/alice/info')).expect(401);
      const once = sign(port, 'GET', '/alice/info');
      await agent.get('/alice/info').set('Authorization', once).expect(200);
      await agent.get('/alice/info').set('Authorization', once).expect(401);
      const reasons = cef.events.map((e) => [e.name, e.severity, e.suser, e.extensions.reason]);
      expect(reasons).toEqual([
        [CEF_INVALID_HAWK, 5, 'alice', 'bad MAC'],
        [CEF_INVALID_HAWK, 5, 'none', 'unknown credentials'],
        [CEF_INVALID_HAWK, 5, 'alice', 'bad MAC'],
        [CEF_HAWK_REPLAY, 7, 'alice', 'replayed nonce'],
      ]);
      const mac = /mac="([^"]+)"/.exec(forged)![1];
      const written = [...cef.lines, ...logs.map((l) => JSON.stringify(l))].join('\n');
      expect(written).not.toContain(mac);
      expect(written).not.toContain(KEY);
    } finally {
      await app.close();
    }
  });

  test('a timestamp outside the skew is answered with ts and tsm, signed with the credentials\' key', async () => {
    const { app } = createTestApp(HawkApp, { ...BASE, 'auth.hawk_skew': 30 });
    try {
      const { port, agent } = await listening(app);
      const stale = Math.floor(Date.now() / 1000) - 120;
      const res = await agent.get('/alice/info').set('Authorization', sign(port, 'GET', '/alice/info', { timestamp: stale })).expect(401);
      const challenge = res.headers['www-authenticate'];
      const match = /^Hawk ts="(\d+)", tsm="([^"]+)", error="Stale timestamp"$/.exec(challenge);
      expect(match).not.toBeNull();
      expect(Math.abs(Number(match![1]) - Date.now() / 1000)).toBeLessThan(10);
      expect(match![2]).toBe(Hawk.crypto.calculateTsMac(match![1], ALICE));
      // Within the skew it passes.
      await agent.get('/alice/info').set('Authorization', sign(port, 'GET', '/alice/info', { timestamp: Math.floor(Date.now() / 1000) - 20 })).expect(200);
    } finally {
      await app.close();
    }
  });

  test('a payload hash is checked against the body the route reads; scopes come from the credentials', async () => {
    const { app, cef } = createTestApp(HawkApp, BASE);
    try {
      const { port, agent } = await listening(app);
      const body = JSON.stringify({ item: 1 });
      const contentType = 'application/json';
      const signed = sign(port, 'POST', '/alice/items', { payload: body, contentType });
      const ok = await agent.post('/alice/items').set('Content-Type', contentType).set('Authorization', signed).send(body).expect(200);
      expect(ok.body).toEqual({ got: { item: 1 } });
      const tampered = sign(port, 'POST', '/alice/items', { payload: body, contentType });
      const res = await agent.post('/alice/items').set('Content-Type', contentType).set('Authorization', tampered).send(JSON.stringify({ item: 2 })).expect(401);
      expect(res.headers['www-authenticate']).toBe('Hawk error="Bad payload hash"');
      cef.assertLogged({ name: CEF_BAD_PAYLOAD, suser: 'alice' });
      await agent.get('/admin').set('Authorization', sign(port, 'GET', '/admin')).expect(403);
    } finally {
      await app.close();
    }
  });

  test('behind a proxy: the host and port the clients sign come from auth.hawk_host and auth.hawk_port', async () => {
    const { app } = createTestApp(HawkApp, { ...BASE, 'auth.hawk_host': 'api.example.test', 'auth.hawk_port': 443 });
    try {
      const { agent } = await listening(app);
      const header = Hawk.client.header('https://api.example.test/alice/info', 'GET', { credentials: ALICE }).header;
      await agent.get('/alice/info').set('Authorization', header).expect(200);
    } finally {
      await app.close();
    }
  });

  test('credentials from a SQL table the framework reads; expired ones are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-hawk-'));
    const file = join(dir, 'tokens.db');
    const db = new Database(file);
    db.exec('CREATE TABLE hawk_credentials (id TEXT PRIMARY KEY, mac_key TEXT NOT NULL, algorithm TEXT NOT NULL, username TEXT NOT NULL, scopes TEXT, expires INTEGER)');
    db.prepare('INSERT INTO hawk_credentials VALUES (?, ?, ?, ?, ?, ?)').run('id-1', KEY, 'sha256', 'bob', 'storage', Math.floor(Date.now() / 1000) + 3600);
    db.prepare('INSERT INTO hawk_credentials VALUES (?, ?, ?, ?, ?, ?)').run('id-2', KEY, 'sha256', 'carol', null, Math.floor(Date.now() / 1000) - 10);
    db.close();
    const { app } = createTestApp(HawkApp, { ...BASE, 'auth.hawk_credentials': 'sql', 'auth.hawk_sqluri': `sqlite:///${file}` });
    try {
      const { port, agent } = await listening(app);
      const bob = { id: 'id-1', key: KEY, algorithm: 'sha256' as const, user: 'bob' };
      const res = await agent.get('/bob/info').set('Authorization', sign(port, 'GET', '/bob/info', { credentials: bob })).expect(200);
      expect(res.body).toEqual({ user: 'bob', scheme: 'hawk' });
      await agent.get('/carol/info').set('Authorization', sign(port, 'GET', '/carol/info', { credentials: { ...bob, id: 'id-2', user: 'carol' } })).expect(401);
      expect(app.lookups).toBe(0);
    } finally {
      await app.close();
    }
  });

  test('hawk with auth.hawk_credentials = app needs the app\'s hawkCredentials; bad keys name file and line', () => {
    class NoCredentials extends SyncServerApp {
      @route('GET', '/x')
      @authenticated
      x() { return 'x'; }
    }
    expect(() => createTestApp(NoCredentials, BASE)).toThrow(/NoCredentials: auth.hawk_credentials = app needs NoCredentials\.hawkCredentials\(id\)/);
    const dir = mkdtempSync(join(tmpdir(), 'sc-hawk-conf-'));
    const cases: Array<[string[], RegExp]> = [
      [['scheme = hawk', 'hawk_skew = 0'], /app\.conf:3: auth\.hawk_skew: expected an integer from 1 to 3600/],
      [['scheme = hawk', 'hawk_nonce_store = redis'], /app\.conf:3: auth\.hawk_nonce_store/],
      [['scheme = hawk', 'hawk_nonce_store = cluster'], /app\.conf:3: auth\.hawk_nonce_store = cluster needs a services-core serve worker/],
      [['scheme = hawk', 'hawk_credentials = sql'], /app\.conf:3: auth\.hawk_credentials = sql needs auth\.hawk_sqluri or auth\.sqluri/],
      [['scheme = hawk', 'hawk_port = 70000'], /app\.conf:3: auth\.hawk_port: expected an integer from 1 to 65535/],
      [['scheme = hawk', 'hawk_table = "x; drop"'], /app\.conf:3: auth\.hawk_table: expected a plain SQL identifier/],
    ];
    for (const [lines, expected] of cases) {
      const file = join(dir, 'app.conf');
      writeFileSync(file, ['[auth]', ...lines, ''].join('\n'));
      expect(() => new HawkApp(loadConfigFile(file), { baseDir: dir })).toThrow(expected);
    }
  });
});
