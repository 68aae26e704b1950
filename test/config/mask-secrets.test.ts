import { maskSecrets, maskUriCredentials } from '../../src/config';

describe('maskSecrets', () => {
  test('keys containing password, secret or key (any case) are masked, whatever the value type', () => {
    const flat = {
      'auth.bind_password': 'xxxx', 'captcha.private_key': 'xxxx', 'captcha.public_key': 'k',
      'app.Secret': 'xxxx', 'global.api_KEYS': ['a', 'b'], 'smtp.password_len': 8, 'auth.backend': 'ldap',
    };
    expect(maskSecrets(flat)).toStrictEqual({
      'auth.bind_password': '********', 'captcha.private_key': '********', 'captcha.public_key': '********',
      'app.Secret': '********', 'global.api_KEYS': '********', 'smtp.password_len': '********', 'auth.backend': 'ldap',
    });
  });

  test('URI credentials are masked in string values and list items, any scheme (legacy: mysql/sqlite only)', () => {
    const masked = maskSecrets({
      'auth.sqluri': 'mysql://xxxx:xxxx@localhost/sync',
      'auth.ldapuri': 'ldap://cn=admin:xxxx@ldap.example.com',
      'storage.pg': 'postgres+psycopg://xxxx:xxxx@db:5432/x',
      'cache.servers': ['redis://:xxxx@r1:6379', 'memcache://plain-host:11211'],
      'global.port': 8000,
      'global.on': true,
    });
    expect(masked).toStrictEqual({
      'auth.sqluri': 'mysql://****:****@localhost/sync',
      'auth.ldapuri': 'ldap://****:****@ldap.example.com',
      'storage.pg': 'postgres+psycopg://****:****@db:5432/x',
      'cache.servers': ['redis://****:****@r1:6379', 'memcache://plain-host:11211'],
      'global.port': 8000,
      'global.on': true,
    });
    expect(JSON.stringify(masked)).not.toContain('xxxx');
  });

  test('returns a copy and leaves the input alone (Q-C1)', () => {
    const flat = { 'auth.password': 'p', 'auth.sqluri': 'mysql://u:p@h/db', list: ['mysql://u:p@h'] };
    const before = JSON.stringify(flat);
    const masked = maskSecrets(flat);
    expect(JSON.stringify(flat)).toBe(before);
    expect(masked).not.toBe(flat);
    expect(masked.list).not.toBe(flat.list);
  });
});

describe('maskUriCredentials', () => {
  test.each<[string, string]>([
    ['see mysql://xxxx:xxxx@localhost/sync and sqlite://u:p@/x', 'see mysql://****:****@localhost/sync and sqlite://****:****@/x'],
    ['https://token@github.com/org/repo', 'https://****@github.com/org/repo'],
    ['mysql://u:p@ss@host/db', 'mysql://****:****@host/db'],
    ['http://host/path?mail=a@b.c', 'http://host/path?mail=a@b.c'],
    ['http://host#frag@x', 'http://host#frag@x'],
    ['no uri here, a@b.c', 'no uri here, a@b.c'],
    ['://u:p@h (no scheme)', '://u:p@h (no scheme)'],
    ['line1 ldap://a:b@h\nline2 ldap://c:d@h', 'line1 ldap://****:****@h\nline2 ldap://****:****@h'],
    ['', ''],
  ])('%j', (text, expected) => {
    expect(maskUriCredentials(text)).toBe(expected);
  });
});
