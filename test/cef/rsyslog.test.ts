import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CefLogger } from '../../src/cef';
import { describeService } from '../services/describe-service';

// Every sink against a real rsyslogd (test/services/rsyslog-up.sh): it writes what it parsed
// as `<input> pri= fac= sev= host= app= msg=` lines to messages.log.

const base = {
  'cef.version': 0,
  'cef.vendor': 'mozilla',
  'cef.device_version': '3',
  'cef.product': 'weave',
  'cef.syslog.facility': 'AUTH',
  'cef.syslog.priority': 'NOTICE',
  'cef.syslog.ident': 'keyapp',
  'cef.syslog.options': 'PID',
};
const environ = { REQUEST_METHOD: 'POST', PATH_INFO: '/user/1.0/bob', REMOTE_ADDR: '10.0.0.1', HTTP_USER_AGENT: 'Firefox/99' };

describeService('rsyslog', 'CEF sinks against rsyslogd', (env) => {
  const dir = env.SC_SYSLOG_DIR;
  const port = env.SC_SYSLOG_PORT;
  const messagesLog = path.join(dir ?? '', 'messages.log');

  async function received(marker: string): Promise<string> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const found = (fs.existsSync(messagesLog) ? fs.readFileSync(messagesLog, 'utf8') : '').split('\n').find((l) => l.includes(marker));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`rsyslogd did not write ${marker} to ${messagesLog}`);
  }

  test.each([
    ['imuxsock', { 'cef.file': 'syslog', 'cef.syslog.socket': `${dir}/log` }],
    ['imuxsock', { 'cef.file': 'syslog', 'cef.syslog.socket': `${dir}/log`, 'cef.syslog.transport': 'logger' }],
    ['imudp', { 'cef.file': `udp://127.0.0.1:${port}` }],
    ['imudp', { 'cef.file': `udp://127.0.0.1:${port}`, 'cef.syslog.format': '3164' }],
    ['imtcp', { 'cef.file': `tcp://127.0.0.1:${port}` }],
    ['imtcp', { 'cef.file': `tcp://127.0.0.1:${port}`, 'cef.syslog.format': '3164' }],
  ])('%s gets %j with facility, priority and ident, the CEF line intact', async (input, extra) => {
    const marker = `Auth-${randomUUID()}`;
    const warnings: string[] = [];
    const logger = new CefLogger({ ...base, ...extra }, { warn: (m) => warnings.push(m) });
    logger.log(marker, 5, environ, { username: 'bob', signature: 'AuthFail' });
    const line = logger.format(marker, 5, environ, { username: 'bob', signature: 'AuthFail' }) as string;
    await logger.close();
    const got = await received(marker);
    // AUTH.NOTICE: the configured priority is honoured (legacy always sent INFO).
    expect(got.startsWith(`${input} pri=37 fac=auth sev=notice `)).toBe(true);
    expect(got).toMatch(/ app=keyapp msg=/);
    // rsyslog keeps a leading space in a BSD-style msg; the line itself arrives unchanged.
    // Compare from "CEF:" on: the clock of format() may have ticked past a second boundary.
    expect(got.slice(got.indexOf('CEF:'))).toBe(line.slice(line.indexOf('CEF:')));
    expect(warnings).toEqual([]);
  });
});
