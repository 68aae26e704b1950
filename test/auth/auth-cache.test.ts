import type { AuthCacheOptions } from '../../src/auth/auth-cache';
import { CachedAuthBackend, authCacheOf, withAuthCache } from '../../src/auth/cached-auth-backend';
import type { AuthBackend, UpdatePasswordOptions, UserId } from '../../src/auth/backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { waitFor } from '../support/wait-for';

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

  stampPrefix = '';
  stampReads = 0;

  override async credentialStamp(username: string): Promise<string | null> {
    this.stampReads++;
    const stamp = await super.credentialStamp(username);
    return stamp === null ? null : this.stampPrefix + stamp;
  }

  extraMethod(): string {
    return `still ${this.name}`;
  }
}

/** What Basic authentication remembers of alice's header. */
const login = (userId: UserId) => ({ userId, sentName: 'alice', name: 'alice' });

async function setup(ttlSeconds = 60, maxEntries = 100, options: Partial<AuthCacheOptions> = {}) {
  const inner = new CountingBackend();
  let now = 1_000_000;
  const auth = withAuthCache(inner, { ttlSeconds, maxEntries, now: () => now, ...options });
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

  test('the cache holds no password and no stored credential (a stamp may hold the hash)', async () => {
    const { auth, inner } = await setup();
    inner.stampPrefix = 'HASH-OF-alice';
    await auth.authenticateUser('alice', 'alice-pw');
    const cache = authCacheOf(auth)! as unknown as Record<'entries' | 'stamps', Map<string, unknown>>;
    const dump = JSON.stringify([...cache.entries, ...cache.stamps]);
    expect(dump).not.toContain('alice-pw');
    expect(dump).not.toContain('HASH-OF');
  });

  describe('raw credentials (recall / remember)', () => {
    const HEADER = 'Basic YWxpY2U6YWxpY2UtcHc=';

    test('a hit gives back the login as remembered, without a promise while the stamp read is recent', async () => {
      const { inner, auth, tick } = await setup(60, 100, { recheckSeconds: 0.5 });
      const cache = authCacheOf(auth)!;
      const generation = cache.generation;
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      cache.remember(HEADER, { userId: id, sentName: 'Alice', name: 'alice' }, generation);
      expect(cache.recall(HEADER)).toEqual({ userId: id, sentName: 'Alice', name: 'alice' });
      tick(0.5);
      const reread = cache.recall(HEADER);
      expect(reread).toBeInstanceOf(Promise);
      expect(await reread).toEqual({ userId: id, sentName: 'Alice', name: 'alice' });
      expect(inner.stampReads).toBe(2);
    });

    test('remembered until the TTL, answered without the backend, dropped by a password change', async () => {
      const { inner, auth, tick } = await setup(60);
      const cache = authCacheOf(auth)!;
      const id = (await inner.getUserId('alice'))!;
      expect(await cache.recall(HEADER)).toBeUndefined();
      let generation = cache.generation;
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
      cache.remember(HEADER, login(id), generation);
      expect(await cache.recall(HEADER)).toEqual(login(id));
      expect(await cache.recall(`${HEADER} `)).toBeUndefined();
      tick(61);
      expect(await cache.recall(HEADER)).toBeUndefined();
      expect(cache.size).toBe(1); // the user name + password entry, now expired too
      generation = cache.generation;
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
      cache.remember(HEADER, login(id), generation);
      await auth.updatePassword(id, 'new-pw', { oldPassword: 'alice-pw' });
      expect(await cache.recall(HEADER)).toBeUndefined();
      expect(inner.logins).toBe(2);
    });

    test('a login that started before an invalidation is not remembered', async () => {
      const { inner, auth } = await setup();
      const cache = authCacheOf(auth)!;
      const id = (await inner.getUserId('alice'))!;
      const generation = cache.generation;
      await auth.authenticateUser('alice', 'alice-pw');
      await auth.deleteUser(id);
      cache.remember(HEADER, login(id), generation);
      expect(await cache.recall(HEADER)).toBeUndefined();
    });

    test('the credentials are not held, and they never meet a user name + password key', async () => {
      const { auth } = await setup();
      const cache = authCacheOf(auth)!;
      const generation = cache.generation;
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      expect(await cache.recall('5:alice\0alice-pw')).toBeUndefined();
      cache.remember(HEADER, login(id), generation);
      expect(cache.size).toBe(2);
      const dump = JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries]);
      expect(dump).not.toContain('YWxpY2U6YWxpY2UtcHc');
      expect(dump).not.toContain('alice-pw');
    });
  });

  describe('freshness: keyed on the stored credential (auth.cache_mode = stamp)', () => {
    /** A change made behind the cache's back: another process, another host, psql. */
    function changeElsewhere(inner: CountingBackend, name: string, password: string) {
      const user = (inner as unknown as { byName: Map<string, { password?: string; version: number }> }).byName.get(name)!;
      user.password = password;
      user.version++;
    }

    test('a password changed elsewhere misses the cache once the stamp is read again (recheck 0: every request)', async () => {
      const { inner, auth } = await setup(60, 100, { recheckSeconds: 0 });
      const id = await auth.authenticateUser('alice', 'alice-pw');
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id);
      expect(inner.logins).toBe(1);
      expect(inner.stampReads).toBe(2);
      changeElsewhere(inner, 'alice', 'changed-pw');
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBeNull();
      expect(await auth.authenticateUser('alice', 'changed-pw')).toBe(id);
      expect(await auth.authenticateUser('alice', 'changed-pw')).toBe(id);
      expect(inner.logins).toBe(3);
    });

    test('a stamp read serves the user for cache_recheck seconds, then is read again', async () => {
      const { inner, auth, tick } = await setup(60, 100, { recheckSeconds: 0.5 });
      const id = await auth.authenticateUser('alice', 'alice-pw');
      changeElsewhere(inner, 'alice', 'changed-pw');
      tick(0.4);
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBe(id); // within the documented bound
      expect(inner.stampReads).toBe(1);
      tick(0.1);
      expect(await auth.authenticateUser('alice', 'alice-pw')).toBeNull();
      expect(inner.stampReads).toBe(2);
    });

    test('a deleted user misses at once and is never remembered (no stamp)', async () => {
      const { inner, auth } = await setup(60, 100, { recheckSeconds: 0 });
      const id = (await auth.authenticateUser('bob', 'bob-pw'))!;
      (inner as unknown as { byName: Map<string, unknown> }).byName.delete('bob');
      await auth.authenticateUser('bob', 'bob-pw'); // DummyAuth re-creates it: what matters is that the backend is asked
      expect(inner.logins).toBe(2);
      expect(id).toBeDefined();
    });

    test('a remembered header re-checks the stamp: a change elsewhere drops it', async () => {
      const { inner, auth, tick } = await setup(60, 100, { recheckSeconds: 0.5 });
      const cache = authCacheOf(auth)!;
      const generation = cache.generation;
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      cache.remember('H', login(id), generation);
      expect(await cache.recall('H')).toEqual(login(id));
      changeElsewhere(inner, 'alice', 'changed-pw');
      tick(0.5);
      expect(await cache.recall('H')).toBeUndefined();
      expect(await cache.recall('H')).toBeUndefined();
    });

    test('remember needs a login through the cache; a stamp change during the login voids it', async () => {
      const { inner, auth, tick } = await setup(60, 100, { recheckSeconds: 0 });
      const cache = authCacheOf(auth)!;
      cache.remember('H', login(1), cache.generation);
      expect(cache.size).toBe(0);
      const generation = cache.generation;
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      changeElsewhere(inner, 'alice', 'changed-pw');
      tick(1);
      await auth.authenticateUser('alice', 'x'); // reads the new stamp
      cache.remember('H', login(id), generation);
      expect(await cache.recall('H')).toBeUndefined();
    });

    test('onForget hears password changes, deletions and forgetUser; purgeUser stays local', async () => {
      const { auth } = await setup();
      const cache = authCacheOf(auth)!;
      const heard: unknown[] = [];
      cache.onForget = (userId) => {
        heard.push(userId);
      };
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      await auth.updatePassword(id, 'new-pw', { oldPassword: 'alice-pw' });
      await cache.forgetUser(id);
      cache.purgeUser(id);
      await auth.deleteUser(id, 'new-pw');
      expect(heard).toEqual([id, id, id]);
    });

    test('a password change or deletion settles only once onForget has (serve waits there for the other workers)', async () => {
      const { auth } = await setup();
      const cache = authCacheOf(auth)!;
      let release!: () => void;
      cache.onForget = () => new Promise<void>((resolve) => (release = resolve));
      const id = (await auth.authenticateUser('alice', 'alice-pw'))!;
      let settled = false;
      const change = auth.updatePassword(id, 'new-pw', { oldPassword: 'alice-pw' }).then((ok) => (settled = ok));
      await waitFor(() => release !== undefined, { what: 'onForget called' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      release();
      await change;
      expect(settled).toBe(true);
    });

    test('a backend without credentialStamp is not cached in stamp mode; ttl mode caches it per process', async () => {
      const inner = new CountingBackend();
      const plain: AuthBackend = Object.assign(Object.create(inner) as AuthBackend, { credentialStamp: undefined });
      expect(withAuthCache(plain, { ttlSeconds: 60, maxEntries: 10 })).toBe(plain);
      const ttl = withAuthCache(plain, { ttlSeconds: 60, maxEntries: 10, mode: 'ttl' });
      await inner.createUser('carol', 'carol-pw', 'c@x');
      await ttl.authenticateUser('carol', 'carol-pw');
      await ttl.authenticateUser('carol', 'carol-pw');
      expect((plain as CountingBackend).logins).toBe(1); // counted on the wrapper object
      expect(inner.stampReads).toBe(0);
    });
  });
});

