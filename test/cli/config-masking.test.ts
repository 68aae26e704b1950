import { join, resolve } from 'node:path';
import { main, type CommandIO } from '../../src/cli/main';
import { tempFiles } from '../config/temp-files';

const ROOT = resolve(__dirname, '../..');

async function config(file: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CommandIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } };
  return { code: await main(['config', file], io), stdout };
}

describe('services-core config masks secret-bearing keys, not look-alikes', () => {
  test('the keyexchange sample shows every value', async () => {
    const { code, stdout } = await config(join(ROOT, 'samples/keyexchange/keyexchange.conf'));
    expect(code).toBe(0);
    expect(stdout).toContain('keyexchange.cid_len = 4\n');
    expect(stdout).toContain('keyexchange.max_gets = 10\n');
    expect(stdout).toContain('keyexchange.root_redirect = "https://services.mozilla.com"\n');
    expect(stdout).toContain('keyexchange.ttl = 300\n');
    expect(stdout).not.toContain('********');
  });

  test('auth.password_scheme shows, auth.admin_password and SMTP credentials do not; an app lists its own in global.secret_keys', async () => {
    const dir = tempFiles({
      'app.conf': [
        '[global]', 'secret_keys = myapp.token, partner.*', '',
        '[auth]', 'backend = ldap', 'ldapuri = ldap://localhost', 'password_scheme = ssha512', 'admin_password = hunter2', 'sqluri = postgresql://sync:hunter2@db/sync', '',
        '[smtp]', 'user = mailer', 'password = hunter2', '',
        '[myapp]', 'token = hunter2', 'token_ttl = 60', '',
        '[partner]', 'url = https://p.example', 'id = hunter2', '',
      ].join('\n'),
    });
    const { code, stdout } = await config(join(dir, 'app.conf'));
    expect(code).toBe(0);
    expect(stdout).not.toContain('hunter2');
    expect(stdout.split('\n')).toEqual(expect.arrayContaining([
      'auth.password_scheme = "ssha512"',
      'auth.admin_password = "********"',
      'auth.sqluri = "postgresql://****:****@db/sync"',
      'smtp.user = "mailer"',
      'smtp.password = "********"',
      'myapp.token = "********"',
      'myapp.token_ttl = 60',
      'partner.url = "********"',
      'partner.id = "********"',
    ]));
  });
});
