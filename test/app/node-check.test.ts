/**
 * `auth.check_node` (docs/app.md "Storage nodes"): a login succeeds only on the user's node.
 * Users and their nodes in SQLite (SQLAuth with `auth.assign_nodes`) and in the test slapd
 * (LDAPAuth's `primaryNode`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { CEF_WRONG_NODE, SyncServerApp, authenticated, route, type AppContext, type AppUser } from '../../src/app';
import { isUsersNode } from '../../src/app/authentication/node-check';
import type { AuthBackend } from '../../src/auth/backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const PASSWORD = 'node password 1';

class NodeApp extends SyncServerApp {
  @route('GET', '/1.1/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name };
  }
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'node-check-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostContext(host: string): AppContext {
  return { host } as AppContext;
}

describe('isUsersNode: the host of the node against the request Host, as the original compared syncNode with HTTP_HOST', () => {
  test.each([
    ['https://node1.example.com/', 'node1.example.com', true],
    ['https://node1.example.com/', 'NODE1.Example.COM', true],
    ['https://node1.example.com/', 'node1.example.com:443', true],
    ['http://node1.example.com/', 'node1.example.com:80', true],
    ['http://127.0.0.1:8001/', '127.0.0.1:8001', true],
    ['node1.example.com', 'node1.example.com', true],
    ['https://node1.example.com/', 'node2.example.com', false],
    ['http://127.0.0.1:8001/', '127.0.0.1:8002', false],
    ['https://node1.example.com/', 'node1.example.com:8443', false],
    ['https://node1.example.com/', '', false],
    ['https://node1.example.com/', 'node1.example.com/../x', false],
    ['https://node1.example.com/', 'bad host[', false],
    ['', 'node1.example.com', false],
    [null, 'node1.example.com', false],
  ])('%s on Host %j → %s', (node, host, expected) => {
    expect(isUsersNode(node, hostContext(host))).toBe(expected);
  });
});

describe('auth.check_node with SQL users (SQLAuth, auth.assign_nodes)', () => {
  let auth: SQLAuth;
  let db: Database.Database;
  let file: string;
  // Each app closes the backend it was given: one per app, on the same database.
  const sqlAuth = () => new SQLAuth({ sqluri: `sqlite:///${file}`, assign_nodes: true, nodes_scheme: 'http' }, { config: {}, warn: () => undefined });

  beforeAll(async () => {
    file = join(dir, 'users.db');
    auth = sqlAuth();
    await auth.open();
    db = new Database(file);
    db.prepare('INSERT INTO available_nodes (node, available_assignments, downed, backoff, actives) VALUES (?, 10, 0, 0, 0)').run('node1.example.com:8001');
    await auth.createUser('placed', PASSWORD, 'placed@example.com');
    await auth.createUser('nowhere', PASSWORD, 'nowhere@example.com');
    expect(await auth.getUserNode((await auth.getUserId('placed'))!)).toBe('http://node1.example.com:8001/');
  });
  afterAll(async () => {
    db.close();
    await auth.close();
  });

  function app(config: FlatConfig = { 'auth.check_node': true }) {
    return createTestApp(NodeApp, { 'auth.cache_ttl': 60, ...config }, { auth: sqlAuth() });
  }

  test('on the user\'s node the login succeeds, also when remembered by the login cache', async () => {
    const { app: a, cef } = app();
    const http = request(a.callback());
    for (let i = 0; i < 2; i++) {
      await http.get('/1.1/placed/info').set('Host', 'node1.example.com:8001').set('Authorization', basic('placed', PASSWORD))
        .expect(200, { user: 'placed' });
    }
    expect(cef.events).toEqual([]);
    await a.close();
  });

  test('on another node: 401 with WWW-Authenticate and the CEF event, severity 7; a remembered login too', async () => {
    const { app: a, cef } = app();
    const http = request(a.callback());
    await http.get('/1.1/placed/info').set('Host', 'node1.example.com:8001').set('Authorization', basic('placed', PASSWORD)).expect(200);
    for (const host of ['node2.example.com:8001', 'node1.example.com:8002', 'node1.example.com']) {
      const res = await http.get('/1.1/placed/info').set('Host', host).set('Authorization', basic('placed', PASSWORD)).expect(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
    }
    expect(cef.events.map((e) => [e.name, e.severity, e.suser, e.signature])).toEqual(
      Array(3).fill([CEF_WRONG_NODE, 7, 'placed', 'AuthFail']));
    expect(cef.lines[0]).toContain('|AuthFail|User authenticated to wrong node|7|');
    await a.close();
  });

  test('a user without a node is on no node: 401 everywhere', async () => {
    const { app: a, cef } = app();
    await request(a.callback()).get('/1.1/nowhere/info').set('Host', 'node1.example.com:8001')
      .set('Authorization', basic('nowhere', PASSWORD)).expect(401);
    expect(cef.events.map((e) => e.name)).toEqual([CEF_WRONG_NODE]);
    // check_node never assigns one
    expect(await auth.getUserNode((await auth.getUserId('nowhere'))!, false)).toBeNull();
    await a.close();
  });

  test('a wrong password stays a failed login (its own event), no credentials the plain 401', async () => {
    const { app: a, cef } = app();
    const http = request(a.callback());
    await http.get('/1.1/placed/info').set('Host', 'node2.example.com').set('Authorization', basic('placed', 'wrong password')).expect(401);
    await http.get('/1.1/placed/info').set('Host', 'node2.example.com').expect(401);
    expect(cef.events.map((e) => e.name)).not.toContain(CEF_WRONG_NODE);
    await a.close();
  });

  test('a node moved is seen within auth.cache_recheck (one query per user and period); with auth.cache_ttl = 0 at once', async () => {
    const id = (await auth.getUserId('placed'))!;
    const remembering = app({ 'auth.check_node': true, 'auth.cache_recheck': 3600 });
    const fresh = app({ 'auth.check_node': true, 'auth.cache_ttl': 0 });
    const get = (a: typeof remembering, host: string) => request(a.app.callback()).get('/1.1/placed/info').set('Host', host)
      .set('Authorization', basic('placed', PASSWORD));
    try {
      await get(remembering, 'node1.example.com:8001').expect(200);
      await get(fresh, 'node1.example.com:8001').expect(200);
      db.prepare('UPDATE user_nodes SET node = ? WHERE user_id = ?').run('node9.example.com', id);
      await get(remembering, 'node1.example.com:8001').expect(200);
      await get(fresh, 'node1.example.com:8001').expect(401);
      await get(fresh, 'node9.example.com').expect(200);
    } finally {
      db.prepare('UPDATE user_nodes SET node = ? WHERE user_id = ?').run('node1.example.com:8001', id);
      await remembering.app.close();
      await fresh.app.close();
    }
  });

  test('off (the default): any node', async () => {
    const { app: a, cef } = app({});
    await request(a.callback()).get('/1.1/nowhere/info').set('Host', 'elsewhere.example.com')
      .set('Authorization', basic('nowhere', PASSWORD)).expect(200);
    expect(cef.events).toEqual([]);
    await a.close();
  });
});

describe('auth.check_node with other schemes and backends', () => {
  class TokenApp extends NodeApp {
    protected override async authenticate(ctx: AppContext): Promise<AppUser | null> {
      const token = ctx.get('X-Token');
      return token === '' ? null : { id: 7, name: 'tok', syncNode: token === 'here' ? 'https://here.example.com/' : 'https://there.example.com/' };
    }
  }

  test('a scheme that knows the user\'s node (syncNode) is checked the same way', async () => {
    const { app, cef } = createTestApp(TokenApp, { 'auth.check_node': true }, { dummyAuth: true });
    const http = request(app.callback());
    await http.get('/1.1/tok/info').set('Host', 'here.example.com').set('X-Token', 'here').expect(200, { user: 'tok' });
    await http.get('/1.1/tok/info').set('Host', 'here.example.com').set('X-Token', 'there').expect(401);
    expect(cef.events.map((e) => [e.name, e.suser])).toEqual([[CEF_WRONG_NODE, 'tok']]);
    await app.close();
  });

  test('a backend that keeps no nodes is a ConfigError at construction naming auth.check_node', () => {
    const backend: AuthBackend = new DummyAuth({ allow_dummy: true });
    const noNodes = Object.assign(Object.create(backend) as AuthBackend, { getUserNode: undefined });
    expect(() => createTestApp(NodeApp, { 'auth.check_node': true }, { auth: noNodes })).toThrow(ConfigError);
    expect(() => createTestApp(NodeApp, { 'auth.check_node': true }, { auth: noNodes })).toThrow(/auth\.check_node: the auth backend 'dummy' keeps no user nodes/);
    expect(() => createTestApp(NodeApp, { 'auth.check_node': 'maybe' }, { dummyAuth: true })).toThrow(/auth\.check_node/);
  });
});

describeService('ldap', 'auth.check_node with LDAP users (primaryNode in the test slapd)', () => {
  const { params } = testDirectory();
  let ldap: LDAPAuth;
  const name = `nodecheck-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const file = join(dir, 'hybrid.db');
    ldap = new LDAPAuth(params({ sqluri: `sqlite:///${file}`, create_tables: true, nodes_scheme: 'https' }));
    await ldap.open();
    const db = new Database(file);
    db.prepare('INSERT INTO available_nodes (node, available_assignments, actives) VALUES (?, 5, 0)').run(`${name}.example.org`);
    db.close();
    expect(await ldap.createUser(name, PASSWORD, `${name}@example.org`)).toBe(true);
    expect(await ldap.getUserNode((await ldap.getUserId(name))!)).toBe(`https://${name}.example.org/`);
  });
  afterAll(async () => {
    const cleanup = new LDAPAuth(params());
    expect(await cleanup.deleteUser((await cleanup.getUserId(name))!, PASSWORD)).toBe(true);
    await cleanup.close();
  });

  test('the node in primaryNode: 200 there, 401 and the CEF event elsewhere', async () => {
    const { app, cef } = createTestApp(NodeApp, { 'auth.check_node': true }, { auth: ldap });
    const http = request(app.callback());
    await http.get(`/1.1/${name}/info`).set('Host', `${name}.example.org`).set('Authorization', basic(name, PASSWORD)).expect(200, { user: name });
    await http.get(`/1.1/${name}/info`).set('Host', 'other.example.org').set('Authorization', basic(name, PASSWORD)).expect(401);
    expect(cef.events.map((e) => [e.name, e.severity])).toEqual([[CEF_WRONG_NODE, 7]]);
    await app.close();
  });
});
