import fc from 'fast-check';
import { escapeDnValue, escapeFilterValue } from '../../src/auth/ldap/ldap-escape';

/** RFC 4515/4514 hex pairs back to the value (every escape this module writes is a hex pair). */
function unescapeHex(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length;) {
    if (escaped[i] === '\\') {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const char = String.fromCodePoint(escaped.codePointAt(i) as number);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('escapeFilterValue (RFC 4515, Q-D4)', () => {
  test.each([
    ['*', '\\2a'],
    ['(', '\\28'],
    [')', '\\29'],
    ['\\', '\\5c'],
    ['\0', '\\00'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['admin)(|(uid=*', 'admin\\29\\28|\\28uid=\\2a'],
    ['alice', 'alice'],
    ['josé', 'josé'],
  ])('%j → %j', (value, escaped) => {
    expect(escapeFilterValue(value)).toBe(escaped);
  });

  test('the result never carries a filter metacharacter and decodes back to the value', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      const escaped = escapeFilterValue(value);
      expect(escaped).toMatch(/^(?:[^*()\\\0]|\\[0-9a-f]{2})*$/u);
      expect(unescapeHex(escaped)).toBe(value);
    }));
  });
});

describe('escapeDnValue (RFC 4514)', () => {
  test.each([
    ['a,b', 'a\\2cb'],
    ['a+b', 'a\\2bb'],
    ['"<>;=', '\\22\\3c\\3e\\3b\\3d'],
    ['back\\slash', 'back\\5cslash'],
    ['nul\0', 'nul\\00'],
    [' lead', '\\20lead'],
    ['#hash', '\\23hash'],
    ['mid #dle', 'mid #dle'],
    ['trail ', 'trail\\20'],
    ['ou=admins,dc=x', 'ou\\3dadmins\\2cdc\\3dx'],
  ])('%j → %j', (value, escaped) => {
    expect(escapeDnValue(value)).toBe(escaped);
  });

  test('the result cannot end the RDN early and decodes back to the value', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      const escaped = escapeDnValue(value);
      expect(escaped).not.toMatch(/[,+"<>;=\0]/u);
      expect(escaped).not.toMatch(/^[ #]| $/u);
      expect(unescapeHex(escaped)).toBe(value);
    }));
  });
});
