import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { isHttpError } from '../../src/app/responses/errors';
import * as codes from '../../src/util/respcodes';
import {
  HttpResponse, convertResponse, preferredFormat, htmlResponse, isHttpResponse, jsonBadRequest, jsonResponse, newlinesResponse,
  jsonTextsResponse, textResponse, whoisiResponse,
} from '../../src/app/responses/responses';

describe('HttpResponse', () => {
  it('defaults to 200 with an empty body and copies the headers it is given', () => {
    const headers = { 'X-A': '1' };
    const r = new HttpResponse(undefined, { headers });
    expect(r).toMatchObject({ status: 200, body: '', headers: { 'X-A': '1' } });
    headers['X-A'] = '2';
    expect(r.headers['X-A']).toBe('1');
  });

  it('refuses a status that is not an HTTP status', () => {
    expect(() => new HttpResponse('', { status: 1000 })).toThrow('HttpResponse: invalid status 1000');
    expect(() => new HttpResponse('', { status: 200.5 })).toThrow(RangeError);
  });

  it('is recognised by its brand, also from another realm', () => {
    expect(isHttpResponse(jsonResponse(1))).toBe(true);
    expect(isHttpResponse({ status: 200, headers: {}, body: '' })).toBe(false);
    expect(isHttpResponse(null)).toBe(false);
    // An object built in another realm, as a second copy of the package would: not instanceof, still branded.
    const foreign = vm.runInNewContext("({ [Symbol.for('services-core.HttpResponse')]: true, status: 200, headers: {}, body: '' })");
    expect(foreign instanceof HttpResponse).toBe(false);
    expect(isHttpResponse(foreign)).toBe(true);
  });
});

