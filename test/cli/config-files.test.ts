import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { CefLogger } from '../../src/cef';
import { main, type CommandIO } from '../../src/cli/main';
import { tempFiles } from '../config/temp-files';
import { E2E_APP } from '../e2e/fixtures/serve-process';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  return { code: await main(argv, io), stdout, stderr };
}

const CEF = '[cef]\nvendor = m\nproduct = p\nversion = 0\ndevice_version = 1\n';

function deployment(app: string): string {
  const dir = tempFiles({
    'deployment.ini': `[server:main]\nport = 0\nworkers = 1\n\n[app:main]\nuse = ${E2E_APP}#E2eApp\nconfiguration = file:%(here)s/app.conf\n`,
    'app.conf': app.includes('[auth]') ? app : `[auth]\nbackend = dummy\nallow_dummy = true\n${app}`,
    ...(app.includes('version_page') ? { 'version.json': '[1]' } : {}),
  });
  return join(dir, 'deployment.ini');
}

describe('files a setting names: checked by the pre-check, read when the app starts', () => {
  test.each([
    ['cef.tls.ca', `${CEF}file = tls://127.0.0.1:6514\ntls.ca = /nonexistent/ca.pem\n`, /^cef\.tls\.ca: cannot read \/nonexistent\/ca\.pem: ENOENT/],
    ['auth.tls_ca', '[auth]\nbackend = ldap\nldapuri = ldap://127.0.0.1:1\ntls_ca = /nonexistent/ca.pem\n', /^auth\.tls_ca: cannot read \/nonexistent\/ca\.pem: ENOENT/],
    ['global.version_file', '[global]\nversion_file = nope.json\n', /^global\.version_file: cannot read .*nope\.json/],
    ['a version.json that is no object', '[global]\nversion_page = __version__\n', /^global\.version_file: .*version\.json must hold a JSON object/],
  ])('%s: config and serve exit 1 with one line', async (_what, app, message) => {
    const ini = deployment(app);
    for (const command of ['config', 'serve']) {
      const { code, stdout, stderr } = await run(command, ini);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr.split('\n')).toHaveLength(2);
      expect(stderr.slice(`services-core ${command}: ${ini}: `.length)).toMatch(message);
    }
  });

  test('LDAP and CEF alike: the constructor checks the CA file, open() reads it', async () => {
    const dir = tempFiles({ 'ca.pem': 'not read by the constructor' });
    const ca = join(dir, 'ca.pem');
    const ldap = new LDAPAuth({ ldapuri: 'ldap://127.0.0.1:1', tls_ca: ca });
    const cef = new CefLogger({ 'cef.file': 'tls://127.0.0.1:6514', 'cef.tls.ca': ca, 'cef.vendor': 'm', 'cef.product': 'p',
      'cef.version': 0, 'cef.device_version': 1 }, { openLater: true, warn: () => undefined });
    rmSync(ca);
    await expect(ldap.open()).rejects.toThrow(/^auth\.tls_ca: cannot read .*ca\.pem: ENOENT/);
    expect(() => cef.open()).toThrow(/^cef\.tls\.ca: cannot read .*ca\.pem: ENOENT/);
    await ldap.close();
    await cef.close();
  });
});
