import { Config, ConfigError } from '../../src/config';
import { configErrorOf } from './config-error-of';

const parse = (text: string) => Config.parse(text, { filename: 'app.conf', env: {} });

/** The ConfigError that parsing `text` throws. */
function parseError(text: string): ConfigError {
  return configErrorOf(() => parse(text));
}

describe('lexical syntax (docs/compatibility.md A.2)', () => {
  test('section names are case-sensitive and may contain ":"', () => {
    const c = parse('[one]\na = 1\n[ONE]\na = 2\n[host:node0]\n[multi:once]\n');
    expect(c.sections()).toEqual(['one', 'ONE', 'host:node0', 'multi:once']);
    expect(c.get('one', 'a')).toBe(1);
    expect(c.get('ONE', 'a')).toBe(2);
  });

  test('the first "=" or ":" delimits, so URIs with ":" and "=" in values work', () => {
    const c = parse('[s]\nsqluri = mysql://u:p@h/db\nb: x = y\nc=d:e\n');
    expect(c.get('s', 'sqluri')).toBe('mysql://u:p@h/db');
    expect(c.get('s', 'b')).toBe('x = y');
    expect(c.get('s', 'c')).toBe('d:e');
  });

  test('option names are stripped and lower-cased; dots are allowed', () => {
    const c = parse('[s]\nUpper   = U\nstorage.sqluri = x\n');
    expect(c.options('s')).toEqual(['upper', 'storage.sqluri']);
    expect(c.get('s', 'UPPER')).toBe('U');
  });

  test('empty values and "" read as the empty string', () => {
    const c = parse('[s]\na =\nb = ""\nc:\n');
    expect(c.getMap('s')).toStrictEqual({ a: '', b: '', c: '' });
  });

  test('# and ; at column 0 are comments; " ;" starts an inline comment; "#" never does', () => {
    const c = parse('# c\n; c\n[s]\n#x = 1\n;y = 2\nfoo = bar ; c\nhash = a#b\ntight = a;b\ntab = a\t;c\nlead = ;x\nglued =;x\n');
    expect(c.getMap('s')).toStrictEqual({ foo: 'bar', hash: 'a#b', tight: 'a;b', tab: 'a', lead: '', glued: ';x' });
  });

  test('a quoted value keeps " ;" inside its quotes (fix: the legacy reader cut it)', () => {
    const c = parse('[s]\nq = "a ;b" ; comment\nunclosed = "a ;b\n');
    expect(c.get('s', 'q')).toBe('a ;b');
    expect(c.get('s', 'unclosed')).toBe('"a');
  });

  test('"rem" is an ordinary option name (the Python 2 rem-comment quirk is not kept)', () => {
    expect(parse('[s]\nrem = 5\nREM: x\n').getMap('s')).toStrictEqual({ rem: 'x' });
  });

  test('continuation lines: blank and column-0 comment lines skipped, an indented # kept', () => {
    const c = parse('[s]\nlst = a\n\n    b\n#comment\n; also\n\tc\n       # x\n  ; y\nnext = 1\n');
    expect(c.get('s', 'lst')).toStrictEqual(['a', 'b', 'c', '# x', '; y']);
    expect(c.get('s', 'next')).toBe(1);
  });

  test('the list example of test_config.py reads as [1, "two", 3]', () => {
    expect(parse('[one]\nlines = 1\n        two\n        3\n').get('one', 'lines')).toStrictEqual([1, 'two', 3]);
  });

  test('"key =" then one indented line is a one-item list; a one-line value is never a list', () => {
    const c = parse('[s]\nk =\n  a\nsingle = a\n');
    expect(c.get('s', 'k')).toStrictEqual(['a']);
    expect(c.get('s', 'single')).toBe('a');
  });

  test('duplicate sections merge and the last duplicate option wins', () => {
    const c = parse('[s]\na = 1\nb = 1\n[t]\n[s]\na = 2\nc = 3\n');
    expect(c.sections()).toEqual(['s', 't']);
    expect(c.getMap('s')).toStrictEqual({ a: 2, b: 1, c: 3 });
  });

  test('CRLF line ends, a UTF-8 BOM and comments after a section header are accepted', () => {
    const c = parse('\ufeff[s] ; the s section\r\na = 1\r\nl = x\r\n  y\r\n[t]   # t\r\n');
    expect(c.getMap()).toStrictEqual({ 's.a': 1, 's.l': ['x', 'y'] });
    expect(c.sections()).toEqual(['s', 't']);
  });
});

describe('parse errors name the file and line (nothing half-loaded)', () => {
  test.each<[string, string, number, RegExp]>([
    ['text before a section', 'a = 1\n', 1, /text before the first \[section\] header: "a = 1"/],
    ['indented text before a section', '\n  a = 1\n', 2, /text before the first \[section\] header/],
    ['an indented first option', '[s]\n  a = 1\n', 2, /indented line with no option to continue/],
    ['a line without delimiter', '[s]\na = 1\n\njust words\n', 4, /no '=' or ':'.*"just words"/],
    ['an empty option name', '[s]\n= 1\n', 2, /option name missing before '='/],
    ['an unclosed section header', '[s]\n[oops\n', 2, /section header has no closing '\]'/],
    ['an empty section name', '[]\n', 1, /empty section name/],
    ['text after a section header', '[s] junk\n', 1, /unexpected text after the section header/],
  ])('%s', (_what, text, line, message) => {
    const err = parseError(text);
    expect(err.file).toBe('app.conf');
    expect(err.line).toBe(line);
    expect(err.message.startsWith(`app.conf:${line}: `)).toBe(true);
    expect(err.message).toMatch(message);
  });

  test('a long offending line is shown shortened', () => {
    const err = parseError(`[s]\n${'x'.repeat(200)}\n`);
    expect(err.message).toContain(`"${'x'.repeat(57)}..."`);
    expect(err.message.length).toBeLessThan(150);
  });

  test('without a filename the message says <string>', () => {
    expect(() => Config.parse('oops')).toThrow(/^<string>:1: text before the first \[section\] header/);
  });
});
