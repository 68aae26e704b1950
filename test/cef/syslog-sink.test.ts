import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CefLogger } from '../../src/cef';
import { loadUnixDgram } from '../../src/cef/sinks/unix-dgram-sink';
import { runTs } from './run-ts';

// Local syslog (`cef.file = syslog`) against an in-process unix datagram receiver, through
// both transports: the unix-dgram package and the `logger` fallback.

const unix = loadUnixDgram();
const base = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave', 'cef.file': 'syslog' };
const environ = { REQUEST_METHOD: 'GET', PATH_INFO: '/', REMOTE_ADDR: '10.0.0.1' };
const when = new Date(2012, 10, 6, 8, 20, 21);
let dir: string;
let socketPath: string;
const cleanups: Array<() => unknown> = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-syslog-'));
  socketPath = path.join(dir, 'log');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A /dev/log stand-in: a bound unix datagram socket. */
function receiver() {
  if (!unix) throw new Error('unix-dgram is needed for the receiver');
  const messages: string[] = [];
  const server = unix.createSocket('unix_dgram') as ReturnType<NonNullable<typeof unix>['createSocket']> & { bind(p: string): void };
  server.on('message', (buf: Buffer) => messages.push(buf.toString('utf8')));
  server.bind(socketPath);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    server.close();
    fs.rmSync(socketPath, { force: true });
  };
  cleanups.push(close);
  return { messages, close, waitFor: (n: number) => until(() => messages.length >= n).then(() => messages.slice(0, n)) };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function logger(config: Record<string, string | number>, warnings: string[] = []) {
  const l = new CefLogger({ ...base, 'cef.syslog.socket': socketPath, 'cef.flush_timeout': 300, ...config }, {
    clock: () => when,
    hostname: 'web1',
    warn: (m) => warnings.push(m),
  });
  cleanups.push(() => l.close());
  return l;
}

const describeUnix = unix ? describe : describe.skip;

describeUnix.each(['unix-dgram', 'logger'])('cef.file = syslog via %s', (transport) => {
  test('frames like glibc syslog(): <PRI>Mmm dd hh:mm:ss ident[pid]: line, with facility and priority honoured', async () => {
    const rx = receiver();
    const l = logger({
      'cef.syslog.transport': transport,
      'cef.syslog.facility': 'USER',
      'cef.syslog.priority': 'DEBUG',
      'cef.syslog.ident': 'keyapp',
      'cef.syslog.options': 'PID,CONS',
    });
    expect(l.sink?.description).toBe(`syslog ${socketPath} via ${transport === 'logger' ? 'logger process' : 'unix-dgram'}`);
    l.log('Auth', 5, environ, { username: 'bob' });
    const [got] = await rx.waitFor(1);
    const line = l.format('Auth', 5, environ, { username: 'bob' }) as string;
    // USER (1) * 8 + DEBUG (7) = 15. The line keeps its own date and host, as the legacy lib sent it.
    const header = /^<15>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) keyapp\[(\d+)\]: (.*)$/.exec(got);
    expect(header).not.toBeNull();
    expect(header?.[2]).toBe(String(process.pid));
    expect(header?.[3]).toBe(line);
    if (transport === 'unix-dgram') expect(header?.[1]).toBe('Nov  6 08:20:21');
  });

  test('defaults: LOCAL4.INFO (166) and no [pid] without the PID option', async () => {
    const rx = receiver();
    const l = logger({ 'cef.syslog.transport': transport, 'cef.syslog.ident': 'app' });
    l.log('x', 5, environ);
    expect((await rx.waitFor(1))[0]).toMatch(/^<166>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d app: .*\|x\|x\|5\|/);
  });

  test('a missing socket is reported, events wait in the queue and go out once syslog is there', async () => {
    const warnings: string[] = [];
    const l = logger({ 'cef.syslog.transport': transport, 'cef.syslog.ident': 'app' }, warnings);
    l.log('early', 5, environ);
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/^cef: syslog .* is down \(.+\); queueing up to 10000 events and retrying$/);
    const rx = receiver();
    expect((await rx.waitFor(1))[0]).toContain('|early|early|');
  });

  test('a syslog daemon that restarts is reconnected to', async () => {
    const warnings: string[] = [];
    let rx = receiver();
    const l = logger({ 'cef.syslog.transport': transport, 'cef.syslog.ident': 'app' }, warnings);
    l.log('one', 5, environ);
    await rx.waitFor(1);
    rx.close();
    l.log('lost-or-queued', 5, environ);
    l.log('lost-or-queued', 5, environ);
    rx = receiver();
    l.log('two', 5, environ);
    l.log('three', 5, environ);
    await until(() => rx.messages.some((m) => m.includes('|three|')));
    expect(rx.messages.some((m) => m.includes('|two|'))).toBe(true);
  });
});

(unix ? test : test.skip)('PERROR also writes each line to stderr', async () => {
  const rx = receiver();
  const out = await runTs(`
    process.stderr.write = (s) => process.stdout.write('stderr: ' + s);
    const { CefLogger } = require('./src/cef');
    const l = new CefLogger(${JSON.stringify({ ...base, 'cef.syslog.socket': socketPath, 'cef.syslog.options': 'PERROR' })}, { hostname: 'h' });
    l.log('echo', 5, {});
    l.close();
  `);
  expect(out).toMatch(/^stderr: [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d h CEF:0\|mozilla\|weave\|3\|echo\|echo\|5\|.*\n$/);
  expect((await rx.waitFor(1))[0]).toContain('|echo|echo|');
});
