import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const DRIVERS = ['typeorm', 'ldapjs', 'pg', 'mysql2', 'nodemailer', 'better-sqlite3'];

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
  test('importing services-core loads no database, directory or mail driver', () => {
    expect(driversLoaded('src/index.ts')).toEqual([]);
  }, 60_000);

  test('importing services-core/config loads none either', () => {
    expect(driversLoaded('src/config/index.ts')).toEqual([]);
  }, 60_000);

  test('reading SQLAuth loads TypeORM; LDAPAuth loads ldapjs; each only then', () => {
    expect(driversLoaded('src/index.ts', 'if (typeof entry.SQLAuth !== "function") throw new Error("no SQLAuth");')).toEqual(['typeorm']);
    expect(driversLoaded('src/index.ts', 'if (typeof entry.LDAPAuth !== "function") throw new Error("no LDAPAuth");')).toEqual(['ldapjs']);
  }, 60_000);
});
