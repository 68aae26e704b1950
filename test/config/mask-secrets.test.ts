import { SECRET_KEYS, maskSecrets, maskUriCredentials } from '../../src/config';

describe('maskSecrets', () => {
  test('the framework secret-bearing keys are masked, whatever the value type', () => {
    const flat = {
      'auth.bind_password': 'xxxx', 'auth.admin_password': 'xxxx', 'auth.password': 'xxxx', 'smtp.password': 'xxxx',
      'cef.tls.key': 'xxxx', 'cef.tls.passphrase': 'xxxx', 'captcha.private_key': 'xxxx', 'myapp.secret': ['xxxx', 'yyyy'],
      'auth.backend': 'ldap',
    };
    const masked = maskSecrets(flat);
    expect(Object.entries(masked).filter(([, v]) => v !== '********')).toEqual([['auth.backend', 'ldap']]);
    expect(SECRET_KEYS).toEqual(expect.arrayContaining(['auth.bind_password', 'auth.admin_password', 'smtp.password', '*.password', '*.secret']));
  });

  test('by key, not by substring: password schemes, key exchange settings and public keys show', () => {
    const flat = {
      'auth.password_scheme': 'argon2id', 'smtp.password_len': 8, 'keyexchange.cid_len': 4, 'keyexchange.ttl': 300,
      'keyexchange.max_gets': 6, 'keyexchange.use_memory': true, 'captcha.public_key': 'k', 'global.api_keys': ['a'],
      'app.secretary': 'Ann', 'app.keyword': 'x',
    };
    expect(maskSecrets(flat)).toStrictEqual(flat);
  });

  test('common spellings: lower-cased compounds (the INI reader lower-cases keys), short forms, plurals, numbered and qualified names', () => {
    const secret = [
      'app.apikey', 'app.authtoken', 'app.passwd', 'app.pwd', 'app.passphrase', 'app.credentials', 'app.secrets', 'app.tokens',
      'app.password2', 'app.password_old', 'rails.secret_key_base', 'tls.private_key_pem', 'app.clientSecret', 'app.db-password',
    ];
    const masked = maskSecrets(Object.fromEntries(secret.map((key) => [key, 'xxxx'])));
    expect(Object.entries(masked).filter(([, v]) => v !== '********')).toEqual([]);
    const shown = { 'tls.public_key_pem': 'k', 'tls.publickey': 'k', 'app.password_scheme2': 'x', 'app.token_ttl': 60, 'global.secret_keys': ['a.b'] };
    expect(maskSecrets(shown)).toStrictEqual({ ...shown, 'global.secret_keys': ['a.b'] });
  });

  test('a scheme-less `user:pw@host` value is masked as a URI\'s user-info is; host:port and e-mail addresses show', () => {
    const masked = maskSecrets({
      'cache.server': 'user:xxxx@cache.example.com:11211', 'cache.list': ['u:xx@xx@h1', 'h2:11211'], 'proxy.to': 'u:xxxx@proxy/path',
      'mail.from': 'ann@example.com', 'db.host': 'db.example.com:5432', 'app.text': 'see a:b@c d',
    });
    expect(masked).toStrictEqual({
      'cache.server': '****:****@cache.example.com:11211', 'cache.list': ['****:****@h1', 'h2:11211'], 'proxy.to': '****:****@proxy/path',
      'mail.from': 'ann@example.com', 'db.host': 'db.example.com:5432', 'app.text': 'see a:b@c d',
    });
  });

  test('an app adds its own keys: global.secret_keys in the config, or the secretKeys option; `*` patterns, any case', () => {
    const flat = {
      'global.secret_keys': ['myapp.token', 'vault.*', '*.api_key'],
      'myapp.token': 'xxxx', 'myapp.user': 'ann', 'vault.a': 'xxxx', 'vault.b': 'xxxx', 'vaults.c': 'ok',
      'billing.API_KEY': 'xxxx', 'billing.api_key_id': 'ok', 'other.hook_secret': 'xxxx', 'other.Hook_Token': 'xxxx',
    };
    const masked = maskSecrets(flat, { secretKeys: ['other.hook_token'] });
    expect(masked).toStrictEqual({
      'global.secret_keys': ['myapp.token', 'vault.*', '*.api_key'],
      'myapp.token': '********', 'myapp.user': 'ann', 'vault.a': '********', 'vault.b': '********', 'vaults.c': 'ok',
      'billing.API_KEY': '********', 'billing.api_key_id': 'ok', 'other.hook_secret': '********', 'other.Hook_Token': '********',
    });
    // a comma-separated string works too (an .ini value that was not read as a list)
    expect(maskSecrets({ 'global.secret_keys': 'a.b, c.d', 'a.b': 'x', 'c.d': 'y' })).toMatchObject({ 'a.b': '********', 'c.d': '********' });
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
