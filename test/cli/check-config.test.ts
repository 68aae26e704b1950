import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main, type CommandIO } from '../../src/cli/main';
import { tempFiles } from '../config/temp-files';
import { E2E_APP } from '../e2e/fixtures/serve-process';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  return { code: await main(argv, io), stdout, stderr };
}

const GOOD_AUTH = '[auth]\nbackend = sql\nsqluri = sqlite:///:memory:\n';

/** A deployment .ini plus its app.conf; `server` and `app` replace the good defaults. */
function deployment(broken: { server?: string; app?: string; use?: string }): string {
  const dir = tempFiles({
    'deployment.ini': `[server:main]\n${broken.server ?? 'port = 0\nworkers = 1'}\n\n[app:main]\nuse = ${broken.use ?? `${E2E_APP}#E2eApp`}\n` +
      'configuration = file:%(here)s/app.conf\n',
    'app.conf': broken.app ?? GOOD_AUTH,
    'not-an-app.js': 'exports.X = 1;\n',
  });
  return join(dir, 'deployment.ini');
}

// Each broken file, and the key its one-line message must name.
const BROKEN: Array<[string, { server?: string; app?: string; use?: string }, RegExp]> = [
  ['workers = abc', { server: 'workers = abc' }, /\[server:main\] workers: expected a whole number/],
  ['port = 99999', { server: 'port = 99999' }, /\[server:main\] port: expected a whole number from 0 to 65535/],
  ['a sqluri with two slashes', { app: '[auth]\nbackend = sql\nsqluri = sqlite://users.db\n' }, /auth\.sqluri: a SQLite URI needs three slashes/],
  ['an unknown database', { app: '[auth]\nbackend = sql\nsqluri = oracle://db/x\n' }, /auth\.sqluri/],
  ['an unknown backend', { app: '[auth]\nbackend = nosuch\n' }, /auth\.backend: unknown backend 'nosuch'/],
  ['a missing backend module', { app: '[auth]\nbackend = ./missing.js#Backend\n' }, /auth\.backend: cannot find module/],
  ['a bad LDAP URI', { app: '[auth]\nbackend = ldap\nldapuri = http://x\n' }, /auth\.ldapuri/],
  ['a bad cache_ttl', { app: `${GOOD_AUTH}cache_ttl = -1\n` }, /auth\.cache_ttl/],
  ['a bad max_password_length', { app: `${GOOD_AUTH}max_password_length = 0\n` }, /auth\.max_password_length/],
  ['missing CEF keys', { app: `${GOOD_AUTH}[cef]\nuse = true\nvendor = mozilla\n` }, /cef\./],
  ['a bad retry_after', { app: `${GOOD_AUTH}[global]\nretry_after = soon\n` }, /global\.retry_after/],
  ['a bad log level', { app: `${GOOD_AUTH}[global]\nlog_level = loud\n` }, /global\.log_level/],
  ['bad trusted proxies', { app: `${GOOD_AUTH}[global]\ntrusted_proxies = not-an-ip\n` }, /global\.trusted_proxies/],
  ['a bad max_body_size', { app: `${GOOD_AUTH}[global]\nmax_body_size = big\n` }, /global\.max_body_size/],
  ['a bad heartbeat page', { app: `${GOOD_AUTH}[global]\nheartbeat_page = a/b\n` }, /global\.heartbeat_page/],
  ['use = /etc/passwd#X', { use: '/etc/passwd#X' }, /\[app:main\] use: module '\/etc\/passwd' failed to load/],
  ['an export that is no app', { use: './not-an-app.js#X' }, /\[app:main\] use: 'X' in '.\/not-an-app.js' is not a SyncServerApp subclass/],
];

describe('services-core config checks every framework key serve checks', () => {
  test.each(BROKEN)('%s: config and serve exit 1 with the same one line naming the file', async (_what, broken, key) => {
    const ini = deployment(broken);
    const config = await run('config', ini);
    expect({ code: config.code, stdout: config.stdout }).toEqual({ code: 1, stdout: '' });
    expect(config.stderr.split('\n')).toHaveLength(2); // one line and its newline: no stack
    expect(config.stderr).toMatch(new RegExp(`^services-core config: ${ini}: `));
    expect(config.stderr).toMatch(key);
    expect(config.stderr).not.toContain('    at ');

    const serve = await run('serve', ini);
    expect(serve.code).toBe(1);
    expect(serve.stderr.replace(/^services-core serve: /, '')).toBe(config.stderr.replace(/^services-core config: /, ''));
  });

  test('a good deployment file passes, without opening the database', async () => {
    const dir = tempFiles({});
    const ini = deployment({ app: `[auth]\nbackend = sql\nsqluri = sqlite:///${dir}/never-created.db\n` });
    const { code, stderr } = await run('config', ini);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(join(dir, 'never-created.db'))).toBe(false);
  });

  test('a plain app.conf gets the same checks', async () => {
    const dir = tempFiles({ 'app.conf': '[auth]\nbackend = nosuch\n' });
    const { code, stderr } = await run('config', join(dir, 'app.conf'));
    expect(code).toBe(1);
    expect(stderr.startsWith(`services-core config: ${join(dir, 'app.conf')}: auth.backend: unknown backend 'nosuch' (`)).toBe(true);
    expect(stderr.split('\n')).toHaveLength(2);
  });
});
