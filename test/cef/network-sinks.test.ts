import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CefLogger } from '../../src/cef';
import { freePort, octetFrames, streamReceiver, udpReceiver, type Receiver } from './receivers';

const base = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave' };
const environ = { REQUEST_METHOD: 'GET', PATH_INFO: '/', REMOTE_ADDR: '10.0.0.1' };
const when = new Date(Date.UTC(2012, 10, 26, 8, 20, 21, 5));
const receivers: Receiver[] = [];
const loggers: CefLogger[] = [];

afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.close()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function logger(config: Record<string, string | number | boolean>, warnings: string[] = [], clock = () => when) {
  const l = new CefLogger({ ...base, 'cef.flush_timeout': 300, ...config }, { clock, hostname: 'web1', warn: (m) => warnings.push(m) });
  loggers.push(l);
  return l;
}

async function keep<T extends Receiver>(r: Promise<T>): Promise<T> {
  const receiver = await r;
  receivers.push(receiver);
  return receiver;
}

const until = async (cond: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('udp://', () => {
  test('one RFC 5424 message per datagram, facility, priority, ident and pid from cef.syslog.*', async () => {
    const rx = await keep(udpReceiver());
    const l = logger({
      'cef.file': `udp://127.0.0.1:${rx.port}`,
      'cef.syslog.facility': 'AUTH',
      'cef.syslog.priority': 'WARNING',
      'cef.syslog.ident': 'key app',
      'cef.syslog.options': 'PID',
    });
    expect(l.sink?.description).toBe(`udp://127.0.0.1:${rx.port} (RFC 5424)`);
    l.log('Auth', 5, environ);
    const line = l.format('Auth', 5, environ);
    // AUTH (4) * 8 + WARNING (4) = 36: cef.syslog.priority is honoured (legacy ignored it).
    expect(await rx.waitFor(1)).toEqual([`<36>1 2012-11-26T08:20:21.005Z web1 key_app ${process.pid} - - ${line}`]);
  });

  test('RFC 3164 on request; defaults LOCAL4.INFO (166) and no pid without the PID option', async () => {
    const rx = await keep(udpReceiver());
    const local = new Date(2012, 10, 6, 8, 20, 21);
    const l = logger({ 'cef.file': `udp://127.0.0.1:${rx.port}`, 'cef.syslog.format': '3164', 'cef.syslog.ident': 'app' }, [], () => local);
    l.log('Auth', 5, environ);
    // The BSD timestamp pads the day with a space; the CEF line inside keeps its own zero-padded date.
    expect(await rx.waitFor(1)).toEqual([`<166>Nov  6 08:20:21 web1 app: Nov 06 08:20:21 web1 CEF:0|mozilla|weave|3|Auth|Auth|5|cs1Label=requestClientApplication cs1=none requestMethod=GET request=/ src=10.0.0.1 dhost=none suser=none`]);
  });

  test('a bad host name is reported and retried, never thrown', async () => {
    const warnings: string[] = [];
    const l = logger({ 'cef.file': 'udp://no-such-host.invalid:514' }, warnings);
    expect(() => l.log('x', 5, environ)).not.toThrow();
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/^cef: udp:\/\/no-such-host\.invalid:514 \(RFC 5424\) is down \(.*ENOTFOUND.*\); queueing up to 10000 events and retrying$/);
  });
});

