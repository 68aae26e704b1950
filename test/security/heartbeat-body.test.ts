import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SyncServerApp } from '../../src/app';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { createTestApp } from '../../src/testing/test-app';
import { serverDatabase } from '../auth/sql-databases';
import { describeService } from '../services/describe-service';
import { TcpProxy } from '../support/tcp-proxy';

// The public heartbeat keeps python-dockerflow's shape, and each built-in check says what
// failed in a short fixed message; the raw error (addresses, paths) is logged only
// (docs/deploy.md, Health endpoints and Security notes).

class App extends SyncServerApp {}

type Report = { status: string; checks: Record<string, string>; details: Record<string, { messages: Record<string, string> }> };

/** An app that started with a working backend; `breakIt` then takes the backend away. */
async function heartbeatAfter(auth: SQLAuth, breakIt: () => Promise<void> | void) {
  const t = createTestApp(App, { 'global.heartbeat_format': 'dockerflow' }, { auth });
  try {
    await request(t.app.callback()).get('/__heartbeat__').expect(200);
    await breakIt();
    const res = await request(t.app.callback()).get('/__heartbeat__').expect(503);
    return { body: res.body as Report, logs: t.logs };
  } finally {
    await t.app.close();
  }
}

describeService('pg', 'public heartbeat body: PostgreSQL', () => {
  test('a database that stopped answering: "database unreachable"; the address only in the log', async () => {
    const db = await serverDatabase('postgres');
    const target = new URL(db.uri);
    const relay = new TcpProxy({ host: '127.0.0.1', port: Number(target.port) });
    target.port = String(await relay.start());
    try {
      const { body, logs } = await heartbeatAfter(new SQLAuth({ sqluri: target.toString() }), () => relay.stop());
      expect(body).toEqual({
        status: 'error',
        checks: { auth_backend: 'error', cef_sink: 'ok' },
        details: { auth_backend: { status: 'error', level: 40, messages: { 'auth_backend.error': 'database unreachable' } } },
      });
      expect(logs.some((l) => l.msg === 'heartbeat: check auth_backend failed' && JSON.stringify(l).includes('SQLAuth.checkHealth'))).toBe(true);
    } finally {
      await relay.stop();
      await db.drop();
    }
  }, 60_000);
});

describe('public heartbeat body: SQLite', () => {
  test('a database file deleted under the app: "database file missing"; the path only in the log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-hb-'));
    const file = path.join(dir, 'accounts.db');
    try {
      const { body, logs } = await heartbeatAfter(new SQLAuth({ sqluri: `sqlite:///${file}` }), () => rmSync(file));
      expect(body.details.auth_backend.messages['auth_backend.error']).toBe('database file missing');
      expect(JSON.stringify(body)).not.toContain(dir);
      expect(JSON.stringify(logs)).toContain(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
