import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SyncServerApp, authenticated, route } from '../../src/app';
import { createLogger } from '../../src/app/observability/logger';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { loadAppConfig } from '../../src/config/app-config';
import type { FlatConfig } from '../../src/config/types';
import { mozlogRecord } from '../support/mozlog-record';

class LoggedApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info() {
    return 'ok';
  }

  @route('GET', '/boom')
  boom(): never {
    throw new Error('boom');
  }
}

function capture(config: FlatConfig) {
  const lines: string[] = [];
  const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
  return { lines, logger };
}

describe('MozLog (global.log_format = mozlog)', () => {
  test('every line is the envelope; level → syslog severity; the message and fields go under Fields', () => {
    const { lines, logger } = capture({ 'global.log_format': 'mozlog', 'global.log_level': 'debug' });
    logger.debug('d');
    logger.info({ user: 'alice' }, 'hello');
    logger.warn('w');
    logger.error({ err: new Error('bad') }, 'e');
    logger.fatal('f');
    const records = lines.map((line) => mozlogRecord(line.trimEnd()));
    expect(records.map((r) => r.Severity)).toEqual([7, 6, 4, 3, 2]);
    expect(records[1]).toMatchObject({ Type: 'syncserver', Pid: process.pid, Fields: { user: 'alice', msg: 'hello' } });
    expect(records[1].Fields).not.toHaveProperty('level');
    expect(records[3].Fields).toMatchObject({ msg: 'e', err: { message: 'bad', type: 'Error' } });
    const stamps = lines.map((line) => BigInt(/^\{"Timestamp":(\d+)/.exec(line)![1]));
    expect([...stamps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(stamps);
  });

  test('a request.summary line per request with the fields pipelines parse', async () => {
    const { lines, logger } = capture({ 'global.log_format': 'mozlog' });
    const auth = new DummyAuth({ allow_dummy: true });
    await auth.createUser('alice', 'pw', 'a@example.com');
    const app = new LoggedApp({ 'global.log_format': 'mozlog' }, { auth, logger });
    const basic = `Basic ${Buffer.from('alice:pw').toString('base64')}`;
    await request(app.callback()).get('/alice/info?token=secret').set('Authorization', basic).set('User-Agent', 'Firefox/140')
      .set('Accept-Language', 'fr').set('X-Request-Id', 'req-1').expect(200);
    await request(app.callback()).get('/boom').expect(500);
    const summaries = lines.map((line) => mozlogRecord(line.trimEnd())).filter((r) => r.Type === 'request.summary');
    expect(summaries).toHaveLength(2);
    const [ok, boom] = summaries;
    expect(ok.Severity).toBe(6);
    expect(ok.Fields).toMatchObject({ method: 'GET', path: '/alice/info', code: 200, uid: expect.any(String), rid: 'req-1', agent: 'Firefox/140', lang: 'fr', errno: 0 });
    expect(ok.Fields.uid).not.toBe('');
    expect(typeof ok.Fields.t).toBe('number');
    expect(boom.Fields).toMatchObject({ path: '/boom', code: 500, uid: '', errno: 500 });
    const all = lines.join('');
    expect(all).not.toContain('secret');
    expect(all).not.toContain(basic.slice(6));
  });

  test('also a top-level log_format ([app:main] of a deployment .ini); json stays the default; a bad value names the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mozlog-'));
    writeFileSync(join(dir, 'deployment.ini'), '[app:main]\nuse = ./app.js#App\nlog_format = mozlog\n');
    const { lines, logger } = capture(loadAppConfig(join(dir, 'deployment.ini')));
    rmSync(dir, { recursive: true, force: true });
    logger.info('x');
    mozlogRecord(lines[0].trimEnd());
    const plain = capture({});
    plain.logger.info('x');
    expect(JSON.parse(plain.lines[0])).toMatchObject({ level: 30, msg: 'x', name: 'syncserver' });
    expect(() => capture({ 'global.log_format': 'xml' })).toThrow(/global.log_format: expected json or mozlog, got "xml"/);
  });
});
