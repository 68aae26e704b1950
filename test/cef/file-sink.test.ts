import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSink } from '../../src/cef/sinks/file-sink';
import { runTs } from './run-ts';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-file-'));
  file = path.join(dir, 'cef.log');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function collect() {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => warnings.push(m) };
}

const read = (p = file) => fs.readFileSync(p, 'utf8');

test('appends one line per event to what is already there, in UTF-8', async () => {
  fs.writeFileSync(file, 'old\n');
  const sink = new FileSink(file, collect());
  sink.write('a line ಠ_ಠ');
  sink.write('another');
  await sink.close();
  expect(fs.readFileSync(file)).toEqual(Buffer.from('old\na line ಠ_ಠ\nanother\n'));
});

test('a relative path is resolved against the working directory once, at start', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  let sink: FileSink;
  try {
    sink = new FileSink('rel.log', collect());
  } finally {
    process.chdir(cwd);
  }
  expect(sink.description).toBe(`file ${path.join(dir, 'rel.log')}`);
  sink.write('x');
  await sink.close();
  expect(read(path.join(dir, 'rel.log'))).toBe('x\n');
});

describe('log rotation', () => {
  test('a renamed file is noticed by the periodic check and the path reopened', async () => {
    let now = 0;
    const sink = new FileSink(file, { ...collect(), rotationCheckMs: 1000, clock: () => now });
    sink.write('before');
    fs.renameSync(file, `${file}.1`);
    now = 999;
    sink.write('still old'); // not checked yet: at most one stat per interval
    now = 1000;
    sink.write('after');
    await sink.close();
    expect(read(`${file}.1`)).toBe('before\nstill old\n');
    expect(read()).toBe('after\n');
  });

  test('a removed file is recreated', async () => {
    let now = 0;
    const sink = new FileSink(file, { ...collect(), rotationCheckMs: 10, clock: () => now });
    sink.write('one');
    fs.unlinkSync(file);
    now = 10;
    sink.write('two');
    await sink.close();
    expect(read()).toBe('two\n');
  });

  test('reopen() switches at once (log rotation)', async () => {
    const sink = new FileSink(file, collect());
    sink.write('one');
    fs.renameSync(file, `${file}.1`);
    sink.reopen();
    sink.write('two');
    await sink.close();
    expect(read(`${file}.1`)).toBe('one\n');
    expect(read()).toBe('two\n');
  });

  test('reopen() that fails is reported, and the next write retries', async () => {
    const { warnings, warn } = collect();
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const sink = new FileSink(path.join(sub, 'cef.log'), { warn });
    fs.rmSync(sub, { recursive: true });
    sink.reopen();
    expect(warnings[0]).toMatch(/^cef: cannot reopen .*sub\/cef\.log: ENOENT/);
    sink.write('lost?');
    expect(warnings[1]).toMatch(/^cef: cannot write to .*sub\/cef\.log \(ENOENT.*\): lost\?$/);
    fs.mkdirSync(sub);
    sink.write('back');
    await sink.close();
    expect(read(path.join(sub, 'cef.log'))).toBe('back\n');
  });
});

test('a failing write never throws; the line goes to the warning instead', async () => {
  const { warnings, warn } = collect();
  const sink = new FileSink('/dev/full', { warn });
  expect(() => sink.write('the event')).not.toThrow();
  expect(warnings).toEqual([expect.stringMatching(/^cef: cannot write to \/dev\/full \(ENOSPC.*\): the event$/)]);
  await sink.close();
});

test('after close, events are reported rather than reopening the file', async () => {
  const { warnings, warn } = collect();
  const sink = new FileSink(file, { warn });
  await sink.close();
  sink.write('late');
  sink.reopen();
  expect(read()).toBe('');
  expect(warnings).toEqual([`cef: event after close() not written to ${file}: late`]);
});

test('two processes appending to one file never interleave inside a line', async () => {
  const lines = 3000;
  const writer = (tag: string) => `
    const { CefLogger } = require('./src/cef');
    const logger = new CefLogger({ 'cef.file': ${JSON.stringify(file)}, 'cef.version': 0, 'cef.vendor': 'v', 'cef.product': 'p', 'cef.device_version': '1' });
    // Long lines (up to 4.5 KB, past PIPE_BUF; the fields within their bounds), of varying length, so that a torn write would show.
    for (let i = 0; i < ${lines}; i++) logger.log('${tag}-' + i, 5, { HTTP_USER_AGENT: '${tag}'.repeat(500 + (i % 7) * 500), PATH_INFO: '/' + '${tag}'.repeat(1000) });
    // no close(): a plain exit must not lose anything either
  `;
  await Promise.all([runTs(writer('A')), runTs(writer('B'))]);
  const written = read().split('\n');
  expect(written.pop()).toBe('');
  expect(written).toHaveLength(2 * lines);
  const seen = { A: new Set<number>(), B: new Set<number>() };
  for (const line of written) {
    const m = /\|([AB])-(\d+)\|\1-\2\|5\|cs1Label=requestClientApplication cs1=(\w+) requestMethod= request=\/(\w+) src=None dhost=none suser=none$/.exec(line);
    expect(m).not.toBeNull();
    const [, tag, n, agent, path] = m as RegExpExecArray;
    expect([agent, path]).toEqual([tag.repeat(500 + (Number(n) % 7) * 500), tag.repeat(1000)]);
    seen[tag as 'A' | 'B'].add(Number(n));
  }
  expect(seen.A.size).toBe(lines);
  expect(seen.B.size).toBe(lines);
}, 60_000);
