import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
// With the libraries only some schemes and hashes need: each costs start-up time in every app.
const DRIVERS = ['typeorm', 'ldapjs', 'pg', 'mysql2', 'nodemailer', 'better-sqlite3', 'prom-client', 'jose', 'hawk', 'bcryptjs', 'punycode'];

/** Runs `script` in a fresh node that reads TypeScript; its stdout. */
function runNode(script: string): string {
  return execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}

/** Requires `entry` in a fresh node, runs `after` (it may await), and lists which drivers ended up in the module cache. */
function driversLoaded(entry: string, after = ''): string[] {
  const script = `(async () => {
    const entry = require(${JSON.stringify(join(ROOT, entry))});
    ${after}
    const loaded = Object.keys(require.cache);
    const drivers = ${JSON.stringify(DRIVERS)};
    process.stdout.write(JSON.stringify(drivers.filter((d) => loaded.some((file) => file.includes('/node_modules/' + d + '/')))));
  })().catch((err) => { console.error(err); process.exit(1); });`;
  return JSON.parse(runNode(script)) as string[];
}

// The framework's own modules a feature loads when it is used (each costs every start otherwise).
const ON_USE = ['cef/sinks/udp-sink', 'cef/sinks/stream-sink', 'cef/sinks/logger-sink', 'cef/sinks/unix-dgram-sink', 'auth/schemes/bearer-scheme',
  'auth/schemes/hawk-scheme', 'app/openapi/openapi-document', 'data/migrations', 'app/observability/metrics'];

/** Like `driversLoaded`, for the modules of ON_USE. */
function modulesLoaded(after: string): string[] {
  return JSON.parse(runNode(`(async () => {
    const entry = require(${JSON.stringify(join(ROOT, 'src/index.ts'))});
    ${after}
    const loaded = Object.keys(require.cache);
    process.stdout.write(JSON.stringify(${JSON.stringify(ON_USE)}.filter((m) => loaded.includes(${JSON.stringify(join(ROOT, 'src'))} + '/' + m + '.ts'))));
  })().catch((err) => { console.error(err); process.exit(1); });`)) as string[];
}

/** Makes `name` (and any file of it) unresolvable in the child, as in an install without it. */
const uninstalled = (name: string) => `{
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === ${JSON.stringify(name)} || request.startsWith(${JSON.stringify(`${name}/`)})) {
      throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
    }
    return resolve.call(this, request, ...rest);
  };
}`;

const BEARER = { 'auth.scheme': 'bearer', 'auth.bearer_issuer': 'https://issuer.test', 'auth.bearer_audience': 'notes', 'auth.bearer_secret': 's'.repeat(40) };

