import { join } from 'node:path';
import { Config, ConfigError, EnvironmentNotFoundError } from '../../src/config';
import { tempFiles } from './temp-files';

const TEXT = `[DEFAULT]
d = 1

[one]
foo = bar
num = -12
st = "o=k"
quoted10 = "10"
quotedtrue = "true"
quotedenv = "\${X}"
lines = 1
        two
        3

[two]
a = b
d = 2
`;

describe('Config reader API (docs/compatibility.md A.8)', () => {
  const c = Config.parse(TEXT, { env: { X: 'x' } });

  test('sections() in file order without DEFAULT; hasSection', () => {
    expect(c.sections()).toEqual(['one', 'two']);
    expect(c.hasSection('one')).toBe(true);
    expect(c.hasSection('DEFAULT')).toBe(false);
    expect(c.hasSection('three')).toBe(false);
  });

  test('hasOption sees DEFAULT options in existing sections only, and lower-cases', () => {
    expect(c.hasOption('one', 'FOO')).toBe(true);
    expect(c.hasOption('one', 'd')).toBe(true);
    expect(c.hasOption('DEFAULT', 'd')).toBe(true);
    expect(c.hasOption('three', 'd')).toBe(false);
    expect(c.hasOption('one', 'a')).toBe(false);
  });

  test('options() lists the section own options, then DEFAULT ones', () => {
    expect(c.options('two')).toEqual(['a', 'd']);
    expect(c.options('one')).toEqual(['foo', 'num', 'st', 'quoted10', 'quotedtrue', 'quotedenv', 'lines', 'd']);
  });

  test('get types the value; a missing section or option is a ConfigError unless a fallback is given', () => {
    expect(c.get('one', 'num')).toBe(-12);
    expect(c.get('one', 'st')).toBe('o=k');
    expect(() => c.get('three', 'x')).toThrow(new ConfigError('Config.get: no section [three]', { file: '<string>' }));
    expect(() => c.get('one', 'nope')).toThrow(/Config\.get: no option 'nope' in section \[one\]/);
    expect(c.get('three', 'x', 42)).toBe(42);
    expect(c.get('one', 'nope', undefined)).toBeUndefined();
    expect(c.get('one', 'foo', 'fallback')).toBe('bar');
  });

  test('items() gives typed pairs, DEFAULT included, in the Python order: DEFAULT first, own values in place', () => {
    expect(c.items('two')).toEqual([['d', 2], ['a', 'b']]);
    expect(() => c.items('zzz')).toThrow(/Config\.items: no section \[zzz\]/);
  });

  test('mget wraps a single value in a list', () => {
    expect(c.mget('one', 'foo')).toEqual(['bar']);
    expect(c.mget('one', 'lines')).toEqual([1, 'two', 3]);
  });

  test('getMap(section) and getMap() type each value once (Q-A2: "10" stays a string)', () => {
    expect(c.getMap('one')).toMatchObject({ quoted10: '10', quotedtrue: 'true', quotedenv: '${X}', d: 1 });
    const flat = c.getMap();
    expect(flat['one.quoted10']).toBe('10');
    expect(flat['one.quotedtrue']).toBe('true');
    expect(flat['one.quotedenv']).toBe('${X}');
    expect(flat['one.lines']).toEqual([1, 'two', 3]);
  });
});

describe('[DEFAULT] (docs/compatibility.md A.6, Q-A5)', () => {
  test('DEFAULT options appear under every section, and a section value overrides them', () => {
    const c = Config.parse('[DEFAULT]\nd = 1\n[one]\n[two]\nd = 2\n');
    expect(c.getMap()).toStrictEqual({ 'one.d': 1, 'two.d': 2 });
    expect(c.get('one', 'd')).toBe(1);
    expect(c.get('DEFAULT', 'd')).toBe(1);
    expect(c.getMap('DEFAULT')).toStrictEqual({ d: 1 });
  });

  test('a file with only [DEFAULT] flattens to {}', () => {
    expect(Config.parse('[DEFAULT]\nd = 1\n').getMap()).toStrictEqual({});
  });

  test('[DEFAULT] extends is applied and is not an option anywhere', () => {
    const dir = tempFiles({ 'base.conf': '[one]\nx = 1\n' });
    const c = Config.parse('[DEFAULT]\nextends = base.conf\nd = 1\n[one]\n', { filename: join(dir, 'main.conf') });
    expect(c.getMap()).toStrictEqual({ 'one.x': 1, 'one.d': 1 });
    expect(c.hasOption('one', 'extends')).toBe(false);
    expect(c.get('DEFAULT', 'extends', 'none')).toBe('none');
  });

  test('extends in another section is an ordinary option', () => {
    expect(Config.parse('[one]\nextends = x.conf\n').get('one', 'extends')).toBe('x.conf');
  });
});

