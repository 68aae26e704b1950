/**
 * SQLAuth logins per second on a SQLite file, for users whose hashes are argon2id, bcrypt and
 * the legacy {SSHA-256}, with the login cache off and on (the defaults: auth.cache_ttl = 60).
 * Each case runs `concurrency` login loops for `seconds`; the same user logs in again and again,
 * which is what an authenticated client does request after request.
 *
 *   npx ts-node --transpile-only bench/auth.ts [--seconds 3] [--concurrency 8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AuthBackend } from '../src/auth/backend';
import { createAuthBackend } from '../src/auth/registry';
import { numberOption as arg } from './support/bench-args';

const SECONDS = arg('seconds', 3);
const CONCURRENCY = arg('concurrency', 8);
const SCHEMES = ['argon2id', 'bcrypt', 'ssha-256'];

async function loginsPerSecond(auth: AuthBackend, user: string): Promise<number> {
  let count = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      if ((await auth.authenticateUser(user, `${user}-password`)) === null) throw new Error(`login of ${user} failed`);
      count++;
    }
  }));
  return count / SECONDS;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  const sqluri = `sqlite:///${join(dir, 'users.db')}`;
  try {
    for (const scheme of SCHEMES) {
      const writer = createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.password_scheme': scheme, 'auth.cache_ttl': 0 });
      await writer.createUser(`user-${scheme}`, `user-${scheme}-password`, 'bench@example.com');
      await writer.close();
    }
    console.log(`SQLAuth on SQLite, ${CONCURRENCY} concurrent logins, ${SECONDS} s per case`);
    console.log('scheme      cache off (logins/s)   cache on (logins/s)   ratio');
    for (const scheme of SCHEMES) {
      const rates: number[] = [];
      for (const ttl of [0, 60]) {
        const auth = createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': sqluri, 'auth.cache_ttl': ttl });
        await auth.open?.();
        rates.push(await loginsPerSecond(auth, `user-${scheme}`));
        await auth.close();
      }
      console.log(`${scheme.padEnd(10)}  ${rates[0].toFixed(0).padStart(18)}   ${rates[1].toFixed(0).padStart(19)}   ${(rates[1] / rates[0]).toFixed(0)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
