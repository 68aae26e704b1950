import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const DRIVERS = ['typeorm', 'ldapjs', 'pg', 'mysql2', 'nodemailer', 'better-sqlite3', 'prom-client'];

/** Requires `entry` in a fresh node and lists which drivers ended up in the module cache (then runs `after`). */
function driversLoaded(entry: string, after = ''): string[] {
  const script = `
    const entry = require(${JSON.stringify(join(ROOT, entry))});
    ${after}
    const loaded = Object.keys(require.cache);
    const drivers = ${JSON.stringify(DRIVERS)};
    process.stdout.write(JSON.stringify(drivers.filter((d) => loaded.some((file) => file.includes('/node_modules/' + d + '/')))));
  `;
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

  test('reading SQLAuth loads TypeORM; LDAPAuth loads ldapjs; each only then', () => {
    expect(driversLoaded('src/index.ts', 'if (typeof entry.SQLAuth !== "function") throw new Error("no SQLAuth");')).toEqual(['typeorm']);
    expect(driversLoaded('src/index.ts', 'if (typeof entry.LDAPAuth !== "function") throw new Error("no LDAPAuth");')).toEqual(['ldapjs']);
  }, 60_000);

  test('prom-client loads with an app only when metrics.enabled', () => {
    const app = (config: Record<string, unknown>) => `
      const app = new entry.SyncServerApp(${JSON.stringify(config)});
      if (Boolean(app.metrics) !== ${JSON.stringify(Boolean(config['metrics.enabled']))}) throw new Error('metrics: ' + typeof app.metrics);`;
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error' }))).toEqual([]);
    expect(driversLoaded('src/index.ts', app({ 'global.log_level': 'error', 'metrics.enabled': true }))).toEqual(['prom-client']);
  }, 60_000);

  test('the serve primary and worker modules load no prom-client until metrics are on', () => {
    expect(driversLoaded('src/cli/cluster-primary.ts', 'require(' + JSON.stringify(join(ROOT, 'src/cli/cluster-worker.ts')) + ');')).toEqual([]);
  }, 60_000);
});
