import fc from 'fast-check';
import { CefLogger, getSourceIp, type WsgiEnviron } from '../../src/cef';
import { MemoryCefSink } from '../../src/testing/memory-cef-sink';
import { parseCefLine } from './cef-parser';

// No input (name, user agent, path, username, X-Forwarded-For, extension keys and values) can
// add a header field, an extension or a line: the produced line parses back, strictly, into
// exactly the fields that were given.

const BUILT_IN = ['cs1Label', 'cs1', 'requestMethod', 'request', 'src', 'dhost', 'suser'];
const nasty = fc.constantFrom('|', '\\', '=', '\r', '\n', ' ', '\r\n', '\\=', '\\|', ' x=', '|7|', 'suser=root', '\t', 'é', '😀', '\u2028', '%0a',
  '\0', '\x1b[31m', '\x07', '\x7f', '\u0085', '\x9b', '\u2029', '\\x1b', '\\u2028');
// eslint-disable-next-line no-control-regex -- the characters no CEF line may carry raw
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const text = fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 });
const key = fc.oneof(text, fc.constantFrom(...BUILT_IN, 'date', 'vendor', 'name', 'a.b-c_d'));

function sanitize(k: string): string {
  return k === '' ? '?' : k.replace(/[^a-zA-Z0-9_.-]/gu, '?');
}

const config = {
  'cef.version': 0,
  'cef.vendor': 'moz|illa\\',
  'cef.product': 'we\nave',
  'cef.device_version': '3=|',
};

test('fields round-trip through a strict parser, whatever the input', () => {
  fc.assert(
    fc.property(
      text,
      fc.record({ HTTP_USER_AGENT: text, PATH_INFO: text, REQUEST_METHOD: text, HTTP_HOST: text, HTTP_X_FORWARDED_FOR: text, REMOTE_ADDR: text }, { requiredKeys: [] }),
      fc.option(text, { nil: undefined }),
      fc.option(text, { nil: undefined }),
      fc.uniqueArray(fc.tuple(key, text), { maxLength: 6, selector: ([k]) => sanitize(k) }),
      (name, environ: WsgiEnviron, username, signature, pairs) => {
        const sink = new MemoryCefSink();
        const warnings: string[] = [];
        const logger = new CefLogger(config, { sink, warn: (m) => warnings.push(m), hostname: 'host' });
        logger.log(name, 5, environ, { ...Object.fromEntries(pairs), username, signature });
        expect(sink.lines).toHaveLength(1);
        expect(sink.lines[0]).not.toMatch(CONTROL);
        const parsed = parseCefLine(sink.lines[0]);

        expect(parsed.header).toEqual(['0', 'moz|illa\\', 'we\nave', '3=|', signature ?? name, name, '5']);
        const expected: Array<[string, string]> = [
          ['cs1Label', 'requestClientApplication'],
          ['cs1', environ.HTTP_USER_AGENT ?? 'none'],
          ['requestMethod', environ.REQUEST_METHOD ?? ''],
          ['request', environ.PATH_INFO ?? ''],
          ['src', getSourceIp(environ) ?? 'None'],
          ['dhost', environ.HTTP_HOST ?? 'none'],
          ['suser', username ?? 'none'],
        ];
        expect(parsed.extensions.slice(0, 7)).toEqual(expected);

        // The custom extensions are exactly the given ones (minus reserved names), sanitized keys.
        const given = new Map(
          pairs.filter(([k]) => !BUILT_IN.includes(k) && k !== 'username' && k !== 'signature').map(([k, v]) => [sanitize(k), v]),
        );
        const custom = parsed.extensions.slice(7);
        for (const [k, v] of custom) expect(given.get(k)).toBe(v);
        if (custom.length < given.size) expect(warnings.some((w) => w.startsWith('CEF Message too big'))).toBe(true);
        // The event holds the same fields (an object: integer-like keys such as '0' come first there).
        expect(sink.events[0].extensions).toEqual(Object.fromEntries(parsed.extensions));
      },
    ),
    // fast-check's shrunk counterexample of a run: an extension named '0'.
    { numRuns: 1000, examples: [['', {}, undefined, undefined, [['0', '']]]] },
  );
});

test('the documented injection attempts stay inside their field', () => {
  const sink = new MemoryCefSink();
  const logger = new CefLogger(config, { sink, warn: () => undefined });
  logger.log('Auth\nNov 26 08:20:21 evil CEF:0|x|y|z|w|v|10|suser=admin', 5, {
    HTTP_USER_AGENT: 'ua suser=admin',
    PATH_INFO: '/a\r\nNov 26 evil CEF:0|',
    HTTP_X_FORWARDED_FOR: '1.2.3.4 suser=admin dhost=evil',
  }, { username: 'bob\nsuser=root', 'k ey=x': 'v|\n' });
  const parsed = parseCefLine(sink.lines[0]);
  expect(parsed.header[5]).toBe('Auth\nNov 26 08:20:21 evil CEF:0|x|y|z|w|v|10|suser=admin');
  expect(parsed.extensions.map(([k]) => k)).toEqual([...BUILT_IN, 'k?ey?x']);
  expect(sink.lines[0]).not.toMatch(/[\r\n]/);
});

test('an extension named __proto__ is an ordinary field of the line and of the event', () => {
  const sink = new MemoryCefSink();
  const logger = new CefLogger(config, { sink, warn: () => undefined, hostname: 'host' });
  logger.log('n', 5, {}, JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>);
  expect(sink.lines[0]).toMatch(/ __proto__=x constructor=y$/);
  expect(Object.entries(sink.events[0].extensions).slice(7)).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
});

test('control characters are escaped visibly in every field; printable text is unchanged', () => {
  const sink = new MemoryCefSink();
  const logger = new CefLogger({ ...config, 'cef.product': 'weave' }, { sink, warn: () => undefined, hostname: 'host' });
  logger.log('n\x00a\x1b[2Jme', 5, {
    HTTP_USER_AGENT: 'ua\tx\u0085y', PATH_INFO: '/p\u2028q\u2029', REQUEST_METHOD: 'GET', HTTP_X_FORWARDED_FOR: '1.2.3.4\x07',
  }, { username: 'bob\x9b', k: 'v\x7f' });
  const line = sink.lines[0];
  expect(line).not.toMatch(CONTROL);
  expect(line).toContain('|n\\x00a\\x1b[2Jme|');
  expect(line).toContain('cs1=ua\\tx\\x85y ');
  expect(line).toContain('request=/p\\u2028q\\u2029 ');
  expect(line).toContain('suser=bob\\x9b k=v\\x7f');

  const plain = new MemoryCefSink();
  new CefLogger({ ...config, 'cef.product': 'weave' }, { sink: plain, warn: () => undefined, hostname: 'host' })
    .log('Auth é 😀 x', 5, { HTTP_USER_AGENT: 'Mozilla/5.0 (X11) é', PATH_INFO: '/a b/c' }, { username: 'bob' });
  expect(plain.lines[0]).toMatch(/\|Auth é 😀 x\|5\|cs1Label=requestClientApplication cs1=Mozilla\/5\.0 \(X11\) é requestMethod= request=\/a b\/c src=None dhost=none suser=bob$/);
});
