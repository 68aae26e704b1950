import { checkResetCode, validEmail, validPassword } from '../../src/util/validation';

describe('validEmail (docs/compatibility.md C.11 valid_email)', () => {
  it.each(['tarek@mozilla.com', 'tarek+sync@mozilla.com', 'tarek@127.0.0.1'])('accepts legacy vector %p', (email) => {
    expect(validEmail(email)).toBe(true);
  });

  it.each(['tarek', 'tarek@moz', 'tarek@192.12.32334.3'])('rejects legacy vector %p', (email) => {
    expect(validEmail(email)).toBe(false);
  });

  it.each(['first.last@sub.example.co.uk', 'o\'brien@example.ie', 'user@xn--bcher-kva.example', 'jörg@bücher.de', 'a@b.io'])(
    'accepts %p', (email) => expect(validEmail(email)).toBe(true),
  );

  it.each([
    '', '@example.com', 'tarek@', 'tarek@@mozilla.com', 'tar ek@mozilla.com', 'tarek@mozilla.com ', 'tarek@mozilla..com',
    'tarek@-mozilla.com', 'tarek@mozilla-.com', 'tarek@mozilla.c', 'tarek@mozilla.123', 'tarek@256.1.1.1',
    'tarek@mozilla.com\n', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`,
  ])('rejects %p', (email) => expect(validEmail(email)).toBe(false));

  it('rejects what is not a string', () => {
    expect(validEmail(undefined)).toBe(false);
    expect(validEmail(42)).toBe(false);
  });
});

describe('validPassword (docs/compatibility.md C.11 valid_password)', () => {
  it('needs 8 characters by default', () => {
    expect(validPassword('tarek', 'xxxxxxx')).toBe(false);
    expect(validPassword('tarek', 'xxxxxxxx')).toBe(true);
  });

  it('refuses the username, ignoring case and surrounding whitespace', () => {
    expect(validPassword('tarek12345', 'tarek12345')).toBe(false);
    expect(validPassword('tarek12345', ' TAREK12345 ')).toBe(false);
    expect(validPassword(' Tarek12345', 'tarek12345')).toBe(false);
    expect(validPassword('tarek12345', 'tarek123456')).toBe(true);
  });

  it('takes a configurable minimum length, counted in characters', () => {
    expect(validPassword('tarek', 'abcdefghijkl', { minLength: 12 })).toBe(true);
    expect(validPassword('tarek', 'abcdefghijk', { minLength: 12 })).toBe(false);
    expect(validPassword('tarek', 'abc', { minLength: 3 })).toBe(true);
    // 4 emoji are 8 UTF-16 units but 4 characters.
    expect(validPassword('tarek', '😀😀😀😀')).toBe(false);
    expect(validPassword('tarek', '😀😀😀😀', { minLength: 4 })).toBe(true);
  });

  it('rejects what is not a string', () => {
    expect(validPassword('tarek', undefined)).toBe(false);
    expect(validPassword('tarek', 123456789)).toBe(false);
  });
});

describe('checkResetCode (docs/compatibility.md D.6 format, anchored at both ends)', () => {
  it.each(['7QX2-P0A9-ZK3M-4B1C', 'AAAA-0000-ZZZZ-9999'])('accepts %p', (code) => expect(checkResetCode(code)).toBe(true));

  it.each([
    '7QX2-P0A9-ZK3M-4B1C-EXTRA', // the original matched only at the start and let this through
    '7QX2-P0A9-ZK3M-4B1CX', ' 7QX2-P0A9-ZK3M-4B1C', '7qx2-p0a9-zk3m-4b1c', '7QX2P0A9ZK3M4B1C', '7QX2-P0A9-ZK3M',
    '7QX2-P0A9-ZK3M-4B1C\n', 'BADCODE', '',
  ])('rejects %p', (code) => expect(checkResetCode(code)).toBe(false));

  it('rejects what is not a string', () => expect(checkResetCode(null)).toBe(false));
});
