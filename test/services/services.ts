import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A throwaway server on loopback that some suites need. */
export interface ServiceSpec {
  name: string;
  /** Environment variables the suites read; set once the service is up. */
  env: Record<string, string>;
  installed(): boolean;
  /** Resolves true when an instance already answers (a developer started it by hand). */
  running(): Promise<boolean>;
}

const dir = __dirname;

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(':').some((p) => p && existsSync(path.join(p, binary)));
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.setTimeout(500, () => { socket.destroy(); resolve(false); });
  });
}

/** A pid file left by a process that is gone (the machine's processes end between sessions) is not a running service. */
function pidAlive(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

export const SERVICES: ServiceSpec[] = [
  {
    name: 'ldap',
    env: { SC_LDAP_URL: 'ldap://127.0.0.1:3890', SC_LDAP_BASE: 'dc=example,dc=com', SC_LDAP_ADMIN: 'cn=admin,dc=example,dc=com', SC_LDAP_ADMIN_PASSWORD: 'admin-secret' },
    installed: () => onPath('slapd') || existsSync('/usr/sbin/slapd'),
    running: () => portOpen(3890),
  },
  {
    name: 'pg',
    env: { SC_PG_URL: 'postgres://postgres@127.0.0.1:55432/test' },
    installed: () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)),
    running: () => portOpen(55432),
  },
  {
    name: 'maria',
    env: { SC_MARIA_URL: 'mysql://test:test@127.0.0.1:33306/test' },
    installed: () => onPath('mariadbd') || existsSync('/usr/sbin/mariadbd'),
    running: () => portOpen(33306),
  },
  {
    name: 'rsyslog',
    env: { SC_SYSLOG_DIR: '/tmp/rsyslogtest', SC_SYSLOG_PORT: '5514' },
    installed: () => onPath('rsyslogd') || existsSync('/usr/sbin/rsyslogd'),
    running: async () => pidAlive('/tmp/rsyslogtest/rsyslogd.pid') && existsSync('/tmp/rsyslogtest/log'),
  },
];

/** Services must be there (CI): a missing one fails the run instead of skipping its suites. */
export function servicesRequired(): boolean {
  return process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';
}

export function runScript(name: string, script: 'up' | 'down'): void {
  execFileSync('bash', [path.join(dir, `${name}-${script}.sh`)], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
}
