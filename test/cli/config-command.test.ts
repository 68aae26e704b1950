import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCli as run } from '../support/run-cli';
import { tempFiles } from '../config/temp-files';

const ROOT = resolve(__dirname, '../..');

/** Runs the real bin (src/cli/main.ts through ts-node) as a child process. */
async function spawnCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const APP_CONF = `[auth]
backend = ldap
ldapuri = ldap://cn=admin:hunter2@localhost
bind_password = hunter2

[global]
retry_after = 60

[storage]
version = "10"
`;

describe('services-core config', () => {
  test('prints a plain .conf flattened, sorted, JSON values, secrets masked', async () => {
    const dir = tempFiles({ 'app.conf': APP_CONF });
    const { code, stdout, stderr } = await run('config', join(dir, 'app.conf'));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe([
      'auth.backend = "ldap"',
      'auth.bind_password = "********"',
      'auth.ldapuri = "ldap://****:****@localhost"',
      'global.retry_after = 60',
      'storage.version = "10"',
      '',
    ].join('\n'));
  });

  test('detects a deployment .ini by its [app:main] section and flattens it', async () => {
    const dir = tempFiles({
      'dev.ini': '[server:main]\nport = 8000\n[app:main]\nuse = ./app.js#App\nconfiguration = file:%(here)s/app.conf\n',
      'app.conf': APP_CONF,
      // `use` must name an app class, as serve requires
      'app.js': 'exports.App = class { static fromConfigFile() {} };\n',
    });
    const { code, stdout } = await run('config', join(dir, 'dev.ini'));
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining([
      `__file__ = ${JSON.stringify(join(dir, 'dev.ini'))}`,
      'auth.bind_password = "********"',
      'server.port = 8000',
      'use = "./app.js#App"',
    ]));
    expect(stdout).not.toContain('hunter2');
  });

  test('a bad file prints the error with file and line to stderr and exits 1', async () => {
    const dir = tempFiles({ 'bad.conf': '[s]\na = 1\noops\n' });
    const { code, stdout, stderr } = await run('config', join(dir, 'bad.conf'));
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(`services-core config: ${join(dir, 'bad.conf')}:3: line has no '=' or ':' (expected 'name = value'): "oops"\n`);
  });

  test('usage errors exit 2; --help prints the command table', async () => {
    expect(await run('config')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: services-core config') });
    expect(await run('config', 'a', 'b')).toMatchObject({ code: 2 });
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('no command given') });
    expect(await run('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(await run('toString')).toMatchObject({ code: 2 });
    expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('services-core config <file>') });
  });

  test('the bin, as a child process: output and exit code 0, then a missing file and exit code 1', async () => {
    const dir = tempFiles({ 'app.conf': '[global]\nretry_after = 60\n' });
    expect(await spawnCli('config', join(dir, 'app.conf'))).toEqual({ code: 0, stdout: 'global.retry_after = 60\n', stderr: '' });
    expect(await spawnCli('config', join(dir, 'missing.conf'))).toEqual({
      code: 1, stdout: '', stderr: `services-core config: ${join(dir, 'missing.conf')}: cannot read: no such file\n`,
    });
  });
});
