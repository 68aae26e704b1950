import vectors from './fixtures/idna2003-vectors.json';
import { IdnaError, nameprep, toAscii } from '../../src/auth/idna2003';
import { InvalidUsernameError, extractUsername } from '../../src/auth/username';

describe('extractUsername (docs/compatibility.md D.11)', () => {
  test.each([
    ['username', 'username'],
    ['a%40b.com', 'a%40b.com'], // no literal @: returned as is, not decoded
    ['test@test.com', 'u2wqblarhim5su7pxemcbwdyryrghmuk'],
    ['TEST@Test.COM', 'u2wqblarhim5su7pxemcbwdyryrghmuk'],
    ['Fran%c3%a7ios@valid.test', 'ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y'],
    ['Françios@valid.test', 'ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y'],
    ['Fran%df%bfios@valid.test', 'gbejqe5rmzej6xu3lo3g7lk2ptvgxehm'], // U+07FF, unassigned in Unicode 3.2
  ])('%s → %s', (name, expected) => {
    expect(extractUsername(name)).toBe(expected);
  });

  // Expected values computed with Python's IDNA 2003 codec, as server-core did.
  test.each([
    ['user@Straße.de', 'fslzjsfbt4mlyebchkbrt4tys7gxctnw'], // ß → ss (UTS #46 would keep ß)
    ['Ünïcode@ＥＸＡＭＰＬＥ。com', 'fdkw2otwt4wyfpx2ljo4tbs35cuyfvkm'], // full-width letters and ideographic dot
    ['a%40b@c.com', 'gwjlcmsyrmpan22u7msqinfqe257uan4'], // split at the first @ after decoding
    ['a@b@c.com', 'gwjlcmsyrmpan22u7msqinfqe257uan4'],
    ['\u05d0\u05d1@\u05d2\u05d3.test', 'fkqtu5alt7kmmtzlgauztpp7cd42bdim'], // right-to-left labels
    ['x@y.com.', 'wabxoy2ifa2jjhjswxpicpxchek2eh3v'], // trailing dot kept
    ['@x.com', 'srpqu2plz6ghwo4buz63lvzbrfgo3pgf'], // empty local part is encoded as empty
    ['a%zz%4@x.com', 'fxfwexozuc4igvqrzci62vdes6qin2yh'], // malformed escapes stay literal
    ['a\u00ad\u200bb@x.com', 'ay4p7fkto27z4iz4kbcss2fphdj67wrf'], // B.1: mapped to nothing
    ['ß\ufeff@a.b', 'sgo3upvz7wh2oy2emzx2jgzk675rb6k4'], // a BOM in the middle is not stripped by the decoder but by nameprep
  ])('%s → %s (Python IDNA 2003)', (name, expected) => {
    expect(extractUsername(name)).toBe(expected);
  });

  test.each([
    ['bo%EF%bb@badcharacter.test', /not valid UTF-8/],
    ['%FEx@y', /not valid UTF-8/],
    ['bo%ef%bb%bc@badbidiuser.test', /bidi rule 2/], // U+FEFC lam-alef next to Latin letters
    ['a..b@x.com', /empty label/],
    [`a@${'x'.repeat(64)}`, /longer than 63/],
    ['a\ue000@x.com', /prohibited character U\+E000/], // C.3 private use
    ['\ud800@x.com', /surrogate/],
    ['\u00e9xn--@xn--\u00e9.com', /ACE prefix/],
  ])('%s is rejected (%s)', (name, reason) => {
    let error: unknown;
    try {
      extractUsername(name);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidUsernameError);
    expect((error as InvalidUsernameError).message).toMatch(reason);
    expect((error as InvalidUsernameError).message).toContain(JSON.stringify(name));
    expect((error as InvalidUsernameError).username).toBe(name);
  });

  test('hashed names are 32 lower-case base32 characters', () => {
    for (const name of ['a@b', 'Z@Z', 'ü@ü.de', 'x.y+tag@sub.example.org']) {
      expect(extractUsername(name)).toMatch(/^[a-z2-7]{32}$/);
    }
  });
});

describe('IDNA 2003 ToASCII against Python (generated vectors)', () => {
  const cases = vectors as [string, string | null][];

  test('the fixture holds passing and failing labels', () => {
    expect(cases.filter(([, out]) => out === null).length).toBeGreaterThan(50);
    expect(cases.filter(([, out]) => out !== null).length).toBeGreaterThan(200);
  });

  test('every label encodes as Python encoded it, or fails as it failed', () => {
    const mismatches: string[] = [];
    for (const [label, expected] of cases) {
      let got: string | null;
      try {
        got = toAscii(label);
      } catch (err) {
        if (!(err instanceof IdnaError)) throw err;
        got = null;
      }
      if (got !== expected) mismatches.push(`${JSON.stringify(label)}: want ${expected} got ${got}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('nameprep maps, normalizes and keeps prohibited and bidi checks', () => {
    expect(nameprep('CAFÉ')).toBe('café');
    expect(nameprep('ﬁ')).toBe('fi'); // NFKC
    expect(nameprep('\u2163')).toBe('iv'); // B.2 closure: Roman numeral four
    expect(nameprep('a\u3000b')).toBe('a b'); // NFKC makes the ideographic space ASCII, which nameprep allows
    expect(() => nameprep('a\u2028b')).toThrow(/prohibited character U\+2028/); // C.1.2 line separator
    expect(() => nameprep('\u0627a')).toThrow(/bidi rule 2/);
    expect(() => nameprep('\u06271')).toThrow(/bidi rule 3/);
    expect(nameprep('\u06271\u0628')).toBe('\u06271\u0628');
  });
});
