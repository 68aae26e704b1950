import { CachedAuthBackend, authCacheOf } from '../../src/auth/cached-auth-backend';
import type { AuthBackend } from '../../src/auth/backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { AuthRegistry, createAuthBackend } from '../../src/auth/registry';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import { tempFiles } from '../config/temp-files';
import { waitFor } from '../support/wait-for';

describe('createAuthBackend and the login cache (auth.cache_ttl, auth.cache_size)', () => {
  const opened: AuthBackend[] = [];
  afterEach(async () => { await Promise.all(opened.splice(0).map((b) => b.close())); });

  function make(config: FlatConfig, registry?: AuthRegistry): AuthBackend {
    const backend = createAuthBackend(config, { registry, warn: () => undefined });
    opened.push(backend);
    return backend;
  }

  test('auth.backend = sql gives an SQLAuth behind the cache by default', async () => {
    const auth = make({ 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///:memory:' });
    expect(auth).toBeInstanceOf(CachedAuthBackend);
    expect((auth as CachedAuthBackend).backend).toBeInstanceOf(SQLAuth);
    expect(authCacheOf(auth)).toBe((auth as CachedAuthBackend).cache);
    expect(await auth.createUser('tarek', 'tarek', 't@x')).toBe(true);
    const id = await auth.authenticateUser('tarek', 'tarek');
    expect(authCacheOf(auth)!.size).toBe(1);
    // a password change through the backend drops it
    await auth.updatePassword(id!, 'x', { oldPassword: 'tarek' });
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();
  });

  test('a row deleted or disabled behind the cache misses at once (auth.cache_recheck = 0), or within cache_recheck', async () => {
    const auth = make({ 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///:memory:', 'auth.cache_recheck': 0 });
    const sql = (text: string) => ((auth as CachedAuthBackend).backend as SQLAuth).connection.run('test', (ds) => ds.query(text));
    await auth.createUser('tarek', 'tarek', 't@x');
    const id = await auth.authenticateUser('tarek', 'tarek');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    await sql('UPDATE users SET status = 0');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();
    await sql('UPDATE users SET status = 1');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    await sql('DELETE FROM users');
    expect(await auth.authenticateUser('tarek', 'tarek')).toBeNull();

    const lazy = make({ 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///:memory:', 'auth.cache_recheck': 0.2 });
    await lazy.createUser('tarek', 'tarek', 't@x');
    await lazy.authenticateUser('tarek', 'tarek');
    await ((lazy as CachedAuthBackend).backend as SQLAuth).connection.run('test', (ds) => ds.query('DELETE FROM users'));
    const deleted = Date.now();
    await waitFor(async () => (await lazy.authenticateUser('tarek', 'tarek')) === null, { timeoutMs: 2000, intervalMs: 20, what: 'the deleted user to be refused' });
    expect(Date.now() - deleted).toBeGreaterThanOrEqual(150);
  });

  test('auth.cache_mode and auth.cache_recheck are checked', () => {
    expect(() => make({ 'auth.backend': 'sql', 'auth.cache_mode': 'forever' })).toThrow(/auth.cache_mode: unknown value "forever" \(expected one of stamp, ttl\)/);
    expect(() => make({ 'auth.backend': 'sql', 'auth.cache_recheck': -1 })).toThrow(/auth.cache_recheck: expected a number of seconds, got -1/);
  });

  test('auth.cache_ttl = 0 turns the cache off', () => {
    const auth = make({ 'auth.backend': 'sql', 'auth.cache_ttl': 0 });
    expect(authCacheOf(auth)).toBeUndefined();
    expect(auth).toBeInstanceOf(SQLAuth);
  });

  test('cache keys are not passed to the backend, every other auth.* key is', () => {
    const seen: FlatConfig[] = [];
    const registry = new AuthRegistry();
    registry.register('probe', (params) => {
      seen.push(params);
      return new DummyAuth({ allow_dummy: true });
    });
    make({ 'auth.backend': 'probe', 'auth.cache_ttl': 5, 'auth.cache_size': 3, 'auth.sqluri': 'x', 'auth.pool.size': 2 }, registry);
    expect(seen).toEqual([{ sqluri: 'x', pool_size: 2 }]);
  });

  test('bad cache settings are ConfigErrors naming the key', () => {
    expect(() => make({ 'auth.backend': 'sql', 'auth.cache_ttl': -1 })).toThrow(ConfigError);
    expect(() => make({ 'auth.backend': 'sql', 'auth.cache_ttl': 'soon' })).toThrow(/auth.cache_ttl: expected an integer >= 0/);
    expect(() => make({ 'auth.backend': 'sql', 'auth.cache_size': 0 })).toThrow(/auth.cache_size: expected a positive integer/);
  });

  test('auth.backend = ./module.js#Export loads a class or a factory relative to baseDir, with clear errors', async () => {
    const dir = tempFiles({
      'backends.js': `const { DummyAuth } = require(${JSON.stringify(require.resolve('../../src/auth/dummy-auth'))});\n` +
        'exports.Backend = class extends DummyAuth { constructor(p, c) { super({ ...p, allow_dummy: true }, c); } };\n' +
        "exports.factory = (p, c) => new DummyAuth({ allow_dummy: true, factoryMade: 'yes' }, c);\n" +
        'exports.notCallable = 1;\n',
    });
    const load = (backend: string) => {
      const auth = createAuthBackend({ 'auth.backend': backend, 'auth.cache_ttl': 0 }, { baseDir: dir, warn: () => undefined });
      opened.push(auth);
      return auth;
    };
    const fromClass = load('./backends.js#Backend');
    expect(fromClass).toBeInstanceOf(DummyAuth);
    expect(fromClass.constructor.name).not.toBe('DummyAuth');
    expect(await fromClass.createUser('tarek', 'pw', 't@x')).toBe(true);
    expect(load('./backends.js#factory').constructor).toBe(DummyAuth);
    expect(() => load('nope')).toThrow(/auth.backend: unknown backend 'nope' \(registered: dummy, ldap, sql; or give a module/);
    expect(() => load('./missing.js#X')).toThrow(`auth.backend: cannot find module '${dir}/missing.js'`);
    expect(() => load('./backends.js#Other')).toThrow(/auth.backend: module '.\/backends.js' has no export 'Other' \(it exports: Backend, factory, notCallable\)/);
    expect(() => load('./backends.js#notCallable')).toThrow(/auth.backend: 'notCallable' in '.\/backends.js' is not a function or class/);
  });
});
