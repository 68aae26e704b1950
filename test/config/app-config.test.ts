import { join } from 'node:path';
import { EnvironmentNotFoundError, loadAppConfig, loadConfigFile } from '../../src/config';
import { tempFiles } from './temp-files';
import { configErrorOf } from './config-error-of';

const TESTS_INI = `[DEFAULT]
debug = true

[server:main]
use = egg:Paste#http
host = 0.0.0.0
port = 5000

[app:main]
use = egg:SyncServer
configuration = file:%(here)s/sync.conf

[loggers]
keys = root

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
`;
const SYNC_CONF = `[global]
retry_after = 60

[auth]
backend = sql
sqluri = sqlite:///:memory:

[cef]
file = syslog
version = 0

[host:node0]
storage.sqluri = mysql://sync:sync@db1/sync
`;



describe('loadAppConfig: the deployment .ini (docs/compatibility.md A.1, A.9)', () => {
  test('flattens tests.ini + sync.conf as the legacy convert_config did, plus server.*', () => {
    const dir = tempFiles({ 'tests.ini': TESTS_INI, 'sync.conf': SYNC_CONF });
    expect(loadAppConfig(join(dir, 'tests.ini'))).toStrictEqual({
      debug: true,
      here: dir,
      __file__: join(dir, 'tests.ini'),
      use: 'egg:SyncServer',
      'global.retry_after': 60,
      'auth.backend': 'sql',
      'auth.sqluri': 'sqlite:///:memory:',
      'cef.file': 'syslog',
      'cef.version': 0,
      'host:node0.storage.sqluri': 'mysql://sync:sync@db1/sync',
      'server.use': 'egg:Paste#http',
      'server.host': '0.0.0.0',
      'server.port': 5000,
    });
  });

  test('file: works on any key, relative to the .ini; the file: key itself is not kept', () => {
    const dir = tempFiles({
      'conf/dev.ini': '[app:main]\nuse = ./app.js#App\nconfiguration = file:app.conf\nextra = file:%(here)s/../more.conf\n',
      'conf/app.conf': '[a]\nx = 1\n',
      'more.conf': '[b]\ny = 2\n',
    });
    expect(loadAppConfig(join(dir, 'conf/dev.ini'))).toStrictEqual({
      here: join(dir, 'conf'), __file__: join(dir, 'conf/dev.ini'), use: './app.js#App', 'a.x': 1, 'b.y': 2,
    });
  });

  test('keys written in the .ini win over keys from file: configs; [app:main] wins over [DEFAULT]', () => {
    const dir = tempFiles({
      'dev.ini': '[DEFAULT]\ndebug = false\n[app:main]\ndebug = true\nconfiguration = file:app.conf\nauth.backend = dummy\n',
      'app.conf': '[auth]\nbackend = sql\nsqluri = sqlite://\n',
    });
    expect(loadAppConfig(join(dir, 'dev.ini'))).toMatchObject({ debug: true, 'auth.backend': 'dummy', 'auth.sqluri': 'sqlite://' });
  });

  test('%(name)s expands from the section and [DEFAULT], recursively; %% is a percent; a lone % stays', () => {
    const dir = tempFiles({
      'dev.ini': '[DEFAULT]\nroot = %(here)s/var\n[app:main]\nlogs = %(root)s/log\nrate = 50%% of %(file_name)s\nfile_name = %(__file__)s\npct = 5%\n',
    });
    expect(loadAppConfig(join(dir, 'dev.ini'))).toMatchObject({
      root: join(dir, 'var'), logs: join(dir, 'var/log'), rate: `50% of ${join(dir, 'dev.ini')}`, pct: '5%',
    });
  });

  test('values are typed and ${VAR} is substituted, with file and line on a missing variable', () => {
    const dir = tempFiles({ 'dev.ini': '[app:main]\nworkers = 4\nsecret = ${SC_APP_SECRET}\n' });
    expect(loadAppConfig(join(dir, 'dev.ini'), { env: { SC_APP_SECRET: 'x' } })).toMatchObject({ workers: 4, secret: 'x' });
    const err = configErrorOf(() => loadAppConfig(join(dir, 'dev.ini'), { env: {} }));
    expect(err).toBeInstanceOf(EnvironmentNotFoundError);
    expect(err.message).toBe(`${join(dir, 'dev.ini')}:3: Variable not found 'SC_APP_SECRET' (reading secret)`);
  });

  test('a missing file: target is a ConfigError naming it and the .ini line', () => {
    const dir = tempFiles({ 'dev.ini': '[DEFAULT]\ndebug = true\n\n[app:main]\nconfiguration = file:%(here)s/nope.conf\n' });
    const err = configErrorOf(() => loadAppConfig(join(dir, 'dev.ini')));
    expect(err.message).toBe(`${join(dir, 'dev.ini')}:5: configuration: cannot read '${join(dir, 'nope.conf')}': no such file`);
  });

  test('an error inside the file: target names that file', () => {
    const dir = tempFiles({ 'dev.ini': '[app:main]\nconfiguration = file:app.conf\n', 'app.conf': '[a]\n\nno delimiter\n' });
    expect(configErrorOf(() => loadAppConfig(join(dir, 'dev.ini'))).message).toMatch(/app\.conf:3: line has no '=' or ':'/);
  });

  test('an unknown %(name)s, a reference loop, a missing [app:main] and a missing .ini are ConfigErrors', () => {
    const dir = tempFiles({
      'unknown.ini': '[app:main]\n\nx = %(nope)s\n',
      'loop.ini': '[app:main]\na = %(b)s\nb = %(a)s\n',
      'noapp.ini': '[server:main]\nport = 1\n',
    });
    expect(configErrorOf(() => loadAppConfig(join(dir, 'unknown.ini'))).message)
      .toBe(`${join(dir, 'unknown.ini')}:3: %(nope)s: no option 'nope' in [app:main] or [DEFAULT]`);
    expect(configErrorOf(() => loadAppConfig(join(dir, 'loop.ini'))).message).toMatch(/nest more than 10 deep/);
    expect(configErrorOf(() => loadAppConfig(join(dir, 'noapp.ini'))).message)
      .toBe(`${join(dir, 'noapp.ini')}: no [app:main] section (a deployment file needs one)`);
    expect(configErrorOf(() => loadAppConfig(join(dir, 'none.ini'))).message).toBe(`${join(dir, 'none.ini')}: cannot read: no such file`);
  });
});

describe('loadConfigFile', () => {
  test('reads a file with an [app:main] section as a deployment .ini, any other as a plain config', () => {
    const dir = tempFiles({
      'dev.ini': '[app:main]  ; the app\nconfiguration = file:app.conf\n',
      'app.conf': '# [app:main] in a comment does not count\n[a]\nx = ${SC_X}\n',
    });
    expect(loadConfigFile(join(dir, 'dev.ini'), { env: { SC_X: '1' } })).toStrictEqual({
      here: dir, __file__: join(dir, 'dev.ini'), 'a.x': '1',
    });
    expect(loadConfigFile(join(dir, 'app.conf'), { env: { SC_X: '2' } })).toStrictEqual({ 'a.x': '2' });
    expect(() => loadConfigFile(join(dir, 'none.conf'))).toThrow(`${join(dir, 'none.conf')}: cannot read: no such file`);
  });
});
