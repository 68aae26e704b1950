import pino from 'pino';
import request from 'supertest';
import { BackendError, SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { RepeatedErrors } from '../../src/app/request/repeated-errors';
import { DummyAuth } from '../../src/auth/dummy-auth';
import type { UserId } from '../../src/auth/backend';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { createTestApp, type LogRecord } from '../../src/testing/test-app';
import { AccountsApp } from '../../samples/accounts/accounts-app';
import { serverDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

// An outage fails every request the same way: the log gets the first error in full, then one
// line per interval with the count, not one record with a stack per request (docs/deploy.md, Logs).

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

class DownAuth extends DummyAuth {
  constructor() {
    super({ allow_dummy: true });
  }

  override async authenticateUser(_username: string, _password: string): Promise<UserId | null> {
    throw new BackendError('SQLAuth.authenticateUser failed on postgresql://sync:***@db/sync: connect ECONNREFUSED 10.0.0.7:5432');
  }
}

class App extends SyncServerApp {
  @route('GET', '/whoami')
  @authenticated
  whoami(ctx: AppContext) {
    return { id: ctx.state.user?.id };
  }
}

const errorLines = (logs: LogRecord[]) => logs.filter((l) => l.level >= 50);

describe('repeated backend errors', () => {
  test('150 requests against a failing backend: 150 × 503 with Retry-After, one error record (with its stack)', async () => {
    const t = createTestApp(App, { 'auth.throttle_store': 'none' }, { auth: new DownAuth() });
    try {
      for (let i = 0; i < 150; i++) {
        const res = await request(t.app.callback()).get('/whoami').set('Authorization', basic(`user${i}`, 'pw')).expect(503);
        expect(res.headers['retry-after']).toBeDefined();
      }
      const errors = errorLines(t.logs);
      expect(errors).toHaveLength(1);
      expect(JSON.stringify(errors[0])).toContain('ECONNREFUSED');
      expect((errors[0].err as { stack?: string }).stack).toContain('BackendError');
    } finally {
      await t.app.close();
    }
  });

  test('the count of repeats not yet written goes to the log when the app closes', async () => {
    const t = createTestApp(App, { 'auth.throttle_store': 'none' }, { auth: new DownAuth() });
    for (let i = 0; i < 5; i++) await request(t.app.callback()).get('/whoami').set('Authorization', basic(`user${i}`, 'pw')).expect(503);
    expect(errorLines(t.logs)).toHaveLength(1);
    await t.app.close();
    expect(errorLines(t.logs).map((l) => l.msg)).toContainEqual(expect.stringMatching(/^the same error 4 more times in \d+ s/));
  });

  test('RepeatedErrors: the first in full, then one line per interval with the count and the last crash id', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const repeated = new RepeatedErrors(100);
    const err = new BackendError('database down');
    expect(repeated.first(err, 'c0', logger)).toBe(true);
    for (let i = 1; i <= 25; i++) expect(repeated.first(err, `c${i}`, logger)).toBe(false);
    // Another kind of error is logged in full at once.
    expect(repeated.first(new BackendError('directory down'), 'd0', logger)).toBe(true);
    await waitFor(() => lines.length === 1, { timeoutMs: 5000, intervalMs: 10, what: 'the count line' });
    expect(lines[0]).toMatchObject({ level: 50, repeated: 25, lastCrashId: 'c25', errorType: 'BackendError', errorMessage: 'database down' });
    expect(lines[0].msg).toBe('the same error 25 more times in 1 s (last crash id c25): BackendError: database down');
    expect(JSON.stringify(lines[0])).not.toContain('stack');
    // Still failing: counted again, one line for the next interval.
    for (let i = 26; i <= 30; i++) expect(repeated.first(err, `c${i}`, logger)).toBe(false);
    await waitFor(() => lines.length === 2, { timeoutMs: 5000, intervalMs: 10, what: 'the second count line' });
    expect(lines[1]).toMatchObject({ repeated: 5, lastCrashId: 'c30' });
    repeated.flush();
    expect(lines).toHaveLength(2);
  });
});

describeService('pg', 'repeated backend errors: PostgreSQL stopped under load', () => {
  test('200 requests while the database is unreachable: every one a 503, a handful of error records', async () => {
    const db = await serverDatabase('postgres');
    const target = new URL(db.uri);
    const relay = new TcpProxy({ host: '127.0.0.1', port: Number(target.port) });
    target.port = String(await relay.start());
    const t = createTestApp(AccountsApp, {}, { auth: new SQLAuth({ sqluri: target.toString(), password_scheme: 'ssha-256' }) });
    try {
      const http = () => request(t.app.callback());
      await http().get('/user/1.0/someone').expect(200, '0');
      await relay.stop();
      const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => http().get(`/user/1.0/user${i}`).then((r) => r.status)));
      expect(new Set(statuses)).toEqual(new Set([503]));
      // One per kind of failure (a cut connection, then refused ones), not one per request.
      expect(errorLines(t.logs).length).toBeLessThanOrEqual(4);
    } finally {
      await t.app.close();
      await relay.stop();
      await db.drop();
    }
  }, 60_000);
});
