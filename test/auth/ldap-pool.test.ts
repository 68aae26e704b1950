import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, BackendTimeoutError, isBackendError } from '../../src/app/responses/errors';
import { LdapPool, MaxConnectionReachedError, type LdapPoolOptions, type PoolConnector } from '../../src/auth/ldap/ldap-pool';

// A fake connector isolates the pool's bookkeeping from a directory; the backend suite runs
// the same pool against slapd.
class FakeConnector implements PoolConnector {
  connected = true;
  closed = false;
  active = false;
  constructor(readonly dn: string, readonly serial: number) {}
  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
  }
}

class WrongPassword extends Error {}

function fakePool(options: LdapPoolOptions = {}, failures: Error[] = []) {
  const opened: FakeConnector[] = [];
  let openNow = 0;
  let maxOpen = 0;
  const pool = new LdapPool<FakeConnector>(async (dn, password) => {
    await sleep(1);
    const failure = failures.shift();
    if (failure) throw failure;
    if (password === 'wrong') throw new WrongPassword('invalid credentials');
    const connector = new FakeConnector(dn, opened.length);
    const close = connector.close.bind(connector);
    connector.close = async () => {
      if (!connector.closed) openNow--;
      await close();
    };
    opened.push(connector);
    maxOpen = Math.max(maxOpen, ++openNow);
    return connector;
  }, options);
  const grab = (dn: string, password = 'pw') => pool.use(dn, password, async (c) => c);
  return { pool, opened, grab, maxOpen: () => maxOpen };
}

/**
 * Holds a connector for `ms` of simulated work, as another request would; `grabbed` resolves once
 * it holds it, so a test goes on exactly when the connector is busy.
 */
function hold(pool: LdapPool<FakeConnector>, dn: string, ms: number): Promise<FakeConnector> & { grabbed: Promise<void> } {
  let onGrab = () => undefined as void;
  const grabbed = new Promise<void>((resolve) => (onGrab = resolve));
  const done = pool.use(dn, 'pw', async (c) => {
    onGrab();
    await sleep(ms);
    return c;
  });
  return Object.assign(done, { grabbed });
}

