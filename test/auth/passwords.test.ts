import { ConfigError } from '../../src/config/errors';
import { PASSWORD_SCHEMES, hashPassword, needsRehash, schemeOf, validatePassword } from '../../src/auth/passwords';

// Written by Python server-core (docs/compatibility.md D.10 vectors).
const PY_SSHA = '{SSHA}QCDS8FPwyLnHGObywiREgBzIV0NhYmNkZWZnaA==';
const PY_SSHA_256 = '{SSHA-256}7MsJ0t3FV1X60+YMEhRQ6QbqsTyLsHxyDehrH2oIMWVhYmNkZWZnaA==';
// Written by slappasswd (OpenLDAP 2.5, pw-sha2) for 'tarek s3cret': {SSHA} has a 4-byte salt.
const SLAPD = {
  ssha: '{SSHA}t42gZgK11ZitLV2vKoTM9IMrD9QbT4/d',
  ssha256: '{SSHA256}lgdn7KuNFWRI3N6leqL1HLQ1hn00jwxyPf6D1HSpClQkam+5CBy5TA==',
  ssha512: '{SSHA512}dBwBqTNOSBKBGCdjYFrHF2F7sRAeuqOv8bosVgaUo+lL8hWKPraOWE3EBnxpL8ARvf/cXxfuwLseo/sZWBS8s4wSOcprK3ef',
};
// The bcrypt test vector of OpenBSD / John the Ripper, and the argon2 reference test vector.
const BCRYPT_VECTOR = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const ARGON2_VECTOR = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';

describe('legacy SSHA hashes (docs/compatibility.md D.10)', () => {
  test('hashPassword reproduces the Python vectors with the same salt', async () => {
    expect(await hashPassword('tarek', 'ssha', { salt: 'abcdefgh' })).toBe(PY_SSHA);
    expect(await hashPassword('tarek', 'ssha-256', { salt: 'abcdefgh' })).toBe(PY_SSHA_256);
  });

  test.each([PY_SSHA, PY_SSHA_256])('%s validates "tarek" and nothing else', async (stored) => {
    expect(await validatePassword('tarek', stored)).toBe(true);
    expect(await validatePassword('tarex', stored)).toBe(false);
    expect(await validatePassword('', stored)).toBe(false);
  });

  test('a legacy hash stored without its prefix never validates', async () => {
    expect(await validatePassword('tarek', PY_SSHA.slice('{SSHA}'.length))).toBe(false);
    expect(await validatePassword('tarek', PY_SSHA_256.slice('{SSHA-256}'.length))).toBe(false);
  });

  test('new legacy salts are 8 characters from [0-9A-Za-z]', async () => {
    for (const scheme of ['ssha', 'ssha-256']) {
      const stored = await hashPassword('pw', scheme);
      const payload = Buffer.from(stored.slice(stored.indexOf('}') + 1), 'base64');
      expect(payload.subarray(payload.length - 8).toString('latin1')).toMatch(/^[0-9A-Za-z]{8}$/);
      expect(await validatePassword('pw', stored)).toBe(true);
    }
  });
});

describe('slapd hashes', () => {
  test.each(Object.entries(SLAPD))('%s written by slappasswd validates', async (_scheme, stored) => {
    expect(await validatePassword('tarek s3cret', stored)).toBe(true);
    expect(await validatePassword('tarek s3creT', stored)).toBe(false);
  });

  test('the scheme prefix is read case-insensitively, as slapd does', async () => {
    expect(await validatePassword('tarek s3cret', SLAPD.ssha.replace('{SSHA}', '{ssha}'))).toBe(true);
  });

  test.each(['ssha256', 'ssha512'])('%s written here has an 8-byte salt and round-trips', async (scheme) => {
    const stored = await hashPassword('pässwörd', scheme);
    expect(stored.startsWith(`{${scheme.toUpperCase()}}`)).toBe(true);
    const digestSize = scheme === 'ssha256' ? 32 : 64;
    expect(Buffer.from(stored.slice(stored.indexOf('}') + 1), 'base64').length).toBe(digestSize + 8);
    expect(await validatePassword('pässwörd', stored)).toBe(true);
    expect(await validatePassword('passwörd', stored)).toBe(false);
  });
});

