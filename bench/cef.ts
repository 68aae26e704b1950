// CEF throughput: `npx ts-node --transpile-only bench/cef.ts`. Reports events/s and µs per
// event for formatting alone, for logCef to a file (one write(2) per line), and, for
// comparison, for the same lines through an async fs.WriteStream (what writeSync replaces).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatCef, logCef } from '../src/cef';

const EVENTS = Number(process.env.CEF_BENCH_EVENTS ?? 300_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-bench-'));
const file = path.join(dir, 'cef.log');
const config = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.product': 'weave', 'cef.device_version': '1.3', 'cef.file': file };
const environ = {
  REQUEST_METHOD: 'POST',
  PATH_INFO: '/user/1.0/a7fbc2d1e4/password',
  HTTP_HOST: 'auth.services.mozilla.com',
  HTTP_USER_AGENT: 'Firefox/115.0 FxSync/1.2.0.desktop',
  REMOTE_ADDR: '203.0.113.7',
};
const extra = { username: 'a7fbc2d1e4', signature: 'AuthFail', cs2Label: 'reason', cs2: 'wrong password' };

function report(label: string, ms: number): void {
  const perSecond = Math.round((EVENTS / ms) * 1000);
  console.log(`${label.padEnd(34)} ${perSecond.toLocaleString('en-US').padStart(11)} events/s  ${((ms * 1000) / EVENTS).toFixed(2)} µs/event`);
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  // Warm up the JIT and the per-config caches.
  for (let i = 0; i < 20_000; i++) formatCef('Invalid password', 7, environ, config, extra);

  report('formatCef', time(() => {
    for (let i = 0; i < EVENTS; i++) formatCef('Invalid password', 7, environ, config, extra);
  }));

  fs.rmSync(file, { force: true });
  report('logCef → file (writeSync)', time(() => {
    for (let i = 0; i < EVENTS; i++) logCef('Invalid password', 7, environ, config, extra);
  }));
  const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
  if (lines < EVENTS) throw new Error(`only ${lines} of ${EVENTS} lines written`);

  const line = formatCef('Invalid password', 7, environ, config, extra) as string;
  const stream = fs.createWriteStream(path.join(dir, 'stream.log'), { flags: 'a' });
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) {
    if (!stream.write(line + '\n')) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => stream.end(() => resolve()));
  report('same lines → fs.WriteStream (async)', Number(process.hrtime.bigint() - start) / 1e6);

  console.log(`(${EVENTS.toLocaleString('en-US')} events, ${Buffer.byteLength(line) + 1} bytes per line, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'})`);
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
