import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackendTimeoutError, isBackendError } from '../../src/app/responses/errors';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { describeWithBinaries } from '../services/describe-service';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';

// A slapd of its own (free ports, own folder), so stopping it disturbs no other suite or run.
let LDAP_DIR: string;
let PORT: number;
let env: NodeJS.ProcessEnv;
const script = (name: string) => path.join(__dirname, '..', 'services', name);
const slapdPid = () => Number(readFileSync(`${LDAP_DIR}/run/slapd.pid`, 'utf8').trim());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopSlapd(): Promise<void> {
  const pid = slapdPid();
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !alive(pid), { timeoutMs: 10_000, what: `slapd ${pid} to stop` });
}

/** Starts the stopped instance again on its data (ldap-up.sh --keep waits until it answers). */
function restartSlapd(): void {
  if (existsSync(`${LDAP_DIR}/run/slapd.pid`) && alive(slapdPid())) return;
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

describeWithBinaries('ldap', 'LDAPAuth when the directory goes away and comes back', () => {
  beforeAll(async () => {
    LDAP_DIR = mkdtempSync(path.join(os.tmpdir(), 'sc-ldap-outage-'));
    PORT = await freePort();
    env = { ...process.env, LDAP_DIR, LDAP_PORT: String(PORT), LDAPS_PORT: String(await freePort()) };
    execFileSync('bash', [script('ldap-up.sh')], { env, stdio: 'ignore' });
  }, 60_000);
  afterAll(() => {
    execFileSync('bash', [script('ldap-down.sh')], { env, stdio: 'ignore' });
  });

  test.each([true, false])('slapd stopped → BackendError; restarted on the same data → logins work again (pool %s)', async (usePool) => {
    const auth = new LDAPAuth(params(usePool));
    try {
      expect(await auth.authenticateUser('carol', 'carol-secret')).toBe('1001');
      await stopSlapd();
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
