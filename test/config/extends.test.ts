import { join } from 'node:path';
import { Config, EnvironmentNotFoundError } from '../../src/config';
import { tempFiles } from './temp-files';
import { configErrorOf } from './config-error-of';

const ONE = `[DEFAULT]
extends = file_two.ini

[one]
foo = bar
num = -12
st = "o=k"
lines = 1
        two
        3
env = some \${__STUFF__}

[two]
a = b
`;
const TWO = `[one]
foo = baz
two = "a"

[three]
more = stuff
`;



describe('extends (docs/compatibility.md A.7, Q-A3, Q-A4)', () => {
  test('the test_config.py fixture: not overridden, added, new section', () => {
    const dir = tempFiles({ 'one.ini': ONE, 'file_two.ini': TWO });
    const c = Config.load(join(dir, 'one.ini'), { env: { __STUFF__: 'stuff' } });
    expect(c.get('one', 'foo')).toBe('bar');
    expect(c.get('one', 'two')).toBe('a');
    expect(c.get('three', 'more')).toBe('stuff');
    expect(c.get('one', 'env')).toBe('some stuff');
    expect(c.sections()).toEqual(['one', 'two', 'three']);
  });

  test('several files as a multi-line list: the first listed wins, the including file wins over all', () => {
    const dir = tempFiles({
      'main.ini': '[DEFAULT]\nextends = special.ini\n    common.ini\n[s]\nmine = main\n',
      'special.ini': '[s]\nmine = special\nx = special\n',
      'common.ini': '[s]\nmine = common\nx = common\ny = common\n[c]\nz = 1\n',
    });
    expect(Config.load(join(dir, 'main.ini')).getMap()).toStrictEqual({
      's.mine': 'main', 's.x': 'special', 's.y': 'common', 'c.z': 1,
    });
  });

  test('commas do not separate files (legacy): the whole value is one name', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nextends = a.ini,b.ini\n', 'a.ini': '', 'b.ini': '' });
    expect(configErrorOf(() => Config.load(join(dir, 'main.ini'))).message).toContain('a.ini,b.ini');
  });

  test('paths are relative to the including file, and extended files follow their own extends', () => {
    const dir = tempFiles({
      'etc/app/main.ini': '[DEFAULT]\nextends = ../shared/middle.ini\n[s]\na = main\n',
      'etc/shared/middle.ini': '[DEFAULT]\nextends = base/bottom.ini\n[s]\na = middle\nb = middle\n',
      'etc/shared/base/bottom.ini': '[s]\na = bottom\nb = bottom\nc = bottom\n[bottom]\nonly = 1\n',
    });
    const c = Config.load(join(dir, 'etc/app/main.ini'));
    expect(c.getMap()).toStrictEqual({ 's.a': 'main', 's.b': 'middle', 's.c': 'bottom', 'bottom.only': 1 });
  });

  test('an absolute path works from a string parsed without filename', () => {
    const dir = tempFiles({ 'base.ini': '[b]\nx = 1\n' });
    expect(Config.parse(`[DEFAULT]\nextends = ${join(dir, 'base.ini')}\n`).getMap()).toStrictEqual({ 'b.x': 1 });
  });

  test('${VAR} expands in extends (as in konfig), read at load time; quotes keep it literal', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nextends = ${SC_FLAVOUR}.ini\n', 'prod.ini': '[p]\nx = 1\n' });
    expect(Config.load(join(dir, 'main.ini'), { env: { SC_FLAVOUR: 'prod' } }).getMap()).toStrictEqual({ 'p.x': 1 });
    const err = configErrorOf(() => Config.load(join(dir, 'main.ini'), { env: {} }));
    expect(err).toBeInstanceOf(EnvironmentNotFoundError);
    expect(err.message).toBe(`${join(dir, 'main.ini')}:2: Variable not found 'SC_FLAVOUR' (reading DEFAULT.extends)`);
    const quoted = tempFiles({ 'main.ini': '[DEFAULT]\nextends = "${X}.ini"\n' });
    expect(configErrorOf(() => Config.load(join(quoted, 'main.ini'), { env: { X: 'x' } })).message).toContain("/${X}.ini': no such file");
  });

  test("the extended file's DEFAULT counts for its own sections only; the main DEFAULT blocks copies", () => {
    const dir = tempFiles({
      'main.ini': '[DEFAULT]\nextends = base.ini\nshared = main\n[mine]\n',
      'base.ini': '[DEFAULT]\nbase_default = b\n[theirs]\nshared = base\nown = 1\n',
    });
    const c = Config.load(join(dir, 'main.ini'));
    expect(c.getMap()).toStrictEqual({
      'mine.shared': 'main',
      'theirs.own': 1, 'theirs.base_default': 'b', 'theirs.shared': 'main',
    });
  });

  test('a missing extended file is a ConfigError at load, naming the file and the extends line (Q-A4)', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nd = 1\nextends = there.ini\n    missing.ini\n', 'there.ini': '' });
    const err = configErrorOf(() => Config.load(join(dir, 'main.ini')));
    expect(err.message).toBe(`${join(dir, 'main.ini')}:3: extends: cannot read '${join(dir, 'missing.ini')}': no such file`);
    expect(err.line).toBe(3);
  });

  test('a directory is not a file', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nextends = sub\n', 'sub/x': '' });
    expect(configErrorOf(() => Config.load(join(dir, 'main.ini'))).message).toMatch(/extends: cannot read '.*sub': is a directory$/);
  });

  test('a cycle is a ConfigError listing the chain', () => {
    const dir = tempFiles({
      'a.ini': '[DEFAULT]\nextends = b.ini\n',
      'b.ini': '[x]\ny = 1\n[DEFAULT]\nextends = ./a.ini\n',
    });
    const err = configErrorOf(() => Config.load(join(dir, 'a.ini')));
    expect(err.message).toBe(`${join(dir, 'b.ini')}:4: extends: cycle: ${join(dir, 'a.ini')} -> ${join(dir, 'b.ini')} -> ${join(dir, 'a.ini')}`);
  });

  test('a file extending itself is a cycle; a diamond is not', () => {
    const self = tempFiles({ 'a.ini': '[DEFAULT]\nextends = a.ini\n' });
    expect(configErrorOf(() => Config.load(join(self, 'a.ini'))).message).toContain('extends: cycle');
    const diamond = tempFiles({
      'top.ini': '[DEFAULT]\nextends = left.ini\n    right.ini\n',
      'left.ini': '[DEFAULT]\nextends = base.ini\n[l]\nx = 1\n',
      'right.ini': '[DEFAULT]\nextends = base.ini\n[r]\nx = 1\n',
      'base.ini': '[b]\nx = 1\n',
    });
    expect(Object.keys(Config.load(join(diamond, 'top.ini')).getMap()).sort()).toEqual(['b.x', 'l.x', 'r.x']);
  });

  test('a parse error in an extended file names that file and line', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nextends = bad.ini\n', 'bad.ini': '[s]\n\noops\n' });
    const err = configErrorOf(() => Config.load(join(dir, 'main.ini')));
    expect(err.file).toBe(join(dir, 'bad.ini'));
    expect(err.line).toBe(3);
  });

  test('an env error in an option copied from an extended file names that file', () => {
    const dir = tempFiles({ 'main.ini': '[DEFAULT]\nextends = base.ini\n', 'base.ini': '[s]\n\npw = ${SC_NO_SUCH}\n' });
    const c = Config.load(join(dir, 'main.ini'), { env: {} });
    expect(() => c.get('s', 'pw')).toThrow(`${join(dir, 'base.ini')}:3: Variable not found 'SC_NO_SUCH' (reading s.pw)`);
  });

  test('G.9: secrets in a private file that extends the public one', () => {
    const dir = tempFiles({
      'public.ini': '[auth]\nbackend = ldap\nldapuri = ldap://localhost\nbind_password = change-me\n',
      'private.ini': '[DEFAULT]\nextends = public.ini\n[auth]\nbind_password = ${SC_BIND_PW}\n',
    });
    const c = Config.load(join(dir, 'private.ini'), { env: { SC_BIND_PW: 's3cret' } });
    expect(c.getMap('auth')).toStrictEqual({ bind_password: 's3cret', backend: 'ldap', ldapuri: 'ldap://localhost' });
  });
});

describe('Config.load', () => {
  test('a missing file is a ConfigError naming it (Q-A4: the legacy reader returned an empty config)', () => {
    const dir = tempFiles({});
    const err = configErrorOf(() => Config.load(join(dir, 'nope.conf')));
    expect(err.message).toBe(`${join(dir, 'nope.conf')}: cannot read: no such file`);
  });

  test('parse errors and extends use the path as given', () => {
    const dir = tempFiles({ 'x.conf': '[s]\n  bad\n' });
    expect(configErrorOf(() => Config.load(join(dir, 'x.conf'))).message).toMatch(/x\.conf:2: indented line with no option/);
  });
});
