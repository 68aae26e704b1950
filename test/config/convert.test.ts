import { convert, EnvironmentNotFoundError, ConfigError } from '../../src/config';

describe('convert: single values (docs/compatibility.md A.3)', () => {
  test.each<[string, unknown]>([
    ['  10 ', 10],
    ['-12', -12],
    ['+5', '+5'],
    ['007', 7],
    ['010', 10],
    ['-0', 0],
    ['10.5', '10.5'],
    ['1.10', '1.10'],
    ['12abc', '12abc'],
    ['1e3', '1e3'],
    ['0x10', '0x10'],
    ['-5x', '-5x'],
    ['-', '-'],
    ['- 5', '- 5'],
    ['"o=k"', 'o=k'],
    ['"10"', '10'],
    ['"true"', 'true'],
    ['""', ''],
    ['"', ''],
    ['', ''],
    ['TRUE', true],
    [' true ', true],
    ['False', false],
    ['yes', 'yes'],
    ['on', 'on'],
    ['1', 1],
    ['a, b', 'a, b'],
  ])('%j reads as %j', (raw, expected) => {
    expect(convert(raw, {})).toStrictEqual(expected);
  });

  test('a value that is already typed comes back unchanged', () => {
    expect(convert(5)).toBe(5);
    expect(convert(false)).toBe(false);
    const list = ['a'];
    expect(convert(list)).toBe(list);
  });

  test('integers beyond Number.MAX_SAFE_INTEGER stay strings (spec: "left as a string")', () => {
    expect(convert('9007199254740991', {})).toBe(9007199254740991);
    expect(convert('9007199254740992', {})).toBe('9007199254740992');
    expect(convert('-9007199254740993', {})).toBe('-9007199254740993');
    expect(convert('123456789012345678901234567890', {})).toBe('123456789012345678901234567890');
  });

  test('floats stay strings, so version numbers keep their digits (Q-A7)', () => {
    expect(convert('1.10', {})).toBe('1.10');
    expect(convert('-0.5', {})).toBe('-0.5');
  });

  test('\\" inside a quoted value is a quote and \\\\ a backslash; other backslashes stay (Q-A8)', () => {
    expect(convert('"say \\"hi\\""', {})).toBe('say "hi"');
    expect(convert('"C:\\dir\\\\"', {})).toBe('C:\\dir\\');
    expect(convert('"a\\nb"', {})).toBe('a\\nb');
    expect(convert('say \\"hi\\"', {})).toBe('say \\"hi\\"');
  });
});

describe('convert: multi-line values are lists (docs/compatibility.md A.4)', () => {
  test('each line is typed and lines that type to "" are dropped, false and 0 kept', () => {
    expect(convert('1\ntwo\n3', {})).toStrictEqual([1, 'two', 3]);
    expect(convert('\na', {})).toStrictEqual(['a']);
    expect(convert('a\n""\nfalse\n0\n"  "', {})).toStrictEqual(['a', false, 0, '  ']);
  });

  test('commas do not split', () => {
    expect(convert('a, b\nc,d', {})).toStrictEqual(['a, b', 'c,d']);
  });
});

describe('convert: ${VAR} (docs/compatibility.md A.5)', () => {
  const env = { A: 'x', B: 'y', 'A-B': 'dash', EMPTY: '' };

  test('substitutes from the given environment', () => {
    expect(convert('some ${A}', env)).toBe('some x');
    expect(convert('${EMPTY}', env)).toBe('');
  });

  test('several variables in one value work: non-greedy (Q-A1)', () => {
    expect(convert('${A} and ${B}', env)).toBe('x and y');
    expect(convert('${A}${B}', env)).toBe('xy');
  });

  test('number-like strings that are not ints are substituted; ints, quoted and booleans are not', () => {
    expect(convert('1${A}', env)).toBe('1x');
    expect(convert('"${A}"', env)).toBe('${A}');
    expect(convert('a\n${B}', env)).toStrictEqual(['a', 'y']);
  });

  test('${ A}, $A and an unclosed ${ stay literal; ${A-B} names a variable A-B', () => {
    expect(convert('${ A}', env)).toBe('${ A}');
    expect(convert('$A', env)).toBe('$A');
    expect(convert('x ${A', env)).toBe('x ${A');
    expect(convert('${A-B}', env)).toBe('dash');
  });

  test('substituted text is not scanned again', () => {
    expect(convert('${V}', { V: '${A}', A: 'no' })).toBe('${A}');
  });

  test('${VAR:-text} gives the text when the variable is unset or empty, as the shell does', () => {
    expect(convert('${A:-fallback}', env)).toBe('x');
    expect(convert('${EMPTY:-fallback}', env)).toBe('fallback');
    expect(convert('${MISSING_VAR_2:-fallback}', env)).toBe('fallback');
    expect(convert('${MISSING_VAR_2:-}', env)).toBe('');
    expect(convert('sqlite:///${MISSING_VAR_2:-/var/lib/sync}/sync.db', env)).toBe('sqlite:////var/lib/sync/sync.db');
    expect(convert('${MISSING_VAR_2:-a:-b}', env)).toBe('a:-b');
    // The default is text: not typed, not scanned again; a literal '${' needs quotes as before.
    expect(convert('${MISSING_VAR_2:-10}', env)).toBe('10');
    expect(convert('${MISSING_VAR_2:-${A}', env)).toBe('${A');
    expect(convert('"${MISSING_VAR_2:-x}"', env)).toBe('${MISSING_VAR_2:-x}');
    expect(() => convert('${MISSING_VAR_2:x}', env)).toThrow(EnvironmentNotFoundError);
    expect(convert('${:-x}', env)).toBe('${:-x}');
  });

  test('a missing variable throws EnvironmentNotFoundError with .varname', () => {
    let caught: unknown;
    try {
      convert('x ${MISSING_VAR_1} y', {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EnvironmentNotFoundError);
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as EnvironmentNotFoundError).varname).toBe('MISSING_VAR_1');
    expect((caught as Error).message).toBe("Variable not found 'MISSING_VAR_1'");
  });

  test('${} throws with varname null', () => {
    expect(() => convert('${}', {})).toThrow(expect.objectContaining({ varname: null }));
  });

  test('the environment defaults to process.env, read at call time', () => {
    delete process.env.SC_CONVERT_TEST;
    expect(() => convert('${SC_CONVERT_TEST}')).toThrow(EnvironmentNotFoundError);
    process.env.SC_CONVERT_TEST = 'now';
    try {
      expect(convert('${SC_CONVERT_TEST}')).toBe('now');
    } finally {
      delete process.env.SC_CONVERT_TEST;
    }
  });
});