describe('response helpers (docs/compatibility.md C.11)', () => {
  it('jsonResponse writes JSON as application/json', () => {
    const r = jsonResponse({ some: 'data' });
    expect(r.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(r.body as string)).toEqual({ some: 'data' });
    expect(jsonResponse(undefined).body).toBe('null');
  });

  it('takes a status and headers; a Content-Type of the caller wins, whatever its case', () => {
    const r = jsonResponse([1], { status: 201, headers: { 'content-type': 'application/vnd.x+json', 'X-Weave-Timestamp': '1.00' } });
    expect(r.status).toBe(201);
    expect(r.headers).toEqual({ 'content-type': 'application/vnd.x+json', 'X-Weave-Timestamp': '1.00' });
  });

  it('textResponse: strings and Buffers as they are, plain objects and arrays as JSON, others through String()', () => {
    expect(textResponse('hello')).toMatchObject({ body: 'hello', headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    const bytes = Buffer.from([0, 1, 2]);
    expect(textResponse(bytes).body).toBe(bytes);
    expect(textResponse({ some: 'data' }).body).toBe('{"some":"data"}');
    expect(textResponse([1, 'a']).body).toBe('[1,"a"]');
    expect(textResponse(Object.assign(Object.create(null), { a: 1 })).body).toBe('{"a":1}');
    expect(textResponse(42).body).toBe('42');
    expect(textResponse(10n).body).toBe('10');
    expect(textResponse(false).body).toBe('false');
    expect(textResponse(new Error('boom')).body).toBe('Error: boom');
    expect(textResponse(new URL('http://a.example/x')).body).toBe('http://a.example/x');
    expect(textResponse(null).body).toBe('');
    expect(textResponse(undefined).body).toBe('');
  });

  it('htmlResponse is text/html', () => {
    expect(htmlResponse('<p>hi</p>')).toMatchObject({ status: 200, body: '<p>hi</p>', headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  });

  it('newlinesResponse writes each item as JSON followed by \\n', () => {
    const r = newlinesResponse(['a', 'b', 'c']);
    expect(r.headers['Content-Type']).toBe('application/newlines');
    expect(r.body).toBe('"a"\n"b"\n"c"\n');
    expect(newlinesResponse([{ id: 1 }, [2]]).body).toBe('{"id":1}\n[2]\n');
    expect(newlinesResponse([]).body).toBe('');
  });

  it('whoisiResponse prefixes each JSON item with its byte length, 4 bytes big-endian', () => {
    const r = whoisiResponse(['a', 'b', 'c']);
    expect(r.headers['Content-Type']).toBe('application/whoisi');
    expect(r.body).toEqual(Buffer.from('\x00\x00\x00\x03"a"\x00\x00\x00\x03"b"\x00\x00\x00\x03"c"', 'latin1'));
    // Byte length, not character count: "é" is 2 bytes in UTF-8, 4 with the quotes.
    expect(whoisiResponse(['é']).body).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from('"é"')]));
  });

  it('accepts any iterable of items', () => {
    function* items() { yield 'a'; yield 'b'; }
    expect(newlinesResponse(items()).body).toBe('"a"\n"b"\n');
    expect(convertResponse(undefined, items()).body).toBe('["a","b"]');
  });
});

describe('jsonTextsResponse: texts the app serialised itself, in the format convertResponse would use', () => {
  const texts = ['{"id":"a","modified":1.50}', '{"id":"b","modified":2.00}'];
  it('a JSON list, with the separator given (default ",")', () => {
    expect(jsonTextsResponse(undefined, texts).body).toBe(`[${texts.join(',')}]`);
    const r = jsonTextsResponse('application/json', texts, { headers: { 'X-Weave-Records': '2' } }, ', ');
    expect(r.body).toBe(`[${texts.join(', ')}]`);
    expect(r.headers).toEqual({ 'Content-Type': 'application/json', 'X-Weave-Records': '2' });
  });
  it('newlines and whoisi as newlinesResponse and whoisiResponse write them', () => {
    expect(jsonTextsResponse('application/newlines', texts).body).toBe(texts.map((t) => `${t}\n`).join(''));
    expect(jsonTextsResponse('application/newlines', ['"x"']).body).toBe(newlinesResponse(['x']).body);
    expect(jsonTextsResponse('application/whoisi', ['"x"', '"é"'])).toEqual(whoisiResponse(['x', 'é']));
    expect(jsonTextsResponse('application/whoisi', texts).headers['Content-Type']).toBe('application/whoisi');
  });
});

describe('convertResponse', () => {
  const items = ['a', 'b'];
  const typeFor = (accept: string | undefined) => convertResponse(accept, items).headers['Content-Type'];

  it.each<[string | undefined, string]>([
    ['application/json', 'application/json'],
    ['application/newlines', 'application/newlines'],
    ['application/whoisi', 'application/whoisi'],
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['text/html', 'application/json'], // none offered: JSON, as in the original (no 406)
    ['application/*', 'application/json'],
    ['application/newlines, */*;q=0.1', 'application/newlines'],
    ['application/json;q=0.5, application/whoisi', 'application/whoisi'],
    ['application/whoisi, application/newlines', 'application/whoisi'], // equal quality: header order
    ['Application/Newlines', 'application/newlines'],
    ['application/newlines;q=0, */*', 'application/json'],
    ['*/*;q=0.2, application/json;q=0', 'application/newlines'], // the specific range sets the quality
    ['garbage, application/whoisi', 'application/whoisi'],
  ])('Accept %p → %p', (accept, expected) => {
    expect(typeFor(accept)).toBe(expected);
    // preferredFormat is the same choice, for an app that writes the items itself (samples/sync).
    expect(`application/${preferredFormat(accept)}`).toBe(expected);
  });

  it('reads Accept from a Koa-style context', () => {
    const ctx = { get: (field: string) => (field.toLowerCase() === 'accept' ? 'application/newlines' : '') };
    expect(convertResponse(ctx, items).body).toBe('"a"\n"b"\n');
  });

  it('writes each format the same way as its helper', () => {
    expect(convertResponse('application/json', items).body).toBe('["a","b"]');
    expect(convertResponse('application/whoisi', items).body).toEqual(whoisiResponse(items).body);
  });
});

describe('jsonBadRequest and respcodes (docs/compatibility.md E)', () => {
  it('is a branded HttpError 400 whose body is the code', () => {
    const err = jsonBadRequest(codes.ERROR_WEAK_PASSWORD);
    expect(isHttpError(err)).toBe(true);
    expect(err.status).toBe(400);
    expect(err.expose).toBe(true);
    expect(err.body).toBe(9);
    expect(JSON.stringify(err.body)).toBe('9');
    expect(err.message).toBe('Bad Request (code 9)');
    expect(jsonBadRequest({ error: 'x' }).body).toEqual({ error: 'x' });
  });

  const table: [number, string, string][] = [
    [1, 'ERROR_ILLEGAL_METH', 'WEAVE_ILLEGAL_METH'],
    [2, 'ERROR_INVALID_CAPTCHA', 'WEAVE_INVALID_CAPTCHA'],
    [3, 'ERROR_INVALID_USER', 'WEAVE_INVALID_USER'],
    [4, 'ERROR_INVALID_WRITE', 'WEAVE_INVALID_WRITE'],
    [5, 'ERROR_WRONG_USERID', 'WEAVE_WRONG_USERID'],
    [6, 'ERROR_MALFORMED_JSON', 'WEAVE_MALFORMED_JSON'],
    [7, 'ERROR_MISSING_PASSWORD', 'WEAVE_MISSING_PASSWORD'],
    [8, 'ERROR_INVALID_WBO', 'WEAVE_INVALID_WBO'],
    [9, 'ERROR_WEAK_PASSWORD', 'WEAVE_WEAK_PASSWORD'],
    [10, 'ERROR_INVALID_RESET_CODE', 'WEAVE_INVALID_RESET_CODE'],
    [11, 'ERROR_UNSUPPORTED_FUNC', 'WEAVE_UNSUPPORTED_FUNC'],
    [12, 'ERROR_NO_EMAIL_ADDRESS', 'WEAVE_NO_EMAIL_ADRESS'],
    [13, 'ERROR_INVALID_COLLECTION', 'WEAVE_INVALID_COLLECTION'],
    [14, 'ERROR_OVER_QUOTA', 'WEAVE_OVER_QUOTA'],
    [15, 'ERROR_USERNAME_EMAIL_MISMATCH', 'WEAVE_USERNAME_EMAIL_MISMATCH'],
    [16, 'ERROR_CLIENT_UPGRADE_REQUIRED', 'WEAVE_CLIENT_UPGRADE_REQUIRED'],
    [17, 'ERROR_SIZE_LIMIT_EXCEEDED', 'WEAVE_SIZE_LIMIT_EXCEEDED'],
  ];

  it.each(table)('code %p is %s, alias %s, and in respcodes', (code, name, alias) => {
    const exported = codes as unknown as Record<string, number>;
    expect(exported[name]).toBe(code);
    expect(exported[alias]).toBe(code);
    expect((codes.respcodes as Record<string, number>)[name]).toBe(code);
  });

  it('respcodes holds exactly the 17 codes and cannot be changed', () => {
    expect(Object.values(codes.respcodes)).toEqual(table.map(([code]) => code));
    expect(Object.isFrozen(codes.respcodes)).toBe(true);
  });

  it('every code is in the docs table', () => {
    const docs = readFileSync(path.join(__dirname, '../../docs/util.md'), 'utf8');
    for (const [code, name, alias] of table) {
      expect(docs).toMatch(new RegExp(`^\\| ${code} \\| \`${name}\` \\| \`${alias}\` \\|`, 'm'));
    }
  });
});