describe('bcrypt and argon2id', () => {
  test('known vectors from other implementations validate', async () => {
    expect(await validatePassword('U*U', BCRYPT_VECTOR)).toBe(true);
    expect(await validatePassword('U*U', BCRYPT_VECTOR.replace('$2a$', '$2b$'))).toBe(true);
    expect(await validatePassword('U*U', BCRYPT_VECTOR.replace('$2a$', '$2y$'))).toBe(true);
    expect(await validatePassword('U*V', BCRYPT_VECTOR)).toBe(false);
    expect(await validatePassword('password', ARGON2_VECTOR)).toBe(true);
    expect(await validatePassword('Password', ARGON2_VECTOR)).toBe(false);
  });

  test('argon2id is the default scheme', async () => {
    const stored = await hashPassword('secret');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await validatePassword('secret', stored)).toBe(true);
    expect(await validatePassword('secreT', stored)).toBe(false);
  });

  test('bcrypt hashes round-trip', async () => {
    const stored = await hashPassword('secret', 'bcrypt');
    expect(stored).toMatch(/^\$2b\$12\$/);
    expect(await validatePassword('secret', stored)).toBe(true);
    expect(await validatePassword('secret2', stored)).toBe(false);
  });

  test('a damaged hash does not validate and does not throw', async () => {
    expect(await validatePassword('password', '$argon2id$v=19$garbage')).toBe(false);
    expect(await validatePassword('U*U', '$2a$05$short')).toBe(false);
    expect(await validatePassword('x', '{SSHA}')).toBe(false);
    expect(await validatePassword('x', '{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==')).toBe(false);
    expect(await validatePassword('x', 'plain')).toBe(false);
  });
});

describe('schemes', () => {
  test('schemeOf names the scheme of every format', () => {
    expect(schemeOf(PY_SSHA)).toBe('ssha');
    expect(schemeOf(PY_SSHA_256)).toBe('ssha-256');
    expect(schemeOf(SLAPD.ssha256)).toBe('ssha256');
    expect(schemeOf(SLAPD.ssha512)).toBe('ssha512');
    expect(schemeOf(BCRYPT_VECTOR)).toBe('bcrypt');
    expect(schemeOf(ARGON2_VECTOR)).toBe('argon2id');
    expect(schemeOf('{CRYPT}abc')).toBeNull();
  });

  test('an unknown scheme name is a ConfigError naming the key and the choices', async () => {
    await expect(hashPassword('x', 'md5')).rejects.toThrow(ConfigError);
    await expect(hashPassword('x', 'md5')).rejects.toThrow(/auth\.password_scheme.*'md5'.*argon2id, bcrypt/);
  });

  test('needsRehash: another scheme or weaker parameters', async () => {
    expect(needsRehash(PY_SSHA_256, 'argon2id')).toBe(true);
    expect(needsRehash(PY_SSHA_256, 'ssha-256')).toBe(false);
    expect(needsRehash(BCRYPT_VECTOR, 'bcrypt')).toBe(true); // cost 5 < 12
    expect(needsRehash(await hashPassword('x', 'bcrypt'), 'bcrypt')).toBe(false);
    expect(needsRehash(ARGON2_VECTOR, 'argon2id')).toBe(false); // m=65536 is stronger
    expect(needsRehash('$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'argon2id')).toBe(true);
    expect(needsRehash(await hashPassword('x'), 'argon2id')).toBe(false);
  });

  test('every listed scheme hashes and validates', async () => {
    for (const scheme of PASSWORD_SCHEMES) {
      const stored = await hashPassword('pw:with:colons', scheme);
      expect(schemeOf(stored)).toBe(scheme);
      expect(await validatePassword('pw:with:colons', stored)).toBe(true);
    }
  });
});