describe('LdapPool (docs/compatibility.md D.8)', () => {
  test('case 1: 10 concurrent callers × 10 sequential uses all succeed within the size', async () => {
    const { pool, maxOpen } = fakePool({ size: 10 });
    const results = await Promise.all(Array.from({ length: 10 }, async (_, caller) => {
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) {
        seen.push(await pool.use('cn=admin', 'admin', async (c) => {
          expect(c.active).toBe(false);
          c.active = true;
          await sleep(1 + ((caller * i) % 3));
          c.active = false;
          return c.dn;
        }));
      }
      return seen;
    }));
    expect(results.flat()).toEqual(Array(100).fill('cn=admin'));
    expect(maxOpen()).toBeLessThanOrEqual(10);
    expect(pool.size).toBeLessThanOrEqual(10);
  });

  test('case 2: size 1 reuses one connector for sequential uses', async () => {
    const { pool, opened, grab } = fakePool({ size: 1 });
    for (let i = 0; i < 10; i++) await grab('cn=admin');
    expect(opened).toHaveLength(1);
    expect(pool.size).toBe(1);
  });

  test('case 2: a caller waits for a busy connector that frees up within retryMax × retryDelay', async () => {
    const { pool, opened } = fakePool({ size: 1, retryMax: 5, retryDelay: 100 });
    const holder = hold(pool, 'cn=admin', 100);
    await holder.grabbed;
    const waited = await pool.use('cn=admin', 'pw', async (c) => c);
    expect(waited).toBe(await holder);
    expect(opened).toHaveLength(1);
    expect(pool.size).toBe(1);
  });

  test('case 2: MaxConnectionReachedError when the connector stays busy too long, a BackendError', async () => {
    const { pool } = fakePool({ size: 1, retryMax: 2, retryDelay: 50 });
    const holder = hold(pool, 'cn=admin', 1000);
    await holder.grabbed;
    const err = await pool.use('cn=admin', 'pw', async (c) => c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaxConnectionReachedError);
    expect(isBackendError(err)).toBe(true);
    expect((err as Error).message).toMatch(/all 1 LDAP connections busy for 100 ms/);
    await holder;
    expect(pool.size).toBe(1);
  });

  test('case 3: size 1, another DN evicts the idle connector', async () => {
    const { pool, opened, grab } = fakePool({ size: 1 });
    const first = await grab('uid=bind1');
    const second = await grab('uid=bind2');
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    expect(pool.size).toBe(1);
    expect(opened.map((c) => c.dn)).toEqual(['uid=bind1', 'uid=bind2']);
  });

  test('when full, the oldest idle connector is evicted and the others are kept', async () => {
    const { pool, grab } = fakePool({ size: 2 });
    const a = await grab('uid=a');
    const b = await grab('uid=b');
    await grab('uid=c');
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    expect(await grab('uid=b')).toBe(b);
    expect(pool.size).toBe(2);
  });

  test('case 4: reuse of the same object by DN and password; active inside, idle and connected after', async () => {
    const { grab, pool } = fakePool();
    let inside: FakeConnector | undefined;
    await pool.use('uid=a', 'pw', async (c) => {
      inside = c;
      expect(pool.countFor('uid=a')).toBe(1);
    });
    expect(inside?.connected).toBe(true);
    expect(await grab('uid=a')).toBe(inside);
    expect(await grab('UID=A')).toBe(inside);
  });

  test('case 4: a connector that was disconnected is never reused', async () => {
    const { grab, pool } = fakePool();
    const broken = await pool.use('uid=a', 'pw', async (c) => {
      c.connected = false;
      return c;
    });
    expect(pool.size).toBe(0);
    const next = await grab('uid=a');
    expect(next).not.toBe(broken);
    expect(next.connected).toBe(true);
  });

  test('case 4: an idle connector that lost its connection meanwhile is dropped, not handed out', async () => {
    const { grab } = fakePool();
    const first = await grab('uid=a');
    first.connected = false;
    expect(await grab('uid=a')).not.toBe(first);
  });

  test('case 4: the same DN with another password gets a new connector and the old one is discarded', async () => {
    const { grab, pool } = fakePool();
    const old = await grab('uid=a', 'old');
    const fresh = await grab('uid=a', 'new');
    expect(fresh).not.toBe(old);
    expect(old.closed).toBe(true);
    expect(pool.countFor('uid=a')).toBe(1);
    expect(await grab('uid=a', 'new')).toBe(fresh);
  });

  test('a wrong password propagates as is and leaves no connector behind', async () => {
    const { grab, pool } = fakePool();
    await expect(grab('uid=a', 'wrong')).rejects.toBeInstanceOf(WrongPassword);
    expect(pool.size).toBe(0);
  });

  test('connectors older than maxLifetime are closed instead of reused', async () => {
    let now = 0;
    const { grab, pool } = fakePool({ maxLifetime: 1000, now: () => now });
    const first = await grab('uid=a');
    now = 999;
    expect(await grab('uid=a')).toBe(first);
    now = 1000;
    const second = await grab('uid=a');
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    expect(pool.size).toBe(1);
  });

  test('purge(dn) drops the idle connectors of that DN only (Q-D3)', async () => {
    const { grab, pool } = fakePool();
    const a = await grab('uid=a');
    const b = await grab('uid=b');
    pool.purge('UID=A');
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    expect(pool.countFor('uid=a')).toBe(0);
    expect(await grab('uid=a')).not.toBe(a);
  });

  test('purge(dn) while the connector is busy closes it when released', async () => {
    const { grab, pool } = fakePool();
    const busy = await pool.use('uid=a', 'pw', async (c) => {
      pool.purge('uid=a');
      expect(c.closed).toBe(false);
      return c;
    });
    expect(busy.closed).toBe(true);
    expect(pool.size).toBe(0);
    expect(await grab('uid=a')).not.toBe(busy);
  });

  test('queued callers are served in arrival order, each with a connector for its own DN', async () => {
    const { pool } = fakePool({ size: 1, retryMax: 10, retryDelay: 200 });
    const order: string[] = [];
    const holder = hold(pool, 'uid=a', 50);
    await holder.grabbed;
    const queued = ['uid=b', 'uid=c', 'uid=a', 'uid=d'].map((dn) =>
      pool.use(dn, 'pw', async (c) => {
        order.push(c.dn);
        await sleep(5);
      }));
    await Promise.all([holder, ...queued]);
    expect(order).toEqual(['uid=b', 'uid=c', 'uid=a', 'uid=d']);
    expect(pool.size).toBe(1);
  });

  test('an unreachable server is retried retryMax times in all, then the BackendError surfaces', async () => {
    const down = () => new BackendError('server down');
    const { grab, opened } = fakePool({ retryMax: 3, retryDelay: 5 }, [down(), down()]);
    const c = await grab('uid=a');
    expect(c.connected).toBe(true);
    expect(opened).toHaveLength(1);

    const failures = [down(), down(), down(), down()];
    const failing = fakePool({ retryMax: 3, retryDelay: 5 }, failures);
    await expect(failing.grab('uid=a')).rejects.toThrow('server down');
    expect(failures).toHaveLength(1);
    expect(failing.pool.size).toBe(0);
  });

  test('a timeout is not retried', async () => {
    const { grab } = fakePool({ retryMax: 3, retryDelay: 5 }, [new BackendTimeoutError('timed out')]);
    await expect(grab('uid=a')).rejects.toBeInstanceOf(BackendTimeoutError);
  });

  test('without pooling every use opens and closes its own connector and the pool stays empty', async () => {
    const { grab, pool, opened } = fakePool({ usePool: false, size: 1 });
    const [a, b] = await Promise.all([hold(pool, 'uid=a', 20), hold(pool, 'uid=a', 20)]);
    expect(a).not.toBe(b);
    await grab('uid=a');
    expect(opened).toHaveLength(3);
    expect(opened.every((c) => c.closed)).toBe(true);
    expect(pool.size).toBe(0);
  });

  test('close() closes idle connectors, then busy ones when released, and refuses later uses', async () => {
    const { grab, pool } = fakePool({ size: 2 });
    const idle = await grab('uid=a');
    const busy = hold(pool, 'uid=b', 30);
    await busy.grabbed;
    await pool.close();
    expect(idle.closed).toBe(true);
    expect((await busy).closed).toBe(true);
    await expect(grab('uid=a')).rejects.toThrow(BackendError);
    expect(pool.size).toBe(0);
  });

  test('close() rejects queued callers', async () => {
    const { grab, pool } = fakePool({ size: 1, retryMax: 5, retryDelay: 100 });
    const busy = hold(pool, 'uid=b', 30);
    await busy.grabbed;
    const waiting = grab('uid=c');
    await pool.close();
    await expect(waiting).rejects.toThrow('LdapPool: closed');
    await busy;
  });

  test('the pool keeps no password, only a keyed hash of it', async () => {
    const { pool } = fakePool();
    await pool.use('uid=a', 'correct horse battery staple', async () => undefined);
    expect(inspect(pool, { depth: 6, showHidden: true })).not.toContain('correct horse');
  });

  test('bad sizes are refused with the option named', () => {
    expect(() => new LdapPool(async () => new FakeConnector('', 0), { size: 0 })).toThrow(/size must be a positive integer/);
    expect(() => new LdapPool(async () => new FakeConnector('', 0), { retryMax: 0 })).toThrow(/retryMax/);
  });
});
