import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BackendTimeoutError, isBackendError } from '../../src/app/errors';
import { LDAPAuth } from '../../src/auth/backends/ldap';
import { describeService } from '../services/describe-service';

// A slapd of its own, so that stopping it does not disturb the suites using the shared one.
const LDAP_DIR = '/tmp/ldaptest-outage';
const PORT = 3892;
const env = { ...process.env, LDAP_DIR, LDAP_PORT: String(PORT), LDAPS_PORT: '3893' };
const script = (name: string) => path.join(__dirname, '..', 'services', name);
const slapdPid = () => Number(readFileSync(`${LDAP_DIR}/run/slapd.pid`, 'utf8').trim());

function stopSlapd(): void {
  const pid = slapdPid();
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    execFileSync('sleep', ['0.05']);
  }
  throw new Error(`slapd ${pid} did not stop`);
}

/** Starts the stopped instance again on its data (ldap-up.sh --keep). */
function restartSlapd(): void {
  execFileSync('bash', [script('ldap-up.sh'), '--keep'], { env, stdio: 'ignore' });
}

function params(usePool: boolean) {
  return {
    ldapuri: `ldap://127.0.0.1:${PORT}`,
    bind_user: 'cn=reader,dc=example,dc=com', bind_password: 'reader-secret',
    users_root: 'ou=users,dc=example,dc=com',
    ldap_use_pool: usePool, ldap_timeout: 1, ldap_retry_delay: 0.05,
  };
}

describeService('ldap', 'LDAPAuth when the directory goes away and comes back', () => {
  beforeAll(() => {
    execFileSync('bash', [script('ldap-up.sh')], { env, stdio: 'ignore' });
  }, 60_000);
  afterAll(() => {
    execFileSync('bash', [script('ldap-down.sh')], { env, stdio: 'ignore' });
  });

  test.each([true, false])('slapd stopped → BackendError; restarted on the same data → logins work again (pool %s)', async (usePool) => {
    const auth = new LDAPAuth(params(usePool));
    try {
      expect(await auth.authenticateUser('carol', 'carol-secret')).toBe('1001');
      stopSlapd();
      const err = await auth.authenticateUser('carol', 'carol-secret').catch((e: unknown) => e);
      expect(isBackendError(err)).toBe(true);
      // a pooled connection may notice first (closed), a new one is refused
      expect((err as Error).message).toMatch(/LDAP server (unreachable|unavailable).*(ECONNREFUSED|closed)/);
      await expect(auth.checkHealth()).rejects.toThrow(/LDAPAuth\.checkHealth/);

      restartSlapd();
      // carol's password was set with ldappasswd at first start: it is still there
      expect(await auth.authenticateUser('carol', 'carol-secret')).toBe('1001');
      await auth.checkHealth();
    } finally {
      await auth.close();
      restartSlapd();
    }
  }, 30_000);

  test('a directory that stops answering → BackendTimeoutError after ldap_timeout; it recovers', async () => {
    const auth = new LDAPAuth(params(true));
    const pid = slapdPid();
    try {
      expect(await auth.authenticateUser('erin', 'erin-secret')).toBe('1003');
      process.kill(pid, 'SIGSTOP');
      const err = await auth.authenticateUser('erin', 'erin-secret').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendTimeoutError);
      expect(isBackendError(err)).toBe(true);
      process.kill(pid, 'SIGCONT');
      expect(await auth.authenticateUser('erin', 'erin-secret')).toBe('1003');
    } finally {
      process.kill(pid, 'SIGCONT');
      await auth.close();
    }
  }, 30_000);
});
