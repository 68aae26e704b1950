import { join } from 'node:path';
import type { AuthBackend } from '../../src/auth/backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { LEGACY_BACKEND_NAMES, checkBackendName } from '../../src/auth/legacy-backend-names';
import { createAuthBackend } from '../../src/auth/registry';
import { SyncServerApp } from '../../src/app/sync-server-app';
import { main } from '../../src/cli/main';
import { ConfigError } from '../../src/config/errors';
import type { FlatConfig } from '../../src/config/types';
import { tempFiles } from '../config/temp-files';

const UNSUPPORTED: Array<[string, string]> = [
  ['services.auth.mozilla.MozillaAuth', 'the Python LDAP + sreg backend'],
  ['services.auth.mozilla_sreg.MozillaAuth', 'the Python LDAP + sreg backend'],
  ['services.user.sql.SQLUser', 'a server-core 2.x user backend'],
  ['services.user.mozilla_ldap.LDAPUser', 'a server-core 2.x user backend'],
  ['services.user.memory.MemoryUser', 'a server-core 2.x user backend'],
  ['services.auth.foo', 'a class of the Python server-core'],
  ['mycompany.auth.CustomAuth', 'a Python class'],
];

const message = (spec: string, what: string) =>
  `auth.backend: ${spec} (${what}) is not provided by services-core; see "Auth backends" in docs/migrating.md for what to use instead`;

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  return { code: await main(argv, io), stdout, stderr };
}

describe('the original dotted backend names', () => {
  const opened: AuthBackend[] = [];
  afterEach(async () => { await Promise.all(opened.splice(0).map((b) => b.close())); });
  const make = (config: FlatConfig) => {
    const backend = createAuthBackend(config, { warn: () => undefined });
    opened.push(backend);
    return backend;
  };

  test('are aliases of sql, ldap (also the docs\' misspelt services.auth.ldap.LDAPAuth) and dummy', async () => {
    expect(LEGACY_BACKEND_NAMES).toEqual({
      'services.auth.sql.SQLAuth': 'sql',
      'services.auth.ldapsql.LDAPAuth': 'ldap',
      'services.auth.ldap.LDAPAuth': 'ldap',
      'services.auth.dummy.DummyAuth': 'dummy',
    });
    const sql = make({ 'auth.backend': 'services.auth.sql.SQLAuth', 'auth.sqluri': 'sqlite:///:memory:', 'auth.cache_ttl': 0 });
    expect(sql).toBeInstanceOf(SQLAuth);
    expect(await sql.createUser('tarek', 'tarek-secret', 't@example.com')).toBe(true);
    expect(await sql.authenticateUser('tarek', 'tarek-secret')).not.toBeNull();
    for (const spec of ['services.auth.ldapsql.LDAPAuth', 'services.auth.ldap.LDAPAuth']) {
      expect(make({ 'auth.backend': spec, 'auth.ldapuri': 'ldap://127.0.0.1:1', 'auth.cache_ttl': 0 })).toBeInstanceOf(LDAPAuth);
    }
    expect(make({ 'auth.backend': 'services.auth.dummy.DummyAuth', 'auth.allow_dummy': true, 'auth.cache_ttl': 0 })).toBeInstanceOf(DummyAuth);
  });

  test('the ones services-core does not provide fail with one line naming the class and docs/migrating.md', () => {
    for (const [spec, what] of UNSUPPORTED) {
      expect(() => checkBackendName(spec)).toThrow(new ConfigError(message(spec, what)));
      expect(() => createAuthBackend({ 'auth.backend': spec })).toThrow(message(spec, what));
    }
  });

  test('other names pass through unchanged to the registry', () => {
    for (const spec of ['sql', 'ldap', 'my-backend', './backends/mine.js#Mine', 'some-package#Backend', 'mine.js', 'services#Auth']) {
      expect(checkBackendName(spec)).toBe(spec);
    }
    expect(() => createAuthBackend({ 'auth.backend': 'mine.js' })).toThrow(/unknown backend 'mine\.js'/);
  });

  test('SyncServerApp.fromConfigFile reads them too', async () => {
    class App extends SyncServerApp {}
    const dir = tempFiles({
      'app.conf': '[auth]\nbackend = services.auth.sql.SQLAuth\nsqluri = sqlite:///:memory:\n\n[cef]\nuse = false\n',
      'user.conf': '[auth]\nbackend = services.user.sql.SQLUser\n',
    });
    const app = await App.fromConfigFile(join(dir, 'app.conf'));
    expect(app.auth?.name).toBe('sql');
    await app.close();
    await expect(App.fromConfigFile(join(dir, 'user.conf'))).rejects.toThrow(message('services.user.sql.SQLUser', 'a server-core 2.x user backend'));
  });

  test('services-core config accepts the aliases and refuses the others with the same line', async () => {
    const dir = tempFiles({
      'ok.conf': '[auth]\nbackend = services.auth.ldapsql.LDAPAuth\nldapuri = ldap://127.0.0.1:1\n',
      'app.js': 'exports.App = class App { static fromConfigFile() {} };\n',
      'mozilla.conf': '[auth]\nbackend = services.auth.mozilla.MozillaAuth\n',
      'user.ini': '[app:main]\nuse = ./app.js#App\nconfiguration = file:%(here)s/user.conf\n',
      'user.conf': '[auth]\nbackend = services.user.sql.SQLUser\n',
    });
    expect(await run('config', join(dir, 'ok.conf'))).toEqual({
      code: 0, stdout: 'auth.backend = "services.auth.ldapsql.LDAPAuth"\nauth.ldapuri = "ldap://127.0.0.1:1"\n', stderr: '',
    });
    expect(await run('config', join(dir, 'mozilla.conf'))).toEqual({
      code: 1, stdout: '', stderr: `services-core config: ${join(dir, 'mozilla.conf')}: ${message('services.auth.mozilla.MozillaAuth', 'the Python LDAP + sreg backend')}\n`,
    });
    expect(await run('config', join(dir, 'user.ini'))).toEqual({
      code: 1, stdout: '', stderr: `services-core config: ${join(dir, 'user.ini')}: ${message('services.user.sql.SQLUser', 'a server-core 2.x user backend')}\n`,
    });
  });
});
