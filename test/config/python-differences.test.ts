import { Config, convert, EnvironmentNotFoundError } from '../../src/config';
import { tempFiles } from './temp-files';
import { join } from 'node:path';

// Where this reader and the Python one part, case by case: matched where a real file could rely
// on the Python result, otherwise the row of "Differences from the Python reader" in docs/config.md.

const parse = (text: string, env: Record<string, string> = {}) => Config.parse(text, { env });

describe('the Python reader, matched', () => {
  test('a value that starts with ";" after whitespace is an inline comment, with LF and with CRLF line ends', () => {
    for (const eol of ['\n', '\r\n']) {
      const c = parse(['[s]', 'empty = ; comment', 'tail = ;x ', 'glued =;x', 'quoted = ";x" ; c', 'kept = a;b'].join(eol) + eol);
      expect(c.getMap('s')).toStrictEqual({ empty: '', tail: '', glued: ';x', quoted: ';x', kept: 'a;b' });
    }
  });

  test('a lone CR is whitespace: "a=x\\r;" starts an inline comment, as in Python', () => {
    expect(parse('[s]\na=x\r;\nb=x\r;y\nc=x\r\n').getMap('s')).toStrictEqual({ a: 'x', b: 'x', c: 'x' });
  });

  test('only ASCII whitespace is trimmed: U+00A0, U+3000 and U+FEFF stay in a value and keep it from typing', () => {
    const c = parse('[s]\nnum = 1\u00a0\nbool = true\u00a0\nwide = \u3000x\u3000\nbom = \ufeffx\nascii = \t 7 \v\f\nlist =\n  a\u00a0\n  \u00a0\n');
    expect(c.getMap('s')).toStrictEqual({ num: '1\u00a0', bool: 'true\u00a0', wide: '\u3000x\u3000', bom: '\ufeffx', ascii: 7, list: ['a\u00a0', '\u00a0'] });
    expect(convert('1\u00a0')).toBe('1\u00a0');
    expect(convert(' 1\r')).toBe(1);
    expect(convert('\u2028false')).toBe('\u2028false');
  });

  test('option names are lower-cased A-Z only: "Ä" stays, the KELVIN SIGN does not shadow "k"', () => {
    const c = parse('[s]\nk = real\n\u212a = kelvin\nÄ = umlaut\nMiXeD = m\n');
    expect(c.getMap('s')).toStrictEqual({ k: 'real', '\u212a': 'kelvin', 'Ä': 'umlaut', mixed: 'm' });
    expect(c.get('s', 'K')).toBe('real');
    expect(c.get('s', '\u212a')).toBe('kelvin');
    expect(c.hasOption('s', 'ä')).toBe(false);
    c.set('s', 'Ä', 'set');
    expect(c.get('s', 'Ä')).toBe('set');
  });

  test('getMap() types DEFAULT options first, so the same missing ${VAR} is reported first', () => {
    const c = parse('[DEFAULT]\nd = ${MISSING_D}\n\n[s]\na = ${MISSING_A}\n');
    for (const read of [() => c.getMap(), () => c.getMap('s'), () => c.items('s')]) {
      expect(read).toThrow(EnvironmentNotFoundError);
      expect(read).toThrow(/Variable not found 'MISSING_D'/);
    }
    const ordered = parse('[DEFAULT]\nd = 1\ne = 2\n[s]\na = 3\ne = 4\n');
    expect(ordered.items('s')).toEqual([['d', 1], ['e', 4], ['a', 3]]);
    expect(Object.keys(ordered.getMap())).toEqual(['s.d', 's.e', 's.a']);
    // options() keeps Python's own order: the section's first.
    expect(ordered.options('s')).toEqual(['a', 'e', 'd']);
  });
});

describe('the Python reader, documented differences (docs/config.md)', () => {
  test('__name__ is an ordinary option (Python hid it from items and get_map)', () => {
    const c = parse('[DEFAULT]\n__name__ = d\n[s]\n__name__ = x\n[t]\na = 1\n');
    expect(c.getMap()).toStrictEqual({ 's.__name__': 'x', 't.__name__': 'd', 't.a': 1 });
  });

  test('a UTF-8 BOM at the start is accepted (Python failed: missing section header); a second one is text', () => {
    expect(parse('\ufeff[s]\na = 1\n').getMap()).toStrictEqual({ 's.a': 1 });
    expect(() => parse('\ufeff\ufeff[s]\na = 1\n')).toThrow(/<string>:1: text before the first \[section\] header/);
  });

  test('an empty extends merges nothing and a quoted one is unquoted (Python looked for a file named "" or "\\"base.conf\\"")', () => {
    const dir = tempFiles({
      'base.conf': '[s]\nfrom_base = 1\n',
      'empty.conf': '[DEFAULT]\nextends =\n[s]\na = 1\n',
      'quoted.conf': '[DEFAULT]\nextends = "base.conf"\n[s]\na = 1\n',
    });
    expect(Config.load(join(dir, 'empty.conf')).getMap()).toStrictEqual({ 's.a': 1 });
    expect(Config.load(join(dir, 'quoted.conf')).getMap()).toStrictEqual({ 's.a': 1, 's.from_base': 1 });
  });
});
