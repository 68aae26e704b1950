import os from 'node:os';
import { ConfigError } from '../../src/config/errors';
import {
  ACCOUNT_LOCKED,
  AUTH_FAILURE,
  CAPTCHA_FAILURE,
  formatCef,
  MAX_LENGTH,
  OVERRIDE_FAILURE,
  PASSWD_RESET_CLR,
  type CefExtra,
  type WsgiEnviron,
} from '../../src/cef';
import { parseCefLine } from './cef-parser';
import { runTs } from './run-ts';

// The verified legacy example (docs/compatibility.md B.3).
const environ: WsgiEnviron = {
  REMOTE_ADDR: '127.0.0.1',
  HTTP_HOST: '127.0.0.1',
  PATH_INFO: '/',
  REQUEST_METHOD: 'GET',
  HTTP_USER_AGENT: 'MySuperBrowser',
};
const config = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave', 'cef.file': '/dev/null' };
const now = new Date(2012, 10, 26, 8, 20, 21); // local time
const BASE = 'CEF:0|mozilla|weave|3|';

function format(name: string, extra?: CefExtra, env: WsgiEnviron = environ, cfg: object = config) {
  const warnings: string[] = [];
  const line = formatCef(name, 5, env, cfg as typeof config, extra, { now, hostname: 'myhost', warn: (m) => warnings.push(m) });
  if (line === null) throw new Error('CEF unexpectedly off');
  return { line, warnings };
}

