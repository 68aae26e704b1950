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

const AUTH = '[auth]\nbackend = sql\nsqluri = sqlite:///:memory:\n';

/** A deployment .ini (`[server:main]`, `[app:main]` extra lines) and its app.conf. */
function deployment(parts: { server?: string; app?: string; appMain?: string; use?: string }): { dir: string; ini: string; conf: string } {
  const dir = tempFiles({
    'deployment.ini': `[server:main]\nport = 0\nworkers = 1\n${parts.server ?? ''}\n[app:main]\nuse = ${parts.use ?? `${E2E_APP}#E2eApp`}\n` +
      `configuration = file:%(here)s/app.conf\n${parts.appMain ?? ''}`,
    'app.conf': parts.app ?? AUTH,
  });
  return { dir, ini: join(dir, 'deployment.ini'), conf: join(dir, 'app.conf') };
}

// Each mistake, and the one line (after the file name) that both commands must print. `conf:N` and
// `ini:N` are the file and line of the mistake.
const MISTAKES: Array<[string, Parameters<typeof deployment>[0], string]> = [
  ['retry_afer', { app: `${AUTH}[global]\nretry_afer = 60\n` }, 'conf:5: `retry_afer`: unknown key in [global]; did you mean `retry_after`?'],
  ['[metrics] enable', { app: `${AUTH}[metrics]\nenable = true\n` }, 'conf:5: `enable`: unknown key in [metrics]; did you mean `enabled`?'],
  ['[auht] (at its header)', { app: '[auht]\nbackend = sql\n' }, 'conf:1: `[auht]`: unknown section; did you mean `[auth]`?'],
  ['an empty [globl]', { app: `${AUTH}\n[globl]\n# retry_after = 60\n` }, 'conf:5: `[globl]`: unknown section; did you mean `[global]`?'],
  ['quota_mb in a declared section (a prefix of a declared key)', { app: `${AUTH}[storage]\nquota_mb = 5\n`, use: `${join(__dirname, 'fixtures/storage-settings-app.ts')}#StorageSettingsApp` },
    'conf:5: `quota_mb`: unknown key in [storage]; did you mean `quota`?'],
  ['slug_length = seven under an integer key the app declares', { app: `${AUTH}[storage]\nslug_length = seven\n`, use: `${join(__dirname, 'fixtures/storage-settings-app.ts')}#StorageSettingsApp` },
    'conf:5: storage.slug_length: expected an integer from 1 to 64, got "seven"'],
  ['[server:main] wokers = 2', { server: 'wokers = 2\n' }, 'ini:4: `wokers`: unknown key in [server:main]; did you mean `workers`?'],
  ['debgu = true in [app:main]', { appMain: 'debgu = true\n' }, 'ini:8: `debgu`: unknown key in [app:main]; did you mean `debug`?'],
  ['debgu = true in [global]', { app: `${AUTH}[global]\ndebgu = true\n` }, 'conf:5: `debgu`: unknown key in [global]; did you mean `debug`?'],
  ['[auth] bakend = sql', { app: '[auth]\nbakend = sql\nsqluri = sqlite:///:memory:\n' }, 'conf:2: `bakend`: unknown key in [auth]; did you mean `backend`?'],
  ['a misspelt key of the backend', { app: `${AUTH}pool_sise = 5\n` }, 'conf:4: `pool_sise`: unknown key in [auth]; did you mean `pool_size`?'],
  ['a duplicate route', { use: `${join(__dirname, 'fixtures/duplicate-route-app.ts')}#DuplicateRouteApp` },
    'ini: TypeError: Invalid routes: DuplicateRouteApp.again: duplicate route GET /hello (already served by DuplicateRouteApp.hello)'],
  ['a bad auth.throttle_table', { app: `${AUTH}throttle_table = login-throttle\n` }, 'ini: auth.throttle_table must be a plain SQL identifier, got "login-throttle"'],
  ['cef.file = ftp://x', { app: `${AUTH}[cef]\nfile = ftp://x\nvendor = m\nproduct = p\nversion = 0\ndevice_version = 1\n` },
    'ini: cef.file: unsupported scheme in "ftp://x" (expected a file path, syslog, udp://, tcp:// or tls://)'],
];

describe('a mistake in a deployment: config and serve exit 1 with the same one line, before any worker starts', () => {
  test.each(MISTAKES)('%s', async (_what, parts, line) => {
    const { ini, conf } = deployment(parts);
    const expected = line.replace(/^conf/, conf).replace(/^ini/, ini);
    const config = await run('config', ini);
    expect(config).toEqual({ code: 1, stdout: '', stderr: `services-core config: ${expected}\n` });
    const serve = await run('serve', ini);
    expect(serve).toEqual({ code: 1, stdout: '', stderr: `services-core serve: ${expected}\n` });
  });

  test('config on the app.conf alone names the same line', async () => {
    const { conf } = deployment({ app: `${AUTH}[global]\nretry_afer = 60\n` });
    expect(await run('config', conf)).toEqual({
      code: 1, stdout: '', stderr: `services-core config: ${conf}:5: \`retry_afer\`: unknown key in [global]; did you mean \`retry_after\`?\n`,
    });
  });
});

describe('keys of the Python era are accepted with one notice each', () => {
  test('gunicorn keys in [server:main], [DEFAULT] variables for %(…)s, the logging sections', async () => {
    const dir = tempFiles({
      'deployment.ini': '[DEFAULT]\nlogdir = /var/log/sync\n\n[server:main]\nuse = egg:gunicorn#main\nworker_class = gevent\ntimeout = 30\nport = 0\n\n' +
        `[app:main]\nuse = ${E2E_APP}#E2eApp\nconfiguration = file:%(here)s/app.conf\nglobal.log_file = %(logdir)s/app.log\n\n[loggers]\nkeys = root\n`,
      'app.conf': AUTH,
    });
    const ini = join(dir, 'deployment.ini');
    const { code, stderr } = await run('config', ini);
    expect(code).toBe(0);
    expect(stderr.split('\n')).toEqual([
      `services-core config: ${ini}: the Python logging sections [loggers] are ignored; services-core logs with global.log_level and global.log_file (docs/deploy.md)`,
      `services-core config: ${ini}:2: [DEFAULT] logdir: accepted (for %(logdir)s) and otherwise ignored`,
      `services-core config: ${ini}:6: [server:main] worker_class: a gunicorn/Paste setting, ignored (services-core serve reads host, port and workers)`,
      `services-core config: ${ini}:7: [server:main] timeout: a gunicorn/Paste setting, ignored (services-core serve reads host, port and workers)`,
      '',
    ]);
  });
});
