import { CachedAuthBackend, authCacheOf, withAuthCache } from '../../src/auth/cached-auth-backend';
import type { AuthBackend, UpdatePasswordOptions, UserId } from '../../src/auth/backend';
import { DummyAuth } from '../../src/auth/backends/dummy';

/** A backend double that counts the logins that reach it. */
class CountingBackend extends DummyAuth {
  logins = 0;
  release?: () => void;
  gate?: Promise<void>;

  constructor() {
    super({ allow_dummy: true });
  }

  override async authenticateUser(username: string, password: string): Promise<UserId | null> {
    this.logins++;
    await this.gate;
    return super.authenticateUser(username, password);
  }

  hold(): void {
    this.gate = new Promise((resolve) => { this.release = resolve; });
  }

  extraMethod(): string {
    return `still ${this.name}`;
  }
}

async function setup(ttlSeconds = 60, maxEntries = 100) {
  const inner = new CountingBackend();
  let now = 1_000_000;
  const auth = withAuthCache(inner, { ttlSeconds, maxEntries, now: () => now });
  await inner.createUser('alice', 'alice-pw', 'a@x');
  await inner.createUser('bob', 'bob-pw', 'b@x');
  return { inner, auth, tick: (seconds: number) => { now += seconds * 1000; } };
}

