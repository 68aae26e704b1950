import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { CefLogger, logCef, type CefSink } from '../../src/cef';
import { MemoryCefSink } from '../../src/testing/memory-cef-sink';

const required = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave' };
const environ = { REQUEST_METHOD: 'GET', PATH_INFO: '/', REMOTE_ADDR: '10.0.0.1' };
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-logger-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function collect() {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => warnings.push(m) };
}

describe('CefLogger: on or off', () => {
  test('no cef.* key at all: disabled, no error, log and format do nothing', () => {
    const sink = new MemoryCefSink();
    const logger = new CefLogger({ 'global.debug': true, cefx: 1 }, { sink });
    expect(logger.enabled).toBe(false);
    expect(logger.sink).toBeNull();
    logger.log('x', 5, environ);
    expect(logger.format('x', 5, environ)).toBeNull();
    expect(sink.lines).toEqual([]);
  });

  test.each([false, 'false', 'off', 'no', 0])('cef.use = %p turns it off, whatever else is set', (use) => {
    const logger = new CefLogger({ 'cef.use': use, 'cef.syslog.facility': 'BOGUS' });
    expect(logger.enabled).toBe(false);
    expect(logger.sink).toBeNull();
  });

  test('cef.use with another value is a ConfigError naming it', () => {
    expect(() => new CefLogger({ ...required, 'cef.use': 'maybe' })).toThrow(new ConfigError('cef.use: expected true or false, got "maybe" (or yes/no, on/off, 1/0)'));
  });

  test('on: the sink named by cef.file, its description for start-up logs', async () => {
    const file = path.join(dir, 'cef.log');
    const logger = new CefLogger({ ...required, 'cef.use': true, 'cef.file': file });
    expect(logger.enabled).toBe(true);
    expect(logger.sink?.description).toBe(`file ${file}`);
    await logger.close();
  });
});