describe('${VAR} is read lazily (docs/compatibility.md A.5)', () => {
  test('changing the environment after loading changes the value; a missing one throws on read', () => {
    const env: Record<string, string | undefined> = { STUFF: 'a' };
    const c = Config.parse('[one]\nenv = some ${STUFF}\nok = 1\n', { filename: 'app.conf', env });
    expect(c.get('one', 'env')).toBe('some a');
    env.STUFF = 'b';
    expect(c.get('one', 'env')).toBe('some b');
    delete env.STUFF;
    expect(c.get('one', 'ok')).toBe(1);
    let caught: unknown;
    try {
      c.getMap();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EnvironmentNotFoundError);
    expect((caught as EnvironmentNotFoundError).varname).toBe('STUFF');
    expect((caught as Error).message).toBe("app.conf:2: Variable not found 'STUFF' (reading one.env)");
  });

  test('without opts.env, process.env is read at read time', () => {
    const c = Config.parse('[one]\nenv = ${SC_CONFIG_LAZY}\n');
    process.env.SC_CONFIG_LAZY = 'first';
    try {
      expect(c.get('one', 'env')).toBe('first');
      process.env.SC_CONFIG_LAZY = 'second';
      expect(c.get('one', 'env')).toBe('second');
    } finally {
      delete process.env.SC_CONFIG_LAZY;
    }
  });
});

describe('set() and toString() (docs/compatibility.md A.8, Q-A6)', () => {
  test('set serialises so every value reads back the same, strings that would retype are quoted', () => {
    const c = Config.parse('[one]\n');
    const values = {
      yes: true, no: false, int: 10, neg: -3,
      strtrue: 'true', str10: '10', str007: '007', strfloat: '1.5', env: '${HOME}', quoted: '"q"',
      spaced: '  pad  ', comment: 'a ;b', back: 'C:\\dir\\', plain: 'hello world', empty: '',
      list: [1, true, 'x', '10', ' y ', 'a ;b'], one: ['only'],
    };
    for (const [k, v] of Object.entries(values)) c.set('one', k, v);
    expect(c.getMap('one')).toStrictEqual(values);
    expect(Config.parse(c.toString(), { env: {} }).getMap('one')).toStrictEqual(values);
  });

  test('set lower-cases the name, replaces an option and creates a missing section', () => {
    const c = Config.parse('[one]\na = 1\n');
    c.set('one', 'A', 2);
    c.set('new', 'b', 'x');
    c.set('DEFAULT', 'd', 0);
    expect(c.getMap()).toStrictEqual({ 'one.a': 2, 'one.d': 0, 'new.b': 'x', 'new.d': 0 });
    expect(c.toString()).toBe('[DEFAULT]\nd = 0\n\n[one]\na = 2\n\n[new]\nb = x\n');
  });

  test.each<[string, string, string, unknown, RegExp]>([
    ['a float', 'one', 'x', 1.5, /1\.5 is not a safe integer/],
    ['an unsafe integer', 'one', 'x', 2 ** 60, /not a safe integer/],
    ['NaN', 'one', 'x', NaN, /NaN is not a safe integer/],
    ['a newline in a string', 'one', 'x', 'a\nb', /cannot contain a newline/],
    ['an empty list', 'one', 'x', [], /empty list/],
    ['a nested list', 'one', 'x', [['a']], /\[0\]: lists cannot be nested/],
    ["'' in a list", 'one', 'x', ['a', ''], /\[1\]: a list cannot hold ''/],
    ['an option name with "="', 'one', 'a=b', 1, /option name/],
    ['an option name starting with "["', 'one', '[x]', 1, /option name/],
    ['an empty option name', 'one', '', 1, /option name/],
    ['a section name with "]"', 'a]b', 'x', 1, /section name/],
    ['[DEFAULT] extends', 'DEFAULT', 'extends', 'x.conf', /extends is applied when a file is loaded/],
  ])('set rejects %s with a ConfigError naming Config.set', (_what, section, option, value, message) => {
    const c = Config.parse('[one]\n');
    expect(() => c.set(section, option, value as never)).toThrow(ConfigError);
    expect(() => c.set(section, option, value as never)).toThrow(message);
    expect(() => c.set(section, option, value as never)).toThrow(/^Config\.set\(/);
    expect(c.toString()).toBe('[one]\n');
  });

  test('toString writes DEFAULT first, raw values as written, lists as indented lines', () => {
    const text = '[one]\nlines = 1\n   two\nenv = ${X} ; c\n[DEFAULT]\nd = "x"\n';
    expect(Config.parse(text).toString()).toBe('[DEFAULT]\nd = "x"\n\n[one]\nlines = 1\n    two\nenv = ${X}\n');
  });
});
