import { formatCef, getSourceIp, MAX_LENGTH, type CefExtra } from '../../src/cef';

// Where the formatter and Python cef 0.5 part: matched, or a row of the differences table in docs/cef.md.

const environ = { REMOTE_ADDR: '127.0.0.1', HTTP_HOST: 'h', PATH_INFO: '/', REQUEST_METHOD: 'GET', HTTP_USER_AGENT: 'ua' };
const config = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave', 'cef.file': '/dev/null' };

function format(extra?: CefExtra): { line: string; warnings: string[] } {
  const warnings: string[] = [];
  const line = formatCef('n', 5, environ, config, extra, { now: new Date(2012, 10, 26, 8, 20, 21), hostname: 'myhost', warn: (m) => warnings.push(m) });
  if (line === null) throw new Error('CEF unexpectedly off');
  return { line, warnings };
}

const extensions = (line: string) => line.slice(line.indexOf(' suser=none') + ' suser=none'.length);

describe('Python cef 0.5, matched', () => {
  test('the legacy source rule trims ASCII whitespace only from the left-most X-Forwarded-For entry', () => {
    expect(getSourceIp({ HTTP_X_FORWARDED_FOR: ' \t1.2.3.4\r , 5.6.7.8' })).toBe('1.2.3.4');
    expect(getSourceIp({ HTTP_X_FORWARDED_FOR: '\u00a01.2.3.4\u3000, 5.6.7.8' })).toBe('\u00a01.2.3.4\u3000');
  });

  test('an illegal key sorts and counts by its UTF-8 length as passed, not as written with "?"', () => {
    // 'éa' is 3 bytes as passed (written '?a', 2 characters): after 'bb' in Python's order.
    const { line, warnings } = format({ 'éa': 1, bb: 1 });
    expect(extensions(line)).toBe(' bb=1 ?a=1');
    expect(warnings).toEqual(['The "éa" key contains illegal characters']);

    // The 1024-byte budget: 'é' costs 2 bytes + value + 2; one byte over the limit drops it.
    const base = Buffer.byteLength(format().line);
    const fits = 'v'.repeat(MAX_LENGTH - base - 4);
    expect(extensions(format({ 'é': fits }).line)).toBe(` ?=${fits}`);
    const over = format({ 'é': `${fits}v` });
    expect(extensions(over.line)).toBe('');
    expect(over.warnings.some((w) => w.startsWith('CEF Message too big.'))).toBe(true);
  });
});

describe('Python cef 0.5, documented differences (docs/cef.md)', () => {
  test('numbers are written as JavaScript writes them (Python: 2.0, 1e+16, 1e-07, 0.333333333333)', () => {
    const { line } = format({ ratio: 2.0, big: 1e16, third: 1 / 3, tiny: 1e-7 });
    expect(extensions(line)).toBe(' ratio=2 tiny=1e-7 big=10000000000000000 third=0.3333333333333333');
  });
});
