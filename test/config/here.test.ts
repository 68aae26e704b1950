import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '../../src/config';
import { loadAppConfig } from '../../src/config/app-config';
import { loadConfigFile } from '../../src/config/load-config-file';
import { E2eApp } from '../e2e/fixtures/e2e-app';
import { tempFiles } from './temp-files';

// server-core's v2 `Config(cfgfile=…)` replaced `%(here)s` in the app config file's values with
// that file's directory, after its `extends` were merged; the v1 reader (`Config`) never did.
function files(): string {
  return tempFiles({
    'deployment.ini': '[server:main]\nport = 0\n\n[app:main]\nuse = ./app.js#App\nconfiguration = file:%(here)s/conf/app.conf\n',
    'conf/app.conf': '[DEFAULT]\nextends = ../shared/cef.conf\n\n[auth]\nbackend = sql\nsqluri = sqlite:///%(here)s/sync.db\n' +
      '\n[global]\ngraceful_shutdown_interval = 0\nlog_level = silent\n',
    // Merged into app.conf first, so its %(here)s is app.conf's directory too.
    'shared/cef.conf': '[cef]\nfile = %(here)s/cef.log\nvendor = mozilla\nproduct = test\nversion = 0\ndevice_version = 1\n' +
      '\n[storage]\npaths = %(here)s/a\n    %(here)s/b\n',
  });
}

describe('%(here)s in the app config file', () => {
  test('loadAppConfig expands it to the app config file\'s directory, after extends are merged', () => {
    const dir = files();
    const conf = join(dir, 'conf');
    expect(loadAppConfig(join(dir, 'deployment.ini'))).toMatchObject({
      here: dir, 'auth.sqluri': `sqlite:///${conf}/sync.db`, 'cef.file': `${conf}/cef.log`, 'storage.paths': [`${conf}/a`, `${conf}/b`],
    });
  });

  test('loadConfigFile on the app config file alone expands it the same way; Config (the v1 reader) leaves it', () => {
    const dir = files();
    const conf = join(dir, 'conf');
    expect(loadConfigFile(join(conf, 'app.conf'))).toMatchObject({ 'auth.sqluri': `sqlite:///${conf}/sync.db`, 'cef.file': `${conf}/cef.log` });
    expect(Config.load(join(conf, 'app.conf')).get('auth', 'sqluri')).toBe('sqlite:///%(here)s/sync.db');
  });

  test('an app started from the deployment puts its SQLite database and CEF file there', async () => {
    const dir = files();
    const app = await E2eApp.fromConfigFile(join(dir, 'deployment.ini'));
    await app.listen();
    try {
      expect(existsSync(join(dir, 'conf/sync.db'))).toBe(true);
      expect(existsSync(join(dir, 'conf/cef.log'))).toBe(true);
      expect(existsSync(join(dir, 'conf/%(here)s'))).toBe(false);
    } finally {
      await app.close();
    }
  });
});
