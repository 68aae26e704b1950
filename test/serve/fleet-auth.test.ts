import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { hashPassword } from '../../src/auth/passwords';
import { serverDatabase, type TestDatabase } from '../auth/sql-databases';
import { deployment, startServe, stopGracefully, type ServeProcess } from '../e2e/fixtures/serve-process';
import { describeService } from '../services/describe-service';
import { waitFor } from '../support/wait-for';
import { testDirectory } from '../services/test-directory';

// Two `services-core serve` processes (two hosts of a fleet, as far as auth is concerned), each
// with 2 workers, on one PostgreSQL database: a change made through one, or directly in SQL,
// is honoured by every worker of both within 1 s (auth.cache_recheck = 0.5 plus a query), and
// failed logins spread over both block the user on both. The polls with an old password count
// as failed logins too, so "refused" is 401 or 429 and the next step waits out the 3 s block.

const FLEET_APP = `${join(__dirname, 'fixtures', 'fleet-app.ts')}#FleetApp`;
/** How late a change may be seen: auth.cache_recheck (0.5 s, the default) plus a query. */
const BOUND_MS = 1000;

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** One request on a new connection, so each one goes to the next worker. */
function call(port: number, method: string, path: string, auth: string, body?: unknown, agent: Agent | false = false): Promise<Reply> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: auth };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', fail).end(payload);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const login = (port: number, user: string, password: string) => call(port, 'GET', `/${user}/info`, basic(user, password));

/**
 * Polls `user:password` on every port from now on, for the bound and then at least one second
 * more: resolves with the statuses of the requests that started after the bound, and when the
 * last acceptance started (ms after the change).
 */
async function pollAfterChange(ports: number[], user: string, password: string, changedAt: number) {
  const late: number[] = [];
  let lastAccepted = -1;
  while (performance.now() - changedAt < BOUND_MS + 1000 || late.length < 16) {
    for (const port of ports) {
      const started = performance.now() - changedAt;
      const { status } = await login(port, user, password);
      if (started >= BOUND_MS) late.push(status);
      else if (status === 200) lastAccepted = started;
    }
  }
  return { late, lastAccepted };
}

/** Every worker of every port accepts (twice each: the first may pay the password hash). */
async function acceptedEverywhere(ports: number[], user: string, password: string): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const port of ports) {
    for (let i = 0; i < 4; i++) {
      const reply = await login(port, user, password);
      expect(reply.status).toBe(200);
      pids.add((JSON.parse(reply.body) as { pid: number }).pid);
    }
  }
  return pids;
}

function appConf(dir: string, sqluri: string, table: string): string {
  return [
    '[global]', 'graceful_shutdown_interval = 0', '',
    '[auth]', 'backend = sql', `sqluri = ${sqluri}`, 'throttle_store = sql', `throttle_table = ${table}`,
    'throttle_user_limit = 4', 'throttle_user_block = 3', 'throttle_ip_limit = 100000', '',
    '[cef]', `file = ${dir}/cef.log`, 'vendor = mozilla', 'version = 0', 'device_version = 1', 'product = fleet-test', '',
  ].join('\n');
}