describe('formatCef: the legacy line (B.3)', () => {
  test('the verified example comes out byte for byte', () => {
    expect(format('xx|x').line).toBe(
      'Nov 26 08:20:21 myhost CEF:0|mozilla|weave|3|xx\\|x|xx\\|x|5|cs1Label=requestClientApplication cs1=MySuperBrowser requestMethod=GET request=/ src=127.0.0.1 dhost=127.0.0.1 suser=none',
    );
  });

  test('the date is local time with a C-locale month and a zero-padded day', async () => {
    const code = `
      const { formatCef } = require('./src/cef');
      const config = ${JSON.stringify(config)};
      for (const t of [Date.UTC(2012, 10, 5, 23, 2, 3), Date.UTC(2012, 0, 9, 7, 8, 9)]) {
        console.log(formatCef('x', 5, {}, config, {}, { now: new Date(t), hostname: 'h' }).slice(0, 17));
      }`;
    // Asia/Tokyo is UTC+9 without DST; LC_ALL must not change the month names.
    expect(await runTs(code, { TZ: 'Asia/Tokyo', LC_ALL: 'de_DE.UTF-8' })).toBe('Nov 06 08:02:03 h\nJan 09 16:08:09 h\n');
    expect(await runTs(code, { TZ: 'UTC' })).toBe('Nov 05 23:02:03 h\nJan 09 07:08:09 h\n');
  });

  test('the default host is the machine hostname and the default clock is now', () => {
    const line = formatCef('x', 5, environ, config) as string;
    expect(line.split(' ')[3]).toBe(os.hostname());
    const parsed = parseCefLine(line);
    const month = parsed.date.slice(0, 3);
    expect(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']).toContain(month);
  });

  test('the host extension is dhost= (cef 0.5), not dest=', () => {
    expect(format('x').line).toContain(' dhost=127.0.0.1 ');
    expect(format('x').line).not.toContain('dest=');
  });
});

describe('formatCef: fields and defaults (B.1, B.4)', () => {
  test('the signature defaults to the escaped name; an explicit one is prefix-escaped', () => {
    expect(format('xx').line).toContain('|xx|xx|5|');
    expect(format('a|b', { signature: 'S|ig' }).line).toContain(`${BASE}S\\|ig|a\\|b|5|`);
  });

  test('the signature constants keep their legacy values', () => {
    expect([AUTH_FAILURE, CAPTCHA_FAILURE, OVERRIDE_FAILURE, ACCOUNT_LOCKED, PASSWD_RESET_CLR]).toEqual([
      'AuthFail',
      'CaptchaFail',
      'InvalidAdmin',
      'AccountLockout',
      'PasswordResetCleared',
    ]);
    expect(format('xx', { signature: AUTH_FAILURE }).line).toContain('|AuthFail|xx|');
  });

  test('the username goes to suser, default none', () => {
    expect(format('x').line).toMatch(/ suser=none$/);
    expect(format('x', { username: 'me' }).line).toMatch(/ suser=me$/);
  });

  test('the severity is written as text and prefix-escaped, unvalidated', () => {
    const line = formatCef('x', '5|' as unknown as number, environ, config, {}, { now, hostname: 'h' }) as string;
    expect(line).toContain('|x|x|5\\||cs1Label=');
    expect(formatCef('x', 10, environ, config, {}, { now, hostname: 'h' })).toContain('|x|x|10|');
  });

  test('missing environ entries give the legacy defaults', () => {
    expect(format('x', {}, {}).line).toContain(
      '|cs1Label=requestClientApplication cs1=none requestMethod= request= src=None dhost=none suser=none',
    );
  });

  test('the user agent is extension-escaped: = and \\ escaped, | untouched', () => {
    expect(format('xxx', {}, { ...environ, HTTP_USER_AGENT: '=|\\' }).line).toContain('cs1Label=requestClientApplication cs1=\\=|\\\\ ');
  });

  test('extension values escape = and \\ (legacy test_conversions)', () => {
    expect(format('x', { username: 'me', ext1: 'ok=ok', ext2: 'ok\\ok' }).line).toContain('ext1=ok\\=ok ext2=ok\\\\ok');
  });

  test('unicode is written as is (UTF-8 on output)', () => {
    const { line } = format('ಠ_ಠ', { username: 'tarek', cs2Label: '\u00d0' }, { PATH_INFO: '/reviewers/\u043f\u0442\u0442-news' });
    expect(line).toContain('|ಠ_ಠ|ಠ_ಠ|5|');
    expect(line).toContain('request=/reviewers/птт-news ');
    expect(line).toContain(' cs2Label=Ð');
  });

  test('numbers in extra are written as text', () => {
    expect(format('x', { cs2: 1, count: 42 }).line).toMatch(/ cs2=1 count=42$/);
  });
});

describe('formatCef: fixes of the legacy quirks (docs/compatibility.md R.6)', () => {
  test('CR and LF in the name are written as the two characters \\r and \\n (legacy wrote a real newline)', () => {
    const { line } = format('xx\nx|xx\rx', { username: 'me' });
    expect(line).toContain('|xx\\nx\\|xx\\rx|');
    expect(line).not.toMatch(/[\r\n]/);
  });

  test('CR and LF in extension values are written as \\r and \\n', () => {
    const { line } = format('x', { note: 'a\r\nb' }, { ...environ, HTTP_USER_AGENT: 'ua\nsuser=root' });
    expect(line).toContain(' note=a\\r\\nb');
    expect(line).toContain(' cs1=ua\\nsuser\\=root ');
    expect(line).not.toMatch(/[\r\n]/);
  });

  test('the prefix fields from config are escaped (a | in cef.vendor used to corrupt the prefix)', () => {
    const { line } = format('x', {}, environ, { ...config, 'cef.vendor': 'moz|illa', 'cef.product': 'we\\ave' });
    expect(line).toContain('CEF:0|moz\\|illa|we\\\\ave|3|x|x|5|');
    expect(parseCefLine(line).header.slice(0, 4)).toEqual(['0', 'moz|illa', 'we\\ave', '3']);
  });

  test('src is escaped: a forged X-Forwarded-For cannot add suser=', () => {
    const { line } = format('x', {}, { ...environ, HTTP_X_FORWARDED_FOR: '1.2.3.4 suser=admin, 10.0.0.1' });
    expect(line).toContain(' src=1.2.3.4 suser\\=admin dhost=');
    expect(parseCefLine(line).extensions.filter(([k]) => k === 'suser')).toEqual([['suser', 'none']]);
  });

  test('suser is escaped (legacy wrote u|s=r raw)', () => {
    expect(format('x', { username: 'u|s=r' }).line).toMatch(/ suser=u\|s\\=r$/);
  });

  test('illegal key characters become ? and the legacy warning is given', () => {
    const { line, warnings } = format('xxx', { 'ba|d': 1 });
    expect(line).toMatch(/ ba\?d=1$/);
    expect(warnings).toEqual(['The "ba|d" key contains illegal characters']);
    expect(format('x', { 'k y=z': 'v', '': 'e', 'né': 'w' }).line).toMatch(/ \?=e n\?=w k\?y\?z=v$/);
  });
});

describe('formatCef: every field a client fills has a length bound', () => {
  test('an 8 KB user name in the name, the signature and suser, and 8 KB headers and path: each field cut to its bound, ending in …', () => {
    const long = 'a'.repeat(8192);
    const env: WsgiEnviron = {
      REMOTE_ADDR: '127.0.0.1', HTTP_X_FORWARDED_FOR: `1${'2'.repeat(8192)}`, HTTP_HOST: 'h'.repeat(8192),
      PATH_INFO: `/${'p'.repeat(8192)}`, REQUEST_METHOD: 'M'.repeat(8192), HTTP_USER_AGENT: 'u'.repeat(8192),
    };
    const { line } = format(`Authentication Failed for Backend service ${long}`, { username: long }, env);
    const parsed = parseCefLine(line);
    const field = (key: string) => parsed.extensions.find(([k]) => k === key)?.[1] ?? '';
    expect([parsed.header[4].length, parsed.header[5].length]).toEqual([1023, 512]);
    expect(parsed.header[5]).toBe(`Authentication Failed for Backend service ${'a'.repeat(512 - 43)}…`);
    expect(['suser', 'request', 'dhost', 'src', 'requestMethod', 'cs1'].map((k) => [k, field(k).length, field(k).endsWith('…')])).toEqual([
      ['suser', 1023, true], ['request', 1023, true], ['dhost', 1023, true], ['src', 1023, true], ['requestMethod', 1023, true], ['cs1', 4000, true],
    ]);
    expect(line.length).toBeLessThan(12_000);
  });

  test('a value at its bound is written whole; a cut never leaves half a surrogate pair', () => {
    const exact = 'b'.repeat(1023);
    expect(parseCefLine(format('x', { username: exact }).line).extensions.find(([k]) => k === 'suser')).toEqual(['suser', exact]);
    const emoji = `${'c'.repeat(1021)}😀😀`;
    const suser = parseCefLine(format('x', { username: emoji }).line).extensions.find(([k]) => k === 'suser')![1];
    expect(suser).toBe(`${'c'.repeat(1021)}…`);
    expect(suser).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('formatCef: extra extensions (B.5)', () => {
  test('are sorted by value length, key length, key', () => {
    expect(format('x', { zeta: 1, alpha: 22, beta: 1, aa: 1 }).line).toMatch(/ suser=none aa=1 beta=1 zeta=1 alpha=22$/);
  });

  test('value length counts UTF-8 bytes', () => {
    // 'ééé' is 3 characters but 6 bytes, so the 5-byte value comes first.
    expect(format('x', { a: 'ééé', b: 'xxxxx' }).line).toMatch(/ b=xxxxx a=ééé$/);
  });

  test('slot names never replace the prefix or built-in fields (legacy override was an injection vector)', () => {
    const { line } = format('x', { date: 'D', vendor: 'V', method: 'X=Y' });
    expect(line.startsWith(`Nov 26 08:20:21 myhost ${BASE}x|x|5|`)).toBe(true);
    expect(line).toContain(' requestMethod=GET ');
    // The same tail as the legacy line: they are ordinary extensions.
    expect(line).toMatch(/ suser=none date=D vendor=V method=X\\=Y$/);
  });

  test('built-in extension keys in extra are ignored with a warning, suser included', () => {
    const extra = { cs1Label: 'a', cs1: 'b', requestMethod: 'c', request: 'd', src: 'e', dhost: 'f', suser: 'root' };
    const { line, warnings } = format('x', extra);
    expect(line).toBe(format('x').line);
    expect(warnings).toHaveLength(7);
    expect(warnings[0]).toBe('CEF extension "cs1Label" is a built-in field and was ignored');
    expect(warnings[6]).toContain('"suser" is a built-in field and was ignored (pass the user as `username`)');
  });

  test('undefined entries are skipped', () => {
    expect(format('x', { a: undefined, b: 'v' }).line).toMatch(/ suser=none b=v$/);
  });

  test('the legacy too-big vector: big kept, bigger dropped, custom1 kept, warning given', () => {
    const { line, warnings } = format('xx|x', { username: 'me', custom1: 'ok', big: 'i'.repeat(500), bigger: 'u'.repeat(550) });
    expect(line).toContain('big=ii');
    expect(line).not.toContain('bigger=uu');
    expect(line).toContain(' custom1=ok');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^CEF Message too big\. .*\(dropped: bigger\)$/);
  });

  test('the limit counts base bytes + key + raw value + 2, and stops at the first extension over it', () => {
    const base = format('x').line;
    const room = MAX_LENGTH - Buffer.byteLength(base);
    // An escaped value is longer on the line but counts raw, as legacy did.
    const fits = '='.repeat(room - 3); // ' k=' + value: cost = 1 + len + 2
    expect(format('x', { k: fits }).line).toBe(`${base} k=${'\\='.repeat(room - 3)}`);
    const { line, warnings } = format('x', { k: fits + '=' });
    expect(line).toBe(base);
    expect(warnings[0]).toMatch(/^CEF Message too big/);
    // Extensions after the first one that does not fit are dropped too.
    const cut = format('x', { a: 'v', k: 'w'.repeat(room - 3 - 4), zz: 'y'.repeat(room) }).line;
    expect(cut).toBe(`${base} a=v k=${'w'.repeat(room - 7)}`);
  });

  test('the base line is never cut by the extensions\' budget (its fields have their own bounds)', () => {
    const long = 'p'.repeat(1000);
    const { line, warnings } = format('x', { extra: 'v' }, { ...environ, PATH_INFO: long });
    expect(line).toContain(`request=${long} `);
    expect(line).not.toContain('extra=v');
    expect(warnings[0]).toMatch(/^CEF Message too big/);
  });
});

describe('formatCef: configuration', () => {
  test('null when no cef.* key exists or cef.use is false', () => {
    expect(formatCef('x', 5, environ, { 'global.debug': true })).toBeNull();
    expect(formatCef('x', 5, environ, { ...config, 'cef.use': false })).toBeNull();
    expect(formatCef('x', 5, environ, { ...config, 'cef.use': 'false' })).toBeNull();
    expect(formatCef('x', 5, environ, { ...config, 'cef.use': true })).not.toBeNull();
  });

  test('a missing required key is a ConfigError naming it', () => {
    const { 'cef.vendor': _omit, ...noVendor } = config;
    expect(() => formatCef('x', 5, environ, noVendor)).toThrow(ConfigError);
    expect(() => formatCef('x', 5, environ, noVendor)).toThrow('cef.vendor: missing');
  });

  test('reads a Config-like object through getMap()', () => {
    const source = { getMap: () => ({ ...config }) };
    expect(formatCef('x', 5, environ, source, {}, { now, hostname: 'myhost' })).toBe(format('x').line);
  });
});
