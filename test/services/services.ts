import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The throwaway servers some suites need; each test run starts its own (ensure-service.sh). */
export type ServiceName = 'ldap' | 'pg' | 'maria' | 'rsyslog';

export const SERVICE_NAMES: readonly ServiceName[] = ['ldap', 'pg', 'maria', 'rsyslog'];

/** The variables a suite reads; all of them set in the environment means "use that server, start none". */
export const SERVICE_ENV: Record<ServiceName, readonly string[]> = {
  ldap: ['SC_LDAP_URL', 'SC_LDAPS_URL', 'SC_LDAP_TLS_CA', 'SC_LDAP_BASE', 'SC_LDAP_ADMIN', 'SC_LDAP_ADMIN_PASSWORD'],
  pg: ['SC_PG_URL'],
  maria: ['SC_MARIA_URL'],
  rsyslog: ['SC_SYSLOG_DIR', 'SC_SYSLOG_PORT'],
};

/** The folder each up/down script keeps its server in. */
export const SERVICE_DIR_VAR: Record<ServiceName, string> = { ldap: 'LDAP_DIR', pg: 'PG_DIR', maria: 'MY_DIR', rsyslog: 'SYSLOG_DIR' };

const BINARY: Record<ServiceName, string> = { ldap: 'slapd', pg: 'initdb', maria: 'mariadbd', rsyslog: 'rsyslogd' };

function onPath(binary: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return dirs.some((p) => p && existsSync(path.join(p, binary)));
}

export function installed(name: ServiceName): boolean {
  if (name === 'pg') {
    return existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  }
  return onPath(BINARY[name]);
}

/** Services must be there (CI): a missing one fails its suites instead of skipping them. */
export function servicesRequired(): boolean {
  return process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';
}

export function skippedByRequest(name: ServiceName): boolean {
  return (process.env.SKIP_SERVICES ?? '').split(',').map((s) => s.trim()).includes(name);
}

/** The service's variables when every one is set (a server given by hand), else undefined. */
export function givenEnv(name: ServiceName): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  for (const key of SERVICE_ENV[name]) {
    const value = process.env[key];
    if (!value) return undefined;
    env[key] = value;
  }
  return env;
}

/**
 * Starts `name` for this run unless it already runs (another worker started it) and returns its
 * variables. Synchronous, so suites can use them while jest collects tests.
 */
export function ensureService(name: ServiceName): Record<string, string> {
  const runDir = process.env.SC_TEST_RUN_DIR;
  if (!runDir) throw new Error('SC_TEST_RUN_DIR is not set: run the suites through jest (its globalSetup creates the run folder)');
  const out = execFileSync('bash', [path.join(__dirname, 'ensure-service.sh'), name], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
  });
  return parseEnv(out);
}

/** `KEY=VALUE` lines (what ensure-service.sh prints and keeps in <run>/<name>/env). */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** The variables of a service this run started. */
export function startedEnv(runDir: string, name: ServiceName): Record<string, string> {
  return parseEnv(readFileSync(path.join(runDir, name, 'env'), 'utf8'));
}

/** The services this run started (or tried to): their folders under the run dir. */
export function startedServices(runDir: string): ServiceName[] {
  return SERVICE_NAMES.filter((name) => existsSync(path.join(runDir, name)));
}

/** Stops a service this run started, through its down script (which stops the PID it recorded). */
export function stopService(runDir: string, name: ServiceName): void {
  execFileSync('bash', [path.join(__dirname, `${name}-down.sh`)], {
    env: { ...process.env, [SERVICE_DIR_VAR[name]]: path.join(runDir, name) },
    stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000,
  });
}