describe('tcp://', () => {
  test('RFC 5424 with octet counting (RFC 6587), UTF-8 byte counts', async () => {
    const rx = await keep(streamReceiver());
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${rx.port}`, 'cef.syslog.ident': 'app' });
    expect(l.sink?.description).toBe(`tcp://127.0.0.1:${rx.port} (RFC 5424, octet counting)`);
    l.log('ಠ_ಠ one', 5, environ);
    l.log('two', 5, environ, { note: 'é' });
    expect(await rx.waitFor(2)).toEqual([
      `<166>1 2012-11-26T08:20:21.005Z web1 app - - - ${l.format('ಠ_ಠ one', 5, environ)}`,
      `<166>1 2012-11-26T08:20:21.005Z web1 app - - - ${l.format('two', 5, environ, { note: 'é' })}`,
    ]);
  });

  test('while the collector is down: queued, reported, delivered in order once it is up', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${port}` }, warnings);
    for (const n of [1, 2, 3]) l.log(`e${n}`, 5, environ);
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/is down \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); queueing up to 10000 events and retrying$/);
    const rx = await keep(streamReceiver({ port }));
    const got = await rx.waitFor(3);
    expect(got.map((m) => m.split('|')[5])).toEqual(['e1', 'e2', 'e3']);
    await until(() => warnings.some((w) => w.endsWith('is back')));
  });

  test('the queue is bounded by cef.queue_size; the drops are counted and reported', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${port}`, 'cef.queue_size': 5 }, warnings);
    for (let n = 1; n <= 8; n++) l.log(`e${n}`, 5, environ);
    expect(warnings).toContain(`cef: tcp://127.0.0.1:${port} (RFC 5424, octet counting): queue of 5 events full, dropping new events`);
    const rx = await keep(streamReceiver({ port }));
    const got = await rx.waitFor(5);
    expect(got.map((m) => m.split('|')[5])).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    await until(() => warnings.some((w) => w.endsWith('3 events were dropped (queue of 5 full)')));
    // once the sink is closed and the receiver has read the whole connection, nothing more can come
    await l.close();
    await rx.allClosed();
    expect(rx.messages).toHaveLength(5);
  });

  test('a collector that restarts is reconnected to', async () => {
    const rx = await keep(streamReceiver());
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${rx.port}` }, warnings);
    l.log('before', 5, environ);
    await rx.waitFor(1);
    rx.dropClients();
    await until(() => warnings.some((w) => w.includes('is down')));
    l.log('after', 5, environ);
    const got = await rx.waitFor(2);
    expect(got[1].split('|')[5]).toBe('after');
  });

  test('close() delivers what is queued; later events are reported, not sent', async () => {
    const rx = await keep(streamReceiver());
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${rx.port}` }, warnings);
    for (let n = 0; n < 200; n++) l.log(`e${n}`, 5, environ);
    await l.close();
    expect((await rx.waitFor(200)).length).toBe(200);
    l.log('late', 5, environ);
    expect(warnings[warnings.length - 1]).toMatch(/^cef: event after close\(\) not sent to tcp:.*\|late\|late\|/);
  });

  test('flush() gives up after cef.flush_timeout when the collector stays down, and says how much is left', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tcp://127.0.0.1:${port}`, 'cef.flush_timeout': 200 }, warnings);
    l.log('one', 5, environ);
    const started = Date.now();
    await l.flush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const description = l.sink?.description;
    expect(warnings).toContain(`cef: ${description}: 1 events still queued after 200 ms`);
    await l.close();
    expect(warnings[warnings.length - 1]).toBe(`cef: ${description}: 1 events not delivered at close`);
  });
});

describe('octet-counting parser used by these tests', () => {
  test('rejects a stream that is not octet-counted', () => {
    expect(() => octetFrames(() => undefined)(Buffer.from('<13>1 - - - - - - hello\n'))).toThrow('bad octet count');
  });
});

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(haveOpenssl ? describe : describe.skip)('tls://', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    key = fs.readFileSync(path.join(dir, 'key.pem'));
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('with cef.tls.ca the collector is verified and gets octet-counted RFC 5424', async () => {
    const rx = await keep(streamReceiver({ tls: { key, cert } }));
    const l = logger({ 'cef.file': `tls://localhost:${rx.port}`, 'cef.tls.ca': path.join(dir, 'cert.pem') });
    expect(l.sink?.description).toBe(`tls://localhost:${rx.port} (RFC 5424, octet counting)`);
    l.log('secure', 5, environ);
    const [got] = await rx.waitFor(1);
    expect(got).toMatch(/^<166>1 2012-11-26T08:20:21\.005Z web1 \S+ - - - .*\|secure\|secure\|5\|/);
  });

  test('an unverified collector is refused by default, and reported', async () => {
    const rx = await keep(streamReceiver({ tls: { key, cert } }));
    const warnings: string[] = [];
    const l = logger({ 'cef.file': `tls://127.0.0.1:${rx.port}` }, warnings);
    l.log('secret', 5, environ);
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/is down \(self[- ]signed certificate\)/);
    // closed, the sink cannot send any more; no secure connection was ever made to carry a message
    await l.close();
    await rx.allClosed();
    expect(rx.messages).toEqual([]);
  });

  test('cef.tls.reject_unauthorized = false accepts it', async () => {
    const rx = await keep(streamReceiver({ tls: { key, cert } }));
    const l = logger({ 'cef.file': `tls://127.0.0.1:${rx.port}`, 'cef.tls.reject_unauthorized': false });
    l.log('lax', 5, environ);
    expect((await rx.waitFor(1))[0]).toContain('|lax|lax|');
  });
});