describe('drivers and scheme libraries load on first use', () => {
  test('importing services-core loads no database, directory, mail or metrics driver', () => {
    expect(driversLoaded('src/index.ts')).toEqual([]);
  }, 60_000);

  test('importing services-core/config loads none either', () => {
    expect(driversLoaded('src/config/index.ts')).toEqual([]);
  }, 60_000);

  test('every module of the package imports without a driver', () => {
    // Listed from the tree, not from git: an exported archive (no .git) runs this test too.
    const everyModule = `for (const file of require('node:fs').readdirSync(${JSON.stringify(join(ROOT, 'src'))}, { recursive: true })) {
        if (file.endsWith('.ts') && !file.endsWith('.d.ts')) require(${JSON.stringify(join(ROOT, 'src'))} + '/' + file);
      }`;
    expect(driversLoaded('src/index.ts', everyModule)).toEqual([]);
  }, 60_000);

  test('a built backend loads no driver: SQL loads TypeORM and its driver when it opens, LDAP loads ldapjs when it connects', () => {
    const sql = `const auth = new entry.SQLAuth({ sqluri: 'sqlite:///:memory:', create_tables: true });`;
    expect(driversLoaded('src/index.ts', sql)).toEqual([]);
    expect(driversLoaded('src/index.ts', `${sql} await auth.open(); await auth.close();`)).toEqual(['typeorm', 'better-sqlite3']);
    const ldap = `const auth = new entry.LDAPAuth({ ldapuri: 'ldap://127.0.0.1:1', users_root: 'ou=users,dc=example' });`;
    expect(driversLoaded('src/index.ts', ldap)).toEqual([]);
    expect(driversLoaded('src/index.ts', `${ldap} await auth.authenticateUser('alice', 'secret').catch(() => undefined);`)).toEqual(['ldapjs']);
  }, 60_000);

  test('prom-client loads with an app only when metrics.enabled', () => {
    const app = (config: Record<string, unknown>) => `
      const app = new entry.SyncServerApp(${JSON.stringify(config)});
      if (Boolean(app.metrics) !== ${JSON.stringify(Boolean(config['metrics.enabled']))}) throw new Error('metrics: ' + typeof app.metrics);`;
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error' }))).toEqual([]);
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error', 'metrics.enabled': true }))).toEqual(['prom-client']);
  }, 60_000);

  test('jose loads when a bearer scheme is built, hawk when a Hawk scheme is, bcryptjs with the first bcrypt hash, punycode with the first non-ASCII name', () => {
    const app = (config: Record<string, unknown>) => `class TokenApp extends entry.SyncServerApp { hawkCredentials() { return null; } }
      new TokenApp(${JSON.stringify({ 'global.log_level': 'error', ...config })});`;
    expect(driversLoaded('src/index.ts', app({ 'auth.scheme': 'basic' }))).toEqual([]);
    expect(driversLoaded('src/index.ts', app(BEARER))).toEqual(['jose']);
    expect(driversLoaded('src/index.ts', app({ 'auth.scheme': 'hawk' }))).toEqual(['hawk']);
    expect(driversLoaded('src/index.ts', `await entry.hashPassword('secret', 'argon2id');`)).toEqual([]);
    expect(driversLoaded('src/index.ts', `await entry.validatePassword('secret', await entry.hashPassword('secret', 'bcrypt'));`)).toEqual(['bcryptjs']);
    expect(driversLoaded('src/auth/idna2003.ts', `if (entry.toAscii('example.com') !== 'example.com') throw new Error('ascii');`)).toEqual([]);
    expect(driversLoaded('src/auth/idna2003.ts', `if (entry.toAscii('bücher.example') !== 'xn--bcher-kva.example') throw new Error('idna');`)).toEqual(['punycode']);
  }, 60_000);

  test('without jose or hawk installed, the app that configures the scheme fails at construction naming the package', () => {
    const construct = (name: string, config: Record<string, unknown>) => runNode(`${uninstalled(name)}
      const { SyncServerApp } = require(${JSON.stringify(join(ROOT, 'src/index.ts'))});
      try {
        new SyncServerApp(${JSON.stringify({ 'global.log_level': 'error', ...config })});
        process.stdout.write('constructed');
      } catch (err) { process.stdout.write(err.name + ': ' + err.message); }`);
    expect(construct('jose', BEARER)).toBe('ConfigError: auth.scheme = bearer needs the package jose, which is not installed: npm i jose');
    expect(construct('hawk', { 'auth.scheme': 'hawk', 'auth.hawk_credentials': 'sql', 'auth.hawk_sqluri': 'sqlite:///:memory:' }))
      .toBe('ConfigError: auth.scheme = hawk needs the package hawk, which is not installed: npm i hawk');
    // An app that needs neither starts without them.
    expect(construct('jose', { 'auth.scheme': 'basic' })).toBe('constructed');
    expect(construct('hawk', BEARER)).toBe('constructed');
  }, 60_000);

  test('the syslog and network CEF sinks, the token schemes, the OpenAPI document, migrations and metrics load when used', () => {
    const app = (config: Record<string, unknown>, then = '') => `class App extends entry.SyncServerApp { hawkCredentials() { return null; } }
      const app = new App(${JSON.stringify({ 'global.log_level': 'error', ...config })}); ${then}`;
    const cef = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'notes', 'cef.device_version': '1' };
    const started = 'await app.start(); await app.close();';
    expect(modulesLoaded(app({ ...cef, 'cef.file': '/dev/null' }, started))).toEqual([]);
    expect(modulesLoaded(app({ ...cef, 'cef.file': 'udp://127.0.0.1:9', 'metrics.enabled': true }, started))).toEqual(['cef/sinks/udp-sink', 'app/observability/metrics']);
    expect(modulesLoaded(app({ ...cef, 'cef.file': 'tcp://127.0.0.1:9' }, started))).toEqual(['cef/sinks/stream-sink']);
    expect(modulesLoaded(app(BEARER))).toEqual(['auth/schemes/bearer-scheme']);
    expect(modulesLoaded(app({ 'auth.scheme': 'hawk' }))).toEqual(['auth/schemes/hawk-scheme']);
    expect(modulesLoaded(app({}, 'app.openApiDocument();'))).toEqual(['app/openapi/openapi-document']);
  }, 180_000);

  test('the serve primary and worker modules load no prom-client until metrics are on', () => {
    expect(driversLoaded('src/serve/cluster-primary.ts', 'require(' + JSON.stringify(join(ROOT, 'src/serve/cluster-worker.ts')) + ');')).toEqual([]);
  }, 60_000);
});