describe('CefLogger: configuration errors at construction', () => {
  test.each(['file', 'vendor', 'product', 'device_version', 'version'])('a missing cef.%s names the key', (key) => {
    const config: Record<string, string | number> = { ...required, 'cef.file': path.join(dir, 'x.log') };
    delete config[`cef.${key}`];
    expect(() => new CefLogger(config)).toThrow(new ConfigError(`cef.${key}: missing (required when CEF logging is on)`));
  });

  test('cef.file may be left out when the caller supplies the sink', () => {
    expect(new CefLogger(required, { sink: new MemoryCefSink() }).enabled).toBe(true);
  });

  test.each([
    [{ 'cef.syslog.facility': 'LOCAL9' }, 'cef.syslog.facility: unknown name "LOCAL9" (expected one of KERN, USER'],
    [{ 'cef.syslog.priority': 'LOUD' }, 'cef.syslog.priority: unknown name "LOUD" (expected one of EMERG, ALERT'],
    [{ 'cef.syslog.options': 'PID,FAST' }, 'cef.syslog.options: unknown option "FAST" (expected PID, CONS, NDELAY, NOWAIT, PERROR)'],
    [{ 'cef.syslog_options': 'LOUD' }, 'cef.syslog.options: unknown option "LOUD"'],
    [{ 'cef.syslog.format': '5425' }, 'cef.syslog.format: unknown value "5425" (expected one of 5424, 3164)'],
    [{ 'cef.syslog.transport': 'pigeon' }, 'cef.syslog.transport: unknown value "pigeon"'],
    [{ 'cef.queue_size': 0 }, 'cef.queue_size: expected a positive integer, got 0'],
    [{ 'cef.queue_size': 'lots' }, 'cef.queue_size: expected a positive integer, got "lots"'],
    [{ 'cef.vendor': ['a', 'b'] }, 'cef.vendor: expected text, got ["a","b"]'],
    [{ 'cef.file': ' ' }, 'cef.file: empty'],
    [{ 'cef.file': 'tcp://' }, 'cef.file: bad address "tcp://" (expected tcp://host:port)'],
    [{ 'cef.file': 'udp://host:99999' }, 'cef.file: bad address "udp://host:99999"'],
    [{ 'cef.file': 'tcp://host:0' }, 'cef.file: bad address "tcp://host:0"'],
    [{ 'cef.file': 'tls://host:6514/path' }, 'cef.file: bad address "tls://host:6514/path"'],
    [{ 'cef.file': 'ftp://host/x' }, 'cef.file: unsupported scheme in "ftp://host/x"'],
    [{ 'cef.file': '/nonexistent-dir/cef.log' }, 'cef.file: cannot open /nonexistent-dir/cef.log for appending: ENOENT'],
    [{ 'cef.file': 'tls://127.0.0.1:6514', 'cef.tls.ca': '/nonexistent/ca.pem' }, 'cef.tls.ca: cannot read /nonexistent/ca.pem: ENOENT'],
    [{ 'cef.file': 'tls://127.0.0.1:6514', 'cef.tls.reject_unauthorized': 'perhaps' }, 'cef.tls.reject_unauthorized: expected true or false'],
  ])('%j', (bad, message) => {
    const config = { ...required, 'cef.file': path.join(dir, 'ok.log'), ...bad };
    let error: unknown;
    try {
      new CefLogger(config as unknown as Record<string, string>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  test('names are case-insensitive; both legacy spellings of syslog options work; lists are accepted', () => {
    const file = path.join(dir, 'ok.log');
    const variants: Array<Record<string, string | string[]>> = [
      { 'cef.syslog.facility': 'user', 'cef.syslog.priority': 'debug', 'cef.syslog.options': 'pid, CONS' },
      { 'cef.syslog_options': 'PID,CONS' },
      { 'cef.syslog.options': ['PID', 'NDELAY'] },
    ];
    for (const extra of variants) {
      expect(new CefLogger({ ...required, 'cef.file': file, ...extra }).enabled).toBe(true);
    }
  });

  test('an unknown cef.* key is reported, not fatal', () => {
    const { warnings, warn } = collect();
    new CefLogger({ ...required, 'cef.syslog.prioirty': 'DEBUG' }, { sink: new MemoryCefSink(), warn });
    expect(warnings).toEqual(['cef: ignoring unknown setting "syslog_prioirty" (from cef.syslog.prioirty or cef.syslog_prioirty)']);
  });

  test('reads a Config-like object through getMap()', () => {
    const sink = new MemoryCefSink();
    const logger = new CefLogger({ getMap: () => ({ ...required }) }, { sink });
    logger.log('x', 5, environ);
    expect(sink.lines).toHaveLength(1);
  });
});

describe('CefLogger: log', () => {
  test('uses the injected clock and hostname', () => {
    const sink = new MemoryCefSink();
    const logger = new CefLogger(required, { sink, clock: () => new Date(2020, 1, 3, 4, 5, 6), hostname: 'web1' });
    logger.log('x', 5, environ);
    expect(sink.lines[0].startsWith('Feb 03 04:05:06 web1 CEF:0|mozilla|weave|3|x|x|5|')).toBe(true);
    expect(logger.format('x', 5, environ)).toBe(sink.lines[0]);
  });

  test('records the event with its unescaped fields', () => {
    const sink = new MemoryCefSink();
    new CefLogger(required, { sink }).log('Auth|Fail', 7, environ, { username: 'a=b', signature: 'AuthFail', cs2: 'x\ny' });
    expect(sink.events[0]).toEqual({
      name: 'Auth|Fail',
      signature: 'AuthFail',
      severity: 7,
      suser: 'a=b',
      extensions: {
        cs1Label: 'requestClientApplication',
        cs1: 'none',
        requestMethod: 'GET',
        request: '/',
        src: '10.0.0.1',
        dhost: 'none',
        suser: 'a=b',
        cs2: 'x\ny',
      },
    });
  });

  test('never throws into the request: a failing sink or a broken environ is reported', () => {
    const { warnings, warn } = collect();
    const broken: CefSink = {
      description: 'broken',
      write() {
        throw new Error('disk on fire');
      },
      flush: async () => undefined,
      close: async () => undefined,
    };
    const logger = new CefLogger(required, { sink: broken, warn });
    expect(() => logger.log('x', 5, environ)).not.toThrow();
    expect(() => logger.log('y', 5, null as unknown as typeof environ)).not.toThrow();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^cef: event "x" not logged: Error: disk on fire/);
    expect(warnings[1]).toMatch(/^cef: event "y" not logged: TypeError/);
  });

  test('flush, reopen and close reach the sink', async () => {
    const calls: string[] = [];
    const sink: CefSink = {
      description: 'spy',
      write: () => calls.push('write'),
      flush: async () => void calls.push('flush'),
      reopen: () => void calls.push('reopen'),
      close: async () => void calls.push('close'),
    };
    const logger = new CefLogger(required, { sink });
    logger.log('x', 5, environ);
    await logger.flush();
    logger.reopen();
    await logger.close();
    expect(calls).toEqual(['write', 'flush', 'reopen', 'close']);
  });
});

describe('logCef', () => {
  test('appends the line to cef.file, as the Python log_cef did', () => {
    const file = path.join(dir, 'cef.log');
    const config = { ...required, 'cef.file': file };
    logCef('xx|x', 5, { HTTP_USER_AGENT: 'MySuperBrowser' }, config, { username: 'me', custom1: 'ok' });
    logCef('second', 3, {}, config);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/CEF:0\|mozilla\|weave\|3\|xx\\\|x\|xx\\\|x\|5\|cs1Label=requestClientApplication cs1=MySuperBrowser .* suser=me custom1=ok$/);
    expect(lines[1]).toContain('|second|second|3|');
    expect(lines[2]).toBe('');
  });

  test('keeps one logger (one open file) per config object', () => {
    const file = path.join(dir, 'cef.log');
    const config = { ...required, 'cef.file': file };
    logCef('one', 5, {}, config);
    fs.renameSync(file, `${file}.1`);
    // Within the rotation-check interval the open descriptor still points at the renamed file.
    logCef('two', 5, {}, config);
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toMatch(/\|one\|.*\n.*\|two\|/);
    // Another config object is another logger, opening the path afresh.
    logCef('three', 5, {}, { ...config });
    expect(fs.readFileSync(file, 'utf8')).toContain('|three|');
  });

  test('does nothing when off, and throws a ConfigError for a bad config', () => {
    logCef('x', 5, {}, { 'cef.use': false, 'cef.file': path.join(dir, 'never.log') });
    expect(fs.existsSync(path.join(dir, 'never.log'))).toBe(false);
    expect(() => logCef('x', 5, {}, { 'cef.file': path.join(dir, 'x.log') })).toThrow(ConfigError);
  });
});