describe('withAuthCache', () => {
  test('a successful login is answered from the cache until the TTL runs out', async () => {
    const { inner, auth, tick } = await setup(60);
    const id = await auth.authenticateUser('alice', 'alice-pw');
    expect(id).not.toBeNull();
    expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
    expect(inner.logins).toBe(1);
    tick(59);
    expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
    expect(inner.logins).toBe(1);
    tick(2);
    expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
    expect(inner.logins).toBe(2);
  });

  test('failures are not cached: every wrong password reaches the backend', async () => {
    const { inner, auth } = await setup();
    expect(await auth.authenticateUser('alice', 'wrong')).toBeNull();
    expect(await auth.authenticateUser('alice', 'wrong')).toBeNull();
    expect(inner.logins).toBe(2);
    expect(authCacheOf(auth)!.size).toBe(0);
  });

  test('the key covers user and password: another password or user is a miss', async () => {
    const { inner, auth } = await setup();
    await auth.authenticateUser('alice', 'alice-pw');
    expect(await auth.authenticateUser('alice', 'alice-pw2')).toBeNull();
    expect(await auth.authenticateUser('bob', 'alice-pw')).toBeNull();
    expect(inner.logins).toBe(3);
  });

  test('a password change through the cache drops the old login at once', async () => {
    const { inner, auth } = await setup();
    const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
    const options: UpdatePasswordOptions = { oldPassword: 'alice-pw' };
    expect(await auth.updatePassword(id, 'new-pw', options)).toBe(true);
    expect(await auth.authenticateUser('alice', 'alice-pw')).toBeNull();
    expect(await auth.authenticateUser('alice', 'new-pw')).toBe(id);
    expect(inner.logins).toBe(3);
  });

  test('deleting a user drops the login; other users stay cached', async () => {
    const { inner, auth } = await setup();
    const alice = (await auth.authenticateUser('alice', 'alice-pw'))!;
    await auth.authenticateUser('bob', 'bob-pw');
    expect(await auth.deleteUser(alice, 'alice-pw')).toBe(true);
    // DummyAuth re-creates unknown names on login; what matters is that the backend is asked
    await auth.authenticateUser('alice', 'alice-pw');
    await auth.authenticateUser('bob', 'bob-pw');
    expect(inner.logins).toBe(3);
  });

  test('a login that was in flight during a password change is not remembered', async () => {
    const { inner, auth } = await setup();
    const id = (await inner.getUserId('alice'))!;
    inner.hold();
    const login = auth.authenticateUser('alice', 'alice-pw');
    authCacheOf(auth)!.forgetUser(id);
    inner.release!();
    expect(await login).toBe(id);
    expect(authCacheOf(auth)!.size).toBe(0);
  });

  test('concurrent logins with the same credentials share one backend call', async () => {
    const { inner, auth } = await setup();
    inner.hold();
    const logins = Array.from({ length: 5 }, () => auth.authenticateUser('alice', 'alice-pw'));
    inner.release!();
    const ids = await Promise.all(logins);
    expect(new Set(ids).size).toBe(1);
    expect(inner.logins).toBe(1);
  });

  test('bounded: the least recently used login goes first', async () => {
    const { inner, auth } = await setup(60, 2);
    await inner.createUser('carol', 'carol-pw', 'c@x');
    await auth.authenticateUser('alice', 'alice-pw');
    await auth.authenticateUser('bob', 'bob-pw');
    await auth.authenticateUser('alice', 'alice-pw'); // alice is now the most recent
    await auth.authenticateUser('carol', 'carol-pw'); // evicts bob
    expect(authCacheOf(auth)!.size).toBe(2);
    expect(inner.logins).toBe(3);
    await auth.authenticateUser('alice', 'alice-pw');
    expect(inner.logins).toBe(3);
    await auth.authenticateUser('bob', 'bob-pw');
    expect(inner.logins).toBe(4);
  });

  test('the wrapper is a plain CachedAuthBackend: its type shows the cache; the backend and its extra members are under .backend', async () => {
    const { inner, auth } = await setup();
    expect(auth).toBeInstanceOf(CachedAuthBackend);
    const cached = auth as CachedAuthBackend<CountingBackend>;
    expect(cached.backend).toBe(inner);
    expect(cached.cache).toBe(authCacheOf(auth));
    expect(auth.name).toBe('dummy');
    expect(cached.backend.extraMethod()).toBe('still dummy');
    expect(await auth.getUserInfo((await inner.getUserId('bob'))!)).toEqual({ username: 'bob', email: 'b@x' });
  });

  test('ttl 0 returns the backend itself', () => {
    const inner: AuthBackend = new CountingBackend();
    expect(withAuthCache(inner, { ttlSeconds: 0, maxEntries: 10 })).toBe(inner);
    expect(authCacheOf(inner)).toBeUndefined();
  });

  test('the cache holds neither passwords nor user names', async () => {
    const { auth } = await setup();
    await auth.authenticateUser('alice', 'alice-pw');
    const dump = JSON.stringify([...(authCacheOf(auth)! as unknown as { entries: Map<string, unknown> }).entries]);
    expect(dump).not.toContain('alice');
  });

  describe('raw credentials (recall / remember)', () => {
    const HEADER = 'Basic YWxpY2U6YWxpY2UtcHc=';

    test('remembered until the TTL, answered without the backend, dropped by a password change', async () => {
      const { inner, auth, tick } = await setup(60);
      const cache = authCacheOf(auth)!;
      const id = (await inner.getUserId('alice'))!;
      expect(cache.recall(HEADER)).toBeUndefined();
      cache.remember(HEADER, id, cache.generation);
      expect(cache.recall(HEADER)).toBe(id);
      expect(cache.recall(`${HEADER} `)).toBeUndefined();
      tick(61);
      expect(cache.recall(HEADER)).toBeUndefined();
      expect(cache.size).toBe(0);
      cache.remember(HEADER, id, cache.generation);
      await auth.updatePassword(id, 'new-pw', { oldPassword: 'alice-pw' });
      expect(cache.recall(HEADER)).toBeUndefined();
      expect(inner.logins).toBe(0);
    });

    test('a login that started before an invalidation is not remembered', async () => {
      const { inner, auth } = await setup();
      const cache = authCacheOf(auth)!;
      const id = (await inner.getUserId('alice'))!;
      const generation = cache.generation;
      await auth.deleteUser(id);
      cache.remember(HEADER, id, generation);
      expect(cache.recall(HEADER)).toBeUndefined();
    });

    test('the credentials are not held, and they never meet a user name + password key', async () => {
      const { auth } = await setup();
      const cache = authCacheOf(auth)!;
      await auth.authenticateUser('alice', 'alice-pw');
      expect(cache.recall('5:alice\0alice-pw')).toBeUndefined();
      cache.remember(HEADER, 7, cache.generation);
      expect(cache.size).toBe(2);
      const dump = JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries]);
      expect(dump).not.toContain('YWxpY2U6YWxpY2UtcHc');
      expect(dump).not.toContain('alice');
    });
  });
});

