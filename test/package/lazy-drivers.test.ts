import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const DRIVERS = ['typeorm', 'ldapjs', 'pg', 'mysql2', 'nodemailer', 'better-sqlite3', 'prom-client'];

/** Requires `entry` in a fresh node, runs `after` (it may await), and lists which drivers ended up in the module cache. */
function driversLoaded(entry: string, after = ''): string[] {
  const script = `(async () => {
    const entry = require(${JSON.stringify(join(ROOT, entry))});
    ${after}
    const loaded = Object.keys(require.cache);
    const drivers = ${JSON.stringify(DRIVERS)};
    process.stdout.write(JSON.stringify(drivers.filter((d) => loaded.some((file) => file.includes('/node_modules/' + d + '/')))));
  })().catch((err) => { console.error(err); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('drivers load on first use', () => {
  test('importing services-core loads no database, directory, mail or metrics driver', () => {
    expect(driversLoaded('src/index.ts')).toEqual([]);
  }, 60_000);

  test('importing services-core/config loads none either', () => {
    expect(driversLoaded('src/config/index.ts')).toEqual([]);
  }, 60_000);

  test('every module of the package imports without a driver', () => {
    // Listed from the tree, not from git: an exported archive (no .git) runs this test too.
    const everyModule = `for (const file of require('node:fs').readdirSync(${JSON.stringify(join(ROOT, 'src'))}, { recursive: true })) {
        if (file.endsWith('.ts') && !file.endsWith('.d.ts')) require(${JSON.stringify(join(ROOT, 'src'))} + '/' + file);
      }`;
    expect(driversLoaded('src/index.ts', everyModule)).toEqual([]);
  }, 60_000);

  test('a built backend loads no driver: SQL loads TypeORM and its driver when it opens, LDAP loads ldapjs when it connects', () => {
    const sql = `const auth = new entry.SQLAuth({ sqluri: 'sqlite:///:memory:', create_tables: true });`;
    expect(driversLoaded('src/index.ts', sql)).toEqual([]);
    expect(driversLoaded('src/index.ts', `${sql} await auth.open(); await auth.close();`)).toEqual(['typeorm', 'better-sqlite3']);
    const ldap = `const auth = new entry.LDAPAuth({ ldapuri: 'ldap://127.0.0.1:1', users_root: 'ou=users,dc=example' });`;
    expect(driversLoaded('src/index.ts', ldap)).toEqual([]);
    expect(driversLoaded('src/index.ts', `${ldap} await auth.authenticateUser('alice', 'secret').catch(() => undefined);`)).toEqual(['ldapjs']);
  }, 60_000);

  test('prom-client loads with an app only when metrics.enabled', () => {
    const app = (config: Record<string, unknown>) => `
      const app = new entry.SyncServerApp(${JSON.stringify(config)});
      if (Boolean(app.metrics) !== ${JSON.stringify(Boolean(config['metrics.enabled']))}) throw new Error('metrics: ' + typeof app.metrics);`;
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error' }))).toEqual([]);
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error', 'metrics.enabled': true }))).toEqual(['prom-client']);
  }, 60_000);

  test('the serve primary and worker modules load no prom-client until metrics are on', () => {
    expect(driversLoaded('src/serve/cluster-primary.ts', 'require(' + JSON.stringify(join(ROOT, 'src/serve/cluster-worker.ts')) + ');')).toEqual([]);
  }, 60_000);
});
