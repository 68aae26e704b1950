import { performance } from 'node:perf_hooks';
import type { AuthBackend } from '../../src/auth/backend';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

// A login for a name that does not exist costs what a wrong password costs, so response times
// do not tell which names exist. Generous bound: the medians of interleaved runs within 0.5×–2×
// (the machine is shared; the gap this guards against was 2.4–3.2× for LDAP).


async function medians(auth: AuthBackend, user: string, rounds: number): Promise<{ wrong: number; missing: number }> {
  const wrong: number[] = [];
  const missing: number[] = [];
  // Warm-up: connections, the dummy hash.
  await auth.authenticateUser(user, 'wrong-password');
  await auth.authenticateUser('no-such-user-x', 'wrong-password');
  for (let i = 0; i < rounds; i++) {
    for (const [name, into] of (i % 2 === 0 ? [[user, wrong], [`no-such-user-${i}`, missing]] : [[`no-such-user-${i}`, missing], [user, wrong]]) as Array<[string, number[]]>) {
      const start = performance.now();
      expect(await auth.authenticateUser(name, `wrong-password-${i}`)).toBeNull();
      into.push(performance.now() - start);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { wrong: median(wrong), missing: median(missing) };
}

function expectSimilar({ wrong, missing }: { wrong: number; missing: number }): void {
  const ratio = missing / wrong;
  if (ratio < 0.5 || ratio > 2) throw new Error(`missing user ${missing.toFixed(2)} ms vs wrong password ${wrong.toFixed(2)} ms: ratio ${ratio.toFixed(2)}`);
}

describeService('ldap', 'LDAP: a missing user costs what a wrong password costs', () => {
  const { url: URL, base: BASE } = testDirectory();
  const backends: LDAPAuth[] = [];
  afterAll(() => Promise.all(backends.map((b) => b.close())));

  test.each([false, true])('ldap_use_pool = %s', async (usePool) => {
    const auth = new LDAPAuth({
      ldapuri: URL, bind_user: `cn=reader,${BASE}`, bind_password: 'reader-secret', users_root: `ou=users,${BASE}`, ldap_use_pool: usePool,
    });
    backends.push(auth);
    // carol is a user of the test directory (test/services/ldap-up.sh)
    expectSimilar(await medians(auth, 'carol', 60));
  }, 60_000);
});

test('SQL: a missing user costs what a wrong password costs', async () => {
  const auth = new SQLAuth({ sqluri: 'sqlite:///:memory:' });
  try {
    expect(await auth.createUser('timing-user', 'the-right-password', 'u@example.com')).toBe(true);
    expectSimilar(await medians(auth, 'timing-user', 15));
  } finally {
    await auth.close();
  }
}, 60_000);
