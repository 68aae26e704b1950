import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { loadAppConfig } from '../../src/config/app-config';
import { readServePlan } from '../../src/serve/serve-plan';
import { ROOT, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

// A deployment of the Python server-core, its two files as it shipped them (tests.ini, sync.conf),
// moved by following "Moving a deployment" in docs/migrating.md.
const FIXTURE = join(__dirname, 'fixtures/python-deployment');
const ACCOUNTS_APP = join(ROOT, 'samples/accounts/accounts-app.ts');
const LOGGING_NOTICE = (ini: string) => `${ini}: the Python logging sections [loggers], [handlers], [formatters], ` +
  '[logger_root], [logger_syncserver], [handler_console], [formatter_generic] are ignored; ' +
  'services-core logs with global.log_level and global.log_file (docs/deploy.md)';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture pair in a new temp dir. */
function copyDeployment(): { dir: string; ini: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-python-deployment-'));
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return { dir, ini: join(dir, 'tests.ini'), conf: join(dir, 'sync.conf') };
}

/** Step 2 of the guide: `[app:main] use` names the app class (a built module), `[server:main]` gets `workers`. */
function pointAtApp(dir: string, ini: string): void {
  mkdirSync(join(dir, 'dist'));
  // The "built" app: here the accounts sample, compiled on load by ts-node as serve runs from the sources.
  writeFileSync(join(dir, 'dist/app.js'), `module.exports = require(${JSON.stringify(ACCOUNTS_APP)});\n`);
  const text = readFileSync(ini, 'utf8')
    .replace('use = egg:SyncServer\n', 'use = ./dist/app.js#AccountsApp\n')
    .replace('port = 5000\n', 'port = 5000\nworkers = 2\n')
    // Test only: this host may run a syslog daemon; a missing socket exercises the fallback.
    .replace('configuration = file:%(here)s/sync.conf\n', 'configuration = file:%(here)s/sync.conf\ncef.syslog.socket = %(here)s/no-syslog-socket\n');
  writeFileSync(ini, text);
}

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function call(port: number, method: string, path: string, options: { body?: unknown; auth?: [string, string] } = {}): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {};
  if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth.join(':')).toString('base64')}`;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) headers['Content-Type'] = 'application/json';
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail).end(payload);
  });
}

/** Registers a user through the app, logs in with the right and a wrong password. */
async function registerAndLogIn(port: number, name: string): Promise<void> {
  const password = 'correct horse battery';
  expect(await call(port, 'PUT', `/user/1.0/${name}`, { body: { password, email: `${name}@example.com` } })).toMatchObject({ status: 200 });
  expect(await call(port, 'GET', `/user/1.0/${name}`)).toEqual({ status: 200, body: '1' });
  const info = await call(port, 'GET', `/user/1.0/${name}/info`, { auth: [name, password] });
  expect(info.status).toBe(200);
  expect(JSON.parse(info.body)).toEqual({ username: name, email: `${name}@example.com` });
  expect((await call(port, 'GET', `/user/1.0/${name}/info`, { auth: [name, 'wrong password'] })).status).toBe(401);
}

describe('a Python-era deployment file pair', () => {
  test('loadAppConfig: the logging sections are ignored with one notice; serve keeps it for the primary to log once', () => {
    const { ini } = copyDeployment();
    const notices: string[] = [];
    const flat = loadAppConfig(ini, { env: { SYNC_DATA_DIR: '/srv/sync' }, warn: (m) => notices.push(m) });
    expect(notices).toEqual([LOGGING_NOTICE(ini)]);
    expect(Object.keys(flat).filter((key) => /logger|handler|formatter|keys/.test(key))).toEqual([]);
    expect(flat).toMatchObject({
      debug: true, client_debug: true, use: 'egg:SyncServer', 'server.use': 'egg:Paste#http', 'server.port': 5000,
      'auth.backend': 'services.auth.sql.SQLAuth', 'auth.sqluri': 'sqlite:////srv/sync/tests.db', 'auth.pool_size': 100,
      'auth.pool_recycle': 3600, 'cef.file': 'syslog', 'captcha.use_ssl': false, 'smtp.port': 25,
    });
    const quiet: string[] = [];
    loadAppConfig(join(ROOT, 'samples/accounts/development.ini'), { warn: (m) => quiet.push(m) });
    expect(quiet).toEqual([]);
    process.env.SYNC_DATA_DIR ??= '/srv/sync';
    expect(readServePlan([ini]).notices).toEqual([LOGGING_NOTICE(ini)]);
  });

  test('before the edit: `use = egg:SyncServer` fails serve and config with one line naming the key and the fix', async () => {
    const { dir, ini } = copyDeployment();
    const env = { SYNC_DATA_DIR: dir };
    const egg = `services-core serve: ${ini}: [app:main] use = egg:SyncServer: expected ./module.js#ExportName or package#ExportName; ` +
      'egg: entry points are Python packages: change the line to your app class, e.g. use = ./dist/app.js#MyApp (docs/migrating.md)\n';
    expect(await cli(env, 'serve', ini)).toEqual({ code: 1, stdout: '', stderr: egg });
    expect(await cli(env, 'config', ini)).toEqual({ code: 1, stdout: '', stderr: egg.replace('services-core serve', 'services-core config') });
  });

  test('a backend services-core does not provide stops serve in the primary with one line', async () => {
    const { dir, ini, conf } = copyDeployment();
    pointAtApp(dir, ini);
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('backend = services.auth.sql.SQLAuth', 'backend = services.auth.mozilla.MozillaAuth'));
    expect(await cli({ SYNC_DATA_DIR: dir }, 'serve', ini)).toEqual({
      code: 1, stdout: '', stderr: `services-core serve: ${ini}: auth.backend: services.auth.mozilla.MozillaAuth (the Python LDAP + sreg backend) ` +
        'is not provided by services-core; see "Auth backends" in docs/migrating.md for what to use instead\n',
    });
  });

  test('the steps of docs/migrating.md: config checks sync.conf, one edit to tests.ini, then serve runs it: register and log in', async () => {
    const { dir, ini, conf } = copyDeployment();
    const env = { SYNC_DATA_DIR: dir };
    // Step 1: the app config as it is, checked.
    const checked = await cli(env, 'config', conf);
    expect({ code: checked.code, stderr: checked.stderr }).toEqual({ code: 0, stderr: '' });
    expect(checked.stdout).toContain('auth.backend = "services.auth.sql.SQLAuth"\n');
    expect(checked.stdout).toContain(`auth.sqluri = "sqlite:///${dir}/tests.db"\n`);
    expect(checked.stdout).toContain('captcha.private_key = "********"\n');
    // Step 2: `[app:main] use`, and workers.
    pointAtApp(dir, ini);
    const deployment = await cli(env, 'config', ini);
    expect(deployment.code).toBe(0);
    expect(deployment.stderr).toBe(`services-core config: ${LOGGING_NOTICE(ini)}\n`);
    expect(deployment.stdout).toContain('use = "./dist/app.js#AccountsApp"\n');

    let serve: ServeProcess | undefined;
    try {
      serve = startServe([ini, '--port', '0', '--host', '127.0.0.1'], { env });
      const port = await listeningPort(serve);
      await registerAndLogIn(port, `py-${randomBytes(4).toString('hex')}`);
      // [cef] file = syslog without a syslog socket: each worker warns and queues; nothing fails.
      await serve.waitForCount(`is down (no syslog socket at ${dir}/no-syslog-socket; start a syslog daemon or set cef.syslog.socket); ` +
        'queueing up to 10000 events and retrying', 2);
      expect(serve.output().split(LOGGING_NOTICE(ini)).length - 1).toBe(1);
      // [DEFAULT] debug = true: the access log.
      expect(serve.output()).toMatch(/GET \/user\/1\.0\/py-[0-9a-f]+\/info HTTP\/1\.1\\" 200 /);
      expect(await call(port, 'GET', '/__heartbeat__')).toMatchObject({ status: 200 });
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
    } finally {
      await stopServe(serve);
    }
  }, 90_000);

  const { url: LDAP_URL, base: LDAP_BASE, admin: LDAP_ADMIN, adminPassword: LDAP_ADMIN_PW } = testDirectory();

  describeService('ldap', 'with [auth] backend = services.auth.ldapsql.LDAPAuth against slapd', () => {
    test('serve runs it: register (the uidNumber from SQL) and log in', async () => {
      const { dir, ini, conf } = copyDeployment();
      const ldapAuth = [
        '[auth]', 'backend = services.auth.ldapsql.LDAPAuth', 'ldapuri = ${LDAP_URL}',
        `bind_user = cn=reader,${LDAP_BASE}`, 'bind_password = reader-secret',
        `admin_user = ${LDAP_ADMIN}`, 'admin_password = ${LDAP_ADMIN_PASSWORD}', `users_root = ou=users,${LDAP_BASE}`,
        'sqluri = sqlite:///${SYNC_DATA_DIR}/ldap.db', 'pool_size = 100', 'pool_recycle = 3600', 'create_tables = true', '',
      ].join('\n');
      writeFileSync(conf, readFileSync(conf, 'utf8').replace(/\[auth\]\n(?:.+\n)+/, ldapAuth));
      pointAtApp(dir, ini);
      const env = { SYNC_DATA_DIR: dir, LDAP_URL, LDAP_ADMIN_PASSWORD: LDAP_ADMIN_PW };

      // The directory is shared: start the uidNumber allocator past what other runs left there.
      const admin = new LDAPAuth({
        ldapuri: LDAP_URL, admin_user: LDAP_ADMIN, admin_password: LDAP_ADMIN_PW, users_root: `ou=users,${LDAP_BASE}`,
        bind_user: `cn=reader,${LDAP_BASE}`, bind_password: 'reader-secret', sqluri: `sqlite:///${dir}/ldap.db`, create_tables: true,
      });
      await admin.open();
      const db = new Database(join(dir, 'ldap.db'));
      db.prepare('INSERT INTO user_ids (id) VALUES (?)').run(200_000 + Math.floor(Math.random() * 1e8));
      db.close();

      const name = `pyldap-${randomBytes(4).toString('hex')}`;
      let serve: ServeProcess | undefined;
      try {
        serve = startServe([ini, '--port', '0', '--host', '127.0.0.1', '--workers', '1'], { env });
        await registerAndLogIn(await listeningPort(serve), name);
        const id = await admin.getUserId(name);
        expect(id).toMatch(/^\d{6,}$/);
      } finally {
        await stopServe(serve);
        const id = await admin.getUserId(name);
        if (id !== null) await admin.deleteUser(id);
        await admin.close();
      }
    }, 90_000);
  });
});