describeService('pg', 'a fleet on one PostgreSQL database: two serve processes × 2 workers', () => {
  let db: TestDatabase;
  const fleet: { serve: ServeProcess; port: number; dir: string }[] = [];
  let ports: number[] = [];
  const suffix = randomBytes(4).toString('hex');
  const user = (name: string) => `${name}${suffix}`;

  beforeAll(async () => {
    db = await serverDatabase('postgres');
    const users = new SQLAuth({ sqluri: db.uri });
    for (const name of ['alice', 'bob', 'carol', 'dave']) expect(await users.createUser(user(name), `${name}-old-pw`, `${name}@example.com`)).toBe(true);
    await users.close();
    for (let i = 0; i < 2; i++) {
      const { dir, ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 2', '[auth]\n', FLEET_APP);
      writeFileSync(join(dir, 'app.conf'), appConf(dir, db.uri, `throttle_${suffix}`));
      const serve = startServe([ini]);
      fleet.push({ serve, dir, port: 0 });
    }
    // A generous deadline: six processes compile the sources with ts-node on a shared machine.
    for (const member of fleet) member.port = Number((await member.serve.waitFor(/listening on http:\/\/[^\s"]+:(\d+) with/, 180_000))[1]);
    ports = fleet.map((m) => m.port);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(fleet.map(({ serve }) => stopGracefully(serve)));
    await db?.drop();
  }, 30_000);

  test('a password changed through one process: every worker of both refuses the old one within 1 s and takes the new one', async () => {
    const alice = user('alice');
    expect((await acceptedEverywhere(ports, alice, 'alice-old-pw')).size).toBe(4);
    const change = await call(ports[0], 'POST', `/${alice}/password`, basic(alice, 'alice-old-pw'), { old: 'alice-old-pw', password: 'alice-new-pw' });
    expect(change).toMatchObject({ status: 200, body: '{"changed":true}' });
    const { late, lastAccepted } = await pollAfterChange(ports, alice, 'alice-old-pw', performance.now());
    expect(late.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(lastAccepted).toBeLessThan(BOUND_MS);
    await waitAccepted(ports, alice, 'alice-new-pw', 6000); // the polls above may have blocked alice for 3 s
    expect((await acceptedEverywhere(ports, alice, 'alice-new-pw')).size).toBe(4);
  });

  test('changes made directly in SQL (as psql would): disabled, re-enabled, new hash, deleted', async () => {
    const bob = user('bob');
    expect((await acceptedEverywhere(ports, bob, 'bob-old-pw')).size).toBe(4);

    await db.query('UPDATE users SET status = 0 WHERE username = ?', [bob]);
    let poll = await pollAfterChange(ports, bob, 'bob-old-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401 && s !== 429)).toEqual([]);

    await db.query('UPDATE users SET status = 1 WHERE username = ?', [bob]);
    await waitAccepted(ports, bob, 'bob-old-pw', 6000); // the polls above may have blocked bob for 3 s

    await db.query('UPDATE users SET password_hash = ? WHERE username = ?', [await hashPassword('bob-sql-pw', 'ssha-256'), bob]);
    poll = await pollAfterChange(ports, bob, 'bob-old-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    await waitAccepted(ports, bob, 'bob-sql-pw', 6000);
    expect((await acceptedEverywhere(ports, bob, 'bob-sql-pw')).size).toBe(4);

    await db.query('DELETE FROM users WHERE username = ?', [bob]);
    poll = await pollAfterChange(ports, bob, 'bob-sql-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  test('a user deleted through one process is refused by every worker of both within 1 s', async () => {
    const carol = user('carol');
    expect((await acceptedEverywhere(ports, carol, 'carol-old-pw')).size).toBe(4);
    const removed = await call(ports[1], 'POST', `/${carol}/delete`, basic(carol, 'carol-old-pw'), { password: 'carol-old-pw' });
    expect(removed).toMatchObject({ status: 200, body: '{"deleted":true}' });
    const { late } = await pollAfterChange(ports, carol, 'carol-old-pw', performance.now());
    expect(late.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  test('wrong passwords spread over both processes block the user on both (429, the right password too), once in CEF; the block ends', async () => {
    const dave = user('dave');
    expect((await acceptedEverywhere(ports, dave, 'dave-old-pw')).size).toBe(4); // remembered on every worker
    for (let i = 0; i < 4; i++) expect((await login(ports[i % 2], dave, `wrong-${i}`)).status).toBe(401);
    const blockedAt = performance.now();
    // The block holds on every worker of both within auth.cache_recheck, remembered logins included.
    const { late } = await pollAfterChange(ports, dave, 'dave-old-pw', blockedAt);
    const lateStatuses = late.filter((_, i) => i < 8);
    expect(lateStatuses.filter((s) => s !== 429)).toEqual([]);
    const reply = await login(ports[1], dave, 'wrong-again');
    if (performance.now() - blockedAt < 2500) {
      expect(reply.status).toBe(429);
      expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // (the polls of the other tests locked their users too: only dave's events count here)
    const lockouts = fleet.flatMap(({ dir }) => readFileSync(join(dir, 'cef.log'), 'utf8').split('\n'))
      .filter((l) => l.includes('|AccountLockout|') && l.includes(`suser=${dave}`));
    expect(lockouts).toHaveLength(1);
    // 3 s block: accepted again afterwards, on both.
    await expect(waitAccepted(ports, dave, 'dave-old-pw', 6000)).resolves.toBeGreaterThan(0);
    expect((await acceptedEverywhere(ports, dave, 'dave-old-pw')).size).toBe(4);
  });
});

/** Polls until every port accepts; resolves with the milliseconds it took. */
async function waitAccepted(ports: number[], user: string, password: string, timeoutMs = 3000): Promise<number> {
  const start = performance.now();
  await waitFor(async () => (await Promise.all(ports.map((port) => login(port, user, password)))).every((r) => r.status === 200),
    { timeoutMs, intervalMs: 25, what: `every port to accept ${user}` });
  return performance.now() - start;
}

describeService('ldap', 'a fleet on one slapd: two serve processes × 2 workers (pooled binds)', () => {
  const { url: URL, base: BASE, admin: ADMIN, adminPassword: ADMIN_PW, usersRoot: ROOT } = testDirectory();
  const suffix = randomBytes(4).toString('hex');
  const user = (name: string) => `fleet-${name}-${suffix}`;
  const fleet: ServeProcess[] = [];
  let ports: number[] = [];
  const ldapmodify = (name: string, attribute: string, value: string) => execFileSync('ldapmodify', ['-x', '-H', URL, '-D', ADMIN, '-w', ADMIN_PW], {
    input: `dn: uid=${name},${ROOT}\nchangetype: modify\nreplace: ${attribute}\n${attribute}: ${value}\n`,
  });

  beforeAll(async () => {
    const auth = new LDAPAuth({ ldapuri: URL, bind_user: `cn=reader,${BASE}`, bind_password: 'reader-secret', admin_user: ADMIN, admin_password: ADMIN_PW, users_root: ROOT });
    for (const name of ['alice', 'bob', 'carol']) expect(await auth.createUser(user(name), `${name}-old-pw`, '')).toBe(true);
    await auth.close();
    for (let i = 0; i < 2; i++) {
      const { dir, ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 2', '[auth]\n', FLEET_APP);
      writeFileSync(join(dir, 'app.conf'), [
        '[global]', 'graceful_shutdown_interval = 0', '',
        '[auth]', 'backend = ldap', `ldapuri = ${URL}`, `bind_user = cn=reader,${BASE}`, 'bind_password = reader-secret',
        `admin_user = ${ADMIN}`, `admin_password = ${ADMIN_PW}`, `users_root = ${ROOT}`, 'ldap_use_pool = true',
        'throttle_user_limit = 100000', 'throttle_ip_limit = 100000', '',
      ].join('\n'));
      fleet.push(startServe([ini]));
    }
    for (const serve of fleet) ports.push(Number((await serve.waitFor(/listening on http:\/\/[^\s"]+:(\d+) with/, 180_000))[1]));
    ports = [...ports];
  }, 240_000);

  afterAll(async () => {
    await Promise.all(fleet.map(async (serve) => {
      await stopGracefully(serve);
    }));
    for (const name of ['alice', 'bob', 'carol']) {
      try {
        execFileSync('ldapdelete', ['-x', '-H', URL, '-D', ADMIN, '-w', ADMIN_PW, `uid=${user(name)},${ROOT}`], { stdio: 'ignore' });
      } catch {
        // deleted by the test
      }
    }
  }, 30_000);

  test('a password changed through one process, then directly in the directory: refused everywhere within 1 s', async () => {
    const alice = user('alice');
    expect((await acceptedEverywhere(ports, alice, 'alice-old-pw')).size).toBe(4);
    const change = await call(ports[0], 'POST', `/${alice}/password`, basic(alice, 'alice-old-pw'), { old: 'alice-old-pw', password: 'alice-new-pw' });
    expect(change).toMatchObject({ status: 200, body: '{"changed":true}' });
    let poll = await pollAfterChange(ports, alice, 'alice-old-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401)).toEqual([]);
    expect((await acceptedEverywhere(ports, alice, 'alice-new-pw')).size).toBe(4);

    ldapmodify(alice, 'userPassword', await hashPassword('alice-admin-pw', 'ssha'));
    poll = await pollAfterChange(ports, alice, 'alice-new-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401)).toEqual([]);
    expect((await acceptedEverywhere(ports, alice, 'alice-admin-pw')).size).toBe(4);
  });

  test('an account disabled in the directory, and a user deleted through one process: refused everywhere within 1 s', async () => {
    const bob = user('bob');
    expect((await acceptedEverywhere(ports, bob, 'bob-old-pw')).size).toBe(4);
    ldapmodify(bob, 'account-enabled', 'No');
    let poll = await pollAfterChange(ports, bob, 'bob-old-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401)).toEqual([]);

    const carol = user('carol');
    expect((await acceptedEverywhere(ports, carol, 'carol-old-pw')).size).toBe(4);
    const removed = await call(ports[1], 'POST', `/${carol}/delete`, basic(carol, 'carol-old-pw'), { password: 'carol-old-pw' });
    expect(removed).toMatchObject({ status: 200, body: '{"deleted":true}' });
    poll = await pollAfterChange(ports, carol, 'carol-old-pw', performance.now());
    expect(poll.late.filter((s) => s !== 401)).toEqual([]);
  });
});

describe('one serve process × 2 workers: a change through one worker reaches the other through the primary', () => {
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    if (serve) await stopGracefully(serve);
  }, 30_000);

  test('with stamps re-read only every 60 s, the other worker refuses the old password from the moment the change is answered', async () => {
    const { dir, ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 2', '[auth]\n', FLEET_APP);
    const sqluri = `sqlite:///${join(dir, 'users.db')}`;
    writeFileSync(join(dir, 'app.conf'), ['[global]', 'graceful_shutdown_interval = 0', '', '[auth]', 'backend = sql', `sqluri = ${sqluri}`,
      'cache_recheck = 60', 'throttle_user_limit = 100000', 'throttle_ip_limit = 100000', ''].join('\n'));
    const users = new SQLAuth({ sqluri });
    expect(await users.createUser('erin', 'erin-old-pw', 'erin@example.com')).toBe(true);
    await users.close();
    serve = startServe([ini]);
    const port = Number((await serve.waitFor(/listening on http:\/\/[^\s"]+:(\d+) with/, 180_000))[1]);
    expect((await acceptedEverywhere([port], 'erin', 'erin-old-pw')).size).toBe(2);
    const change = await call(port, 'POST', '/erin/password', basic('erin', 'erin-old-pw'), { old: 'erin-old-pw', password: 'erin-new-pw' });
    expect(change).toMatchObject({ status: 200, body: '{"changed":true}' });
    // Without the purge, the other worker would accept the old password for up to 60 s; the
    // change is answered only once the other worker has dropped it, so no request after it passes.
    const changedAt = performance.now();
    const statuses: number[] = [];
    while (performance.now() - changedAt < 1000 || statuses.length < 8) statuses.push((await login(port, 'erin', 'erin-old-pw')).status);
    expect(statuses.filter((s) => s !== 401)).toEqual([]);
    expect((await acceptedEverywhere([port], 'erin', 'erin-new-pw')).size).toBe(2);

    // Kept-alive connections to both workers, used the moment each change is answered: a purge
    // that only raced the answer lost on the other worker's connection about one time in three.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const both = (password: string) => Promise.all([0, 1].map(() => call(port, 'GET', '/erin/info', basic('erin', password), undefined, agent)));
    try {
      let password = 'erin-new-pw';
      for (let round = 0; round < 8; round++) {
        expect((await both(password)).map((r) => r.status)).toEqual([200, 200]);
        const next = `erin-pw-${round}`;
        const changed = await call(port, 'POST', '/erin/password', basic('erin', password), { old: password, password: next });
        expect(changed.status).toBe(200);
        expect((await both(password)).map((r) => r.status)).toEqual([401, 401]);
        password = next;
      }
    } finally {
      agent.destroy();
    }
  }, 240_000);
});
